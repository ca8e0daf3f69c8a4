/**
 * Turn the analyzer's per-memory series into uPlot's columnar data (pure):
 * `[xs, max0, min0, max1, min1, ..., total?, used...]` (`chartLayout` says where each column
 * is). Presentation only: the analyzer already bucketed
 * (min/max per bucket, peaks kept); here the memories are aligned on one x axis (as
 * uPlot.join does), with null where a memory has no bucket. The chart draws each memory's
 * max as its line and the min..max band under it.
 *
 * A memory whose heap's live bytes are known (`used`, whole heap or only its JS-boundary part)
 * gets a used column after the total: the max of each used bucket, on the same x axis.
 *
 * With 2+ memories a column after the memories holds the total: at each aligned x, the sum over memories of
 * their latest max at or before x (carried forward over the nulls of the alignment). A memory
 * counts 0 before its first bucket, and after its last one once it is gone (collected); a live
 * memory keeps its last value (its next sample may simply not have come yet).
 *
 * Bounded: at most MAX_CHART_SERIES memories get a line of their own (`shownSeries`: all of them
 * when there are that few, else the live ones with the highest peaks); the others count in the
 * total only, which is then taken on the shown memories' times plus an even grid, so the columns
 * never grow with the number of memories a session has seen.
 */
import type { AlertEvidence, MemorySeries, MemoryStats } from '../shared/analyzer-api';

export type Column = Float64Array | Array<number | null>;
export type Columns = [Float64Array, ...Column[]];

/** Column index of memory i's max (its min is the next one). */
export function maxColumn(i: number): number {
  return 1 + 2 * i;
}

/** Most memories drawn as lines of their own; the rest count in the total only. */
export const MAX_CHART_SERIES = 32;

/** Points of the even grid the total is taken on when some memories are not drawn. */
const TOTAL_GRID_POINTS = 600;

/**
 * The memories drawn as lines: all when there are at most `max`, else the live ones (not in
 * `gone`) with the highest peaks, at most `max`, in their original order (colours stay put).
 */
export function shownSeries(
  series: readonly MemorySeries[],
  gone: ReadonlySet<string>,
  max: number = MAX_CHART_SERIES,
): readonly MemorySeries[] {
  if (series.length <= max) return series;
  const live = series.filter((s) => !gone.has(s.key));
  if (live.length <= max) return live;
  const peak = (s: MemorySeries) => s.max.reduce((m, v) => (v > m ? v : m), 0);
  const keep = new Set(
    live
      .map((s) => ({ s, p: peak(s) }))
      .sort((a, b) => b.p - a.p)
      .slice(0, max)
      .map((x) => x.s),
  );
  return live.filter((s) => keep.has(s));
}

/** Column index of the total series, present when there are 2+ memories in all (else -1). */
export function totalColumn(shown: number, all: number = shown): number {
  return all >= 2 ? 1 + 2 * shown : -1;
}

/** Where the columns of `toColumns` are: the total's (-1: none) and each shown memory's used
 *  line (-1: its live bytes are not known). */
export interface ChartLayout {
  total: number;
  used: number[];
}

export function chartLayout(shown: readonly MemorySeries[], all: number = shown.length): ChartLayout {
  const total = totalColumn(shown.length, all);
  let next = 1 + 2 * shown.length + (total >= 0 ? 1 : 0);
  return { total, used: shown.map((s) => (s.used && s.used.times.length > 0 ? next++ : -1)) };
}

/**
 * uPlot columns of the `shown` memories (see shownSeries), and the total of `all`; `gone` holds
 * the keys of memories known to be collected (they count 0 in the total after their last bucket).
 */
export function toColumns(
  shown: readonly MemorySeries[],
  gone: ReadonlySet<string> = new Set(),
  all: readonly MemorySeries[] = shown,
): Columns {
  if (shown.length === 0 && all.length === 0) return [new Float64Array(0)];
  const layout = chartLayout(shown, all.length);
  const first = shown[0];
  if (all.length === 1 && shown.length === 1 && first && layout.used[0] === -1) return [first.times, first.max, first.min];
  const times = new Set<number>();
  for (const s of shown) {
    for (const t of s.times) times.add(t);
    if (s.used) for (const t of s.used.times) times.add(t);
  }
  if (all.length > shown.length) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of all) {
      const n = s.times.length;
      if (n === 0) continue;
      lo = Math.min(lo, s.times[0] ?? Infinity);
      hi = Math.max(hi, s.times[n - 1] ?? -Infinity);
    }
    if (lo <= hi) for (let i = 0; i < TOTAL_GRID_POINTS; i++) times.add(lo + ((hi - lo) * i) / (TOTAL_GRID_POINTS - 1));
  }
  const xs = Float64Array.from(times).sort();
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const aligned = (ts: Float64Array, vs: Float64Array): Array<number | null> => {
    const col: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < ts.length; i++) {
      const at = index.get(ts[i] ?? NaN);
      if (at !== undefined) col[at] = vs[i] ?? null;
    }
    return col;
  };
  const cols: Columns = [xs];
  for (const s of shown) cols.push(aligned(s.times, s.max), aligned(s.times, s.min));
  if (layout.total >= 0) cols.push(totalOf(all, xs, gone));
  for (const s of shown) if (s.used && s.used.times.length > 0) cols.push(aligned(s.used.times, s.used.max));
  return cols;
}

/**
 * The total committed bytes at each of `xs` (sorted): see the module comment. Each memory's
 * steps (its value changes, and its drop to 0 after its last bucket once gone) are added to a
 * difference array at the first x they apply to (binary search), then summed once:
 * O(P log X + X) for P buckets in all, whatever the number of memories, with no sort and no
 * array per step (a 1,000-memory chart asks for this every view update).
 */
export function totalOf(series: readonly MemorySeries[], xs: Float64Array, gone: ReadonlySet<string> = new Set()): Float64Array {
  const diff = new Float64Array(xs.length + 1);
  /** First j with xs[j] >= t (strict: xs[j] > t). */
  const firstAt = (t: number, strict: boolean): number => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = xs[mid] ?? NaN;
      if (x < t || (strict && x === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const s of series) {
    const n = Math.min(s.times.length, s.max.length);
    if (n === 0) continue;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const v = s.max[i] ?? last;
      if (i === 0 || v !== last) {
        const j = firstAt(s.times[i] ?? 0, false);
        diff[j] = (diff[j] ?? 0) + v - (i === 0 ? 0 : last);
      }
      last = v;
    }
    if (gone.has(s.key) && last !== 0) {
      const j = firstAt(s.times[n - 1] ?? 0, true);
      diff[j] = (diff[j] ?? 0) - last;
    }
  }
  const total = new Float64Array(xs.length);
  let sum = 0;
  for (let j = 0; j < xs.length; j++) {
    sum += diff[j] ?? 0;
    total[j] = sum;
  }
  return total;
}

/** Identity of the series set (with what each used line covers): the chart is rebuilt only
 *  when it changes. */
export function seriesKey(series: readonly MemorySeries[]): string {
  return series.map((s) => (s.used && s.used.times.length > 0 ? `${s.key}\u0001${s.used.tracking}` : s.key)).join('\u0000');
}

/** What the legend shows with nothing hovered: the values now, from the report (they hold
 *  whatever window the chart shows). null: not known. */
export interface LegendNow {
  /** Committed bytes of each shown memory. */
  committed: Array<number | null>;
  /** Live bytes of each shown memory's heap, when its used line is drawn and the report's
   *  figure covers the same (whole heap, or JS-boundary part). */
  used: Array<number | null>;
  /** Committed bytes of the memories not collected. */
  total: number;
}

export function legendNow(shown: readonly MemorySeries[], memories: readonly MemoryStats[]): LegendNow {
  const byKey = new Map(memories.map((m) => [m.key, m]));
  let total = 0;
  for (const m of memories) if (!m.collected) total += m.currentBytes;
  return {
    committed: shown.map((s) => byKey.get(s.key)?.currentBytes ?? null),
    used: shown.map((s) => {
      const m = byKey.get(s.key);
      return s.used && m && m.tracking === s.used.tracking && m.usedBytes !== undefined ? m.usedBytes : null;
    }),
    total,
  };
}

/**
 * What an alert's evidence series is on this chart: a memory's committed or used bytes, the
 * page's total (budget), both in bytes on the y axis; or a count of something else (class live
 * objects, registry fields), shown by its times only.
 */
export type EvidenceTarget = { kind: 'memory'; key: string; which: 'bytes' | 'used' } | { kind: 'total' } | { kind: 'count' };

export function evidenceTarget(series: string): EvidenceTarget {
  if (series === 'page:bytes') return { kind: 'total' };
  const m = /^memory:(.+):(bytes|used)$/s.exec(series);
  if (m && m[1] !== undefined) return { kind: 'memory', key: m[1], which: m[2] === 'used' ? 'used' : 'bytes' };
  return { kind: 'count' };
}

/** Most evidence points drawn (the analyzer bounds them too). */
export const MAX_EVIDENCE_POINTS = 256;

/** The evidence to highlight: its time span and, for bytes, its points (finite ones, bounded). */
export function evidenceMarks(e: AlertEvidence): { from: number; to: number; target: EvidenceTarget; points: Array<[number, number]> } {
  const points = e.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v)).slice(0, MAX_EVIDENCE_POINTS);
  return { from: Math.min(e.fromTime, e.toTime), to: Math.max(e.fromTime, e.toTime), target: evidenceTarget(e.series), points };
}
