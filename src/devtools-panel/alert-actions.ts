/**
 * Acknowledging and dismissing alerts, per panel session (kept in the panel, not in the
 * background analyzer: the toolbar badge still counts them). A decision is about a pattern
 * (src/shared/alerts.ts `alertPattern`: every engine of one module, or one class / registry /
 * memory), taken at the most serious severity its alerts had then:
 * - acknowledged: still listed, dimmed, and out of the toolbar's count;
 * - dismissed: hidden (the list offers "N dismissed, show"), and out of the count.
 * An alert of the pattern MORE serious than that severity is a new occurrence: it comes back,
 * listed and counted, until decided again. Pure: alert-actions.test.ts.
 */
import type { Alert, Severity } from '../shared/analyzer-api';
import { SEVERITY_RANK } from '../shared/alerts';

export type AlertDecision = 'acknowledged' | 'dismissed';

/** Most decisions remembered (oldest forgotten first); far more than a page has patterns. */
export const MAX_DECISIONS = 1000;

/** An alert with what the user decided about it (null: nothing, or it came back). */
export interface DecidedAlert {
  alert: Alert;
  pattern: string;
  decision: AlertDecision | null;
}

export interface AlertCount {
  /** Active alerts neither acknowledged nor dismissed. */
  count: number;
  /** The most serious severity among them (null when there are none). */
  worst: Severity | null;
}

export class AlertActions {
  private decisions = new Map<string, { decision: AlertDecision; severity: Severity }>();

  /** Decide about the patterns of `alerts`, each at the most serious severity its alerts have. */
  decide(decision: AlertDecision, alerts: readonly Alert[], patternOf: (a: Alert) => string): void {
    const worst = new Map<string, Severity>();
    for (const a of alerts) {
      const p = patternOf(a);
      const w = worst.get(p);
      if (w === undefined || SEVERITY_RANK[a.severity] > SEVERITY_RANK[w]) worst.set(p, a.severity);
    }
    for (const [p, severity] of worst) {
      this.decisions.delete(p);
      this.decisions.set(p, { decision, severity });
    }
    while (this.decisions.size > MAX_DECISIONS) {
      const oldest = this.decisions.keys().next();
      if (oldest.done) break;
      this.decisions.delete(oldest.value);
    }
  }

  /** Undo the decisions about the patterns of `alerts`. */
  undo(alerts: readonly Alert[], patternOf: (a: Alert) => string): void {
    for (const a of alerts) this.decisions.delete(patternOf(a));
  }

  /** What applies to an alert of `pattern` at `severity`: a more serious one is not covered. */
  decisionFor(pattern: string, severity: Severity): AlertDecision | null {
    const d = this.decisions.get(pattern);
    return d && SEVERITY_RANK[severity] <= SEVERITY_RANK[d.severity] ? d.decision : null;
  }

  /** Each alert with its decision, in the given order. */
  classify(alerts: readonly Alert[], patternOf: (a: Alert) => string): DecidedAlert[] {
    return alerts.map((alert) => {
      const pattern = patternOf(alert);
      return { alert, pattern, decision: this.decisionFor(pattern, alert.severity) };
    });
  }

  get size(): number {
    return this.decisions.size;
  }
}

/** The toolbar's figure: active alerts with no decision, and the worst of their severities. */
export function countUndecided(decided: readonly DecidedAlert[]): AlertCount {
  let count = 0;
  let worst: Severity | null = null;
  for (const d of decided) {
    if (d.decision !== null || d.alert.state !== 'active') continue;
    count++;
    if (worst === null || SEVERITY_RANK[d.alert.severity] > SEVERITY_RANK[worst]) worst = d.alert.severity;
  }
  return { count, worst };
}
