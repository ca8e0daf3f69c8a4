/**
 * The alert list: one collapsed line per alert, details on demand. Alerts of one pattern (five
 * replaced engines of one module) are one group: one line, its members inside.
 *
 * Selecting an alert highlights its evidence on the chart (and zooms the chart to it): opening
 * an alert selects it, closing it deselects it, and "Show on chart" (aria-pressed) toggles it.
 * Evidence times read on the chart's clock: elapsed since the session started (`origin`), the
 * wall clock in their tooltip.
 */
import type { Alert, MemoryStats, OutOfMemoryIncident } from '../../shared/analyzer-api';
import { formatBytes } from '../../shared/bytes';
import { groupAlerts, SEVERITY_RANK, type AlertGroup } from '../../shared/alerts';
import { withMemoryNames } from '../../shared/memory-names';
import { useMemoryNames } from '../names';
import { formatClock, formatDuration, formatElapsed } from '../format';
import { Section } from './Section';

interface Selection {
  /** The session's first time (t = 0 of the chart), null when unknown. */
  origin: number | null;
  /** Id of the selected alert. */
  selected: string | null;
  onSelect(a: Alert | null): void;
}

export function Alerts({ alerts, memories, ...sel }: { alerts: Alert[]; memories: MemoryStats[] } & Selection) {
  const byKey = new Map(memories.map((m) => [m.key, m]));
  const groups = groupAlerts(alerts, (key) => byKey.get(key));
  const active = groups.filter((g) => g.members.some((a) => a.state === 'active')).length;
  return (
    <Section title="Alerts" count={active}>
      {groups.length === 0 ? <p class="empty">No findings.</p> : null}
      <ul class="alerts">
        {groups.map((g) =>
          g.members.length === 1 ? <AlertItem key={g.key} alert={g.members[0]!} {...sel} /> : <GroupItem key={g.key} group={g} {...sel} />,
        )}
      </ul>
    </Section>
  );
}

/** A group of alerts of one pattern: the most serious member's line, "+N more", members inside. */
function GroupItem({ group, ...sel }: { group: AlertGroup } & Selection) {
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
            <AlertItem key={a.id} alert={a} {...sel} />
          ))}
        </ul>
      </details>
    </li>
  );
}

function AlertItem({ alert: a, origin, selected, onSelect }: { alert: Alert } & Selection) {
  const names = useMemoryNames();
  const isSelected = selected === a.id;
  const e = a.evidence;
  const at = (t: number) => (origin === null ? formatClock(t) : formatElapsed(t - origin, 100));
  return (
    <li
      class={`alert sev-${a.severity} ${a.state}${isSelected ? ' selected' : ''}`}
      data-testid="alert"
      data-id={a.id}
      data-kind={a.kind}
      data-subject={a.subject}
      data-severity={a.severity}
      data-state={a.state}
      data-selected={String(isSelected)}
    >
      {/* Collapsed by default: one line per alert, so the tables below stay in view. Opening one
          selects it (its evidence on the chart); closing the selected one deselects it. */}
      <details
        class="alert-body"
        onToggle={(ev) => {
          const open = (ev.currentTarget as HTMLDetailsElement).open;
          if (open && !isSelected) onSelect(a);
          else if (!open && isSelected) onSelect(null);
        }}
      >
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
        <div class="evidence" data-testid="alert-evidence">
          <span title={`${formatClock(e.fromTime)} – ${formatClock(e.toTime)}`} data-testid="alert-evidence-span">
            {withMemoryNames(e.series, names)}: {at(e.fromTime)} – {at(e.toTime)}
          </span>{' '}
          ({formatDuration(e.toTime - e.fromTime)}, {e.points.length} points){' '}
          <button
            type="button"
            class="link"
            data-testid="alert-show"
            aria-pressed={isSelected}
            onClick={() => onSelect(isSelected ? null : a)}
          >
            Show on chart
          </button>
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
