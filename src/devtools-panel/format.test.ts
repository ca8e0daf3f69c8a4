import { describe, expect, it } from 'vitest';
import {
  ELAPSED_INCRS,
  elapsedLabels,
  elapsedSplits,
  formatField,
  formatFieldDelta,
  formatDuration,
  formatElapsed,
  memoryTitle,
  middleEllipsis,
} from './format';
import { traceFileName } from './session';

describe('format', () => {
  it('formats registry fields as bytes only when the name says bytes', () => {
    expect(formatField('bytes', 3 * 1024 * 1024)).toBe('3 MiB');
    expect(formatField('heapBytes', 1536)).toBe('1.5 KiB');
    expect(formatField('entries', 12345)).toBe('12,345');
    expect(formatFieldDelta('bytes', 65536)).toBe('+64 KiB');
    expect(formatFieldDelta('Bytes', -65536)).toBe('-64 KiB');
    expect(formatFieldDelta('entries', 1200)).toBe('+1,200');
    expect(formatFieldDelta('entries', -2)).toBe('-2');
    expect(formatFieldDelta('entries', 0)).toBe('0');
  });
  it('formats durations', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
  it('names trace files after host and time', () => {
    const when = new Date('2026-11-22T02:30:00.123Z');
    expect(traceFileName('http://127.0.0.1:4173/e2e/x.html', when)).toBe('wasm-memory-trace-127.0.0.1_4173-2026-11-22T02-30-00Z.json');
    expect(traceFileName('not a url', when)).toBe('wasm-memory-trace-page-2026-11-22T02-30-00Z.json');
  });
  it('formats time since the session started', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(15_000)).toBe('15s');
    expect(formatElapsed(1_500)).toBe('1.5s');
    expect(formatElapsed(50)).toBe('0.05s');
    expect(formatElapsed(60_000)).toBe('1m');
    expect(formatElapsed(90_000)).toBe('1m 30s');
    expect(formatElapsed(120_000)).toBe('2m');
    expect(formatElapsed(3_600_000)).toBe('1h');
    expect(formatElapsed(3_723_000)).toBe('1h 2m 3s');
    expect(formatElapsed(3_605_000)).toBe('1h 5s');
    expect(formatElapsed(-2_000)).toBe('-2s');
    expect(formatElapsed(NaN)).toBe('—');
    // Floating-point noise from epoch arithmetic does not show.
    expect(formatElapsed(1_700_000_030_000.0002 - 1_700_000_000_000)).toBe('30s');
    // Tenths for the hover legend.
    expect(formatElapsed(90_449, 100)).toBe('1m 30.4s');
    expect(formatElapsed(59_960, 100)).toBe('1m');
    expect(formatElapsed(-40, 100)).toBe('0s');
  });
  it('places elapsed-time ticks on multiples of the step after the session start', () => {
    const t0 = 1_763_778_600_123; // an epoch time that is no multiple of any step
    expect(ELAPSED_INCRS).toContain(15_000);
    const splits = elapsedSplits(t0, t0, t0 + 100_000, 15_000);
    expect(splits.map((v) => v - t0)).toEqual([0, 15_000, 30_000, 45_000, 60_000, 75_000, 90_000]);
    expect(elapsedLabels(splits, t0)).toEqual(['0s', '15s', '30s', '45s', '1m', '1m 15s', '1m 30s']);
    // Zoomed in: the first tick is the first multiple inside the range.
    const zoomed = elapsedSplits(t0, t0 + 61_234, t0 + 63_000, 500);
    expect(elapsedLabels(zoomed, t0)).toEqual(['1m 1.5s', '1m 2s', '1m 2.5s', '1m 3s']);
    expect(elapsedLabels(elapsedSplits(t0, t0, t0 + 300_000, 120_000), t0)).toEqual(['0s', '2m', '4m']);
    expect(elapsedSplits(t0, t0 + 10, t0, 1000)).toEqual([]);
    expect(elapsedSplits(t0, t0, t0 + 1000, 0)).toEqual([]);
  });
  it('titles a memory by its owner and key', () => {
    const long = 'https://cdn.example.com/pkg/my_really_long_crate_name_bg-3f9a8c7d6e5b.wasm';
    expect(memoryTitle(long, '0e0dd0b81456:13')).toBe(`${long} (0e0dd0b81456:13)`);
    expect(memoryTitle('', 'abc:1')).toBe('abc:1');
  });
  it('puts an ellipsis in the middle of long text', () => {
    expect(middleEllipsis('short', 32)).toBe('short');
    expect(middleEllipsis('abcdefghij', 7)).toBe('abc…hij');
    expect(middleEllipsis('abcdefghij', 6)).toBe('abc…ij');
    expect(middleEllipsis('abcdefghij', 1)).toBe('…');
    expect(middleEllipsis('😀😀😀😀😀😀', 5)).toBe('😀😀…😀😀'); // code points, not UTF-16 halves
  });
});
