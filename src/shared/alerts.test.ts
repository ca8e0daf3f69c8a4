import { describe, expect, it } from 'vitest';
import type { Alert } from '../shared/analyzer-api';
import { sortAlerts } from './alerts';

const alert = (id: string, state: Alert['state'], updatedAt: number): Alert => ({
  id,
  kind: 'budget',
  severity: 'warning',
  subject: 'page',
  title: id,
  detail: '',
  recommendation: '',
  evidence: { series: 'page:bytes', fromTime: 0, toTime: 1, points: [] },
  state,
  raisedAt: 0,
  updatedAt,
});

describe('sortAlerts', () => {
  it('lists active alerts first, most recently updated first, without changing its input', () => {
    const input = [alert('r-old', 'resolved', 1), alert('a-old', 'active', 2), alert('r-new', 'resolved', 9), alert('a-new', 'active', 5)];
    expect(sortAlerts(input).map((a) => a.id)).toEqual(['a-new', 'a-old', 'r-new', 'r-old']);
    expect(input.map((a) => a.id)).toEqual(['r-old', 'a-old', 'r-new', 'a-new']);
  });

  it('orders by last update, not by id or by when the alert was raised', () => {
    // Neither the ids nor raisedAt (either way round) give the updatedAt order.
    const input = [
      { ...alert('a', 'active', 10), raisedAt: 3 },
      { ...alert('b', 'active', 30), raisedAt: 2 },
      { ...alert('c', 'active', 20), raisedAt: 1 },
      { ...alert('d', 'resolved', 5), raisedAt: 4 },
      { ...alert('e', 'resolved', 40), raisedAt: 0 },
    ];
    expect(sortAlerts(input).map((a) => a.id)).toEqual(['b', 'c', 'a', 'e', 'd']);
    expect(sortAlerts([...input].reverse()).map((a) => a.id)).toEqual(['b', 'c', 'a', 'e', 'd']);
  });

  it('puts the highest severity first among active alerts, then the latest update', () => {
    const input = [
      { ...alert('w-new', 'active', 9), severity: 'warning' as const },
      { ...alert('i', 'active', 10), severity: 'info' as const },
      { ...alert('e-old', 'active', 1), severity: 'error' as const },
      { ...alert('w-old', 'active', 2), severity: 'warning' as const },
      { ...alert('r-err', 'resolved', 20), severity: 'error' as const },
    ];
    expect(sortAlerts(input).map((a) => a.id)).toEqual(['e-old', 'w-new', 'w-old', 'i', 'r-err']);
  });
});
