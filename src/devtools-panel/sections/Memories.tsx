/** One row per memory: current and peak committed bytes, growths, allocator-used bytes, owner. */
import type { MemoryStats } from '../../shared/analyzer-api';
import { formatBytes } from '../../shared/bytes';
import { formatCount } from '../format';
import { NumCell, Section } from './Section';

export function Memories({ memories }: { memories: MemoryStats[] }) {
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
              <NumCell testId="memory-current" value={m.currentBytes} text={formatBytes(m.currentBytes)} />
              <NumCell testId="memory-peak" value={m.peakBytes} text={formatBytes(m.peakBytes)} />
              <NumCell testId="memory-growths" value={m.growthEvents} text={formatCount(m.growthEvents)} />
              {m.usedBytes !== undefined ? (
                <NumCell testId="memory-used" value={m.usedBytes} text={formatBytes(m.usedBytes)} />
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
