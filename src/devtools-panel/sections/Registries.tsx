/** App registries reported through the page API: their latest numeric fields. */
import type { RegistryStats } from '../../shared/analyzer-api';
import { formatField } from '../format';
import { Section } from './Section';

export function Registries({ registries }: { registries: RegistryStats[] }) {
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
                    {f}: {formatField(f, v)}
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
