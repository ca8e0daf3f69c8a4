/** Human formatting for the panel (pure). Byte sizes: ../shared/bytes.ts. */
import { formatBytes, formatDelta } from '../shared/bytes';

export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

/** A registry field's value: bytes when the field's name says so ("bytes", "heapBytes"), else a count. */
export function formatField(field: string, v: number): string {
  return /bytes/i.test(field) ? formatBytes(v) : formatCount(v);
}

/** A change of a registry field, signed: "+64 KiB", "+3", "-2". */
export function formatFieldDelta(field: string, delta: number): string {
  if (/bytes/i.test(field)) return formatDelta(delta);
  return delta > 0 ? `+${formatCount(delta)}` : formatCount(delta);
}

/** Epoch ms -> "12:34:56.789" (local time). */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Duration in ms -> "1.2 s", "3 min 4 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/**
 * Time since the session started, for the chart: 0 -> "0s", 1500 -> "1.5s", 90_000 -> "1m 30s",
 * 120_000 -> "2m", 3_723_000 -> "1h 2m 3s". Rounded to `resolutionMs` first (1 ms by default;
 * the hover legend passes 100 for tenths of a second). Zero parts are left out.
 */
export function formatElapsed(ms: number, resolutionMs = 1): string {
  if (!Number.isFinite(ms)) return '—';
  const step = resolutionMs > 0 ? resolutionMs : 1;
  const total = Math.round(Math.abs(ms) / step) * step;
  const sign = ms < 0 && total > 0 ? '-' : '';
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total - h * 3_600_000) / 60_000);
  const s = parseFloat(((total - h * 3_600_000 - m * 60_000) / 1000).toFixed(3));
  const parts: string[] = [];
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return sign + parts.join(' ');
}

/** Tick steps of the elapsed-time axis in ms (10 ms … 1 day), offered to uPlot as `incrs`. */
export const ELAPSED_INCRS: readonly number[] = [
  10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/**
 * Tick positions (absolute x values) for an elapsed-time axis: every multiple of `incr` ms
 * after `origin` (the session start, t = 0) that falls in [min, max]. uPlot's own splits are
 * multiples of `incr` in absolute epoch time, which would label ticks "7.655s", "27.655s".
 */
export function elapsedSplits(origin: number, min: number, max: number, incr: number): number[] {
  if (![origin, min, max, incr].every(Number.isFinite) || incr <= 0 || max < min) return [];
  const first = Math.ceil((min - origin) / incr - 1e-9);
  const out: number[] = [];
  for (let k = first; origin + k * incr <= max + 1e-6 && out.length < 1000; k++) out.push(origin + k * incr);
  return out;
}

/** Tick labels for `splits` (absolute x values): elapsed time since `origin`. */
export function elapsedLabels(splits: readonly number[], origin: number): string[] {
  return splits.map((v) => formatElapsed(v - origin));
}

/** "a-very-long-name.wasm" -> "a-very…me.wasm": at most `max` characters (code points), the
 * middle replaced by "…", so both the start and the distinguishing end stay readable. */
export function middleEllipsis(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max <= 1) return '…';
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(chars.length - tail).join('') : ''}`;
}

/** The full name of a memory, for tooltips: owner URL and key. */
export function memoryTitle(owner: string, key: string): string {
  return owner ? `${owner} (${key})` : key;
}
