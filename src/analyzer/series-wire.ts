/**
 * Reading `wma_series`'s output (analyzer-rs/src/wasm.rs): per memory `keyId, n, times[n],
 * min[n], max[n], usedTracking, u, usedTimes[u], usedMin[u], usedMax[u], g, growthTimes[g]`
 * after a leading count. Copies out of the wasm memory (the view is only valid until the next
 * call); stops at the first count that does not fit what is left, rather than read past it.
 */
import type { MemorySeries, UsedSeries } from '../shared/analyzer-api';
import { TRACKING } from './encode';

/** Shared by every memory without growth in the range (most collected ones): never written. */
const NO_GROWTH = new Float64Array(0);

function count(data: Float64Array, at: number, per: number): number {
  const n = data[at];
  if (n === undefined || !Number.isInteger(n) || n < 0 || at + 1 + n * per > data.length) return -1;
  return n;
}

export function readSeries(data: Float64Array, name: (id: number) => string): MemorySeries[] {
  const out: MemorySeries[] = [];
  const memories = data.length > 0 ? (data[0] ?? 0) : 0;
  let o = 1;
  for (let i = 0; i < memories && o < data.length; i++) {
    const key = name(data[o] ?? -1);
    o += 1;
    const n = count(data, o, 3);
    if (n < 0) break;
    o += 1;
    const times = data.slice(o, o + n);
    const min = data.slice(o + n, o + 2 * n);
    const max = data.slice(o + 2 * n, o + 3 * n);
    o += 3 * n;
    const code = data[o];
    const u = count(data, o + 1, 3);
    if (u < 0) break;
    o += 2;
    let used: UsedSeries | null = null;
    if (u > 0 && (code === TRACKING.insideWasm || code === TRACKING.jsBoundary)) {
      used = {
        tracking: code === TRACKING.insideWasm ? 'inside-wasm' : 'js-boundary',
        times: data.slice(o, o + u),
        min: data.slice(o + u, o + 2 * u),
        max: data.slice(o + 2 * u, o + 3 * u),
      };
    }
    o += 3 * u;
    const g = count(data, o, 1);
    if (g < 0) break;
    const growth = g === 0 ? NO_GROWTH : data.slice(o + 1, o + 1 + g);
    o += 1 + g;
    out.push({ key, times, min, max, used, growth });
  }
  return out;
}
