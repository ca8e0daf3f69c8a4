/** The marks of the session and the diff between any two of them. */
import { useMemo, useState } from 'preact/hooks';
import type { Diff, Mark } from '../../shared/analyzer-api';
import { formatBytes, formatDelta } from '../../shared/bytes';
import type { PanelController } from '../controller';
import type { SiteDelta } from '../sites-diff';
import { formatClock, formatCount, formatField, formatFieldDelta } from '../format';
import { NumCell, Section } from './Section';
import { useMemoryName } from '../names';

export function Marks({ marks, controller, revision }: { marks: Mark[]; controller: PanelController; revision: number }) {
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState(1);
  // The diff follows the data: `revision` changes with every new view, so it is recomputed.
  const diff: Diff | null = useMemo(
    () => (marks.length >= 2 && from !== to ? controller.diff(from, to) : null),
    [marks, from, to, controller, revision],
  );
  const sites: SiteDelta[] | null = useMemo(
    () => (marks.length >= 2 && from !== to ? controller.sitesDiff(from, to) : null),
    [marks, from, to, controller, revision],
  );
  return (
    <Section title="Marks" count={marks.length}>
      {marks.length === 0 ? <p class="empty">No marks yet. Add one before and after an action to compare.</p> : null}
      <ol class="marks">
        {marks.map((m, i) => (
          <li key={i} data-testid="mark" data-time={m.time}>
            <span class="muted">{formatClock(m.time)}</span> {m.label}
          </li>
        ))}
      </ol>
      {marks.length >= 2 ? (
        <div class="diff">
          Compare <MarkSelect testId="diff-from" marks={marks} value={from} onChange={setFrom} /> with{' '}
          <MarkSelect testId="diff-to" marks={marks} value={to} onChange={setTo} />
          {diff ? <DiffView diff={diff} /> : null}
          {sites && sites.length > 0 ? <SitesDiffView sites={sites} /> : null}
        </div>
      ) : null}
    </Section>
  );
}

function MarkSelect({ testId, marks, value, onChange }: { testId: string; marks: Mark[]; value: number; onChange: (i: number) => void }) {
  return (
    <select data-testid={testId} value={value} onChange={(e) => onChange(Number(e.currentTarget.value))}>
      {marks.map((m, i) => (
        <option key={i} value={i}>
          {i + 1}. {m.label}
        </option>
      ))}
    </select>
  );
}

function DiffView({ diff }: { diff: Diff }) {
  const name = useMemoryName();
  return (
    <table class="grid diff-table" data-testid="diff">
      <thead>
        <tr>
          <th>What</th>
          <th class="num">{diff.from.label}</th>
          <th class="num">{diff.to.label}</th>
          <th class="num">Change</th>
        </tr>
      </thead>
      <tbody>
        {diff.memories.map((m) => (
          <tr key={`m:${m.key}`} data-testid="diff-memory" data-key={m.key} data-value={m.delta}>
            <td title={m.key}>memory {name(m.key)}</td>
            <NumCell text={formatBytes(m.fromBytes)} />
            <NumCell text={formatBytes(m.toBytes)} />
            <NumCell text={formatDelta(m.delta)} up={m.delta > 0} />
          </tr>
        ))}
        {diff.classes.map((c) => (
          <tr key={`c:${c.className}`} data-testid="diff-class" data-class={c.className} data-value={c.delta}>
            <td>{c.className} live</td>
            <NumCell text={formatCount(c.fromLive)} />
            <NumCell text={formatCount(c.toLive)} />
            <NumCell text={c.delta > 0 ? `+${c.delta}` : String(c.delta)} up={c.delta > 0} />
          </tr>
        ))}
        {diff.registries.map((r) => (
          <tr key={`r:${r.name}:${r.field}`} data-testid="diff-registry" data-name={r.name} data-field={r.field} data-value={r.delta}>
            <td>
              {r.name}.{r.field}
            </td>
            <NumCell text={formatField(r.field, r.from)} />
            <NumCell text={formatField(r.field, r.to)} />
            <NumCell text={formatFieldDelta(r.field, r.delta)} up={r.delta > 0} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Most changed allocation sites listed in a diff. */
const TOP_SITE_CHANGES = 20;

function SitesDiffView({ sites }: { sites: SiteDelta[] }) {
  const name = useMemoryName();
  return (
    <table class="grid diff-table sites" data-testid="sites-diff">
      <caption>Allocation sites between the two marks (sampled estimates)</caption>
      <thead>
        <tr>
          <th>Site</th>
          <th class="num">Live bytes change (est.)</th>
          <th class="num">Live allocs change (est.)</th>
        </tr>
      </thead>
      <tbody>
        {sites.slice(0, TOP_SITE_CHANGES).map((s, i) => (
          <tr key={i} data-testid="diff-site" data-memory={s.memory} data-value={s.bytesDelta}>
            <td>
              <details>
                <summary class="frame">
                  {s.frame} <span class="muted">({name(s.memory)})</span>
                </summary>
                <pre class="stack">{s.frames.join('\n')}</pre>
              </details>
            </td>
            <NumCell text={formatDelta(s.bytesDelta)} up={s.bytesDelta > 0} />
            <NumCell
              text={s.countDelta > 0 ? `+${formatCount(Math.round(s.countDelta))}` : formatCount(Math.round(s.countDelta))}
              up={s.countDelta > 0}
            />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
