/** The exit decision: which alerts count as a leak. Pure. */
import type { Alert, Report, Severity } from '../shared/analyzer-api';
import { SEVERITY_RANK } from '../shared/alerts';
import { EXIT_LEAK, EXIT_OK } from './errors';

/** Active alerts whose severity is at least `failOn`: these make the run fail. */
export function failingAlerts(report: Pick<Report, 'alerts'>, failOn: Severity): Alert[] {
  return report.alerts.filter((a) => a.state === 'active' && SEVERITY_RANK[a.severity] >= SEVERITY_RANK[failOn]);
}

export function exitCodeFor(report: Pick<Report, 'alerts'>, failOn: Severity): number {
  return failingAlerts(report, failOn).length > 0 ? EXIT_LEAK : EXIT_OK;
}
