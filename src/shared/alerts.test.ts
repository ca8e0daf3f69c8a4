import { describe, expect, it } from 'vitest';
import type { Alert } from '../shared/analyzer-api';
import { groupAlerts, sortAlerts, type MemoryOrigin } from './alerts';

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

describe('groupAlerts', () => {
  const replaced = (key: string, updatedAt: number, state: Alert['state'] = 'active'): Alert => ({
    ...alert(`memory-replaced:${key}`, state, updatedAt),
    kind: 'memory-replaced',
    severity: 'error',
    subject: key,
  });
  const memories = new Map<string, MemoryOrigin>([
    [
      'r1:1',
      {
        owner: 'https://a.test/app.js',
        moduleUrl: 'https://a.test/pkg/engine.wasm?v=2',
        realm: { kind: 'window', url: 'https://a.test/' },
      },
    ],
    [
      'r1:2',
      {
        owner: 'https://a.test/app.js',
        moduleUrl: 'https://a.test/pkg/engine.wasm?v=2',
        realm: { kind: 'window', url: 'https://a.test/' },
      },
    ],
    [
      'r1:3',
      {
        owner: 'https://a.test/app.js',
        moduleUrl: 'https://a.test/pkg/engine.wasm?v=2',
        realm: { kind: 'window', url: 'https://a.test/' },
      },
    ],
    [
      'w1:1',
      {
        owner: 'https://a.test/w.js',
        moduleUrl: 'https://a.test/pkg/engine.wasm?v=2',
        realm: { kind: 'worker', url: 'https://a.test/w.js' },
      },
    ],
    ['r1:9', { owner: 'https://a.test/other.js', realm: { kind: 'window', url: 'https://a.test/' } }],
  ]);
  const of = (k: string) => memories.get(k);

  it('five replaced engines of one module in one realm are one group, in sortAlerts order', () => {
    const groups = groupAlerts([replaced('r1:1', 1), replaced('r1:2', 3), replaced('r1:3', 2, 'resolved')], of);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.members.map((a) => a.subject)).toEqual(['r1:2', 'r1:1', 'r1:3']);
    expect(groups[0]!.pattern).toBe('engine.wasm in the page');
  });

  it('another module, another realm kind, another kind of alert, or a memory not in the report: a group of its own', () => {
    const groups = groupAlerts(
      [
        replaced('r1:1', 1),
        replaced('w1:1', 1),
        replaced('r1:9', 1),
        replaced('gone:1', 1),
        { ...replaced('r1:2', 1), kind: 'fragmentation' },
        alert('budget', 'active', 1),
      ],
      of,
    );
    expect(groups.map((g) => g.members.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(groups.every((g) => g.pattern === null)).toBe(true);
    expect(new Set(groups.map((g) => g.key)).size).toBe(6);
  });

  it('out-of-memory incidents stay one line each, even of one module', () => {
    const oom = (key: string): Alert => ({ ...replaced(key, 1), id: `out-of-memory:${key}:1`, kind: 'out-of-memory' });
    expect(groupAlerts([oom('r1:1'), oom('r1:2')], of).map((g) => g.members.length)).toEqual([1, 1]);
  });
});
