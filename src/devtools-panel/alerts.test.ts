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
});
