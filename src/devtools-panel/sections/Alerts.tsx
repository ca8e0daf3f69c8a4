/**
 * The alert list: one collapsed line per alert, details on demand. Alerts of one pattern (five
 * replaced engines of one module) are one group: one line, its members inside. Each line can be
 * acknowledged (stays, dimmed, out of the toolbar's count) or dismissed (hidden behind
 * "N dismissed, show"), for this panel session (../alert-actions.ts).
 *
 * Selecting an alert highlights its evidence on the chart (and zooms the chart to it): opening
 * an alert selects it, closing it deselects it, and "Show on chart" (aria-pressed) toggles it.
 * Evidence times read on the chart's clock: elapsed since the session started (`origin`), the
 * wall clock in their tooltip.
 */
import { useState } from 'preact/hooks';
import type { Alert, MemoryStats, OutOfMemoryIncident } from '../../shared/analyzer-api';
import type { AlertDecision, DecidedAlert } from '../alert-actions';
import type { PanelController } from '../controller';
import { formatBytes } from '../../shared/bytes';
import { groupAlerts, SEVERITY_RANK, type AlertGroup } from '../../shared/alerts';
import { withMemoryNames } from '../../shared/memory-names';
import { useMemoryNames } from '../names';
import { formatClock, formatDuration, formatElapsed } from '../format';
import { Section } from './Section';

/** What the user can do to a line: decide about its alerts' patterns, or undo that. */
interface LineActions {
  decisionOf(a: Alert): AlertDecision | null;
  decide(decision: AlertDecision, alerts: Alert[]): void;
  undo(alerts: Alert[]): void;
}

interface Selection {
  /** The session's first time (t = 0 of the chart), null when unknown. */
  origin: number | null;
  /** Id of the selected alert. */
  selected: string | null;
  onSelect(a: Alert | null): void;
}

export function Alerts({
  alerts,
  memories,
  controller,
  ...sel
}: { alerts: DecidedAlert[]; memories: MemoryStats[]; controller: PanelController } & Selection) {
  const [showDismissed, setShowDismissed] = useState(false);
  const byKey = new Map(memories.map((m) => [m.key, m]));
  const memoryOf = (key: string) => byKey.get(key);
  const decisions = new Map(alerts.map((d) => [d.alert.id, d.decision]));
  const actions: LineActions = {
    decisionOf: (a) => decisions.get(a.id) ?? null,
    decide: (decision, list) => controller.decideAlerts(decision, list),
    undo: (list) => controller.undoAlerts(list),
  };
  const groups = groupAlerts(
    alerts.filter((d) => d.decision !== 'dismissed').map((d) => d.alert),
    memoryOf,
  );
  const dismissed = groupAlerts(
    alerts.filter((d) => d.decision === 'dismissed').map((d) => d.alert),
    memoryOf,
  );
  const active = groups.filter((g) => g.members.some((a) => a.state === 'active')).length;
  const line = (g: AlertGroup) =>
    g.members.length === 1 ? (
      <AlertItem key={g.key} alert={g.members[0]!} actions={actions} {...sel} />
    ) : (
      <GroupItem key={g.key} group={g} actions={actions} {...sel} />
    );
  return (
    <Section title="Alerts" count={active}>
      {groups.length === 0 ? <p class="empty">{dismissed.length === 0 ? 'No findings.' : 'No findings not dismissed.'}</p> : null}
      <ul class="alerts">{groups.map(line)}</ul>
      {dismissed.length > 0 ? (
        <p class="dismissed-toggle">
          <button
            type="button"
            class="link"
            data-testid="dismissed-toggle"
            data-value={dismissed.length}
            aria-expanded={showDismissed}
            onClick={() => setShowDismissed(!showDismissed)}
          >
            {dismissed.length} dismissed, {showDismissed ? 'hide' : 'show'}
          </button>
        </p>
      ) : null}
      {showDismissed && dismissed.length > 0 ? (
        <ul class="alerts dismissed" data-testid="dismissed-alerts">
          {dismissed.map(line)}
        </ul>
      ) : null}
    </Section>
  );
}

/** Acknowledge / Dismiss a line, or undo what was decided about it (Restore, Unacknowledge). */
function Actions({ alerts, actions }: { alerts: Alert[]; actions: LineActions }) {
  const decided = alerts.map((a) => actions.decisionOf(a));
  const button = (testId: string, label: string, title: string, onClick: () => void) => (
    <button key={testId} type="button" data-testid={testId} title={title} onClick={onClick}>
      {label}
    </button>
  );
  const undo = () => actions.undo(alerts);
  const comesBack = '(this panel session); a more serious occurrence comes back';
  return (
    <span class="alert-actions">
      {decided.every((d) => d === 'dismissed')
        ? button('alert-restore', 'Restore', 'List it again and count it', undo)
        : decided.every((d) => d === 'acknowledged')
          ? button('alert-unacknowledge', 'Unacknowledge', "Count it in the toolbar's alerts again", undo)
          : [
              button('alert-acknowledge', 'Acknowledge', `Keep it listed, dimmed, out of the toolbar's count ${comesBack}`, () =>
                actions.decide('acknowledged', alerts),
              ),
              button('alert-dismiss', 'Dismiss', `Hide it ${comesBack}`, () => actions.decide('dismissed', alerts)),
            ]}
    </span>
  );
}

/** The class of a line for what was decided about all of its alerts. */
function decidedClass(alerts: Alert[], actions: LineActions): string {
  const d = alerts.map((a) => actions.decisionOf(a));
  return d.every((x) => x === 'dismissed') ? ' dismissed' : d.every((x) => x === 'acknowledged') ? ' acknowledged' : '';
}

/** Members of a group listed when it is opened (the rest are counted). */
const MAX_MEMBERS_SHOWN = 50;

/** A group of alerts of one pattern: the most serious member's line, "+N more", members inside. */
function GroupItem({ group, actions, ...sel }: { group: AlertGroup; actions: LineActions } & Selection) {
  const names = useMemoryNames();
  const [open, setOpen] = useState(false);
  const first = group.members[0]!;
  const worst = group.members.reduce((w, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[w.severity] ? a : w), first);
  const active = group.members.filter((a) => a.state === 'active').length;
  return (
    <li
      class={`alert alert-group sev-${worst.severity} ${active > 0 ? 'active' : 'resolved'}${decidedClass(group.members, actions)}`}
      data-testid="alert-group"
      data-kind={first.kind}
      data-members={group.members.length}
    >
      <details class="alert-body" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary class="alert-head" data-testid="alert-group-title">
          <span class="sev">{worst.severity}</span>
          <strong title={first.title}>{withMemoryNames(first.title, names)}</strong>{' '}
          <span class="group-count">
            and {group.members.length - 1} more like it{group.pattern ? ` (${group.pattern})` : ''}
            {active < group.members.length ? `, ${group.members.length - active} resolved` : ''}
          </span>
        </summary>
        {/* Members only while open, and at most MAX_MEMBERS_SHOWN: a group may have thousands
            (one per memory), and each view update would otherwise re-render them all. */}
        {open ? (
          <ul class="alerts members">
            {group.members.slice(0, MAX_MEMBERS_SHOWN).map((a) => (
              <AlertItem key={a.id} alert={a} {...sel} />
            ))}
            {group.members.length > MAX_MEMBERS_SHOWN ? (
              <li class="more" data-testid="alert-group-more">
                and {group.members.length - MAX_MEMBERS_SHOWN} more (export the trace, or use `wasm-memory analyze`, for all of them)
              </li>
            ) : null}
          </ul>
        ) : null}
      </details>
      <Actions alerts={group.members} actions={actions} />
    </li>
  );
}

/** One alert; `actions` absent for a group's members (the group's line decides for them). */
function AlertItem({ alert: a, actions, origin, selected, onSelect }: { alert: Alert; actions?: LineActions } & Selection) {
  const names = useMemoryNames();
  const decision = actions?.decisionOf(a) ?? null;
  const isSelected = selected === a.id;
  const e = a.evidence;
  const at = (t: number) => (origin === null ? formatClock(t) : formatElapsed(t - origin, 100));
  return (
    <li
      class={`alert sev-${a.severity} ${a.state}${decision ? ` ${decision}` : ''}${isSelected ? ' selected' : ''}`}
      data-decision={decision ?? ''}
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
      {actions ? <Actions alerts={[a]} actions={actions} /> : null}
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
