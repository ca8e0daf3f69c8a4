/** The assertion behind expectNoWasmLeaks (pure, unit-tested). */
import { AssertionError } from 'node:assert';
import type { Alert, AlertKind, Report, Severity } from '../src/shared/analyzer-api';
import { sortAlerts } from '../src/shared/alerts';
import { failingAlerts } from '../src/cli/verdict';

export interface NoLeakOptions {
  /** Lowest severity that counts as a leak (default 'warning', as the CLI). */
  failOn?: Severity;
  /** Alert kinds to ignore, or a predicate returning true for alerts to ignore. */
  ignore?: readonly AlertKind[] | ((alert: Alert) => boolean);
}

/** Alerts that make the assertion fail under `options`. */
export function leakAlerts(report: Pick<Report, 'alerts'>, options: NoLeakOptions = {}): Alert[] {
  const ignore = options.ignore;
  const ignored = ignore === undefined ? () => false : typeof ignore === 'function' ? ignore : (a: Alert) => ignore.includes(a.kind);
  return sortAlerts(failingAlerts(report, options.failOn ?? 'warning').filter((a) => !ignored(a)));
}

/** Throws an AssertionError listing every leak alert (kind, severity, subject, title, detail). */
export function assertNoWasmLeaks(report: Pick<Report, 'alerts'>, options: NoLeakOptions = {}): void {
  const leaks = leakAlerts(report, options);
  if (leaks.length === 0) return;
  const lines = leaks.map(
    (a) => `  [${a.severity}] ${a.kind} ${a.subject}: ${a.title}${a.detail ? `\n    ${a.detail.split('\n').join('\n    ')}` : ''}`,
  );
  throw new AssertionError({
    message: `expected no WebAssembly leaks (active alerts at severity ${options.failOn ?? 'warning'} or above), found ${leaks.length}:\n${lines.join('\n')}`,
    actual: leaks.map((a) => ({ kind: a.kind, severity: a.severity, subject: a.subject, title: a.title })),
    expected: [],
    operator: 'expectNoWasmLeaks',
  });
}
