/**
 * Byte accounting of the event buffers: every buffer between the page and the panel is bounded
 * by the bytes of what it holds, not by its number of events (a grow with a 4 KB stack weighs
 * as much as a hundred samples). One estimate (`eventBytes`) and one table of bounds
 * (`BUFFER_BYTES`), used by each layer:
 *
 * | buffer                                   | bound               | at the bound                               |
 * | ---------------------------------------- | ------------------- | ------------------------------------------ |
 * | page queue (src/injected/core/queue.ts)  | pageQueue           | newest refused, counted in `dropped`       |
 * | content queue while the worker is down   | contentQueue        | newest refused, counted in `dropped`       |
 * | content definitions (replay after stop)  | contentDefinitions  | not remembered (counted: `definitionsNotKept`) |
 * | router backlog per tab: definitions      | routerDefinitions   | oldest evicted, counted (panel: `missed`)  |
 * | router backlog per tab: recent events    | routerRecent        | oldest evicted, counted (panel: `missed`)  |
 * | one batch / one port message             | message             | split into several                         |
 * | panel session kept for export            | panelSession        | not kept, counted in `omitted`             |
 * | host session per tab (popup export)      | hostSession         | not kept, counted in `omitted`             |
 *
 * The estimate is the length of the event's JSON text, to within a few per cent for events
 * carrying strings (stacks, URLs, names: what dominates), counting each string character as one
 * byte and each number as 8: it is what a port message or a trace file of the event costs. A
 * JS heap holds a small event (a sample) in 2-4 times its estimate (object headers), a
 * string-heavy one (a stack) in about its estimate (V8 keeps ASCII strings one byte per
 * character); EVENT_OVERHEAD_BYTES covers the per-event part of that difference.
 *
 * Pure, and safe to run on the page: it calls no method of the values it walks and uses only the
 * `keys` and `isArray` functions it is given (the injected core passes the originals it saved;
 * the extension's own layers use event-batches.ts, which also splits runs of events by bytes).
 */
import type { PageEvent } from './protocol';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Fixed cost counted per event on top of its fields (object header, hidden class, slot). */
export const EVENT_OVERHEAD_BYTES = 64;

/** Byte bounds of the event buffers (see the table above). Per tab where a layer serves tabs. */
export const BUFFER_BYTES = {
  /** Page side, per realm: events held before the handshake or between two flushes. */
  pageQueue: 8 * MiB,
  /** Page side: a flush starts as soon as this many bytes wait (as the queue's `flushAt`). */
  pageFlushAt: 256 * KiB,
  /** Most bytes in one batch (page -> content -> worker). */
  message: 1 * MiB,
  /** Most bytes in one message to a panel: each is one task on the panel's main thread (parse,
   *  check, analyse), so this bounds how long a key press can wait behind one (bench/flood.mjs). */
  panelMessage: 256 * KiB,
  /** Content script: events waiting while the service worker is down. */
  contentQueue: 8 * MiB,
  /** Content script: definition events remembered to re-send after a worker restart. */
  contentDefinitions: 2 * MiB,
  /** Service worker, per tab: the definitions lane of the backlog. */
  routerDefinitions: 4 * MiB,
  /** Service worker, per tab: the recent-events lane of the backlog. */
  routerRecent: 12 * MiB,
  /** Panel: the session kept for export (its earlier segments included: src/devtools-panel/segments.ts). */
  panelSession: 64 * MiB,
  /** Analyzer host, per tab: the session kept for the popup's export. */
  hostSession: 8 * MiB,
  /** Service worker -> host: messages coalesced for HOST_BATCH_MS are sent early past this. */
  hostPending: 1 * MiB,
} as const;

export interface WalkIntrinsics {
  keys(o: object): ArrayLike<string | symbol>;
  isArray(x: unknown): x is readonly unknown[];
}

/** Deepest nesting walked (events are at most 4 deep; a deeper value counts as its cap). */
const MAX_DEPTH = 8;

function valueBytes(v: unknown, depth: number, w: WalkIntrinsics): number {
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (v === null) return 4;
      if (depth >= MAX_DEPTH) return 2;
      let n = 2;
      if (w.isArray(v)) {
        for (let i = 0; i < v.length; i++) n += valueBytes(v[i], depth + 1, w) + 1;
        return n;
      }
      const o = v as Record<string, unknown>;
      const keys = w.keys(o);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (typeof k !== 'string') continue;
        n += k.length + 4 + valueBytes(o[k], depth + 1, w);
      }
      return n;
    }
    default:
      return 0; // undefined and functions are not serialized
  }
}

/** The estimated size of one event (see the module comment), in bytes. */
export function eventBytes(ev: PageEvent, w: WalkIntrinsics): number {
  return EVENT_OVERHEAD_BYTES + valueBytes(ev, 0, w);
}
