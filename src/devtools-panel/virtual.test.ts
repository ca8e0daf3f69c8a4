import { describe, expect, it } from 'vitest';
import { OVERSCAN_ROWS, ROW_HEIGHT, rowWindow } from './virtual';

describe('rowWindow', () => {
  it('renders the rows in view plus the margin, spacers for the rest', () => {
    const w = rowWindow(5000, 100 * ROW_HEIGHT, 20 * ROW_HEIGHT);
    expect(w).toEqual({
      start: 100 - OVERSCAN_ROWS,
      end: 120 + OVERSCAN_ROWS,
      before: (100 - OVERSCAN_ROWS) * ROW_HEIGHT,
      after: (5000 - 120 - OVERSCAN_ROWS) * ROW_HEIGHT,
    });
    // Whatever the count, the same number of rows.
    expect(rowWindow(1_000_000, 0, 20 * ROW_HEIGHT).end).toBe(20 + OVERSCAN_ROWS);
  });
  it('keeps the total height: spacers plus rendered rows', () => {
    for (const top of [0, 7, 5000, 1e9]) {
      const w = rowWindow(3000, top, 400);
      expect(w.before + (w.end - w.start) * ROW_HEIGHT + w.after).toBe(3000 * ROW_HEIGHT);
      expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(400 / ROW_HEIGHT) + 1 + 2 * OVERSCAN_ROWS);
    }
  });
  it('copes with nonsense: no rows, negative or NaN scroll, no height yet', () => {
    expect(rowWindow(0, 100, 400)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
    expect(rowWindow(100, -5, 400).start).toBe(0);
    expect(rowWindow(100, NaN, NaN).end).toBe(20 + OVERSCAN_ROWS);
  });
});
