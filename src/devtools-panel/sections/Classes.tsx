/**
 * wasm-bindgen classes: cumulative counters, and the creation stacks of objects still live and of
 * sampled orphans. "Orphaned" is a lower bound, shown as "≥ N"; "–" where the class is not
 * watched object by object (counted from its registry, whose finalizer reclaims what is collected).
 */
import type { ClassStats } from '../../shared/analyzer-api';
import { formatCount } from '../format';
import { NumCell, Section } from './Section';
import { VirtualTable } from './VirtualTable';

export function Classes({ classes }: { classes: ClassStats[] }) {
  if (classes.length === 0) return null;
  return (
    <Section title="wasm-bindgen classes" count={classes.length}>
      <VirtualTable
        label="wasm-bindgen classes"
        testId="classes-table"
        count={classes.length}
        row={(i) => {
          const c = classes[i] as ClassStats;
          return (
            <tr key={`${c.module ?? ''}:${c.className}`} data-testid="class-row" data-class={c.className}>
              <td>
                {c.liveStacks.length > 0 || c.orphanStacks.length > 0 ? (
                  <details>
                    <summary>{c.className}</summary>
                    <div class="stacks">
                      {c.orphanStacks.map((s, i) => (
                        <div key={`o${i}`} class="stack" data-testid="class-orphan-stack">
                          <div class="stack-count">{formatCount(s.count)} sampled orphan(s) created at:</div>
                          <pre>{s.stack}</pre>
                        </div>
                      ))}
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
              <NumCell testId="class-created" value={c.created} text={formatCount(c.created)} />
              <NumCell testId="class-freed" value={c.freed} text={formatCount(c.freed)} />
              <NumCell testId="class-reclaimed" value={c.reclaimed} text={formatCount(c.reclaimed)} />
              <NumCell testId="class-live" value={c.live} text={formatCount(c.live)} />
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
            <th>Class</th>
            <th class="num">Created</th>
            <th class="num">Freed</th>
            <th class="num">Reclaimed by GC</th>
            <th class="num">Live</th>
            <th class="num" title="Wrappers collected in JS whose objects were never freed in wasm: leaked for good (at least this many)">
              Orphaned
            </th>
          </tr>
        }
      />
    </Section>
  );
}
