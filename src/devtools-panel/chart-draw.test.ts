import { describe, expect, it } from 'vitest';
import { drawOverlays, MARK_LABEL_CHARS, markLabels, pixelMarkers, type Plot } from './chart-draw';

const px = (t: number) => t / 10; // 10 ms per pixel

describe('chart overlays', () => {
  it('places growth ticks inside the plot, at most one per gap', () => {
    expect(pixelMarkers([0, 5, 10, 12, 30, 5000], px, 0, 100)).toEqual([0, 1, 3]);
    expect(pixelMarkers([0, 10, 20, 30], px, 0, 100, 2)).toEqual([0, 2]);
    expect(pixelMarkers([NaN, 100], px, 5, 100)).toEqual([10]);
  });

  it('labels marks left to right, leaving out a label that would overlap the previous one, shortening long ones', () => {
    const long = 'x'.repeat(40);
    const out = markLabels(
      [
        { time: 500, label: 'b' },
        { time: 0, label: 'a' },
        { time: 100, label: 'too close' },
        { time: 900, label: long },
        { time: 99_999, label: 'off the plot' },
      ],
      px,
      0,
      100,
      30,
    );
    expect(out).toEqual([
      { x: 0, label: 'a' },
      { x: 10, label: '' },
      { x: 50, label: 'b' },
      { x: 90, label: `${'x'.repeat(MARK_LABEL_CHARS - 1)}…` },
    ]);
  });

  it('draws page text as canvas text only, and counts what it drew', () => {
    const calls: string[] = [];
    const ctx = new Proxy(
      {},
      {
        get: (_t, k) => (k === 'fillText' ? (text: string) => calls.push(text) : () => undefined),
        set: () => true,
      },
    ) as unknown as CanvasRenderingContext2D;
    const plot: Plot = { ctx, bbox: { left: 0, top: 0, width: 100, height: 50 }, pxRatio: 1, x: px, y: (v) => 50 - v };
    const drawn = drawOverlays(
      plot,
      {
        marks: [{ time: 200, label: '<img src=x onerror=alert(1)>' }],
        growth: [{ times: [100, 300], color: '#000' }],
        segments: [150, 9000], // the second outside the plot
        evidence: {
          from: 0,
          to: 500,
          target: { kind: 'total' },
          points: [
            [100, 10],
            [200, 20],
            [5000, 1],
          ],
        },
      },
      { mark: '#111', evidence: '#222' },
    );
    expect(calls).toEqual(['<img src=x onerror=aler…']); // 23 characters and an ellipsis
    expect(drawn).toEqual({ marks: 1, segments: 1, growth: 2, evidencePoints: 2 });
  });
});
