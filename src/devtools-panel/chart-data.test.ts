import { describe, expect, it } from 'vitest';
import { seriesKey, toColumns } from './chart-data';

const s = (key: string, times: number[], max: number[]) => ({
  key,
  times: Float64Array.from(times),
  min: Float64Array.from(max),
  max: Float64Array.from(max),
});

describe('toColumns', () => {
  it('passes one series through without copying', () => {
    const one = s('a', [1, 2], [10, 20]);
    const cols = toColumns([one]);
    expect(cols[0]).toBe(one.times);
    expect(cols[1]).toBe(one.max);
  });
  it('aligns several series on the union of their times', () => {
    const cols = toColumns([s('a', [1, 3], [10, 30]), s('b', [2, 3], [200, 300])]);
    expect(Array.from(cols[0])).toEqual([1, 2, 3]);
    expect(Array.from(cols[1] ?? [])).toEqual([10, null, 30]);
    expect(Array.from(cols[2] ?? [])).toEqual([null, 200, 300]);
  });
  it('handles no series', () => {
    expect(toColumns([]).length).toBe(1);
    expect(seriesKey([s('a', [], []), s('b', [], [])])).toBe('a\u0000b');
  });
});
