/**
 * Turn the analyzer's per-memory series into uPlot's columnar data (pure):
 * `[xs, max0, min0, max1, min1, ...]`. Presentation only: the analyzer already bucketed
 * (min/max per bucket, peaks kept); here the memories are aligned on one x axis (as
 * uPlot.join does), with null where a memory has no bucket. The chart draws each memory's
 * max as its line and the min..max band under it.
 */
import type { MemorySeries } from '../shared/analyzer-api';

export type Column = Float64Array | Array<number | null>;
export type Columns = [Float64Array, ...Column[]];

/** Column index of memory i's max (its min is the next one). */
export function maxColumn(i: number): number {
  return 1 + 2 * i;
}

export function toColumns(series: readonly MemorySeries[]): Columns {
  if (series.length === 0) return [new Float64Array(0)];
  const first = series[0];
  if (series.length === 1 && first) return [first.times, first.max, first.min];
  const all = new Set<number>();
  for (const s of series) for (const t of s.times) all.add(t);
  const xs = Float64Array.from(all).sort();
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const cols: Columns = [xs];
  for (const s of series) {
    const hi: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    const lo: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < s.times.length; i++) {
      const at = index.get(s.times[i] ?? NaN);
      if (at === undefined) continue;
      hi[at] = s.max[i] ?? null;
      lo[at] = s.min[i] ?? null;
    }
    cols.push(hi, lo);
  }
  return cols;
}

/** Identity of the series set: the chart is rebuilt only when it changes. */
export function seriesKey(series: readonly MemorySeries[]): string {
  return series.map((s) => s.key).join('\u0000');
}
