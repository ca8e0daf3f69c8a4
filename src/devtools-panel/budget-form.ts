/**
 * The budget form's text fields <-> the analyzer's budget settings (pure). The form shows what
 * `budgetFormText` writes and hands what the user typed to `parseBudgetForm`; an empty byte
 * field means "no budget".
 */
import type { AnalyzerConfig } from '../shared/analyzer-api';
import { formatBytes, parseBytes } from '../shared/bytes';

/** The three fields as typed. */
export interface BudgetFormText {
  /** Budget of the whole page, e.g. "256 MiB"; empty: none. */
  page: string;
  /** Budget of each memory, e.g. "64 MiB"; empty: none. */
  memory: string;
  /** Warning levels in percent, comma separated, e.g. "60, 75, 85, 95". */
  levels: string;
}

export type BudgetSettings = Pick<AnalyzerConfig, 'pageBudgetBytes' | 'memoryBudgetBytes' | 'budgetLevels'>;

export type BudgetFormResult = { ok: true; settings: BudgetSettings } | { ok: false; error: string };

/** Highest level accepted, as a fraction of the budget (1000 %). */
const MAX_LEVEL = 10;

/** The fields showing `config`. */
export function budgetFormText(config: BudgetSettings): BudgetFormText {
  return {
    page: config.pageBudgetBytes === null ? '' : formatBytes(config.pageBudgetBytes),
    memory: config.memoryBudgetBytes === null ? '' : formatBytes(config.memoryBudgetBytes),
    levels: config.budgetLevels.map((l) => Math.round(l * 100)).join(', '),
  };
}

/** What the user typed -> settings (levels as fractions, ascending), or the first problem. */
export function parseBudgetForm(text: BudgetFormText): BudgetFormResult {
  const page = optionalBytes(text.page);
  if (page === undefined) return { ok: false, error: `Page budget: cannot read "${text.page}" (try "256 MiB")` };
  const memory = optionalBytes(text.memory);
  if (memory === undefined) return { ok: false, error: `Memory budget: cannot read "${text.memory}" (try "64 MiB")` };
  const levels = text.levels
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace('%', '')) / 100);
  if (levels.some((x) => !Number.isFinite(x) || x <= 0 || x > MAX_LEVEL)) {
    return { ok: false, error: 'Levels: use percentages like "60, 75, 85, 95"' };
  }
  return { ok: true, settings: { pageBudgetBytes: page, memoryBudgetBytes: memory, budgetLevels: levels.sort((a, b) => a - b) } };
}

/** null for an empty field, undefined when the text is not a size. */
function optionalBytes(text: string): number | null | undefined {
  if (text.trim() === '') return null;
  return parseBytes(text) ?? undefined;
}
