import { describe, expect, it } from 'vitest';
import {
  applyCommand,
  chartHeight,
  clampTo,
  evidenceView,
  fetchRange,
  FOLLOW_LIVE,
  keyCommand,
  MIN_SPAN_MS,
  panned,
  timeExtent,
  viewRange,
  wheelFactor,
  zoomed,
  type Viewport,
} from './viewport';

const extent = { min: 1000, max: 11_000 }; // 10 s of data
const fixed = (min: number, max: number): Viewport => ({ follow: false, min, max });

describe('viewport', () => {
  it('follows live over the whole extent, and a fixed window stays put while the extent grows', () => {
    expect(viewRange(FOLLOW_LIVE, extent)).toEqual(extent);
    expect(viewRange(FOLLOW_LIVE, { min: 1000, max: 60_000 })).toEqual({ min: 1000, max: 60_000 });
    expect(viewRange(FOLLOW_LIVE, null)).toBeNull();
    const v = fixed(2000, 4000);
    expect(viewRange(v, extent)).toEqual({ min: 2000, max: 4000 });
    expect(viewRange(v, { min: 1000, max: 99_000 })).toEqual({ min: 2000, max: 4000 });
  });

  it('widens a single instant to the narrowest window when following live', () => {
    expect(viewRange(FOLLOW_LIVE, { min: 500, max: 500 })).toEqual({ min: 500 - MIN_SPAN_MS / 2, max: 500 + MIN_SPAN_MS / 2 });
  });

  it('zooms around the middle, or around an anchor that keeps its place on screen', () => {
    expect(zoomed(FOLLOW_LIVE, extent, 0.5)).toEqual(fixed(3500, 8500));
    // anchor at 1/4 of the view: still at 1/4 after the zoom
    const z = zoomed(fixed(2000, 6000), extent, 0.5, 3000);
    expect(z).toEqual(fixed(2500, 4500));
    expect(zoomed(z, extent, 2, 3000)).toEqual(fixed(2000, 6000));
  });

  it('never zooms in below the narrowest window, nor out beyond the data', () => {
    let v: Viewport = FOLLOW_LIVE;
    for (let i = 0; i < 40; i++) v = zoomed(v, extent, 0.5);
    const r = viewRange(v, extent);
    expect(r && r.max - r.min).toBeCloseTo(MIN_SPAN_MS);
    for (let i = 0; i < 40; i++) v = zoomed(v, extent, 2);
    expect(v).toEqual(fixed(1000, 11_000)); // the whole extent, but fixed: it does not follow
  });

  it('pans by a fraction of the width, clamped to the data on both sides', () => {
    expect(panned(fixed(4000, 6000), extent, 0.25)).toEqual(fixed(4500, 6500));
    expect(panned(fixed(4000, 6000), extent, -10)).toEqual(fixed(1000, 3000));
    expect(panned(fixed(4000, 6000), extent, 10)).toEqual(fixed(9000, 11_000));
    // New data arrives: the window can now move further right.
    expect(panned(fixed(9000, 11_000), { min: 1000, max: 20_000 }, 0.5)).toEqual(fixed(10_000, 12_000));
  });

  it('keeps a window wider than a short session at its start', () => {
    expect(clampTo({ min: 0, max: 50 }, { min: 1000, max: 1020 })).toEqual(fixed(1000, 1000 + MIN_SPAN_MS));
    expect(clampTo({ min: 5, max: 2 }, null)).toEqual(fixed(3.5 - MIN_SPAN_MS / 2, 3.5 + MIN_SPAN_MS / 2)); // swapped, widened around its middle
    expect(clampTo({ min: NaN, max: 2 }, extent)).toEqual(FOLLOW_LIVE);
  });

  it('maps keys to commands: +/- zoom, arrows pan, Home/End/L back to live, others are not the chart’s', () => {
    expect(['+', '=', '-', '_', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'l', 'L'].map(keyCommand)).toEqual([
      'zoom-in',
      'zoom-in',
      'zoom-out',
      'zoom-out',
      'pan-left',
      'pan-right',
      'live',
      'live',
      'live',
      'live',
    ]);
    expect(keyCommand('Tab')).toBeNull();
    expect(keyCommand('a')).toBeNull();
    expect(applyCommand(fixed(2000, 4000), extent, 'live')).toEqual(FOLLOW_LIVE);
    expect(applyCommand(fixed(2000, 4000), extent, 'zoom-in')).toEqual(fixed(2500, 3500));
    expect(applyCommand(fixed(2000, 4000), extent, 'zoom-out')).toEqual(fixed(1000, 5000));
    expect(applyCommand(fixed(2000, 4000), extent, 'pan-left')).toEqual(fixed(1500, 3500));
    expect(applyCommand(fixed(2000, 4000), extent, 'pan-right')).toEqual(fixed(2500, 4500));
  });

  it('does nothing to a live view with no data yet', () => {
    expect(applyCommand(FOLLOW_LIVE, null, 'zoom-in')).toBe(FOLLOW_LIVE);
    expect(panned(FOLLOW_LIVE, null, 1)).toBe(FOLLOW_LIVE);
  });

  it('turns wheel deltas into zoom factors: down widens, up narrows, bounded', () => {
    expect(wheelFactor(0)).toBe(1);
    expect(wheelFactor(100)).toBeGreaterThan(1);
    expect(wheelFactor(-100)).toBeCloseTo(1 / wheelFactor(100));
    expect(wheelFactor(3, 1)).toBeCloseTo(wheelFactor(99));
    expect(wheelFactor(1e9)).toBe(4);
    expect(wheelFactor(NaN)).toBe(1);
  });

  it('zooms to an alert’s evidence with a margin, and around a single instant', () => {
    expect(evidenceView(3000, 5000, extent)).toEqual(fixed(2800, 5200));
    expect(evidenceView(6000, 6000, { min: 0, max: 100_000 })).toEqual(fixed(1000, 11_000));
    // Evidence near the end of the data: moved inside it, width kept.
    expect(evidenceView(10_000, 11_000, extent)).toEqual(fixed(9800, 11_000));
  });

  it('asks the analyzer for everything when live, and the window with a window each side when fixed', () => {
    expect(fetchRange(FOLLOW_LIVE)).toBeNull();
    expect(fetchRange(fixed(2000, 3000))).toEqual({ from: 1000, to: 4000, scale: 3 });
  });

  it('takes the extent from the memories seen, and sizes the chart to the panel', () => {
    expect(timeExtent([])).toBeNull();
    expect(
      timeExtent([
        { firstSeen: 50, lastSeen: 90 },
        { firstSeen: 20, lastSeen: 60 },
      ]),
    ).toEqual({ min: 20, max: 90 });
    expect(chartHeight(300)).toBe(140);
    expect(chartHeight(800)).toBe(320);
    expect(chartHeight(3000)).toBe(600);
    expect(chartHeight(0)).toBe(220);
  });
});
