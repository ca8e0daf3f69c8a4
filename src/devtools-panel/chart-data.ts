/**
 * Turn the analyzer's per-memory series into uPlot's columnar data `[xs, ...ys]` (pure).
 * Presentation only: the analyzer already bucketed (min/max per bucket); here we align
 * the memories on one x axis (uPlot.join does the same) and pick the max line.
 */
import type { MemorySeries } from '../shared/analyzer-api';

export type Columns = [Float64Array, ...Array<Float64Array | Array<number | null>>];

/** Join series on their times; a memory has null where it has no bucket. */
export function toColumns(series: readonly MemorySeries[]): Columns {
  if (series.length === 0) return [new Float64Array(0)];
  const first = series[0];
  if (series.length === 1 && first) return [first.times, first.max];
  const all = new Set<number>();
  for (const s of series) for (const t of s.times) all.add(t);
  const xs = Float64Array.from(all).sort();
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const cols: Columns = [xs];
  for (const s of series) {
    const ys: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < s.times.length; i++) {
      const at = index.get(s.times[i] ?? NaN);
      const y = s.max[i];
      if (at !== undefined && y !== undefined) ys[at] = y;
    }
    cols.push(ys);
  }
  return cols;
}

/** Identity of the series set: the chart is rebuilt only when it changes. */
export function seriesKey(series: readonly MemorySeries[]): string {
  return series.map((s) => s.key).join('\u0000');
}
