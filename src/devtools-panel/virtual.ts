/**
 * Which rows of a long table to render (pure): the ones in view plus a margin, and the heights
 * of the spacers that stand for the others. Rows have one height (CSS `--row-h`, see
 * panel.css `.virtual`); a row taller than that (an expanded stack) shifts what is in view a
 * little, nothing more.
 */

/** Tables with at most this many rows render them all (no scrolling box of their own). */
export const VIRTUAL_MIN_ROWS = 50;
/** Rows rendered above and below the ones in view. */
export const OVERSCAN_ROWS = 10;
/** Height of one row in px (panel.css `.virtual tbody tr`). */
export const ROW_HEIGHT = 22;
/** Height of the scrolling box of a long table, in rows. */
export const VIEW_ROWS = 20;

export interface RowWindow {
  start: number;
  /** One past the last row rendered. */
  end: number;
  /** Heights (px) of the spacer rows before and after. */
  before: number;
  after: number;
}

export function rowWindow(
  count: number,
  scrollTop: number,
  viewHeight: number,
  rowHeight = ROW_HEIGHT,
  overscan = OVERSCAN_ROWS,
): RowWindow {
  const n = Math.max(0, Math.floor(count));
  const h = rowHeight > 0 ? rowHeight : ROW_HEIGHT;
  const top = Number.isFinite(scrollTop) ? Math.max(0, scrollTop) : 0;
  const view = Number.isFinite(viewHeight) && viewHeight > 0 ? viewHeight : VIEW_ROWS * h;
  const first = Math.min(n, Math.floor(top / h));
  const start = Math.max(0, first - overscan);
  const end = Math.min(n, Math.ceil((top + view) / h) + overscan);
  return { start, end: Math.max(start, end), before: start * h, after: (n - Math.max(start, end)) * h };
}
