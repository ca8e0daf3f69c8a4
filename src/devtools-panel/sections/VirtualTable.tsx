/**
 * A table that stays cheap however many rows it has: up to VIRTUAL_MIN_ROWS it renders them all;
 * beyond, it sits in a scrolling box of VIEW_ROWS rows (header sticky, the box focusable so the
 * keyboard scrolls it) and renders only the rows in view plus a margin (virtual.ts), with spacer
 * rows standing for the others.
 */
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ROW_HEIGHT, VIEW_ROWS, VIRTUAL_MIN_ROWS, rowWindow } from '../virtual';

export function VirtualTable({
  head,
  count,
  row,
  label,
  testId,
}: {
  /** The header row(s). */
  head: ComponentChildren;
  count: number;
  /** Row i (a keyed <tr>). */
  row: (i: number) => VNode;
  /** What the scrolling box holds, for assistive technology. */
  label: string;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: VIEW_ROWS * ROW_HEIGHT });
  const long = count > VIRTUAL_MIN_ROWS;
  useEffect(() => {
    const el = box.current;
    if (!long || !el) return;
    const ro = new ResizeObserver(() => setView((v) => ({ ...v, height: el.clientHeight })));
    ro.observe(el);
    return () => ro.disconnect();
  }, [long]);
  if (!long) {
    const rows: VNode[] = [];
    for (let i = 0; i < count; i++) rows.push(row(i));
    // In a box of its own that scrolls sideways if the table cannot fit a narrow dock: the
    // panel itself never scrolls horizontally.
    return (
      <div class="table-wrap">
        <table class="grid" data-testid={testId} data-rows={count}>
          <thead>{head}</thead>
          <tbody>{rows}</tbody>
        </table>
      </div>
    );
  }
  const w = rowWindow(count, view.top, view.height);
  const rows: VNode[] = [];
  for (let i = w.start; i < w.end; i++) rows.push(row(i));
  return (
    <div
      class="virtual"
      ref={box}
      tabIndex={0}
      role="region"
      aria-label={`${label}: ${count} rows, scroll for more`}
      style={{ maxHeight: `${(VIEW_ROWS + 1) * ROW_HEIGHT}px` }}
      onScroll={(e) => {
        const el = e.currentTarget;
        setView({ top: el.scrollTop, height: el.clientHeight });
      }}
    >
      <table class="grid" data-testid={testId} data-rows={count} aria-rowcount={count + 1}>
        <thead>{head}</thead>
        <tbody>
          {w.before > 0 ? <Spacer height={w.before} /> : null}
          {rows}
          {w.after > 0 ? <Spacer height={w.after} /> : null}
        </tbody>
      </table>
    </div>
  );
}

function Spacer({ height }: { height: number }) {
  return (
    <tr class="spacer" aria-hidden="true">
      <td colSpan={99} style={{ height: `${height}px` }} />
    </tr>
  );
}
