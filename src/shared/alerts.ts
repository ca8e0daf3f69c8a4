/** The one order of an alert list, for the panel, the CLI report and the test assertion. Pure. */
import type { Alert, Severity } from './analyzer-api';

/** Severities from least to most serious, as numbers to compare. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/**
 * Active before resolved, then the highest severity first, then the most recently updated
 * first. Alerts equal on all three keep the analyzer's order (the sort is stable). Returns a
 * new array; the input is unchanged.
 */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(b.state === 'active') - Number(a.state === 'active') ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      b.updatedAt - a.updatedAt,
  );
}
