/** The budget form: page and per-memory budgets and the warning levels (parsing: ../budget-form.ts). */
import { useState } from 'preact/hooks';
import type { AnalyzerConfig } from '../../shared/analyzer-api';
import { budgetFormText, parseBudgetForm } from '../budget-form';
import type { PanelController } from '../controller';
import { Section } from './Section';

export function Budgets({ config, controller }: { config: AnalyzerConfig; controller: PanelController }) {
  const [initial] = useState(() => budgetFormText(config));
  const [page, setPage] = useState(initial.page);
  const [mem, setMem] = useState(initial.memory);
  const [levels, setLevels] = useState(initial.levels);
  const [error, setError] = useState<string | null>(null);
  const apply = (e: Event) => {
    e.preventDefault();
    const r = parseBudgetForm({ page, memory: mem, levels });
    if (!r.ok) return setError(r.error);
    setError(null);
    controller.configure(r.settings);
  };
  return (
    <Section title="Budgets">
      <form class="budget" onSubmit={apply}>
        <label>
          Page budget <input data-testid="budget-page" value={page} placeholder="none" onInput={(e) => setPage(e.currentTarget.value)} />
        </label>
        <label>
          Per memory <input data-testid="budget-memory" value={mem} placeholder="none" onInput={(e) => setMem(e.currentTarget.value)} />
        </label>
        <label>
          Warn at (%) <input data-testid="budget-levels" value={levels} onInput={(e) => setLevels(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="budget-apply">
          Apply
        </button>
        {error ? <span class="error-text">{error}</span> : null}
      </form>
    </Section>
  );
}
