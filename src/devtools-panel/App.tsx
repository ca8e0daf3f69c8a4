/**
 * The panel UI. Everything shown comes from the analyzer's report()/series()/diff() via the
 * controller's ViewState; the UI holds no analysis logic. Page-provided strings (URLs, class
 * names, labels, stacks) are rendered as text only: Preact escapes them, and nothing here
 * uses dangerouslySetInnerHTML or turns page URLs into links.
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { Alert, AnalyzerConfig, ClassStats, Diff, Mark, MemoryStats, RegistryStats } from '../shared/analyzer-api';
import { Chart } from './Chart';
import type { PanelController, ViewState } from './controller';
import { sortAlerts } from '../shared/alerts';
import { formatBytes, formatDelta, parseBytes } from '../shared/bytes';
import { formatClock, formatCount, formatDuration, legendLabel, memoryTitle } from './format';
import { traceFileName } from './session';
import { serializeTrace } from '../shared/trace';

function download(name: string, text: string): void {
  const blob = new Blob([text], { type: 'application/json' });
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke after the download has had a chance to start.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export function App({ controller }: { controller: PanelController }) {
  const [view, setView] = useState<ViewState>(controller.getView());
  useEffect(() => controller.onView(setView), [controller]);
  const onWidth = useCallback((w: number) => controller.setChartPoints(w), [controller]);
  const report = view.report;
  const { labels, titles, gone } = useMemo(() => {
    const labels = new Map<string, string>();
    const titles = new Map<string, string>();
    const gone = new Set<string>();
    for (const mem of report?.memories ?? []) {
      labels.set(mem.key, legendLabel(mem.owner, mem.key));
      titles.set(mem.key, memoryTitle(mem.owner, mem.key));
      if (mem.collected) gone.add(mem.key);
    }
    return { labels, titles, gone };
  }, [report]);

  return (
    <div class={`panel mode-${view.mode}`}>
      <Toolbar view={view} controller={controller} />
      {view.versionMismatch ? (
        <div class="banner error" data-testid="version-mismatch">
          This page runs a different version of WASM Memory (protocol {view.versionMismatch.got}, panel{' '}
          {view.versionMismatch.expected}). Reload the page.
        </div>
      ) : null}
      {view.analyzerError ? (
        <div class="banner error" data-testid="analyzer-error">
          {view.analyzerError}
        </div>
      ) : null}
      {view.mode === 'import' && view.imported ? (
        <div class="banner import" data-testid="import-banner">
          <strong>Imported trace</strong> {view.imported.name}: {view.imported.url} ·{' '}
          {formatCount(view.imported.events)} events
          {view.imported.createdAt ? ` · recorded ${view.imported.createdAt}` : ''}
          {view.imported.omitted > 0 ? ` · capped: ${formatCount(view.imported.omitted)} events not kept` : ''}. The
          live session keeps recording underneath.{' '}
          <button type="button" data-testid="back-to-live" onClick={() => controller.backToLive()}>
            Back to live
          </button>
        </div>
      ) : null}
      <Chart series={view.series} labels={labels} titles={titles} gone={gone} onWidth={onWidth} />
      <Alerts alerts={report?.alerts ?? []} />
      <Memories memories={report?.memories ?? []} />
      <Classes classes={report?.classes ?? []} />
      <Registries registries={report?.registries ?? []} />
      <Marks marks={report?.marks ?? []} controller={controller} revision={view.revision} />
      <Budget config={view.config} controller={controller} />
    </div>
  );
}

function Toolbar({ view, controller }: { view: ViewState; controller: PanelController }) {
  const [label, setLabel] = useState('');
  const statusText =
    view.status === 'connected' ? 'Recording' : view.status === 'waiting' ? 'Waiting for the page' : 'Reconnecting…';
  const onExport = () => {
    const trace = controller.exportTrace();
    download(traceFileName(trace.page.url, new Date()), serializeTrace(trace));
  };
  const onImport = (e: Event) => {
    const input = e.currentTarget;
    if (!(input instanceof HTMLInputElement)) return;
    const file = input.files?.[0];
    if (!file) return;
    file
      .text()
      .then((text: string) => controller.importText(file.name, text))
      .catch((err: unknown) => controller.importFailed(file.name, String(err)))
      .finally(() => {
        input.value = '';
      });
  };
  const addMark = () => {
    const text = label.trim() || `mark ${formatClock(Date.now())}`;
    controller.mark(text);
    setLabel('');
  };
  return (
    <div class="toolbar">
      <span class="status" data-testid="status" data-state={view.status} data-reconnects={view.reconnects} title={view.url}>
        <span class="dot" />
        {statusText}
      </span>
      <span class="url" title={view.url}>
        {view.url}
      </span>
      <span class="count" data-testid="event-count" data-value={view.received}>
        {formatCount(view.received)} events
      </span>
      {view.dropped > 0 ? (
        <span class="warn" data-testid="dropped" data-value={view.dropped}>
          {formatCount(view.dropped)} dropped by the page
        </span>
      ) : null}
      {view.omitted > 0 ? (
        <span class="warn" data-testid="omitted" data-value={view.omitted}>
          trace capped: {formatCount(view.omitted)} events not kept for export
        </span>
      ) : null}
      <span class="spacer" />
      <input
        class="mark-label"
        type="text"
        placeholder="mark label"
        maxLength={200}
        value={label}
        data-testid="mark-label"
        onInput={(e) => setLabel(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') addMark();
        }}
      />
      <button type="button" data-testid="add-mark" onClick={addMark}>
        Add mark
      </button>
      <button type="button" data-testid="export-trace" onClick={onExport}>
        {view.mode === 'import' ? 'Export live trace' : 'Export trace'}
      </button>
      <label class="file-button">
        Import trace…
        <input type="file" accept=".json,application/json" data-testid="import-trace" onChange={onImport} />
      </label>
      {view.importError ? (
        <div class="import-error" role="alert" data-testid="import-error">
          Could not import {view.importError}{' '}
          <button type="button" class="link" onClick={() => controller.clearImportError()}>
            dismiss
          </button>
        </div>
      ) : null}
    </div>
  );
}

function Section({ title, count, children }: { title: string; count?: number; children: preact.ComponentChildren }) {
  return (
    <section>
      <h2>
        {title}
        {count !== undefined ? <span class="n"> ({count})</span> : null}
      </h2>
      {children}
    </section>
  );
}

function Alerts({ alerts }: { alerts: Alert[] }) {
  const sorted = sortAlerts(alerts);
  return (
    <Section title="Alerts" count={alerts.filter((a) => a.state === 'active').length}>
      {sorted.length === 0 ? <p class="empty">No findings.</p> : null}
      <ul class="alerts">
        {sorted.map((a) => (
          <li
            key={a.id}
            class={`alert sev-${a.severity} ${a.state}`}
            data-testid="alert"
            data-kind={a.kind}
            data-subject={a.subject}
            data-severity={a.severity}
            data-state={a.state}
          >
            {/* Collapsed by default: one line per alert, so the tables below stay in view. */}
            <details class="alert-body">
              <summary class="alert-head" data-testid="alert-title">
                <span class="sev">{a.severity}</span>
                <strong>{a.title}</strong>
                {a.state === 'resolved' ? <span class="resolved-tag">resolved</span> : null}
              </summary>
              <div class="detail" data-testid="alert-detail">
                {a.detail}
              </div>
              <div class="rec">{a.recommendation}</div>
              <div class="evidence">
                {a.evidence.series}: {formatClock(a.evidence.fromTime)} – {formatClock(a.evidence.toTime)} (
                {formatDuration(a.evidence.toTime - a.evidence.fromTime)}, {a.evidence.points.length} points)
              </div>
            </details>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function Memories({ memories }: { memories: MemoryStats[] }) {
  return (
    <Section title="Memories" count={memories.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Memory</th>
            <th class="num">Current</th>
            <th class="num">Peak</th>
            <th class="num">Growths</th>
            <th class="num">Used</th>
            <th>Owner</th>
          </tr>
        </thead>
        <tbody>
          {memories.map((m) => (
            <tr key={m.key} data-testid="memory-row" data-key={m.key} class={m.collected ? 'collected' : ''}>
              <td>
                {m.key}
                {m.collected ? <span class="tag">collected</span> : null}
              </td>
              <td class="num" data-testid="memory-current" data-value={m.currentBytes}>
                {formatBytes(m.currentBytes)}
              </td>
              <td class="num" data-testid="memory-peak" data-value={m.peakBytes}>
                {formatBytes(m.peakBytes)}
              </td>
              <td class="num" data-testid="memory-growths" data-value={m.growthEvents}>
                {formatCount(m.growthEvents)}
              </td>
              {m.usedBytes !== undefined ? (
                <td class="num" data-testid="memory-used" data-value={m.usedBytes}>
                  {formatBytes(m.usedBytes)}
                </td>
              ) : (
                <td class="num muted">—</td>
              )}
              <td class="owner" data-testid="memory-owner" title={m.owner}>
                {m.owner}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Classes({ classes }: { classes: ClassStats[] }) {
  if (classes.length === 0) return null;
  return (
    <Section title="wasm-bindgen classes" count={classes.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Class</th>
            <th class="num">Created</th>
            <th class="num">Freed</th>
            <th class="num">Reclaimed by GC</th>
            <th class="num">Live</th>
          </tr>
        </thead>
        <tbody>
          {classes.map((c) => (
            <tr key={`${c.module ?? ''}:${c.className}`} data-testid="class-row" data-class={c.className}>
              <td>
                {c.liveStacks.length > 0 ? (
                  <details>
                    <summary>{c.className}</summary>
                    <div class="stacks">
                      {c.liveStacks.map((s, i) => (
                        <div key={i} class="stack" data-testid="class-stack">
                          <div class="stack-count">{formatCount(s.count)} live created at:</div>
                          <pre>{s.stack}</pre>
                        </div>
                      ))}
                    </div>
                  </details>
                ) : (
                  c.className
                )}
              </td>
              <td class="num" data-testid="class-created" data-value={c.created}>
                {formatCount(c.created)}
              </td>
              <td class="num" data-testid="class-freed" data-value={c.freed}>
                {formatCount(c.freed)}
              </td>
              <td class="num" data-testid="class-reclaimed" data-value={c.reclaimed}>
                {formatCount(c.reclaimed)}
              </td>
              <td class="num" data-testid="class-live" data-value={c.live}>
                {formatCount(c.live)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Registries({ registries }: { registries: RegistryStats[] }) {
  if (registries.length === 0) return null;
  return (
    <Section title="Registries" count={registries.length}>
      <table class="grid">
        <thead>
          <tr>
            <th>Registry</th>
            <th>Fields</th>
            <th>Memory</th>
          </tr>
        </thead>
        <tbody>
          {registries.map((r) => (
            <tr key={r.name} data-testid="registry-row" data-name={r.name}>
              <td>{r.name}</td>
              <td>
                {Object.entries(r.stats).map(([f, v]) => (
                  <span key={f} class="field" data-testid="registry-field" data-field={f} data-value={v}>
                    {f}: {fieldValue(f, v)}
                  </span>
                ))}
              </td>
              <td class="muted">{r.memory ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Marks({ marks, controller, revision }: { marks: Mark[]; controller: PanelController; revision: number }) {
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState(1);
  const diff: Diff | null = useMemo(
    () => (marks.length >= 2 && from !== to ? controller.diff(from, to) : null),
    // The diff follows the data: recompute on every view revision.
    // eslint-disable-next-line react-hooks/exhaustive-deps
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
          Compare{' '}
          <select data-testid="diff-from" value={from} onChange={(e) => setFrom(Number(e.currentTarget.value))}>
            {marks.map((m, i) => (
              <option key={i} value={i}>
                {i + 1}. {m.label}
              </option>
            ))}
          </select>{' '}
          with{' '}
          <select data-testid="diff-to" value={to} onChange={(e) => setTo(Number(e.currentTarget.value))}>
            {marks.map((m, i) => (
              <option key={i} value={i}>
                {i + 1}. {m.label}
              </option>
            ))}
          </select>
          {diff ? <DiffView diff={diff} /> : null}
        </div>
      ) : null}
    </Section>
  );
}

function DiffView({ diff }: { diff: Diff }) {
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
            <td>memory {m.key}</td>
            <td class="num">{formatBytes(m.fromBytes)}</td>
            <td class="num">{formatBytes(m.toBytes)}</td>
            <td class={`num ${m.delta > 0 ? 'up' : ''}`}>{formatDelta(m.delta)}</td>
          </tr>
        ))}
        {diff.classes.map((c) => (
          <tr key={`c:${c.className}`} data-testid="diff-class" data-class={c.className} data-value={c.delta}>
            <td>{c.className} live</td>
            <td class="num">{formatCount(c.fromLive)}</td>
            <td class="num">{formatCount(c.toLive)}</td>
            <td class={`num ${c.delta > 0 ? 'up' : ''}`}>{c.delta > 0 ? `+${c.delta}` : c.delta}</td>
          </tr>
        ))}
        {diff.registries.map((r) => (
          <tr key={`r:${r.name}:${r.field}`} data-testid="diff-registry" data-name={r.name} data-field={r.field} data-value={r.delta}>
            <td>
              {r.name}.{r.field}
            </td>
            <td class="num">{fieldValue(r.field, r.from)}</td>
            <td class="num">{fieldValue(r.field, r.to)}</td>
            <td class={`num ${r.delta > 0 ? 'up' : ''}`}>
              {/bytes/i.test(r.field) ? formatDelta(r.delta) : r.delta > 0 ? `+${formatCount(r.delta)}` : formatCount(r.delta)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A registry field: bytes when its name says so, else a count. */
function fieldValue(field: string, v: number): string {
  return /bytes/i.test(field) ? formatBytes(v) : formatCount(v);
}

function bytesText(n: number | null): string {
  return n === null ? '' : formatBytes(n);
}

function Budget({ config, controller }: { config: AnalyzerConfig; controller: PanelController }) {
  const [page, setPage] = useState(bytesText(config.pageBudgetBytes));
  const [mem, setMem] = useState(bytesText(config.memoryBudgetBytes));
  const [levels, setLevels] = useState(config.budgetLevels.map((l) => Math.round(l * 100)).join(', '));
  const [error, setError] = useState<string | null>(null);
  const apply = (e: Event) => {
    e.preventDefault();
    const pageBytes = page.trim() === '' ? null : parseBytes(page);
    const memBytes = mem.trim() === '' ? null : parseBytes(mem);
    if (page.trim() !== '' && pageBytes === null) return setError(`Page budget: cannot read "${page}" (try "256 MiB")`);
    if (mem.trim() !== '' && memBytes === null) return setError(`Memory budget: cannot read "${mem}" (try "64 MiB")`);
    const lv = levels
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => Number(s.replace('%', '')) / 100);
    if (lv.some((x) => !Number.isFinite(x) || x <= 0 || x > 10)) return setError(`Levels: use percentages like "60, 75, 85, 95"`);
    setError(null);
    controller.configure({ pageBudgetBytes: pageBytes, memoryBudgetBytes: memBytes, budgetLevels: lv.sort((a, b) => a - b) });
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
