/**
 * The live chart: ONE uPlot instance, columnar data, setData at most once per view update
 * (the controller throttles updates to animation frames), setSize from a ResizeObserver,
 * destroy() on unmount. Rebuilt only when the set of memories changes.
 *
 * The x axis reads as time since the session started (t = 0 is the first point on the chart):
 * "0s", "15s", "1m 30s"; the hover legend adds the wall clock, which marks and alerts use.
 * With 2+ memories a dashed "Total" line sums them. Legend labels are short (file name and
 * key); the full owner URL is the label's tooltip. Labels are set as text (textContent/title).
 */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MemorySeries } from '../shared/analyzer-api';
import { maxColumn, seriesKey, shownSeries, toColumns, totalColumn } from './chart-data';
import { formatBytes } from '../shared/bytes';
import { ELAPSED_INCRS, elapsedLabels, elapsedSplits, formatClock, formatElapsed } from './format';

const COLORS = ['#1a73e8', '#d93025', '#188038', '#e37400', '#9334e6', '#00838f', '#c5221f', '#5f6368'];

export function colorOf(i: number): string {
  return COLORS[i % COLORS.length] ?? '#1a73e8';
}

interface Props {
  series: MemorySeries[];
  /** Short display names per memory key (legend). */
  labels: Map<string, string>;
  /** Full names per memory key (legend tooltips). */
  titles: Map<string, string>;
  /** Keys of memories collected on the page (they leave the total after their last point). */
  gone: ReadonlySet<string>;
  onWidth(px: number): void;
  /** Times where a new page load (segment) starts: drawn as dashed vertical markers. */
  segmentStarts?: readonly number[];
}

const HEIGHT = 220;
const NO_STARTS: readonly number[] = [];

/** Dashed vertical lines at the segment starts (read at draw time from `starts`). */
function drawSegmentStarts(u: uPlot, starts: readonly number[], color: string): void {
  if (starts.length === 0) return;
  const ctx = u.ctx;
  const { top, height } = u.bbox;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
  for (const t of starts) {
    const x = Math.round(u.valToPos(t, 'x', true));
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
  }
  ctx.restore();
}

/** Y tick steps that read well in binary units (4 KiB … 4 GiB). */
const BYTE_INCRS: number[] = [];
for (let unit = 1024; unit <= 1024 ** 3; unit *= 1024) {
  for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) BYTE_INCRS.push(m * unit);
}

/** A legend label: short text, full name as its tooltip (text only, never HTML). */
function legendText(short: string, full: string): HTMLElement {
  const el = document.createElement('span');
  el.textContent = short;
  el.title = full;
  return el;
}

export function Chart({ series: all, labels, titles, gone, onWidth, segmentStarts = NO_STARTS }: Props) {
  // Lines for at most MAX_CHART_SERIES memories; every memory counts in the total.
  const series = useMemo(() => shownSeries(all, gone), [all, gone]);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const builtFor = useRef<string>('');
  /** x of t = 0: the first point on the chart (read by the axis and legend at draw time). */
  const origin = useRef<number>(0);
  const starts = useRef<readonly number[]>(segmentStarts);
  useEffect(() => {
    starts.current = segmentStarts;
    plot.current?.redraw(false);
  }, [segmentStarts]);

  // Size: follow the container.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w <= 0) return;
      plot.current?.setSize({ width: w, height: HEIGHT });
      onWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [onWidth]);

  // Destroy on unmount.
  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  // Data: rebuild when the set of memories changes, else setData.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const nameOf = (k: string) => labels.get(k) ?? k;
    const titleOf = (k: string) => titles.get(k) ?? nameOf(k);
    const key = `${seriesKey(series)}\u0001${series.map((s) => `${nameOf(s.key)}\u0002${titleOf(s.key)}`).join('\u0000')}\u0003${totalColumn(series.length, all.length)}`;
    const data = toColumns(series, gone, all) as uPlot.AlignedData;
    origin.current = data[0][0] ?? 0;
    if (plot.current && builtFor.current === key) {
      plot.current.setData(data);
      return;
    }
    plot.current?.destroy();
    plot.current = null;
    builtFor.current = key;
    const styles = getComputedStyle(el);
    const fg = styles.getPropertyValue('--fg-muted').trim() || '#5f6368';
    const grid = styles.getPropertyValue('--grid').trim() || '#e0e0e0';
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const total = totalColumn(series.length, all.length);
    // Committed size is a step function: a value holds from its sample until the next one.
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height: HEIGHT,
      ms: 1,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max * 1.1, 65536)] } },
      axes: [
        {
          ...axis,
          space: 60,
          incrs: [...ELAPSED_INCRS],
          splits: (_u, _i, min, max, incr) => elapsedSplits(origin.current, min, max, incr),
          values: (_u, splits) => elapsedLabels(splits, origin.current),
        },
        { ...axis, size: 70, incrs: BYTE_INCRS, values: (_u, vals) => vals.map((v) => formatBytes(v)) },
      ],
      series: [
        {
          label: 'time',
          value: (_u, v) => (v == null ? '—' : `${formatElapsed(v - origin.current, 100)} (${formatClock(v)})`),
        },
        ...series.flatMap((s, i): uPlot.Series[] => [
          {
            label: legendText(nameOf(s.key), titleOf(s.key)),
            stroke: colorOf(i),
            width: 1.5,
            spanGaps: true,
            paths: stepped,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : formatBytes(v)),
          },
          {
            // The bucket minimum: the lower edge of the band, not listed in the legend.
            label: `${titleOf(s.key)} (min)`,
            class: 'min-series',
            stroke: colorOf(i),
            width: 0,
            spanGaps: true,
            paths: stepped,
            points: { show: false },
          },
        ]),
        ...(total > 0
          ? [
              {
                label: 'Total',
                class: 'total-series',
                stroke: fg,
                width: 1.5,
                dash: [6, 4],
                spanGaps: true,
                paths: stepped,
                points: { show: false },
                value: (_u: uPlot, v: number | null) => (v == null ? '—' : formatBytes(v)),
              },
            ]
          : []),
      ],
      hooks: { draw: [(u) => drawSegmentStarts(u, starts.current, fg)] },
      bands: series.map((_s, i) => ({ series: [maxColumn(i), maxColumn(i) + 1] as [number, number], fill: `${colorOf(i)}33` })),
    };
    plot.current = new uPlot(opts, data, el);
  }, [series, all, labels, titles, gone]);

  const points = series.reduce((n, s) => n + s.times.length, 0);
  // uPlot owns the children of the chart box; Preact renders none there.
  return (
    <div class="chart-wrap">
      <div
        class="chart"
        data-testid="chart"
        data-series={series.length}
        data-memories={all.length}
        data-points={points}
        data-segment-starts={segmentStarts.join(' ')}
        ref={box}
        aria-label="Committed bytes of each memory over time"
      />
      {all.length === 0 ? <div class="chart-empty">No WebAssembly memory seen yet.</div> : null}
      {all.length > series.length ? (
        <div class="muted chart-note" data-testid="chart-hidden" data-value={all.length - series.length}>
          {all.length - series.length} more memories (collected, or smaller) count in the total only.
        </div>
      ) : null}
    </div>
  );
}
