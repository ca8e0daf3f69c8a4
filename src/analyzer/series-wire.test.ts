import { describe, expect, it } from 'vitest';
import { readSeries } from './series-wire';
import { TRACKING } from './encode';

const name = (id: number) => `k${id}`;

describe('readSeries (wma_series layout)', () => {
  it('reads committed columns, a used series with what it covers, and growth times', () => {
    // prettier-ignore
    const data = Float64Array.from([
      2,
      // memory 7: 2 buckets, used inside wasm (1 bucket), 1 growth
      7, 2, 10, 20, 1, 2, 3, 4, TRACKING.insideWasm, 1, 15, 5, 6, 1, 20,
      // memory 8: 1 bucket, used not known, no growth
      8, 1, 30, 9, 9, -1, 0, 0,
    ]);
    const out = readSeries(data, name);
    expect(out.map((s) => s.key)).toEqual(['k7', 'k8']);
    expect(Array.from(out[0]!.times)).toEqual([10, 20]);
    expect(Array.from(out[0]!.min)).toEqual([1, 2]);
    expect(Array.from(out[0]!.max)).toEqual([3, 4]);
    expect(out[0]!.used?.tracking).toBe('inside-wasm');
    expect(Array.from(out[0]!.used?.max ?? [])).toEqual([6]);
    expect(Array.from(out[0]!.growth)).toEqual([20]);
    expect(out[1]!.used).toBeNull();
    expect(out[1]!.growth.length).toBe(0);
  });
  it('labels JS-boundary figures as such and copies out of the buffer', () => {
    const data = Float64Array.from([1, 3, 1, 5, 1, 1, TRACKING.jsBoundary, 1, 5, 2, 2, 0]);
    const out = readSeries(data, name);
    expect(out[0]!.used?.tracking).toBe('js-boundary');
    data.fill(0);
    expect(Array.from(out[0]!.times)).toEqual([5]);
  });
  it('stops at a count that does not fit instead of reading past the end', () => {
    expect(readSeries(Float64Array.from([1, 3, 99, 1, 2]), name)).toEqual([]);
    expect(readSeries(Float64Array.from([2, 3, 0, -1, 0, 0, 4, 1.5]), name).map((s) => s.key)).toEqual(['k3']);
    expect(readSeries(new Float64Array(0), name)).toEqual([]);
  });
});
