/**
 * What the chart draws over its lines, on its canvas (never as HTML): marks (a dashed line and
 * their label as canvas text), growth events (short ticks at the foot of the plot, in the
 * memory's colour), and the selected alert's evidence (a band over its time span, its points as
 * dots when they are bytes, as ticks at the top when they count something else).
 *
 * The geometry is pure (`pixelMarkers`, `markLabels`); `drawOverlays` only strokes it.
 */
import type { EvidenceTarget } from './chart-data';

/** Canvas x positions of `times` within [left, right], at most one per `gap` px (sorted input). */
export function pixelMarkers(times: ArrayLike<number>, toPx: (t: number) => number, left: number, right: number, gap = 1): number[] {
  const out: number[] = [];
  let last = -Infinity;
  for (let i = 0; i < times.length; i++) {
    const x = Math.round(toPx(times[i] ?? NaN));
    if (!Number.isFinite(x) || x < left || x > right) continue;
    if (x - last < gap) continue;
    out.push(x);
    last = x;
  }
  return out;
}

/** Most characters of a mark's label drawn on the chart (the Marks section has them whole). */
export const MARK_LABEL_CHARS = 24;

/**
 * Marks within [left, right] as (x, label), sorted by x; a label is left out ('') when it would
 * start within `minGap` px of the previous label drawn, so labels never overlap.
 */
export function markLabels(
  marks: ReadonlyArray<{ time: number; label: string }>,
  toPx: (t: number) => number,
  left: number,
  right: number,
  minGap: number,
): Array<{ x: number; label: string }> {
  const placed = marks
    .map((m) => ({ x: Math.round(toPx(m.time)), label: m.label }))
    .filter((m) => Number.isFinite(m.x) && m.x >= left && m.x <= right)
    .sort((a, b) => a.x - b.x);
  let lastLabel = -Infinity;
  return placed.map((m) => {
    const chars = Array.from(m.label);
    const text = chars.length > MARK_LABEL_CHARS ? `${chars.slice(0, MARK_LABEL_CHARS - 1).join('')}…` : m.label;
    if (m.x - lastLabel < minGap) return { x: m.x, label: '' };
    lastLabel = m.x;
    return { x: m.x, label: text };
  });
}

export interface Overlays {
  marks: ReadonlyArray<{ time: number; label: string }>;
  /** Growth times and colour of each drawn memory. */
  growth: ReadonlyArray<{ times: ArrayLike<number>; color: string }>;
  evidence: { from: number; to: number; target: EvidenceTarget; points: ReadonlyArray<[number, number]> } | null;
  /** Where each page load after the first starts (the "all segments" view). */
  segments: readonly number[];
}

export interface Plot {
  ctx: CanvasRenderingContext2D;
  /** Plot area in canvas pixels. */
  bbox: { left: number; top: number; width: number; height: number };
  /** Canvas pixels per CSS pixel. */
  pxRatio: number;
  x(t: number): number;
  y(v: number): number;
}

export interface Colors {
  mark: string;
  evidence: string;
}

/** What was drawn (exposed as data-* attributes for tests). */
export interface Drawn {
  marks: number;
  segments: number;
  growth: number;
  evidencePoints: number;
}

/** The evidence band, under the lines (uPlot's drawClear hook). */
export function drawEvidenceBand(p: Plot, o: Overlays, c: Colors): void {
  const e = o.evidence;
  if (!e) return;
  const { left, top, width, height } = p.bbox;
  const x0 = Math.max(left, Math.min(left + width, p.x(e.from)));
  const x1 = Math.max(left, Math.min(left + width, p.x(e.to)));
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) return;
  const ctx = p.ctx;
  ctx.save();
  ctx.globalAlpha = 0.14;
  ctx.fillStyle = c.evidence;
  ctx.fillRect(x0, top, Math.max(2 * p.pxRatio, x1 - x0), height);
  ctx.restore();
}

/** Marks, growth ticks and evidence points, over the lines (uPlot's draw hook). */
export function drawOverlays(p: Plot, o: Overlays, c: Colors): Drawn {
  const { left, top, width, height } = p.bbox;
  const right = left + width;
  const bottom = top + height;
  const r = p.pxRatio;
  const ctx = p.ctx;
  const drawn: Drawn = { marks: 0, segments: 0, growth: 0, evidencePoints: 0 };
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();

  // Growth events: a 6 px tick at the foot of the plot, one path per memory.
  ctx.lineWidth = Math.max(1, r);
  for (const g of o.growth) {
    const xs = pixelMarkers(g.times, p.x, left, right, 2 * r);
    if (xs.length === 0) continue;
    ctx.strokeStyle = g.color;
    ctx.beginPath();
    for (const x of xs) {
      ctx.moveTo(x + 0.5, bottom);
      ctx.lineTo(x + 0.5, bottom - 6 * r);
    }
    ctx.stroke();
    drawn.growth += xs.length;
  }

  // Page-load starts: a longer dash the plot's height, no label.
  const starts = pixelMarkers(o.segments, p.x, left, right);
  if (starts.length > 0) {
    ctx.strokeStyle = c.mark;
    ctx.lineWidth = Math.max(1, r);
    ctx.setLineDash([4 * r, 3 * r]);
    ctx.beginPath();
    for (const x of starts) {
      ctx.moveTo(x + 0.5, top);
      ctx.lineTo(x + 0.5, bottom);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    drawn.segments = starts.length;
  }

  // Marks: a dashed line the plot's height, the label as canvas text at its top.
  const labels = markLabels(o.marks, p.x, left, right, 90 * r);
  if (labels.length > 0) {
    ctx.strokeStyle = c.mark;
    ctx.fillStyle = c.mark;
    ctx.setLineDash([3 * r, 3 * r]);
    ctx.beginPath();
    for (const m of labels) {
      ctx.moveTo(m.x + 0.5, top);
      ctx.lineTo(m.x + 0.5, bottom);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = `${Math.round(10 * r)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    for (const m of labels) if (m.label) ctx.fillText(m.label, m.x + 3 * r, top + 2 * r);
    drawn.marks = labels.length;
  }

  // Evidence points: dots at their values (bytes), or ticks at the top (counts).
  const e = o.evidence;
  if (e) {
    ctx.fillStyle = c.evidence;
    ctx.strokeStyle = c.evidence;
    ctx.lineWidth = 2 * r;
    ctx.beginPath();
    for (const [t, v] of e.points) {
      const x = p.x(t);
      if (!Number.isFinite(x) || x < left || x > right) continue;
      if (e.target.kind === 'count') {
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + 8 * r);
      } else {
        const y = p.y(v);
        if (!Number.isFinite(y)) continue;
        ctx.moveTo(x + 3 * r, y);
        ctx.arc(x, y, 3 * r, 0, 2 * Math.PI);
      }
      drawn.evidencePoints++;
    }
    if (e.target.kind === 'count') ctx.stroke();
    else ctx.fill();
  }
  ctx.restore();
  return drawn;
}
