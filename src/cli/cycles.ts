/**
 * Load-act-repeat (`record --repeat N`, `expectNoWasmLeak(page, cycle, { repeat })`): the
 * per-cycle trend of a recording and its verdict. Pure: trace events in, series, fits and
 * alerts out.
 *
 * After each cycle the recorder forces garbage collections until what they collect is stable,
 * lets the page's events through, and adds the mark `wasm-memory: cycle i/N`. At each of those
 * marks this module reads, from the events before it (in arrival order, which is the page's
 * order): the committed bytes of every live memory (summed), the allocator's live bytes of
 * every live memory whose whole heap is counted inside wasm (summed; the series exists only
 * when such heaps are known at every cycle mark), each wasm-bindgen class's live count (summed
 * over modules) and each registry field.
 *
 * The rule, per series: a least-squares line through the values after cycles 1..N, i.e. x = 1..N.
 * Cycle 1 is warm-up (caches, lazily compiled code, a first engine): its growth only sets the
 * base and never counts; the slope measures what cycles 2..N added. The series leaks when the
 * slope's one-sided 99 % lower confidence bound (slope − t₀.₉₉,ₙ₋₂ · SE) is above the series'
 * noise floor ({@link NOISE_FLOOR}). At least {@link MIN_CYCLES} cycles are needed (n − 2 ≥ 1
 * degrees of freedom); with few cycles the bound is wide, so only a steady leak passes it
 * (5 or more cycles are recommended).
 */
import type { Alert, AlertKind } from '../shared/analyzer-api';
import { formatBytes } from '../shared/bytes';
import type { PageEvent } from '../shared/protocol';

/** Label prefix of the marks the recorder adds after each cycle. */
export const CYCLE_MARK_PREFIX = 'wasm-memory: cycle ';

/** The mark added after cycle `i` of `n`. */
export function cycleMarkLabel(i: number, n: number): string {
  return `${CYCLE_MARK_PREFIX}${i}/${n}`;
}

/** Fewest cycles a trend is fitted on. */
export const MIN_CYCLES = 3;
/** Most cycles `--repeat` accepts. */
export const MAX_CYCLES = 1000;

export type SeriesKind = 'committed' | 'used' | 'class' | 'registry';

/** Smallest per-cycle growth that counts as a leak, by series kind (bytes or count per cycle). */
export const NOISE_FLOOR: Record<SeriesKind, number> = {
  // Committed memory moves in 64 KiB wasm pages; a quarter page per cycle is a page every 4.
  committed: 16 * 1024,
  used: 1024,
  class: 0.5,
  registry: 0.5,
};

/** Values at one cycle mark. */
export interface CycleSnapshot {
  /** Cycle number (1-based) and the repeat count, from the mark's label. */
  cycle: number;
  of: number;
  time: number;
  committed: number;
  /** Null when no live memory's whole heap is counted inside wasm. */
  used: number | null;
  classes: Map<string, number>;
  registries: Map<string, number>;
}

/** Parses a cycle mark label; null for any other label. */
export function parseCycleMark(label: string): { cycle: number; of: number } | null {
  if (!label.startsWith(CYCLE_MARK_PREFIX)) return null;
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(label.slice(CYCLE_MARK_PREFIX.length));
  if (!m) return null;
  const cycle = Number(m[1]);
  const of = Number(m[2]);
  return cycle >= 1 && cycle <= of ? { cycle, of } : null;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Replays `events` (arrival order) and snapshots the values at every cycle mark. */
export function cycleSnapshots(events: readonly PageEvent[]): CycleSnapshot[] {
  const committed = new Map<string, number>();
  const used = new Map<string, number>();
  const classes = new Map<string, number>(); // `${module}\u0000${class}` -> live
  const registries = new Map<string, number>();
  const out: CycleSnapshot[] = [];
  for (const e of events) {
    switch (e.t) {
      case 'memory':
        if (num(e.bytes)) committed.set(e.key, e.bytes);
        break;
      case 'sample':
        if (Array.isArray(e.keys) && Array.isArray(e.bytes))
          e.keys.forEach((k, i) => {
            const b = e.bytes[i];
            if (typeof k === 'string' && num(b) && committed.has(k)) committed.set(k, b);
          });
        break;
      case 'grow':
        if (num(e.toBytes) && committed.has(e.key)) committed.set(e.key, e.toBytes);
        break;
      case 'collected':
        committed.delete(e.key);
        used.delete(e.key);
        break;
      case 'alloc':
        if (e.tracking === 'inside-wasm' && e.sizes !== 'none' && num(e.liveBytes)) used.set(e.memory, e.liveBytes);
        else used.delete(e.memory);
        break;
      case 'bindgen':
        if (num(e.live)) classes.set(`${e.module ?? ''}\u0000${e.className}`, e.live);
        break;
      case 'registry':
        if (typeof e.stats === 'object' && e.stats !== null)
          for (const [field, value] of Object.entries(e.stats)) if (num(value)) registries.set(`${e.name} ${field}`, value);
        break;
      case 'mark': {
        const c = typeof e.label === 'string' ? parseCycleMark(e.label) : null;
        if (c === null) break;
        let total = 0;
        for (const b of committed.values()) total += b;
        let usedTotal = 0;
        let usedKnown = false;
        for (const [k, b] of used) {
          if (!committed.has(k)) continue;
          usedTotal += b;
          usedKnown = true;
        }
        const byClass = new Map<string, number>();
        for (const [k, live] of classes) {
          const name = k.slice(k.indexOf('\u0000') + 1);
          byClass.set(name, (byClass.get(name) ?? 0) + live);
        }
        out.push({
          ...c,
          time: e.time,
          committed: total,
          used: usedKnown ? usedTotal : null,
          classes: byClass,
          registries: new Map(registries),
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** One-sided 99 % quantiles of Student's t by degrees of freedom (1..30). */
const T99 = [
  31.821, 6.965, 4.541, 3.747, 3.365, 3.143, 2.998, 2.896, 2.821, 2.764, 2.718, 2.681, 2.65, 2.624, 2.602, 2.583, 2.567, 2.552, 2.539,
  2.528, 2.518, 2.508, 2.5, 2.492, 2.485, 2.479, 2.473, 2.467, 2.462, 2.457,
];

/** One-sided 99 % quantile of Student's t with `df` degrees of freedom (table; beyond 30, the next tabulated df below). */
export function t99(df: number): number {
  if (df < 1) return Infinity;
  if (df <= 30) return T99[df - 1] ?? Infinity;
  if (df < 40) return 2.457;
  if (df < 60) return 2.423;
  if (df < 120) return 2.39;
  return 2.358;
}

/** A least-squares fit of values against cycle numbers. */
export interface TrendFit {
  /** Points fitted. */
  n: number;
  /** Growth per cycle. */
  slope: number;
  /** Standard error of the slope. */
  se: number;
  /** One-sided 99 % lower and upper confidence bounds of the slope. */
  lower: number;
  upper: number;
  /** slope / se (Infinity for a perfect line with a non-zero slope, 0 for a flat one). */
  t: number;
  df: number;
}

/** Least-squares slope of `ys` against x = 1..n, with its 99 % one-sided bounds; null below 3 points. */
export function fitTrend(ys: readonly number[]): TrendFit | null {
  const n = ys.length;
  if (n < MIN_CYCLES) return null;
  const mx = (n + 1) / 2;
  let my = 0;
  for (const y of ys) my += y;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  ys.forEach((y, i) => {
    const dx = i + 1 - mx;
    sxx += dx * dx;
    sxy += dx * (y - my);
  });
  const slope = sxy / sxx;
  let ssr = 0;
  ys.forEach((y, i) => {
    const r = y - (my + slope * (i + 1 - mx));
    ssr += r * r;
  });
  const df = n - 2;
  // Rounding noise of sums of large byte counts is not variance.
  const scale = Math.max(1, ...ys.map(Math.abs));
  const se = ssr <= (scale * 1e-12) ** 2 * n ? 0 : Math.sqrt(ssr / df / sxx);
  const q = t99(df);
  const t = se === 0 ? (slope === 0 ? 0 : slope > 0 ? Infinity : -Infinity) : slope / se;
  return { n, slope, se, lower: slope - q * se, upper: slope + q * se, t, df };
}

/** One fitted series of a load-act-repeat recording. */
export interface CycleSeries {
  kind: SeriesKind;
  /** `committed`, `used`, a class name, or `registry field`. */
  name: string;
  /** Values after cycles 1..N. */
  values: number[];
  /** Null when there are fewer than MIN_CYCLES values. */
  fit: TrendFit | null;
  /** Per-cycle growth below this is noise. */
  floor: number;
  /** The fit's lower bound is above the floor. */
  leak: boolean;
}

/** The trend of a load-act-repeat recording. */
export interface CycleTrend {
  /** Cycle marks found (the values after cycles 1..N). */
  cycles: number;
  /** Times of the cycle marks. */
  times: number[];
  series: CycleSeries[];
}

/**
 * The per-cycle trend of the cycle marks in `events`, or null when the trace has none. Only the
 * latest run of marks 1..N counts (a page reloaded mid-run restarts the numbering).
 */
export function cycleTrend(events: readonly PageEvent[]): CycleTrend | null {
  const all = cycleSnapshots(events);
  let start = 0;
  for (let i = 0; i < all.length; i++) if (all[i]?.cycle === 1) start = i;
  const snaps = all.slice(start).filter((s, i) => s.cycle === i + 1);
  if (snaps.length === 0) return null;
  const series: CycleSeries[] = [];
  const add = (kind: SeriesKind, name: string, values: number[]): void => {
    const fit = fitTrend(values);
    const floor = NOISE_FLOOR[kind];
    series.push({ kind, name, values, fit, floor, leak: fit !== null && fit.lower > floor });
  };
  add(
    'committed',
    'committed',
    snaps.map((s) => s.committed),
  );
  if (snaps.every((s) => s.used !== null))
    add(
      'used',
      'used',
      snaps.map((s) => s.used ?? 0),
    );
  const names = (pick: (s: CycleSnapshot) => Map<string, number>): string[] => {
    const set = new Set<string>();
    for (const s of snaps) for (const k of pick(s).keys()) set.add(k);
    return [...set].sort();
  };
  for (const c of names((s) => s.classes))
    add(
      'class',
      c,
      snaps.map((s) => s.classes.get(c) ?? 0),
    );
  for (const r of names((s) => s.registries))
    add(
      'registry',
      r,
      snaps.map((s) => s.registries.get(r) ?? 0),
    );
  return { cycles: snaps.length, times: snaps.map((s) => s.time), series };
}

/** A per-cycle amount of a series, in its unit. */
export function formatPerCycle(kind: SeriesKind, v: number): string {
  if (kind === 'committed' || kind === 'used') return v < 0 ? `-${formatBytes(-v)}` : formatBytes(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function seriesLabel(s: CycleSeries): string {
  switch (s.kind) {
    case 'committed':
      return 'committed memory (all live memories)';
    case 'used':
      return 'used heap bytes (heaps counted inside wasm)';
    case 'class':
      return `live ${s.name} objects`;
    case 'registry':
      return `registry ${s.name}`;
  }
}

const KIND: Record<SeriesKind, AlertKind> = {
  committed: 'memory-floor-rising',
  used: 'memory-floor-rising',
  class: 'bindgen-live-growth',
  registry: 'registry-growth',
};

/** The alerts of a trend: one per leaking series ("Leaks X per cycle"). */
export function cycleAlerts(trend: CycleTrend): Alert[] {
  const out: Alert[] = [];
  for (const s of trend.series) {
    if (!s.leak || s.fit === null) continue;
    const f = s.fit;
    const per = (v: number) => formatPerCycle(s.kind, v);
    const first = trend.times[0] ?? 0;
    const last = trend.times[trend.times.length - 1] ?? first;
    const t = Number.isFinite(f.t) ? f.t.toFixed(1) : 'infinite (a perfect line)';
    out.push({
      id: `${KIND[s.kind]}:cycles:${s.kind}:${s.name}`,
      kind: KIND[s.kind],
      severity: 'warning',
      subject: s.kind === 'committed' || s.kind === 'used' ? `${s.name} (per cycle)` : s.name,
      title: `Leaks ${per(f.slope)} per cycle: ${seriesLabel(s)} rose over ${trend.cycles} load-act-repeat cycles`,
      detail:
        `Least-squares slope over the values after cycles 1..${trend.cycles} (cycle 1 is warm-up and only sets the base): ` +
        `${per(f.slope)} per cycle, 99 % confidence ${per(f.lower)} .. ${per(f.upper)} per cycle (t = ${t}, ${f.df} degrees of freedom); ` +
        `the lower bound is above the noise floor of ${per(s.floor)} per cycle. Values after each cycle: ${valuesText(s.values, per)}.`,
      recommendation:
        s.kind === 'class'
          ? `Each cycle leaves ${s.name} objects alive: free() them (or use \`using\`) when the cycle's work is done.`
          : s.kind === 'registry'
            ? `The registry keeps entries from every cycle: remove them when the cycle's work is done.`
            : 'Each cycle leaves memory behind after garbage collection: release what the cycle created (engines, wasm-bindgen objects, buffers malloc-ed in wasm), or reuse it in the next cycle. Mark diffs in the panel show what grew.',
      evidence: {
        series: `cycles:${s.kind}:${s.name}`,
        fromTime: first,
        toTime: last,
        points: s.values.slice(-32).map((v, i, a) => [trend.times[trend.times.length - a.length + i] ?? 0, v]),
      },
      state: 'active',
      raisedAt: last,
      updatedAt: last,
    });
  }
  return out;
}

/** Values shown in an alert's detail: all of up to 20, else the first 3 and the last 16. */
function valuesText(values: readonly number[], per: (v: number) => string): string {
  if (values.length <= 20) return values.map(per).join(', ');
  return `${values.slice(0, 3).map(per).join(', ')}, … (${values.length - 19} more), ${values.slice(-16).map(per).join(', ')}`;
}

const SPARK = '▁▂▃▄▅▆▇█';

/**
 * A text sparkline of `values` (min..max mapped to eight levels; flat: the lowest), at most
 * `width` characters: longer series are averaged in `width` equal buckets.
 */
export function sparkline(values: readonly number[], width = 60): string {
  let v: readonly number[] = values;
  if (values.length > width) {
    const out: number[] = [];
    for (let b = 0; b < width; b++) {
      const from = Math.floor((b * values.length) / width);
      const to = Math.floor(((b + 1) * values.length) / width);
      let sum = 0;
      for (let i = from; i < to; i++) sum += values[i] ?? 0;
      out.push(sum / Math.max(1, to - from));
    }
    v = out;
  }
  if (v.length === 0) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => (hi === lo ? SPARK[0] : SPARK[Math.round(((x - lo) / (hi - lo)) * (SPARK.length - 1))])).join('');
}
