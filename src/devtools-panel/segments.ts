/**
 * The panel's session is a list of segments, one per top document the inspected tab loaded
 * while the panel was open (a reload or a navigation starts the next one). The current segment
 * is PanelSession's; this keeps the earlier ones (their kept events, counts and the alerts the
 * background analyzer had for them when they ended), joins segments for the "all segments"
 * view and export, and bounds what they hold. Pure (no chrome.*, no DOM): segments.test.ts.
 *
 * Bound: the whole session, earlier segments and the current one together, keeps at most
 * `maxBytes` of events (BUFFER_BYTES.panelSession); the current segment comes first, so the
 * oldest earlier segments are dropped, whole, when it needs their room (counted in
 * `droppedSegments`), and at most MAX_EARLIER_SEGMENTS are kept.
 */
import type { Alert } from '../shared/analyzer-api';
import type { CollectedEvent, PageEvent } from '../shared/protocol';
import type { EndedSegment } from './session';

/** Most earlier segments kept (a reload loop must not grow the list without bound). */
export const MAX_EARLIER_SEGMENTS = 50;

/** An earlier segment: what the panel held of a top document that another one replaced. */
export interface Segment extends EndedSegment {
  /** 1-based, in the order the documents loaded while this panel was open. */
  number: number;
  /** Page-clock time of its first and last event (null when it kept none). */
  startedAt: number | null;
  endedAt: number | null;
  /** The background analyzer's alerts for the document when it ended (null: none known). */
  alerts: Alert[] | null;
}

/** Earliest and latest event times of `events` (null when empty). Events of several realms
 *  arrive in batches, so the first event is not always the earliest. */
export function timeSpan(events: readonly PageEvent[]): { from: number; to: number } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const ev of events) {
    if (ev.time < from) from = ev.time;
    if (ev.time > to) to = ev.time;
  }
  return from <= to ? { from, to } : null;
}

/**
 * The memories and instances still alive at the end of `events`: the ones a document's unload
 * ends without a `collected` event (its FinalizationRegistry never runs), as a realm's end does
 * on the page side (src/injected/core/live.ts).
 */
export function aliveAtEnd(events: readonly PageEvent[]): string[] {
  const alive = new Set<string>();
  for (const ev of events) {
    if (ev.t === 'memory' || ev.t === 'instance') alive.add(ev.key);
    else if (ev.t === 'collected') alive.delete(ev.key);
  }
  return [...alive];
}

/**
 * Segments as one stream of events (oldest first) for the analyzer or a trace file: at each
 * boundary, what the ended document still held is `collected` at the time the next document's
 * first event (or, with none, the ended one's last), since its unload ended it. `starts`: the
 * time each segment after the first begins (the chart's boundary markers).
 */
export function joinSegments(segments: ReadonlyArray<{ events: readonly PageEvent[] }>): { events: PageEvent[]; starts: number[] } {
  const events: PageEvent[] = [];
  const starts: number[] = [];
  const spans = segments.map((s) => timeSpan(s.events));
  segments.forEach((seg, i) => {
    if (i > 0) {
      const prev = spans[i - 1] ?? null;
      const next = spans[i] ?? null;
      const at = Math.max(prev?.to ?? -Infinity, next?.from ?? -Infinity);
      if (Number.isFinite(at)) {
        starts.push(at);
        for (const key of aliveAtEnd(segments[i - 1]?.events ?? []))
          events.push({ t: 'collected', time: at, key } satisfies CollectedEvent);
      }
    }
    for (const ev of seg.events) events.push(ev);
  });
  return { events, starts };
}

/** The earlier segments of a panel session, bounded (see the file comment). */
export class SegmentHistory {
  private list: Segment[] = [];
  private bytes = 0;
  private next = 1;
  /** Earlier segments dropped to stay within the bounds. */
  droppedSegments = 0;

  constructor(private readonly maxBytes: number) {}

  get earlier(): readonly Segment[] {
    return this.list;
  }

  /** Estimated bytes of the earlier segments' kept events. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** The number the current segment has (the next one to end). */
  get currentNumber(): number {
    return this.next;
  }

  /** The current segment ended (another document loaded): keep it, with its alerts then.
   *  (A document that sent nothing ends no segment: PanelSession hands over null.) */
  end(ended: EndedSegment, alerts: Alert[] | null, currentBytes: number): Segment {
    const span = timeSpan(ended.events);
    const seg: Segment = { ...ended, number: this.next++, startedAt: span?.from ?? null, endedAt: span?.to ?? null, alerts };
    this.list.push(seg);
    this.bytes += seg.keptBytes;
    this.fit(currentBytes);
    return seg;
  }

  /** Drop the oldest earlier segments until they leave `currentBytes` room within the bound. */
  fit(currentBytes: number): void {
    while (this.list.length > 0 && (this.list.length > MAX_EARLIER_SEGMENTS || this.bytes + currentBytes > this.maxBytes)) {
      const gone = this.list.shift();
      if (gone) this.bytes -= gone.keptBytes;
      this.droppedSegments++;
    }
  }

  get(number: number): Segment | undefined {
    return this.list.find((s) => s.number === number);
  }

  /** Forget every earlier segment (Clear). Numbers go on. */
  clear(): void {
    this.list = [];
    this.bytes = 0;
    this.droppedSegments = 0;
  }
}
