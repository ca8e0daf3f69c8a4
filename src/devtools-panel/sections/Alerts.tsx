/** The alert list: one collapsed line per alert, details on demand. */
import type { Alert, OutOfMemoryIncident } from '../../shared/analyzer-api';
import { formatBytes } from '../../shared/bytes';
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
              {a.incident !== undefined ? <IncidentView incident={a.incident} /> : null}
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

/** An out-of-memory incident: its attempts (a retry ladder), what refused them, the stack. */
function IncidentView({ incident }: { incident: OutOfMemoryIncident }) {
  const t0 = incident.attempts[0]?.time ?? 0;
  return (
    <div class="incident" data-testid="alert-incident" data-browser-refused={String(incident.browserRefused)}>
      <div>
        Limit {formatBytes(incident.limitBytes)} ({incident.maxBytes !== null ? 'declared maximum' : "engine's limit"})
        {incident.browserRefused ? ': refused by the browser below the limit' : ''}
      </div>
      <ol class="attempts">
        {incident.attempts.map((a, i) => (
          <li key={i} data-testid="incident-attempt" data-via={a.via} data-requested={a.requestedBytes} data-committed={a.committedBytes}>
            +{(a.time - t0).toFixed(1)} ms: {a.via === 'js' ? 'grow by' : 'malloc of'} {formatBytes(a.requestedBytes)} at{' '}
            {formatBytes(a.committedBytes)}
          </li>
        ))}
        {incident.moreAttempts > 0 ? <li>… and {incident.moreAttempts} more</li> : null}
      </ol>
      {incident.stack !== null ? (
        <pre class="stack" data-testid="incident-stack">
          {incident.stack}
        </pre>
      ) : null}
    </div>
  );
}
