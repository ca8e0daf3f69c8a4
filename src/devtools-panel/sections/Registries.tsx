/**
 * App registries reported through the page API: each numeric field's latest value with a
 * sparkline of its values over the session (../trends.ts), and the memory it lives in.
 */
import type { RegistryStats } from '../../shared/analyzer-api';
import { formatField } from '../format';
import { registryTrendKey, type TrendsView } from '../trends';
import { Section } from './Section';
import { Sparkline } from './Sparkline';

export function Registries({ registries, trends }: { registries: RegistryStats[]; trends: TrendsView }) {
  if (registries.length === 0) return null;
  const range = trends.range;
  return (
    <Section title="Registries" count={registries.length}>
      <div class="table-wrap">
        <table class="grid registries">
          <thead>
            <tr>
              <th>Registry</th>
              <th>Fields over time</th>
              <th>Memory</th>
            </tr>
          </thead>
          <tbody>
            {registries.map((r) => (
              <tr key={r.name} data-testid="registry-row" data-name={r.name}>
                <td class="name" title={r.name}>
                  {r.name}
                </td>
                <td>
                  <div class="fields">
                    {Object.entries(r.stats).map(([f, v]) => (
                      <span key={f} class="field-trend">
                        <span class="field" data-testid="registry-field" data-field={f} data-value={v} title={`${f}: ${formatField(f, v)}`}>
                          {f}: {formatField(f, v)}
                        </span>
                        <Sparkline
                          series={trends.get(registryTrendKey(r.name, f))}
                          range={range}
                          label={`${r.name} ${f}`}
                          format={(x) => formatField(f, x)}
                          testId="registry-spark"
                        />
                      </span>
                    ))}
                  </div>
                </td>
                <td class="muted name" title={r.memory ?? ''}>
                  {r.memory ?? '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
