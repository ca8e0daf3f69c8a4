/**
 * The live chart: ONE uPlot instance, columnar data, setData at most once per view update
 * (the controller throttles updates to animation frames), setSize from a ResizeObserver and the
 * panel's height, destroy() on unmount. Rebuilt only when the set of lines changes.
 *
 * What it shows (`viewport.ts`): the whole session following live, or a fixed window that stays
 * put while data streams in. A drag selects a window, the wheel zooms around the pointer
 * (Shift+wheel, or a sideways wheel, pans), a double click or "Follow live" goes back to live;
 * focused, + / - zoom, the arrows pan, Home / End / L go back to live. The component turns those
 * events into viewport commands and nothing else; App.tsx holds the viewport.
 *
 * The x axis reads as time since the session started (t = 0 is the first memory seen; alert
 * evidence uses the same clock): "0s", "15s", "1m 30s"; the hover legend adds the wall clock.
 * With nothing hovered the legend shows the values now. Lines: committed bytes per memory (max
 * line over a min..max band), a dotted used-bytes line where the heap's live bytes are known
 * (labelled when only its JS-boundary part is), a dashed "Total" with 2+ memories. Drawn over
 * them on the canvas (chart-draw.ts): marks, growth events, the selected alert's evidence.
 * Legend labels are short (file name and key); the full owner URL is the label's tooltip.
 * Labels are set as text (textContent/title).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Alert, Mark, MemorySeries, MemoryStats } from '../shared/analyzer-api';
import { chartLayout, evidenceMarks, legendNow, maxColumn, seriesKey, shownSeries, toColumns, type LegendNow } from './chart-data';
import { drawEvidenceBand, drawOverlays, type Colors, type Overlays, type Plot } from './chart-draw';
import { formatBytes } from '../shared/bytes';
import { ELAPSED_INCRS, elapsedLabels, elapsedSplits, formatClock, formatElapsed } from './format';
import {
  applyCommand,
  chartHeight,
  clampTo,
  FOLLOW_LIVE,
  keyCommand,
  panned,
  viewRange,
  wheelFactor,
  zoomed,
  type ChartCommand,
  type Span,
  type Viewport,
} from './viewport';

const COLORS = ['#1a73e8', '#d93025', '#188038', '#e37400', '#9334e6', '#00838f', '#c5221f', '#5f6368'];

export function colorOf(i: number): string {
  return COLORS[i % COLORS.length] ?? '#1a73e8';
}

interface Props {
  series: MemorySeries[];
  /** The report's memories: the values now (legend) and the collected ones. */
  memories: MemoryStats[];
  marks: Mark[];
  /** The session's time extent (first to latest memory event), null before any. */
  extent: Span | null;
  viewport: Viewport;
  onViewport(v: Viewport): void;
  /** The selected alert, whose evidence is highlighted. */
  selected: Alert | null;
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

const NO_STARTS: readonly number[] = [];

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

const NO_OVERLAYS: Overlays = { marks: [], growth: [], evidence: null, segments: NO_STARTS };

export function Chart(props: Props) {
  const { series: all, memories, marks, extent, viewport, onViewport, selected, labels, titles, gone, onWidth } = props;
  const segmentStarts = props.segmentStarts ?? NO_STARTS;
  // Lines for at most MAX_CHART_SERIES memories; every memory counts in the total.
  const series = useMemo(() => shownSeries(all, gone), [all, gone]);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const builtFor = useRef<string>('');
  const [height, setHeight] = useState(() => chartHeight(window.innerHeight));
  // Read at draw time by uPlot's callbacks (axis, legend, scale range, hooks).
  const origin = useRef<number>(0);
  const extentRef = useRef<Span | null>(extent);
  const viewRef = useRef<Viewport>(viewport);
  const onViewRef = useRef(onViewport);
  const now = useRef<LegendNow>({ committed: [], used: [], total: 0 });
  const overlays = useRef<Overlays>(NO_OVERLAYS);
  const drawnMarks = useRef<string>('');
  const colors = useRef<Colors>({ mark: '#5f6368', evidence: '#e37400' });
  onViewRef.current = onViewport;

  // Width: follow the container; height: the panel's.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w <= 0) return;
      plot.current?.setSize({ width: w, height: chartHeight(window.innerHeight) });
      onWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [onWidth]);
  useEffect(() => {
    const onResize = () => setHeight(chartHeight(window.innerHeight));
    addEventListener('resize', onResize);
    return () => removeEventListener('resize', onResize);
  }, []);
  useEffect(() => {
    const u = plot.current;
    if (u && u.height !== height) u.setSize({ width: u.width, height });
  }, [height]);

  // Destroy on unmount.
  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  // Data: rebuild when the set of lines changes, else setData.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const nameOf = (k: string) => labels.get(k) ?? k;
    const titleOf = (k: string) => titles.get(k) ?? nameOf(k);
    const layout = chartLayout(series, all.length);
    const key = `${seriesKey(series)}\u0001${series.map((s) => `${nameOf(s.key)}\u0002${titleOf(s.key)}`).join('\u0000')}\u0003${layout.total}`;
    const data = toColumns(series, gone, all) as uPlot.AlignedData;
    extentRef.current = extent;
    origin.current = extent?.min ?? data[0][0] ?? 0;
    now.current = legendNow(series, memories);
    overlays.current = {
      ...overlays.current,
      growth: series.map((s, i) => ({ times: s.growth, color: colorOf(i) })),
    };
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
    colors.current = { mark: fg, evidence: styles.getPropertyValue('--evidence').trim() || '#e37400' };
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    // Committed size is a step function: a value holds from its sample until the next one.
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const bytes = (v: number | null) => (v == null ? '—' : formatBytes(v));
    // With nothing hovered (idx null) the legend shows the values now.
    const nowOr = (pick: (n: LegendNow) => number | null) => (_u: uPlot, v: number | null, _s: number, idx: number | null) =>
      idx == null ? bytes(pick(now.current)) : bytes(v);
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height: chartHeight(window.innerHeight),
      ms: 1,
      legend: { show: true, live: true },
      // A drag selects a window; the viewport (not uPlot) decides the scale.
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: {
        x: {
          time: false,
          auto: true,
          range: (_u, dmin, dmax) => {
            const r = viewRange(viewRef.current, extentRef.current);
            if (r) return [r.min, r.max];
            return dmin === dmax || dmin == null ? [(dmin ?? 0) - 1000, (dmax ?? 0) + 1000] : [dmin, dmax];
          },
        },
        y: { range: (_u, _min, max) => [0, Math.max(max * 1.1, 65536)] },
      },
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
          value: (_u, v, _s, idx) => {
            const t = idx == null ? extentRef.current?.max : v;
            const text = t == null ? '—' : `${formatElapsed(t - origin.current, 100)} (${formatClock(t)})`;
            return idx == null && t != null ? `now ${text}` : text;
          },
        },
        ...series.flatMap((s, i): uPlot.Series[] => [
          {
            label: legendText(nameOf(s.key), titleOf(s.key)),
            stroke: colorOf(i),
            width: 1.5,
            spanGaps: true,
            paths: stepped,
            points: { show: false },
            value: nowOr((n) => n.committed[i] ?? null),
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
        ...(layout.total >= 0
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
                value: nowOr((n) => n.total),
              },
            ]
          : []),
        ...series.flatMap((s, i): uPlot.Series[] => {
          if (layout.used[i] === -1 || !s.used) return [];
          const part = s.used.tracking === 'js-boundary';
          const short = `${nameOf(s.key)} used${part ? ' (JS-boundary allocs only)' : ''}`;
          const full = part
            ? `${titleOf(s.key)}\nLive bytes of the allocations that crossed the JS boundary only: a part of the heap`
            : `${titleOf(s.key)}\nLive bytes of the heap, counted inside wasm`;
          return [
            {
              label: legendText(short, full),
              class: part ? 'used-series partial' : 'used-series',
              stroke: colorOf(i),
              width: 1,
              dash: [2, 3],
              spanGaps: true,
              paths: stepped,
              points: { show: false },
              value: nowOr((n) => n.used[i] ?? null),
            },
          ];
        }),
      ],
      bands: series.map((_s, i) => ({ series: [maxColumn(i), maxColumn(i) + 1] as [number, number], fill: `${colorOf(i)}33` })),
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width > 2)
              onViewRef.current(clampTo({ min: u.posToVal(left, 'x'), max: u.posToVal(left + width, 'x') }, extentRef.current));
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            const x = u.scales.x;
            el.dataset.viewMin = String(x?.min ?? '');
            el.dataset.viewMax = String(x?.max ?? '');
          },
        ],
        drawClear: [(u) => drawEvidenceBand(plotOf(u), overlays.current, colors.current)],
        draw: [
          (u) => {
            // The plot area may have moved (axis widths follow the data): uPlot caches its
            // rectangle from the last mouseenter, so a drag would start off by that much. Drop it
            // here; uPlot reads it again at the next pointer event.
            u.syncRect(true);
            const d = drawOverlays(plotOf(u), overlays.current, colors.current);
            el.dataset.marksDrawn = String(d.marks);
            el.dataset.segmentsDrawn = String(d.segments);
            el.dataset.growthDrawn = String(d.growth);
            el.dataset.evidencePoints = String(d.evidencePoints);
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    // Wheel: zoom around the pointer; Shift or a sideways wheel pans. Double click: live.
    u.over.addEventListener(
      'wheel',
      (e: WheelEvent) => {
        e.preventDefault();
        const sideways = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
        const v = viewRef.current;
        const ext = extentRef.current;
        if (sideways) {
          const d = e.deltaX !== 0 ? e.deltaX : e.deltaY;
          onViewRef.current(panned(v, ext, d / Math.max(1, u.over.clientWidth)));
        } else {
          onViewRef.current(zoomed(v, ext, wheelFactor(e.deltaY, e.deltaMode), u.posToVal(e.offsetX, 'x')));
        }
      },
      { passive: false },
    );
    u.over.addEventListener('dblclick', () => onViewRef.current(FOLLOW_LIVE));
  }, [series, all, memories, extent, labels, titles, gone]);

  // The viewport: apply it to the scale at once (the controller fetches the window's data next).
  useEffect(() => {
    viewRef.current = viewport;
    const u = plot.current;
    const r = viewRange(viewport, extentRef.current);
    if (u && r) u.setScale('x', r);
  }, [viewport]);

  // Marks and the selected alert's evidence: redraw over the same lines, only when they changed
  // (every report brings a new marks array; a redraw per frame would double the chart's work).
  const evidence = useMemo(() => (selected ? evidenceMarks(selected.evidence) : null), [selected]);
  const marksKey = `${marks.length}\u0000${marks.at(-1)?.time ?? ''}\u0000${marks.at(-1)?.label ?? ''}`;
  useEffect(() => {
    const changed =
      overlays.current.evidence !== evidence ||
      overlays.current.marks.length !== marks.length ||
      marksKey !== drawnMarks.current ||
      overlays.current.segments !== segmentStarts;
    overlays.current = { ...overlays.current, marks, evidence, segments: segmentStarts };
    drawnMarks.current = marksKey;
    if (changed) plot.current?.redraw(false, false);
  }, [marks, marksKey, evidence, segmentStarts]);

  const command = (cmd: ChartCommand) => onViewport(applyCommand(viewport, extent, cmd));
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's own zoom keys stay its own
    const cmd = keyCommand(e.key);
    if (!cmd) return;
    e.preventDefault();
    command(cmd);
  };
  const onFollow = () => {
    if (!viewport.follow) onViewport(FOLLOW_LIVE);
    else {
      // Pause following: keep what is shown now.
      const r = viewRange(viewport, extent);
      if (r) onViewport({ follow: false, min: r.min, max: r.max });
    }
  };

  const points = series.reduce((n, s) => n + s.times.length, 0);
  const usedLines = series.reduce((n, s) => n + (s.used && s.used.times.length > 0 ? 1 : 0), 0);
  // uPlot owns the children of the chart box; Preact renders none there.
  return (
    <div class="chart-wrap">
      <div class="chart-tools" role="toolbar" aria-label="Chart">
        <button
          type="button"
          data-testid="follow-live"
          aria-pressed={viewport.follow}
          title="Show the whole session and follow new data (Home, End or L on the chart)"
          onClick={onFollow}
        >
          Follow live
        </button>
        <button type="button" data-testid="zoom-out" title="Zoom out (-)" aria-label="Zoom out" onClick={() => command('zoom-out')}>
          −
        </button>
        <button type="button" data-testid="zoom-in" title="Zoom in (+)" aria-label="Zoom in" onClick={() => command('zoom-in')}>
          +
        </button>
        <span class="muted chart-hint">Drag or wheel to zoom, Shift+wheel or arrows to pan, double-click for live</span>
        {selected ? (
          <span
            class="chart-evidence"
            data-testid="chart-evidence"
            title={`${formatClock(selected.evidence.fromTime)} – ${formatClock(selected.evidence.toTime)}`}
          >
            Evidence: {selected.evidence.series}
          </span>
        ) : null}
      </div>
      <div
        class="chart"
        data-testid="chart"
        data-series={series.length}
        data-memories={all.length}
        data-points={points}
        data-segment-starts={segmentStarts.join(' ')}
        data-follow={String(viewport.follow)}
        data-extent-min={extent?.min ?? ''}
        data-extent-max={extent?.max ?? ''}
        data-used-lines={usedLines}
        data-height={height}
        data-selected-alert={selected?.id ?? ''}
        data-evidence-from={evidence?.from ?? ''}
        data-evidence-to={evidence?.to ?? ''}
        ref={box}
        tabIndex={0}
        role="group"
        aria-roledescription="chart"
        aria-label="Committed bytes of each memory over time. Plus and minus zoom, the arrow keys pan, Home, End or L follow live."
        onKeyDown={onKeyDown}
      />
      {all.length === 0 ? <div class="chart-empty">No WebAssembly memory seen yet.</div> : null}
      {usedLines < series.length ? (
        <div class="muted chart-note" data-testid="chart-used-unknown" data-value={series.length - usedLines}>
          No used-bytes line for {series.length - usedLines} of the {series.length} memories drawn: their heap's live bytes are not known
          here (the Memories table's Used column says why).
        </div>
      ) : null}
      {all.length > series.length ? (
        <div class="muted chart-note" data-testid="chart-hidden" data-value={all.length - series.length}>
          {all.length - series.length} more memories (collected, or smaller) count in the total only.
        </div>
      ) : null}
    </div>
  );
}

/** The drawing geometry of a uPlot instance (canvas pixels). */
function plotOf(u: uPlot): Plot {
  return {
    ctx: u.ctx,
    bbox: u.bbox,
    pxRatio: uPlot.pxRatio,
    x: (t) => u.valToPos(t, 'x', true),
    y: (v) => u.valToPos(v, 'y', true),
  };
}
