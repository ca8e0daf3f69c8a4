import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../shared/protocol';
import { MAX_TREND_SERIES, TREND_CAPACITY, Trends, classTrendKey, registryTrendKey, sparkPath, trendSummary } from './trends';

const bindgen = (time: number, className: string, live: number, module: string | null = 'm1'): PageEvent => ({
  t: 'bindgen',
  time,
  module,
  className,
  created: live,
  freed: 0,
  reclaimed: 0,
  live,
});
const registry = (time: number, name: string, stats: Record<string, number>): PageEvent => ({ t: 'registry', time, name, stats });

describe('Trends', () => {
  it('follows each class live count and each registry field over time', () => {
    const t = new Trends();
    t.ingest([
      bindgen(10, 'Doc', 1),
      registry(15, 'docs', { open: 1, bytes: 100 }),
      bindgen(20, 'Doc', 3),
      bindgen(20, 'Doc', 2, 'm2'),
      registry(30, 'docs', { open: 2, bytes: 300 }),
      { t: 'mark', time: 40, label: 'x' },
    ]);
    expect(t.get(classTrendKey('m1', 'Doc'))).toEqual({ times: [10, 20], min: [1, 3], max: [1, 3] });
    expect(t.get(classTrendKey('m2', 'Doc'))?.max).toEqual([2]);
    expect(t.get(registryTrendKey('docs', 'bytes'))?.max).toEqual([100, 300]);
    expect(t.get(registryTrendKey('docs', 'open'))?.times).toEqual([15, 30]);
    expect(t.range).toEqual([10, 30]);
    t.reset();
    expect(t.get(classTrendKey('m1', 'Doc'))).toBeUndefined();
    expect(t.range).toBeNull();
  });

  it('stays bounded per series, keeping the whole time range and every spike', () => {
    const t = new Trends();
    const n = TREND_CAPACITY * 10 + 7;
    const events: PageEvent[] = [];
    for (let i = 0; i < n; i++) events.push(bindgen(i, 'C', i === 333 ? 1e6 : i % 5));
    t.ingest(events);
    const s = t.get(classTrendKey('m1', 'C'));
    if (!s) throw new Error('no series');
    expect(s.times.length).toBeLessThanOrEqual(TREND_CAPACITY);
    expect(s.times.length).toBeGreaterThan(TREND_CAPACITY / 2);
    expect(s.times[s.times.length - 1]).toBe(n - 1);
    expect(Math.max(...s.max)).toBe(1e6);
    expect(Math.min(...s.min)).toBe(0);
    for (let i = 1; i < s.times.length; i++) expect(s.times[i]).toBeGreaterThanOrEqual(s.times[i - 1] as number);
    expect(trendSummary(s)).toEqual({ min: 0, max: 1e6, last: (n - 1) % 5 });
  });

  it('follows at most MAX_TREND_SERIES series and counts the others', () => {
    const t = new Trends();
    const events: PageEvent[] = [];
    for (let i = 0; i < MAX_TREND_SERIES + 5; i++) events.push(bindgen(1, `C${i}`, 1));
    t.ingest(events);
    expect(t.get(classTrendKey('m1', `C${MAX_TREND_SERIES - 1}`))).toBeDefined();
    expect(t.get(classTrendKey('m1', `C${MAX_TREND_SERIES}`))).toBeUndefined();
    expect(t.skipped).toBe(5);
  });

  it('ignores values that are not finite', () => {
    const t = new Trends();
    t.ingest([registry(1, 'r', { a: Number.NaN, b: 2 })]);
    expect(t.get(registryTrendKey('r', 'a'))).toBeUndefined();
    expect(t.get(registryTrendKey('r', 'b'))?.max).toEqual([2]);
  });
});

describe('sparkPath', () => {
  it('maps time to x and value to y (0 at the bottom, the max at the top)', () => {
    const d = sparkPath({ times: [0, 50, 100], min: [0, 5, 10], max: [0, 5, 10] }, [0, 100], 102, 12);
    expect(d).toBe('M1 11 L51 6 L101 1');
  });

  it('draws a merged point as a vertical stroke, and a lone point as a short flat stroke', () => {
    expect(sparkPath({ times: [0, 10], min: [0, 2], max: [0, 4] }, [0, 10], 12, 6)).toBe('M1 5 L11 3 L11 1');
    expect(sparkPath({ times: [5], min: [3], max: [3] }, [5, 5], 20, 6)).toBe('M19 1 l-4 0');
    expect(sparkPath({ times: [], min: [], max: [] }, [0, 1], 20, 6)).toBe('');
  });
});
