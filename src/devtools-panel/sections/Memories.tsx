/**
 * One row per memory: current and peak committed bytes, headroom (committed / limit, as a bar),
 * growths, the heap's used bytes (see ../heap-view.ts for what the cell may say), allocator and
 * live allocations, owner. Live memories first; the collected ones after them, behind one
 * expandable row ("N collected memories", open by default while there are at most
 * FOLD_OPEN_MAX); a long table renders only the rows in view (VirtualTable). When the memories
 * live in more than one realm, a realm filter (../realm-filter.ts) selects the page's, its
 * frames', its workers', or one realm's. Below them, the
 * page's workers that could not be instrumented (their memories are missing from the table),
 * each with why (src/shared/worker-skips.ts).
 */
import type { MemoryStats } from '../../shared/analyzer-api';
import { formatBytes } from '../../shared/bytes';
import type { WorkerSkipSummary } from '../../shared/worker-skips';
import { formatCount } from '../format';
import { usedCell } from '../heap-view';
import { NumCell, Section } from './Section';
import { VirtualTable } from './VirtualTable';
import { useMemoryName } from '../names';
import { useMemo, useState } from 'preact/hooks';
import { fileOf } from '../../shared/memory-names';
import { ALL_REALMS, matchesRealm, realmOptions, type RealmChoice } from '../realm-filter';

/** Collected memories are shown unfolded by default while there are at most this many. */
export const FOLD_OPEN_MAX = 10;

export function Memories({ memories, workerSkips }: { memories: MemoryStats[]; workerSkips: WorkerSkipSummary }) {
  const realms = useMemo(() => realmOptions(memories, fileOf), [memories]);
  const [chosenRealm, setRealm] = useState<RealmChoice>(ALL_REALMS);
  // A choice whose realm is gone (a new page session) shows every realm again.
  const realm = realms.some((o) => o.value === chosenRealm) ? chosenRealm : ALL_REALMS;
  const inRealm = useMemo(() => (realm === ALL_REALMS ? memories : memories.filter((m) => matchesRealm(m, realm))), [memories, realm]);
  const live = useMemo(() => inRealm.filter((m) => !m.collected), [inRealm]);
  const collected = useMemo(() => inRealm.filter((m) => m.collected), [inRealm]);
  // The user's choice once made; until then, open while there are few.
  const [chosen, setChosen] = useState<boolean | null>(null);
  const open = chosen ?? collected.length <= FOLD_OPEN_MAX;
  const fold = collected.length > 0 ? 1 : 0;
  const count = live.length + fold + (open ? collected.length : 0);
  const row = (i: number) => {
    if (i < live.length) return <MemoryRow key={live[i]?.key} m={live[i] as MemoryStats} />;
    if (i === live.length && fold) {
      return (
        <tr key="fold" class="fold" data-testid="collected-fold" data-value={collected.length}>
          <td colSpan={9}>
            <button type="button" data-testid="collected-toggle" aria-expanded={open} onClick={() => setChosen(!open)}>
              {open ? '▾' : '▸'} {formatCount(collected.length)} collected {collected.length === 1 ? 'memory' : 'memories'}
            </button>
          </td>
        </tr>
      );
    }
    const m = collected[i - live.length - fold] as MemoryStats;
    return <MemoryRow key={m.key} m={m} />;
  };
  return (
    <Section title="Memories" count={memories.length}>
      {realms.length > 0 ? (
        <div class="table-tools">
          <label>
            Realm{' '}
            <select data-testid="realm-filter" value={realm} onChange={(e) => setRealm(e.currentTarget.value)}>
              {realms.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label} ({formatCount(o.count)})
                </option>
              ))}
            </select>
          </label>
          {realm !== ALL_REALMS ? (
            <span class="muted" data-testid="memories-shown" data-value={inRealm.length}>
              {formatCount(inRealm.length)} of {formatCount(memories.length)}
            </span>
          ) : null}
        </div>
      ) : null}
      <VirtualTable
        label="Memories"
        testId="memories-table"
        count={count}
        row={row}
        head={
          <tr>
            <th>Memory</th>
            <th class="num">Current</th>
            <th class="num">Peak</th>
            <th title="Committed bytes against the limit: the declared maximum, else the engine's limit">Headroom</th>
            <th class="num">Growths</th>
            <th class="num">Used</th>
            <th>Allocator</th>
            <th class="num">Live allocs</th>
            <th>Owner</th>
          </tr>
        }
      />
      <WorkerSkips skips={workerSkips} />
    </Section>
  );
}

function MemoryRow({ m }: { m: MemoryStats }) {
  const name = useMemoryName();
  return (
    <tr data-testid="memory-row" data-key={m.key} class={m.collected ? 'collected' : ''}>
      <td data-testid="memory-name" title={`${m.key}\n${m.moduleUrl ?? m.owner}${m.realm ? `\n${m.realm.kind}: ${m.realm.url}` : ''}`}>
        {name(m.key)}
        {m.collected ? <span class="tag">collected</span> : null}
      </td>
      <NumCell testId="memory-current" value={m.currentBytes} text={formatBytes(m.currentBytes)} />
      <NumCell testId="memory-peak" value={m.peakBytes} text={formatBytes(m.peakBytes)} />
      <HeadroomTd m={m} />
      <NumCell testId="memory-growths" value={m.growthEvents} text={formatCount(m.growthEvents)} />
      <UsedTd m={m} />
      <td data-testid="memory-allocator" class={m.allocator ? '' : 'muted'}>
        {m.allocator ?? '—'}
      </td>
      {m.liveAllocations !== undefined ? (
        <NumCell testId="memory-live-allocs" value={m.liveAllocations} text={formatCount(m.liveAllocations)} />
      ) : (
        <td class="num muted">—</td>
      )}
      <td class="owner" data-testid="memory-owner" title={m.realm ? `${m.owner}\n${m.realm.kind}: ${m.realm.url}` : m.owner}>
        {m.realm && m.realm.kind !== 'window' ? <span data-testid="memory-realm-kind">{m.realm.kind} </span> : null}
        {m.owner}
      </td>
    </tr>
  );
}

function WorkerSkips({ skips }: { skips: WorkerSkipSummary }) {
  if (skips.workers.length === 0) return null;
  return (
    <div class="worker-skips" data-testid="worker-skips">
      <p class="warn">Workers not instrumented: their memories are not shown.</p>
      <ul>
        {skips.workers.map((w) => (
          <li
            key={`${w.reason} ${w.directive ?? ''} ${w.url}`}
            data-testid="worker-skip"
            data-reason={w.reason}
            data-directive={w.directive ?? ''}
          >
            <span class="owner">{w.url || '(no URL string)'}</span>: {w.text}
            {w.realms > 1 ? ` (${formatCount(w.realms)} realms)` : ''}
          </li>
        ))}
        {skips.more > 0 ? <li class="muted">and {formatCount(skips.more)} more</li> : null}
      </ul>
    </div>
  );
}

/** The Used cell: live bytes, a labelled part of them, or "not counted" with the reason. */
function UsedTd({ m }: { m: MemoryStats }) {
  const c = usedCell(m);
  return (
    <td
      class={c.state === 'counted' ? 'num' : 'num muted'}
      data-testid="memory-used"
      data-state={c.state}
      data-tracking={m.tracking}
      data-value={c.value}
      title={c.title}
    >
      {c.text}
      {c.state === 'not-counted' || c.state === 'no-sizes' ? <span class="visually-hidden">: {c.title}</span> : null}
    </td>
  );
}

/** Committed / limit as a bar, the figures beside it; the limit's source on hover. */
function HeadroomTd({ m }: { m: MemoryStats }) {
  const limit = m.limitBytes;
  if (!(limit > 0)) return <td class="muted">—</td>;
  const ratio = Math.min(1, m.currentBytes / limit);
  const pct = Math.floor(ratio * 100);
  const source = m.maxBytes !== null ? 'its declared maximum' : "the engine's limit (no maximum declared)";
  const level = ratio >= 0.95 ? 'error' : ratio >= 0.75 ? 'warning' : ratio >= 0.6 ? 'info' : 'ok';
  return (
    <td
      class="headroom"
      data-testid="memory-headroom"
      data-value={ratio}
      data-limit={limit}
      data-level={level}
      title={`${formatBytes(m.currentBytes)} committed of ${formatBytes(limit)}, ${source}: ${formatBytes(Math.max(0, limit - m.currentBytes))} left`}
    >
      <span class="headroom-bar" aria-hidden="true">
        <span class={`headroom-fill lvl-${level}`} style={{ width: `${pct}%` }} />
      </span>
      <span class="headroom-text">
        {pct}% of {formatBytes(limit)}
        {m.maxBytes === null ? <span class="muted"> (engine)</span> : null}
      </span>
    </td>
  );
}
