/**
 * The chart's viewport (pure): which stretch of time the chart shows. Either it follows live
 * (the whole session, its right edge the latest event) or it is a fixed window [min, max] that
 * stays put while data streams in: any zoom or pan makes it fixed, "Follow live" (or Home, End,
 * L, a double click) makes it follow again. Times are the page's event times (epoch ms), like
 * the analyzer's series; `extent` is the session's: first to latest event seen.
 *
 * Chart.tsx only turns events into the commands here (keys, wheel, drag selection) and draws
 * what `viewRange` says; the controller asks the analyzer for the window's data
 * (`fetchRange`), so a zoom shows the detail the analyzer keeps for it.
 */

export interface Span {
  min: number;
  max: number;
}

export type Viewport = { readonly follow: true } | { readonly follow: false; readonly min: number; readonly max: number };

export const FOLLOW_LIVE: Viewport = { follow: true };

/** The narrowest window, in ms (samples come at most every few ms). */
export const MIN_SPAN_MS = 100;
/** How much one zoom step (a key press, a button) narrows or widens the window. */
export const ZOOM_STEP = 2;
/** How far one pan step moves the window, as a fraction of its width. */
export const PAN_STEP = 0.25;
/** Margin around an alert's evidence when the chart zooms to it, as a fraction of its span. */
const EVIDENCE_MARGIN = 0.1;
/** Window around evidence that is a single instant, in ms. */
const EVIDENCE_INSTANT_MS = 10_000;

export type ChartCommand = 'zoom-in' | 'zoom-out' | 'pan-left' | 'pan-right' | 'live';

/** The command of a key pressed with the chart focused, or null (the key is not the chart's). */
export function keyCommand(key: string): ChartCommand | null {
  switch (key) {
    case '+':
    case '=':
      return 'zoom-in';
    case '-':
    case '_':
      return 'zoom-out';
    case 'ArrowLeft':
      return 'pan-left';
    case 'ArrowRight':
      return 'pan-right';
    case 'Home':
    case 'End':
    case 'l':
    case 'L':
      return 'live';
    default:
      return null;
  }
}

function finite(...xs: number[]): boolean {
  return xs.every(Number.isFinite);
}

/** The span a live view shows: the extent, widened to MIN_SPAN_MS around a single instant. */
function liveSpan(extent: Span): Span {
  if (extent.max - extent.min >= MIN_SPAN_MS) return extent;
  const mid = (extent.min + extent.max) / 2;
  return { min: mid - MIN_SPAN_MS / 2, max: mid + MIN_SPAN_MS / 2 };
}

/** What the chart shows: the fixed window, or (following live) the whole extent; null when
 *  following live with no data yet. */
export function viewRange(v: Viewport, extent: Span | null): Span | null {
  if (!v.follow) return { min: v.min, max: v.max };
  return extent && finite(extent.min, extent.max) && extent.max >= extent.min ? liveSpan(extent) : null;
}

/**
 * A fixed window of `span`'s width, kept inside the data: at least MIN_SPAN_MS wide, at most as
 * wide as the extent, and moved (not shrunk) back inside it when it sticks out on one side.
 */
export function clampTo(span: Span, extent: Span | null): Viewport {
  let { min, max } = span;
  if (!finite(min, max)) return FOLLOW_LIVE;
  if (max < min) [min, max] = [max, min];
  let width = Math.max(MIN_SPAN_MS, max - min);
  if (width > max - min) {
    const mid = (min + max) / 2;
    min = mid - width / 2;
    max = mid + width / 2;
  }
  if (extent && finite(extent.min, extent.max) && extent.max >= extent.min) {
    const room = Math.max(MIN_SPAN_MS, extent.max - extent.min);
    if (width > room) {
      width = room;
      const mid = (min + max) / 2;
      min = mid - width / 2;
      max = mid + width / 2;
    }
    if (min < extent.min) {
      min = extent.min;
      max = min + width;
    } else if (max > Math.max(extent.max, extent.min + width)) {
      max = Math.max(extent.max, extent.min + width);
      min = max - width;
    }
  }
  return { follow: false, min, max };
}

/** Zoom by `factor` (< 1 narrows, > 1 widens) keeping `anchor` (a time; default: the middle of
 *  the view) at the same place on screen. The result is fixed: it no longer follows live. */
export function zoomed(v: Viewport, extent: Span | null, factor: number, anchor?: number): Viewport {
  const cur = viewRange(v, extent);
  if (!cur || !(factor > 0) || !Number.isFinite(factor)) return v;
  const width = cur.max - cur.min;
  const at = anchor !== undefined && Number.isFinite(anchor) ? Math.min(cur.max, Math.max(cur.min, anchor)) : (cur.min + cur.max) / 2;
  const next = Math.max(MIN_SPAN_MS, width * factor);
  const left = width > 0 ? (at - cur.min) / width : 0.5;
  return clampTo({ min: at - left * next, max: at - left * next + next }, extent);
}

/** Move the view by `fraction` of its width (negative: back in time), clamped to the data. */
export function panned(v: Viewport, extent: Span | null, fraction: number): Viewport {
  const cur = viewRange(v, extent);
  if (!cur || !Number.isFinite(fraction)) return v;
  const d = (cur.max - cur.min) * fraction;
  return clampTo({ min: cur.min + d, max: cur.max + d }, extent);
}

/** The viewport after a command. */
export function applyCommand(v: Viewport, extent: Span | null, cmd: ChartCommand): Viewport {
  switch (cmd) {
    case 'zoom-in':
      return zoomed(v, extent, 1 / ZOOM_STEP);
    case 'zoom-out':
      return zoomed(v, extent, ZOOM_STEP);
    case 'pan-left':
      return panned(v, extent, -PAN_STEP);
    case 'pan-right':
      return panned(v, extent, PAN_STEP);
    case 'live':
      return FOLLOW_LIVE;
  }
}

/**
 * Zoom factor of a wheel turn: one notch (100 px of deltaY) zooms by about 1.26, scrolling
 * down widens. `deltaMode` 1 is lines (about 33 px each), 2 pages.
 */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  if (!Number.isFinite(deltaY)) return 1;
  const px = deltaY * (deltaMode === 1 ? 33 : deltaMode === 2 ? 400 : 1);
  return Math.pow(2, Math.max(-600, Math.min(600, px)) / 300);
}

/** The window that shows an alert's evidence with a margin (a single instant: a window around it). */
export function evidenceView(from: number, to: number, extent: Span | null): Viewport {
  if (!finite(from, to)) return FOLLOW_LIVE;
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  if (hi - lo < MIN_SPAN_MS) return clampTo({ min: lo - EVIDENCE_INSTANT_MS / 2, max: hi + EVIDENCE_INSTANT_MS / 2 }, extent);
  const m = (hi - lo) * EVIDENCE_MARGIN;
  return clampTo({ min: lo - m, max: hi + m }, extent);
}

/**
 * The time range to ask the analyzer for, given the view: null (everything) when following live;
 * else the window and one window's width on each side, so lines enter and leave the window at
 * its edges instead of starting at its first bucket. `points` is scaled to match (3x).
 */
export function fetchRange(v: Viewport): { from: number; to: number; scale: number } | null {
  if (v.follow) return null;
  const w = v.max - v.min;
  return { from: v.min - w, to: v.max + w, scale: 3 };
}

/** The session's time extent: the first and latest times any memory was seen (null: none yet). */
export function timeExtent(memories: ReadonlyArray<{ firstSeen: number; lastSeen: number }>): Span | null {
  let min = Infinity;
  let max = -Infinity;
  for (const m of memories) {
    if (Number.isFinite(m.firstSeen) && m.firstSeen < min) min = m.firstSeen;
    if (Number.isFinite(m.lastSeen) && m.lastSeen > max) max = m.lastSeen;
  }
  return min <= max ? { min, max } : null;
}

/** The chart's plot height for a panel `viewportHeight` px tall: 40 % of it, within 140..600. */
export function chartHeight(viewportHeight: number): number {
  if (!Number.isFinite(viewportHeight) || viewportHeight <= 0) return 220;
  return Math.round(Math.min(600, Math.max(140, viewportHeight * 0.4)));
}
