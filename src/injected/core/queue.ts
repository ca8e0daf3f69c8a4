/**
 * The page side's event queue: bounded, batched, with a cumulative drop counter.
 *
 * - Before the handshake completes (`connect`), events are held (at most `maxQueueBytes` of
 *   them, estimated by src/shared/event-bytes.ts; the newest beyond are dropped and counted).
 * - Once connected, the queue is flushed at most every `flushEveryMs` (one timer), and at once
 *   when `flushAt` events or `flushAtBytes` are waiting. A batch never carries more than
 *   `maxBatch` events nor more than `maxBatchBytes` (one larger event goes alone).
 * - `dropped` travels with every batch, cumulative, so the receiver knows counts are exact
 *   when it stays 0.
 *
 * Pure: the clock, timer and transport are injected (see queue.test.ts).
 */
import { LIMITS, PROTOCOL_VERSION, type PageBatchMessage, type PageEvent } from '../../shared/protocol';
import { BUFFER_BYTES, eventBytes, type WalkIntrinsics } from '../../shared/event-bytes';
import { ArrayIsArray, MathMax, ownKeys } from './intrinsics';

/** The size estimate walks our own events with the originals saved at start-up only. */
const WALK: WalkIntrinsics = { keys: ownKeys, isArray: ArrayIsArray };

export interface QueueDeps {
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): void;
}

/** Where batches go. Returns false when the message could not be posted. */
export type BatchSink = (message: PageBatchMessage) => boolean;

export interface QueueOptions {
  maxQueueBytes: number;
  flushEveryMs: number;
  flushAt: number;
  flushAtBytes: number;
  maxBatch: number;
  maxBatchBytes: number;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  maxQueueBytes: BUFFER_BYTES.pageQueue,
  flushEveryMs: 250,
  flushAt: 500,
  flushAtBytes: BUFFER_BYTES.pageFlushAt,
  maxBatch: LIMITS.maxBatch,
  maxBatchBytes: BUFFER_BYTES.message,
};

export class EventQueue {
  private events: PageEvent[] = [];
  /** Estimated size of each queued event, and their sum. */
  private sizes: number[] = [];
  private bytes = 0;
  private sink: BatchSink | null = null;
  private timerPending = false;
  private lastFlush = -Infinity;
  private droppedTotal = 0;
  /** Messages posted and events sent (for tests and the automation API). */
  messages = 0;
  sent = 0;

  private readonly opts: QueueOptions;

  constructor(
    private readonly deps: QueueDeps,
    opts: Partial<QueueOptions> = {},
  ) {
    this.opts = { ...DEFAULT_QUEUE_OPTIONS, ...opts };
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  get length(): number {
    return this.events.length;
  }

  /** Estimated bytes waiting. */
  get queuedBytes(): number {
    return this.bytes;
  }

  get connected(): boolean {
    return this.sink !== null;
  }

  push(event: PageEvent): void {
    const q = this.events;
    const size = eventBytes(event, WALK);
    if (this.bytes + size > this.opts.maxQueueBytes) {
      this.droppedTotal += 1;
      return;
    }
    this.sizes[q.length] = size;
    q[q.length] = event;
    this.bytes += size;
    if (this.sink === null) return;
    if (q.length >= this.opts.flushAt || this.bytes >= this.opts.flushAtBytes) this.flush();
    else this.schedule();
  }

  /** Events another realm (a worker) dropped on its side, added to ours. */
  addDropped(n: number): void {
    if (n > 0) {
      this.droppedTotal += n;
      if (this.sink !== null) this.schedule();
    }
  }

  /** The handshake completed: from now on batches go to `sink`. Flushes what was held. */
  connect(sink: BatchSink): void {
    this.sink = sink;
    this.flush();
  }

  flush(): void {
    const sink = this.sink;
    if (sink === null) return;
    this.lastFlush = this.deps.now();
    const all = this.events;
    const sizes = this.sizes;
    if (all.length === 0) return;
    this.events = [];
    this.sizes = [];
    this.bytes = 0;
    // Batches of at most maxBatch events and maxBatchBytes (index loops: no page-reachable methods).
    let i = 0;
    while (i < all.length) {
      const events: PageEvent[] = [];
      let bytes = 0;
      while (i < all.length && events.length < this.opts.maxBatch) {
        const size = sizes[i] ?? 0;
        if (events.length > 0 && bytes + size > this.opts.maxBatchBytes) break;
        events[events.length] = all[i] as PageEvent;
        bytes += size;
        i++;
      }
      const ok = sink({ kind: 'batch', v: PROTOCOL_VERSION, events, dropped: this.droppedTotal + 0, sent: this.sent + 0 });
      if (ok) {
        this.messages += 1;
        this.sent += events.length;
      } else {
        this.droppedTotal += events.length;
      }
    }
  }

  private schedule(): void {
    if (this.timerPending) return;
    this.timerPending = true;
    const wait = MathMax(0, this.lastFlush + this.opts.flushEveryMs - this.deps.now());
    this.deps.setTimer(() => {
      this.timerPending = false;
      this.flush();
    }, wait);
  }
}
