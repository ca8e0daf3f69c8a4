/**
 * wasm-bindgen classes: cumulative counters, a sparkline of the live count over the session
 * (../trends.ts), and the creation sites of live objects (each with how many live objects it
 * made: exact, or "≈" an estimate, see ../class-table.ts siteGroups) and of sampled orphans.
 * Sortable by any column (header buttons; aria-sort) and filterable by name. "Orphaned" is a
 * lower bound, shown as "≥ N"; "–" where the class is not watched object by object (counted
 * from its registry, whose finalizer reclaims what is collected).
 */
import { useMemo, useState } from 'preact/hooks';
import type { ClassStats } from '../../shared/analyzer-api';
import { filterClasses, nextSort, siteGroups, sortClasses, type ClassColumn, type ClassSort } from '../class-table';
import { formatCount } from '../format';
import { classTrendKey, type TrendsView } from '../trends';
import { NumCell, Section } from './Section';
import { Sparkline } from './Sparkline';
import { VirtualTable } from './VirtualTable';

const COLUMNS: Array<{ column: ClassColumn; label: string; num: boolean; title?: string }> = [
  { column: 'className', label: 'Class', num: false },
  { column: 'created', label: 'Created', num: true },
  { column: 'freed', label: 'Freed', num: true },
  { column: 'reclaimed', label: 'Reclaimed by GC', num: true },
  { column: 'live', label: 'Live', num: true },
  {
    column: 'orphaned',
    label: 'Orphaned',
    num: true,
    title: 'Wrappers collected in JS whose objects were never freed in wasm: leaked for good (at least this many)',
  },
];

export function Classes({ classes, trends }: { classes: ClassStats[]; trends: TrendsView }) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<ClassSort | null>(null);
  const shown = useMemo(() => sortClasses(filterClasses(classes, query), sort), [classes, query, sort]);
  if (classes.length === 0) return null;
  const range = trends.range;
  return (
    <Section title="wasm-bindgen classes" count={classes.length}>
      <div class="table-tools">
        <input
          type="search"
          class="filter"
          placeholder="Filter classes"
          aria-label="Filter classes by name"
          data-testid="classes-filter"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        {query.trim() !== '' ? (
          <span class="muted" data-testid="classes-shown" data-value={shown.length}>
            {formatCount(shown.length)} of {formatCount(classes.length)}
          </span>
        ) : null}
      </div>
      <VirtualTable
        label="wasm-bindgen classes"
        testId="classes-table"
        count={shown.length}
        row={(i) => {
          const c = shown[i] as ClassStats;
          return (
            <tr key={`${c.module ?? ''}:${c.className}`} data-testid="class-row" data-class={c.className}>
              <td class="name">
                {c.liveStacks.length > 0 || c.orphanStacks.length > 0 ? (
                  <ClassStacks c={c} />
                ) : (
                  <span title={c.className}>{c.className}</span>
                )}
              </td>
              <NumCell testId="class-created" value={c.created} text={formatCount(c.created)} />
              <NumCell testId="class-freed" value={c.freed} text={formatCount(c.freed)} />
              <NumCell testId="class-reclaimed" value={c.reclaimed} text={formatCount(c.reclaimed)} />
              <NumCell testId="class-live" value={c.live} text={formatCount(c.live)} />
              <td class="spark-cell">
                <Sparkline
                  series={trends.get(classTrendKey(c.module, c.className))}
                  range={range}
                  label={`${c.className} live objects`}
                  format={formatCount}
                  testId="class-spark"
                />
              </td>
              {c.orphaned !== undefined ? (
                <NumCell
                  testId="class-orphaned"
                  value={c.orphaned}
                  text={c.orphaned > 0 ? `≥ ${formatCount(c.orphaned)}` : '0'}
                  up={c.orphaned > 0}
                />
              ) : (
                <td class="num" data-testid="class-orphaned" title="not watched object by object">
                  –
                </td>
              )}
            </tr>
          );
        }}
        head={
          <tr>
            {COLUMNS.slice(0, 5).map((col) => (
              <SortHeader key={col.column} {...col} sort={sort} onSort={(c) => setSort(nextSort(sort, c))} />
            ))}
            <th title="Live objects over the session">Live over time</th>
            {COLUMNS.slice(5).map((col) => (
              <SortHeader key={col.column} {...col} sort={sort} onSort={(c) => setSort(nextSort(sort, c))} />
            ))}
          </tr>
        }
      />
    </Section>
  );
}

function SortHeader({
  column,
  label,
  num,
  title,
  sort,
  onSort,
}: {
  column: ClassColumn;
  label: string;
  num: boolean;
  title?: string;
  sort: ClassSort | null;
  onSort: (c: ClassColumn) => void;
}) {
  const active = sort?.column === column;
  const dir = active ? sort.dir : null;
  return (
    <th
      class={num ? 'num sortable' : 'sortable'}
      title={title}
      aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
      data-testid={`classes-sort-${column}`}
    >
      <button type="button" class="sort" onClick={() => onSort(column)}>
        {label}
        <span class="sort-mark" aria-hidden="true">
          {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
        </span>
      </button>
    </th>
  );
}

/** The class name, opening onto its creation sites (live objects, then sampled orphans). */
function ClassStacks({ c }: { c: ClassStats }) {
  const { groups, exact, sampled } = siteGroups(c);
  return (
    <details>
      <summary title={c.className}>{c.className}</summary>
      <div class="stacks">
        {c.orphanStacks.map((s, i) => (
          <div key={`o${i}`} class="stack" data-testid="class-orphan-stack">
            <div class="stack-count">{formatCount(s.count)} sampled orphan(s) created at:</div>
            <pre>{s.stack}</pre>
          </div>
        ))}
        {groups.length > 0 && !exact ? (
          <div class="muted stack-note" data-testid="class-stacks-note">
            {sampled !== null
              ? `Estimates: ${formatCount(sampled)} of ${formatCount(c.live)} live objects had their creation stack captured (objects came faster than stacks are taken); each site's share of them is scaled to all live objects.`
              : 'Sampled objects only (this trace does not say how many live objects had their stack captured).'}
          </div>
        ) : null}
        {groups.map((g, i) => (
          <div key={i} class="stack" data-testid="class-stack" data-count={g.count} data-exact={g.exact}>
            <div class="stack-count">
              {g.exact
                ? `${formatCount(g.count)} live created at:`
                : sampled !== null
                  ? `≈ ${formatCount(g.count)} live (${formatCount(g.sampled)} sampled) created at:`
                  : `${formatCount(g.sampled)} sampled live created at:`}
            </div>
            <pre>{g.stack}</pre>
          </div>
        ))}
      </div>
    </details>
  );
}
