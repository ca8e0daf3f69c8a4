/** The exit decision: which alerts count as a leak, and out-of-memory incidents. Pure. */
import type { Alert, Report, Severity } from '../shared/analyzer-api';
import { SEVERITY_RANK } from '../shared/alerts';
import { EXIT_LEAK, EXIT_OK } from './errors';

/** What fails a run besides active alerts at `failOn` or above. */
export interface VerdictOptions {
  /**
   * An out-of-memory incident fails the run whatever its state (it resolves once the memory grew
   * again, but the app did fail) and whatever `failOn` says. Default true; false with
   * `--allow-out-of-memory`: then incidents are reported only, never failing the run.
   */
  outOfMemory?: boolean;
}

/** Out-of-memory incidents of the session, active or resolved. */
export function outOfMemoryAlerts(report: Pick<Report, 'alerts'>): Alert[] {
  return report.alerts.filter((a) => a.kind === 'out-of-memory');
}

/** Alerts that make the run fail: active ones at `failOn` or above, and out-of-memory incidents. */
export function failingAlerts(report: Pick<Report, 'alerts'>, failOn: Severity, options: VerdictOptions = {}): Alert[] {
  const oom = options.outOfMemory ?? true;
  return report.alerts.filter((a) =>
    a.kind === 'out-of-memory' ? oom : a.state === 'active' && SEVERITY_RANK[a.severity] >= SEVERITY_RANK[failOn],
  );
}

export function exitCodeFor(report: Pick<Report, 'alerts'>, failOn: Severity, options: VerdictOptions = {}): number {
  return failingAlerts(report, failOn, options).length > 0 ? EXIT_LEAK : EXIT_OK;
}
