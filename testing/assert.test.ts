import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/shared/analyzer-api';
import { assertNoWasmLeaks, leakAlerts } from './assert';

function alert(over: Partial<Alert>): Alert {
  return {
    id: 'a',
    kind: 'memory-replaced',
    severity: 'warning',
    subject: 'r1:2',
    title: 'Engine replaced, old one alive',
    detail: '3 engines alive',
    recommendation: 'free it',
    state: 'active',
    raisedAt: 1,
    updatedAt: 1,
    evidence: { series: 's', fromTime: 0, toTime: 1, points: [] },
    ...over,
  };
}

describe('assertNoWasmLeaks', () => {
  it('passes with no alerts, only info or resolved ones', () => {
    expect(() => assertNoWasmLeaks({ alerts: [] })).not.toThrow();
    expect(() => assertNoWasmLeaks({ alerts: [alert({ severity: 'info' }), alert({ state: 'resolved' })] })).not.toThrow();
  });

  it('throws an AssertionError listing kind, severity, subject, title and detail', () => {
    let err: unknown;
    try {
      assertNoWasmLeaks({
        alerts: [
          alert({}),
          alert({
            id: 'b',
            kind: 'bindgen-live-growth',
            severity: 'error',
            subject: 'Doc',
            title: 'Doc live count rising',
            detail: 'live 5 -> 50',
          }),
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AssertionError);
    const msg = (err as AssertionError).message;
    expect(msg).toMatch(/^expected no WebAssembly leaks \(active alerts at severity warning or above\), found 2:/);
    expect(msg).toContain('[error] bindgen-live-growth Doc: Doc live count rising\n    live 5 -> 50');
    expect(msg).toContain('[warning] memory-replaced r1:2: Engine replaced, old one alive');
    // Highest severity first.
    expect(msg.indexOf('bindgen-live-growth')).toBeLessThan(msg.indexOf('memory-replaced'));
  });

  it('honours failOn and ignore', () => {
    const alerts = [alert({}), alert({ id: 'b', kind: 'budget', severity: 'error' })];
    expect(leakAlerts({ alerts }, { failOn: 'error' }).map((a) => a.id)).toEqual(['b']);
    expect(leakAlerts({ alerts }, { ignore: ['budget'] }).map((a) => a.id)).toEqual(['a']);
    expect(() => assertNoWasmLeaks({ alerts }, { ignore: (a) => a.severity !== 'info' })).not.toThrow();
  });
});
