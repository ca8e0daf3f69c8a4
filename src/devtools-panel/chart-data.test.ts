import { describe, expect, it } from 'vitest';
import { MAX_CHART_SERIES, maxColumn, seriesKey, shownSeries, toColumns, totalColumn, totalOf } from './chart-data';

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
  it('adds no total for one memory, and a last total column for two or more', () => {
    expect(totalColumn(0)).toBe(-1);
    expect(totalColumn(1)).toBe(-1);
    expect(toColumns([s('a', [1], [10])]).length).toBe(3);
    expect(totalColumn(2)).toBe(5);
    expect(toColumns([s('a', [1], [10]), s('b', [1], [20])]).length).toBe(6);
    expect(Array.from(toColumns([s('a', [1], [10]), s('b', [1], [20])])[5] ?? [])).toEqual([30]);
  });
  it('sums unaligned memories, carrying each one forward and counting 0 before its first bucket', () => {
    const a = s('a', [100, 250, 400], [10, 20, 40], [5, 20, 30]);
    const b = s('b', [180, 400, 520], [100, 300, 200]);
    const c = s('c', [300], [1000]);
    const cols = toColumns([a, b, c]);
    expect(Array.from(cols[0])).toEqual([100, 180, 250, 300, 400, 520]);
    // Sums of max values (the line each memory draws), not of the band minima.
    expect(Array.from(cols[totalColumn(3)] ?? [])).toEqual([
      10, // a only: b and c not there yet
      10 + 100,
      20 + 100,
      20 + 100 + 1000,
      40 + 300 + 1000,
      40 + 200 + 1000, // a and c live: their last values carry forward
    ]);
  });
  it('drops a collected memory from the total after its last bucket', () => {
    const a = s('a', [0, 10, 20, 30], [5, 5, 5, 5]);
    const old = s('old', [0, 10], [100, 100]);
    const cols = toColumns([a, old], new Set(['old']));
    expect(Array.from(cols[totalColumn(2)] ?? [])).toEqual([105, 105, 5, 5]);
    // The same memory still alive keeps counting.
    expect(Array.from(toColumns([a, old])[totalColumn(2)] ?? [])).toEqual([105, 105, 105, 105]);
  });
  it('totals on any sorted x grid, ignoring memories without buckets', () => {
    expect(Array.from(totalOf([s('a', [5], [7]), s('e', [], [])], Float64Array.from([0, 5, 9])))).toEqual([0, 7, 7]);
    expect(Array.from(totalOf([s('a', [5], [7])], Float64Array.from([0, 5, 9]), new Set(['a'])))).toEqual([0, 7, 0]);
  });
  it('handles no series', () => {
    expect(toColumns([]).length).toBe(1);
    expect(seriesKey([s('a', [], []), s('b', [], [])])).toBe('a\u0000b');
  });
});

describe('a bounded chart', () => {
  const many = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => s(`m${from + i}`, [from + i, from + i + 1], [65536 * (i + 1), 65536 * (i + 1)]));
  it('draws every memory while there are few, then only live ones with the highest peaks, in order', () => {
    const few = many(MAX_CHART_SERIES);
    expect(shownSeries(few, new Set())).toBe(few);
    const live = many(40);
    const collected = many(5000, 1000);
    const gone = new Set(collected.map((c) => c.key));
    const shown = shownSeries([...live, ...collected], gone);
    expect(shown.length).toBe(MAX_CHART_SERIES);
    expect(shown.every((x) => !gone.has(x.key))).toBe(true);
    expect(shown.map((x) => x.key)).toEqual(live.slice(40 - MAX_CHART_SERIES).map((x) => x.key)); // the highest peaks
    expect(shownSeries([...live.slice(0, 3), ...collected], gone).map((x) => x.key)).toEqual(['m0', 'm1', 'm2']);
  });
  it('columns stay bounded with thousands of collected memories, and the total still counts them all', () => {
    const live = s('live', [0, 10_000], [65536, 65536]);
    const collected = Array.from({ length: 5000 }, (_, i) => s(`c${i}`, [i * 2, i * 2 + 1], [65536, 65536]));
    const all = [live, ...collected];
    const gone = new Set(collected.map((c) => c.key));
    const shown = shownSeries(all, gone);
    expect(shown.map((x) => x.key)).toEqual(['live']);
    const cols = toColumns(shown, gone, all);
    expect(cols.length).toBe(1 + 2 + 1);
    expect(cols[0].length).toBeLessThanOrEqual(2 + 600);
    const total = cols[totalColumn(shown.length, all.length)] ?? [];
    // At x = 0 the live memory and the first collected one (alive from 0 to 1) count.
    expect(total[0]).toBe(2 * 65536);
    expect(total[total.length - 1]).toBe(65536); // all collected ones gone by then
    // The same as the plain definition on that grid.
    expect(Array.from(total)).toEqual(Array.from(reference(all, cols[0], gone)));
  });
});

/** The total by its definition (module comment of chart-data.ts), memory by memory. */
function reference(series: ReturnType<typeof s>[], xs: Float64Array, gone: ReadonlySet<string>): Float64Array {
  const total = new Float64Array(xs.length);
  for (const m of series) {
    const n = m.times.length;
    if (n === 0) continue;
    const end = gone.has(m.key) ? (m.times[n - 1] ?? -Infinity) : Infinity;
    xs.forEach((x, j) => {
      let last: number | null = null;
      for (let i = 0; i < n && (m.times[i] ?? Infinity) <= x; i++) last = m.max[i] ?? last;
      if (last !== null && x <= end) total[j] = (total[j] ?? 0) + last;
    });
  }
  return total;
}
