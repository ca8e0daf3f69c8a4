import { describe, expect, it } from 'vitest';
import { maxColumn, seriesKey, toColumns } from './chart-data';

const s = (key: string, times: number[], max: number[], min = max) => ({
  key,
  times: Float64Array.from(times),
  min: Float64Array.from(min),
  max: Float64Array.from(max),
});

describe('toColumns', () => {
  it('passes one series through without copying: [xs, max, min]', () => {
    const one = s('a', [1, 2], [10, 20], [5, 20]);
    const cols = toColumns([one]);
    expect(cols[0]).toBe(one.times);
    expect(cols[1]).toBe(one.max);
    expect(cols[2]).toBe(one.min);
  });
  it('aligns several series on the union of their times, max then min per memory', () => {
    const cols = toColumns([s('a', [1, 3], [10, 30], [8, 25]), s('b', [2, 3], [200, 300])]);
    expect(Array.from(cols[0])).toEqual([1, 2, 3]);
    expect(Array.from(cols[maxColumn(0)] ?? [])).toEqual([10, null, 30]);
    expect(Array.from(cols[maxColumn(0) + 1] ?? [])).toEqual([8, null, 25]);
    expect(Array.from(cols[maxColumn(1)] ?? [])).toEqual([null, 200, 300]);
  });
  it('handles no series', () => {
    expect(toColumns([]).length).toBe(1);
    expect(seriesKey([s('a', [], []), s('b', [], [])])).toBe('a\u0000b');
  });
});
