/**
 * The alert list: one collapsed line per alert, details on demand. Alerts of one pattern (five
 * replaced engines of one module) are one group: one line, its members inside.
 */
import type { Alert, MemoryStats, OutOfMemoryIncident } from '../../shared/analyzer-api';
import { formatBytes } from '../../shared/bytes';
import { groupAlerts, SEVERITY_RANK, type AlertGroup } from '../../shared/alerts';
import { withMemoryNames } from '../../shared/memory-names';
import { useMemoryNames } from '../names';
import { formatClock, formatDuration } from '../format';
import { Section } from './Section';

export function Alerts({ alerts, memories }: { alerts: Alert[]; memories: MemoryStats[] }) {
  const byKey = new Map(memories.map((m) => [m.key, m]));
  const groups = groupAlerts(alerts, (key) => byKey.get(key));
  const active = groups.filter((g) => g.members.some((a) => a.state === 'active')).length;
  return (
    <Section title="Alerts" count={active}>
      {groups.length === 0 ? <p class="empty">No findings.</p> : null}
      <ul class="alerts">
        {groups.map((g) =>
          g.members.length === 1 ? <AlertItem key={g.key} alert={g.members[0]!} /> : <GroupItem key={g.key} group={g} />,
        )}
      </ul>
    </Section>
  );
}

/** A group of alerts of one pattern: the most serious member's line, "+N more", members inside. */
function GroupItem({ group }: { group: AlertGroup }) {
  const names = useMemoryNames();
  const first = group.members[0]!;
  const worst = group.members.reduce((w, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[w.severity] ? a : w), first);
  const active = group.members.filter((a) => a.state === 'active').length;
  return (
    <li
      class={`alert alert-group sev-${worst.severity} ${active > 0 ? 'active' : 'resolved'}`}
      data-testid="alert-group"
      data-kind={first.kind}
      data-members={group.members.length}
    >
      <details class="alert-body">
        <summary class="alert-head" data-testid="alert-group-title">
          <span class="sev">{worst.severity}</span>
          <strong title={first.title}>{withMemoryNames(first.title, names)}</strong>{' '}
          <span class="group-count">
            and {group.members.length - 1} more like it{group.pattern ? ` (${group.pattern})` : ''}
            {active < group.members.length ? `, ${group.members.length - active} resolved` : ''}
          </span>
        </summary>
        <ul class="alerts members">
          {group.members.map((a) => (
            <AlertItem key={a.id} alert={a} />
          ))}
        </ul>
      </details>
    </li>
  );
}

function AlertItem({ alert: a }: { alert: Alert }) {
  const names = useMemoryNames();
  return (
    <li
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
          <strong title={a.title}>{withMemoryNames(a.title, names)}</strong>
          {a.state === 'resolved' ? <span class="resolved-tag">resolved</span> : null}
        </summary>
        <div class="detail" data-testid="alert-detail">
          {withMemoryNames(a.detail, names)}
        </div>
        {a.incident !== undefined ? <IncidentView incident={a.incident} /> : null}
        <div class="rec">{a.recommendation}</div>
        <div class="evidence">
          {a.evidence.series}: {formatClock(a.evidence.fromTime)} – {formatClock(a.evidence.toTime)} (
          {formatDuration(a.evidence.toTime - a.evidence.fromTime)}, {a.evidence.points.length} points)
        </div>
      </details>
    </li>
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
