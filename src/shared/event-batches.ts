/**
 * The byte estimate of event-bytes.ts for the extension's own layers (content script, service
 * worker, panel, host), with the standard built-ins, and splitting runs of events by bytes. Not
 * for the page side: the injected core calls `eventBytes` with the originals it saved.
 */
import { eventBytes, type WalkIntrinsics } from './event-bytes';
import type { PageEvent } from './protocol';

export const PLAIN_WALK: WalkIntrinsics = { keys: Object.keys, isArray: Array.isArray };

/** The estimated size of one event. */
export function plainEventBytes(ev: PageEvent): number {
  return eventBytes(ev, PLAIN_WALK);
}

/** The estimated size of several events. */
export function eventsBytes(events: readonly PageEvent[]): number {
  let n = 0;
  for (const ev of events) n += plainEventBytes(ev);
  return n;
}

/**
 * Split `items` into consecutive runs of at most `maxItems` items and `maxBytes` bytes by `size`
 * (a single item larger than `maxBytes` makes a run of its own).
 */
export function splitByBytes<T>(items: readonly T[], maxItems: number, maxBytes: number, size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const ev of items) {
    const b = size(ev);
    if (run.length > 0 && (run.length >= maxItems || bytes + b > maxBytes)) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(ev);
    bytes += b;
  }
  if (run.length > 0) out.push(run);
  return out;
}
