import { describe, expect, it } from 'vitest';
import type { Alert, Severity } from '../shared/analyzer-api';
import { EXIT_LEAK, EXIT_OK } from './errors';
import { exitCodeFor, failingAlerts } from './verdict';

function alert(id: string, severity: Severity, state: Alert['state'] = 'active'): Alert {
  return {
    id,
    kind: 'memory-replaced',
    severity,
    subject: id,
    title: id,
    detail: '',
    recommendation: '',
    evidence: { series: `memory:${id}:bytes`, fromTime: 0, toTime: 1, points: [] },
    state,
    raisedAt: 0,
    updatedAt: 0,
  };
}

describe('--fail-on', () => {
  it('a report with only warnings fails at warning and info, passes at error', () => {
    const report = { alerts: [alert('w1', 'warning'), alert('w2', 'warning'), alert('old', 'error', 'resolved')] };
    expect(failingAlerts(report, 'info').map((a) => a.id)).toEqual(['w1', 'w2']);
    expect(failingAlerts(report, 'warning').map((a) => a.id)).toEqual(['w1', 'w2']);
    expect(failingAlerts(report, 'error')).toEqual([]);
    expect(exitCodeFor(report, 'info')).toBe(EXIT_LEAK);
    expect(exitCodeFor(report, 'warning')).toBe(EXIT_LEAK);
    expect(exitCodeFor(report, 'error')).toBe(EXIT_OK);
  });

  it('each level counts its own severity and the ones above, never resolved alerts', () => {
    const report = { alerts: [alert('i', 'info'), alert('w', 'warning'), alert('e', 'error'), alert('r', 'error', 'resolved')] };
    expect(failingAlerts(report, 'info').map((a) => a.id)).toEqual(['i', 'w', 'e']);
    expect(failingAlerts(report, 'warning').map((a) => a.id)).toEqual(['w', 'e']);
    expect(failingAlerts(report, 'error').map((a) => a.id)).toEqual(['e']);
    expect(exitCodeFor({ alerts: [alert('i', 'info')] }, 'warning')).toBe(EXIT_OK);
    expect(exitCodeFor({ alerts: [] }, 'info')).toBe(EXIT_OK);
  });
});

describe('out-of-memory incidents', () => {
  const oom = (state: Alert['state']): Alert => ({ ...alert('oom', 'error', state), kind: 'out-of-memory' });
  it('fail the run by default, active or resolved, whatever --fail-on says; --allow-out-of-memory lets them pass', () => {
    for (const state of ['active', 'resolved'] as const) {
      const report = { alerts: [alert('i', 'info'), oom(state)] };
      expect(failingAlerts(report, 'error').map((a) => a.id)).toEqual(['oom']);
      expect(exitCodeFor(report, 'error')).toBe(EXIT_LEAK);
      expect(exitCodeFor(report, 'error', { outOfMemory: false })).toBe(EXIT_OK);
      expect(exitCodeFor(report, 'info', { outOfMemory: false })).toBe(EXIT_LEAK); // the info alert, not the incident
    }
  });
});
