/** The exit decision: which alerts count as a leak. Pure. */
import type { Alert, Report, Severity } from '../shared/analyzer-api';
import { EXIT_LEAK, EXIT_OK } from './errors';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Active alerts whose severity is at least `failOn`: these make the run fail. */
export function failingAlerts(report: Pick<Report, 'alerts'>, failOn: Severity): Alert[] {
  return report.alerts.filter((a) => a.state === 'active' && RANK[a.severity] >= RANK[failOn]);
}

export function exitCodeFor(report: Pick<Report, 'alerts'>, failOn: Severity): number {
  return failingAlerts(report, failOn).length > 0 ? EXIT_LEAK : EXIT_OK;
}

/** Alerts sorted for display: active first, then by severity (highest first), then by time. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(b.state === 'active') - Number(a.state === 'active') ||
      RANK[b.severity] - RANK[a.severity] ||
      a.raisedAt - b.raisedAt ||
      a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
}
