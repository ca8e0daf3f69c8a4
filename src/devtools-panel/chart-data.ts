/**
 * Turn the analyzer's per-memory series into uPlot's columnar data (pure):
 * `[xs, max0, min0, max1, min1, ...]`. Presentation only: the analyzer already bucketed
 * (min/max per bucket, peaks kept); here the memories are aligned on one x axis (as
 * uPlot.join does), with null where a memory has no bucket. The chart draws each memory's
 * max as its line and the min..max band under it.
 *
 * With 2+ memories a last column holds the total: at each aligned x, the sum over memories of
 * their latest max at or before x (carried forward over the nulls of the alignment). A memory
 * counts 0 before its first bucket, and after its last one once it is gone (collected); a live
 * memory keeps its last value (its next sample may simply not have come yet).
 */
import type { MemorySeries } from '../shared/analyzer-api';

export type Column = Float64Array | Array<number | null>;
export type Columns = [Float64Array, ...Column[]];

/** Column index of memory i's max (its min is the next one). */
export function maxColumn(i: number): number {
  return 1 + 2 * i;
}

/** Column index of the total series, present when there are 2+ memories (else -1). */
export function totalColumn(memories: number): number {
  return memories >= 2 ? 1 + 2 * memories : -1;
}

/**
 * uPlot columns; `gone` holds the keys of memories known to be collected (they count 0 in the
 * total after their last bucket).
 */
export function toColumns(series: readonly MemorySeries[], gone: ReadonlySet<string> = new Set()): Columns {
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
  cols.push(totalOf(series, xs, gone));
  return cols;
}

/** The total committed bytes at each of `xs` (sorted): see the module comment. */
export function totalOf(series: readonly MemorySeries[], xs: Float64Array, gone: ReadonlySet<string> = new Set()): Float64Array {
  const total = new Float64Array(xs.length);
  for (const s of series) {
    const n = Math.min(s.times.length, s.max.length);
    if (n === 0) continue;
    const first = s.times[0] ?? Infinity;
    const end = gone.has(s.key) ? (s.times[n - 1] ?? -Infinity) : Infinity;
    let i = 0; // next bucket of s not yet at or before x
    let last = 0;
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j] ?? NaN;
      while (i < n && (s.times[i] ?? Infinity) <= x) {
        last = s.max[i] ?? last;
        i++;
      }
      if (x >= first && x <= end) total[j] = (total[j] ?? 0) + last;
    }
  }
  return total;
}

/** Identity of the series set: the chart is rebuilt only when it changes. */
export function seriesKey(series: readonly MemorySeries[]): string {
  return series.map((s) => s.key).join('\u0000');
}
