/**
 * The top allocation sites of each memory's heap by estimated live bytes (sampled estimates,
 * from the memory's latest `sites` snapshot), each named by its first meaningful frame, the
 * full stack on expand. Frames come from the page: rendered as text only.
 */
import type { MemoryStats } from '../../shared/analyzer-api';
import { formatBytes } from '../../shared/bytes';
import { formatCount } from '../format';
import { useMemoryName } from '../names';
import { NumCell, Section } from './Section';

/** Sites shown per memory. */
export const TOP_SITES = 10;
/** Memories whose sites are shown (live ones first); the others are counted in a note. */
export const MAX_SITE_MEMORIES = 16;

export function AllocationSites({ memories, intervals }: { memories: MemoryStats[]; intervals: Record<string, number> }) {
  const name = useMemoryName();
  const withSites = memories.filter((m) => m.sites.length > 0);
  if (withSites.length === 0) return null;
  const shown = [...withSites.filter((m) => !m.collected), ...withSites.filter((m) => m.collected)].slice(0, MAX_SITE_MEMORIES);
  return (
    <Section title="Allocation sites" count={withSites.length}>
      {withSites.length > shown.length ? (
        <p class="muted" data-testid="sites-hidden" data-value={withSites.length - shown.length}>
          Sites of {withSites.length - shown.length} more memories (collected ones last) are not shown.
        </p>
      ) : null}
      {shown.map((m) => {
        const interval = intervals[m.key];
        return (
          <div key={m.key} class="sites" data-testid="sites-memory" data-key={m.key}>
            <h3 title={`${m.key}\n${m.owner}`}>
              {name(m.key)}{' '}
              <span class="muted" data-testid="sites-note">
                sampled estimates{interval !== undefined ? ` (about one sample per ${formatBytes(interval)} allocated)` : ''}
              </span>
            </h3>
            <table class="grid">
              <thead>
                <tr>
                  <th>Site (first meaningful frame)</th>
                  <th class="num">Live bytes (est.)</th>
                  <th class="num">Live allocs (est.)</th>
                  <th class="num">Samples</th>
                </tr>
              </thead>
              <tbody>
                {m.sites.slice(0, TOP_SITES).map((s, i) => (
                  <tr key={i} data-testid="site-row">
                    <td>
                      <details>
                        <summary class="frame" data-testid="site-frame">
                          {s.frame}
                        </summary>
                        <pre class="stack" data-testid="site-stack">
                          {s.frames.join('\n')}
                        </pre>
                      </details>
                    </td>
                    <NumCell testId="site-bytes" value={s.bytes} text={`~${formatBytes(s.bytes)}`} />
                    <NumCell testId="site-count" value={s.count} text={`~${formatCount(Math.round(s.count))}`} />
                    <NumCell text={formatCount(s.samples)} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </Section>
  );
}
