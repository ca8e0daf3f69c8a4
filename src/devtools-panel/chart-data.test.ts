import { describe, expect, it } from 'vitest';
import type { MemorySeries, MemoryStats } from '../shared/analyzer-api';
import {
  chartLayout,
  evidenceMarks,
  evidenceTarget,
  legendNow,
  MAX_CHART_SERIES,
  maxColumn,
  seriesKey,
  shownSeries,
  toColumns,
  totalColumn,
  totalOf,
} from './chart-data';

const s = (key: string, times: number[], max: number[], min = max): MemorySeries => ({
  key,
  times: Float64Array.from(times),
  min: Float64Array.from(min),
  max: Float64Array.from(max),
  used: null,
  growth: new Float64Array(0),
});
const withUsed = (m: MemorySeries, tracking: 'inside-wasm' | 'js-boundary', times: number[], max: number[]): MemorySeries => ({
  ...m,
  used: { tracking, times: Float64Array.from(times), min: Float64Array.from(max), max: Float64Array.from(max) },
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
  it('agrees with the definition on random memories, grids and collections', () => {
    // The module comment's rule, computed the slow way: per x, per memory, its latest max at or
    // before x (0 before its first bucket, and after its last one once gone).
    const slow = (series: MemorySeries[], xs: number[], gone: Set<string>): number[] =>
      xs.map((x) =>
        series.reduce((sum, m) => {
          const n = m.times.length;
          if (n === 0 || (m.times[0] ?? 0) > x) return sum;
          if (gone.has(m.key) && x > (m.times[n - 1] ?? 0)) return sum;
          let v = 0;
          for (let i = 0; i < n && (m.times[i] ?? 0) <= x; i++) v = m.max[i] ?? v;
          return sum + v;
        }, 0),
      );
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    for (let round = 0; round < 200; round++) {
      const series: MemorySeries[] = [];
      const gone = new Set<string>();
      for (let m = 0; m < 1 + rnd(6); m++) {
        const times = [...new Set(Array.from({ length: rnd(8) }, () => rnd(40)))].sort((a, b) => a - b);
        series.push(
          s(
            `m${m}`,
            times,
            times.map(() => 65536 * (1 + rnd(4))),
          ),
        );
        if (rnd(2) === 0) gone.add(`m${m}`);
      }
      const xs = [...new Set(Array.from({ length: 1 + rnd(20) }, () => rnd(45) - 2))].sort((a, b) => a - b);
      expect(Array.from(totalOf(series, Float64Array.from(xs), gone))).toEqual(slow(series, xs, gone));
    }
  });
  it('handles no series', () => {
    expect(toColumns([]).length).toBe(1);
    expect(seriesKey([s('a', [], []), s('b', [], [])])).toBe('a\u0000b');
  });
});

describe('used bytes on the chart', () => {
  it('puts a used line after the total for memories whose live bytes are known, on the shared x axis', () => {
    const a = withUsed(s('a', [1, 3], [100, 300]), 'inside-wasm', [2, 3], [40, 50]);
    const b = s('b', [1], [10]);
    expect(chartLayout([a, b])).toEqual({ total: 5, used: [6, -1] });
    const cols = toColumns([a, b]);
    expect(cols.length).toBe(7);
    expect(Array.from(cols[0])).toEqual([1, 2, 3]);
    expect(Array.from(cols[6] ?? [])).toEqual([null, 40, 50]);
    // The total is of committed bytes only.
    expect(Array.from(cols[5] ?? [])).toEqual([110, 110, 310]);
  });
  it('a single memory with a used line is aligned too (no total)', () => {
    const a = withUsed(s('a', [1, 3], [100, 300]), 'js-boundary', [2], [40]);
    expect(chartLayout([a])).toEqual({ total: -1, used: [3] });
    const cols = toColumns([a]);
    expect(cols.map((c) => Array.from(c))).toEqual([
      [1, 2, 3],
      [100, null, 300],
      [100, null, 300],
      [null, 40, null],
    ]);
  });
  it('rebuilds the chart when what a used line covers changes', () => {
    const a = s('a', [1], [1]);
    expect(seriesKey([a])).not.toBe(seriesKey([withUsed(a, 'js-boundary', [1], [1])]));
    expect(seriesKey([withUsed(a, 'js-boundary', [1], [1])])).not.toBe(seriesKey([withUsed(a, 'inside-wasm', [1], [1])]));
    expect(seriesKey([withUsed(a, 'inside-wasm', [1], [1])])).toBe(seriesKey([withUsed(a, 'inside-wasm', [2], [5])]));
  });
});

describe('the legend with nothing hovered', () => {
  const stat = (key: string, currentBytes: number, extra: Partial<MemoryStats> = {}): MemoryStats => ({
    key,
    owner: '',
    currentBytes,
    peakBytes: currentBytes,
    growthEvents: 0,
    firstSeen: 0,
    lastSeen: 0,
    collected: false,
    maxBytes: null,
    limitBytes: 2 ** 32,
    tracking: 'none',
    allocator: null,
    trackingReason: null,
    sites: [],
    ...extra,
  });
  it('shows the values now: committed, used when it covers what the line does, the total of live memories', () => {
    const a = withUsed(s('a', [1], [1]), 'inside-wasm', [1], [1]);
    const b = withUsed(s('b', [1], [1]), 'js-boundary', [1], [1]);
    const now = legendNow(
      [a, b, s('c', [1], [1])],
      [
        stat('a', 300, { tracking: 'inside-wasm', usedBytes: 120 }),
        stat('b', 200, { tracking: 'inside-wasm', usedBytes: 99 }), // no longer what b's line shows
        stat('c', 50, { collected: true }),
      ],
    );
    expect(now).toEqual({ committed: [300, 200, 50], used: [120, null, null], total: 500 });
  });
});

describe('alert evidence on the chart', () => {
  it('knows which evidence is in bytes (a memory, its heap, the page) and which is a count', () => {
    expect(evidenceTarget('memory:r1:2:bytes')).toEqual({ kind: 'memory', key: 'r1:2', which: 'bytes' });
    expect(evidenceTarget('memory:w:1:used')).toEqual({ kind: 'memory', key: 'w:1', which: 'used' });
    expect(evidenceTarget('page:bytes')).toEqual({ kind: 'total' });
    expect(evidenceTarget('class:Doc:live')).toEqual({ kind: 'count' });
    expect(evidenceTarget('registry:docs:bytes')).toEqual({ kind: 'count' });
  });
  it('keeps finite points only, bounded, and orders the span', () => {
    const pts: Array<[number, number]> = [
      [1, 2],
      [NaN, 3],
      [4, Infinity],
    ];
    for (let i = 0; i < 400; i++) pts.push([10 + i, i]);
    const e = evidenceMarks({ series: 'memory:a:bytes', fromTime: 50, toTime: 10, points: pts });
    expect(e.from).toBe(10);
    expect(e.to).toBe(50);
    expect(e.points[0]).toEqual([1, 2]);
    expect(e.points.length).toBe(256);
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
function reference(series: MemorySeries[], xs: Float64Array, gone: ReadonlySet<string>): Float64Array {
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
