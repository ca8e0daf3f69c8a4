/**
 * Small time series for the tables' sparklines (pure, no DOM or chrome.*): the live count of
 * each wasm-bindgen class and every numeric field of each app registry, over the whole session.
 *
 * The analyzer reports only current values for classes and registries, so the panel follows the
 * session's events itself (like sites-diff.ts), from `bindgen` and `registry` events. Bounded:
 * at most TREND_CAPACITY points per series (when full, neighbouring points merge pairwise, each
 * keeping the min and max of what it covers, so spikes survive) and at most MAX_TREND_SERIES
 * series (further ones are not followed and counted in `skipped`).
 */
import type { PageEvent } from '../shared/protocol';

/** Points kept per series at most (then pairs merge: older history gets coarser). */
export const TREND_CAPACITY = 128;
/** Series followed at most. */
export const MAX_TREND_SERIES = 4096;

/** One series: parallel columns, times ascending (event order), each point a [min, max] range. */
export interface TrendSeries {
  readonly times: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
}

/** What the tables read. */
export interface TrendsView {
  get(key: string): TrendSeries | undefined;
  /** First and last event time over every series (the sparklines share this x range), or null. */
  readonly range: readonly [number, number] | null;
}

interface MutableSeries {
  times: number[];
  min: number[];
  max: number[];
}

/** The series key of a class's live count (module + class, as the analyzer tells classes apart). */
export function classTrendKey(module: string | null | undefined, className: string): string {
  return `class\u0000${module ?? ''}\u0000${className}`;
}

/** The series key of one field of a registry. */
export function registryTrendKey(name: string, field: string): string {
  return `registry\u0000${name}\u0000${field}`;
}

export class Trends implements TrendsView {
  private readonly series = new Map<string, MutableSeries>();
  private first = Infinity;
  private last = -Infinity;
  /** Series not followed (MAX_TREND_SERIES reached). */
  skipped = 0;

  ingest(events: readonly PageEvent[]): void {
    for (const ev of events) {
      if (ev.t === 'bindgen') this.add(classTrendKey(ev.module, ev.className), ev.time, ev.live);
      else if (ev.t === 'registry')
        for (const [field, v] of Object.entries(ev.stats)) this.add(registryTrendKey(ev.name, field), ev.time, v);
    }
  }

  get(key: string): TrendSeries | undefined {
    return this.series.get(key);
  }

  get range(): readonly [number, number] | null {
    return this.first <= this.last ? [this.first, this.last] : null;
  }

  reset(): void {
    this.series.clear();
    this.first = Infinity;
    this.last = -Infinity;
    this.skipped = 0;
  }

  private add(key: string, time: number, value: number): void {
    if (!Number.isFinite(time) || !Number.isFinite(value)) return;
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= MAX_TREND_SERIES) {
        this.skipped++;
        return;
      }
      s = { times: [], min: [], max: [] };
      this.series.set(key, s);
    }
    // Events arrive in order; a late one (another realm's clock) is kept at the latest time.
    const n = s.times.length;
    const t = n > 0 ? Math.max(time, s.times[n - 1] as number) : time;
    if (s.times.length >= TREND_CAPACITY) halve(s);
    s.times.push(t);
    s.min.push(value);
    s.max.push(value);
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
  }
}

/** Merge neighbouring points pairwise: each keeps the later time and the range of both. */
function halve(s: MutableSeries): void {
  const n = s.times.length;
  let w = 0;
  for (let r = 0; r < n; r += 2, w++) {
    const b = Math.min(r + 1, n - 1);
    s.times[w] = s.times[b] as number;
    s.min[w] = Math.min(s.min[r] as number, s.min[b] as number);
    s.max[w] = Math.max(s.max[r] as number, s.max[b] as number);
  }
  s.times.length = s.min.length = s.max.length = w;
}

/**
 * An SVG path (`d`) drawing `s` in a `width` x `height` box over the x range `range`: a line
 * through the points, with a vertical stroke where a merged point covers a range of values.
 * y runs from 0 (bottom) to the series' max (top; a flat zero series lies on the bottom).
 * Numbers only: nothing from the page reaches the markup.
 */
export function sparkPath(s: TrendSeries, range: readonly [number, number], width: number, height: number): string {
  const n = s.times.length;
  if (n === 0 || width <= 0 || height <= 0) return '';
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, s.max[i] as number);
  const [t0, t1] = range;
  const span = t1 - t0;
  const pad = 1;
  const x = (t: number) => (span > 0 ? ((t - t0) / span) * (width - 2 * pad) + pad : width - pad);
  const y = (v: number) => (top > 0 ? height - pad - (Math.max(0, v) / top) * (height - 2 * pad) : height - pad);
  const f = (v: number) => (Math.round(v * 10) / 10).toString();
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const px = f(x(s.times[i] as number));
    const lo = s.min[i] as number;
    const hi = s.max[i] as number;
    parts.push(`${i === 0 ? 'M' : 'L'}${px} ${f(y(lo))}`);
    if (hi !== lo) parts.push(`L${px} ${f(y(hi))}`);
  }
  // A single point: a short flat stroke so it is visible.
  if (n === 1) parts.push(`l${f(-Math.min(4, width))} 0`);
  return parts.join(' ');
}

/** The last value of a series, its minimum and maximum (for labels and tooltips). */
export function trendSummary(s: TrendSeries): { min: number; max: number; last: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.times.length; i++) {
    min = Math.min(min, s.min[i] as number);
    max = Math.max(max, s.max[i] as number);
  }
  const last = s.times.length > 0 ? (s.max[s.times.length - 1] as number) : NaN;
  return { min, max, last };
}
