/** The alert list: one collapsed line per alert, details on demand. */
import type { Alert } from '../../shared/analyzer-api';
import { sortAlerts } from '../../shared/alerts';
import { formatClock, formatDuration } from '../format';
import { Section } from './Section';

export function Alerts({ alerts }: { alerts: Alert[] }) {
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
