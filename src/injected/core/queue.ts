/**
 * The page side's event queue: bounded, batched, with a cumulative drop counter.
 *
 * - Before the handshake completes (`connect`), events are held (at most `maxQueue`; the rest
 *   are dropped and counted).
 * - Once connected, the queue is flushed at most every `flushEveryMs` (one timer), and at once
 *   when `flushAt` events are waiting. A batch never carries more than `maxBatch` events.
 * - `dropped` travels with every batch, cumulative, so the receiver knows counts are exact
 *   when it stays 0.
 *
 * Pure: the clock, timer and transport are injected (see queue.test.ts).
 */
import { LIMITS, PROTOCOL_VERSION, type PageBatchMessage, type PageEvent } from '../../shared/protocol';
import { arraySlice, MathMax } from './intrinsics';

export interface QueueDeps {
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): void;
}

/** Where batches go. Returns false when the message could not be posted. */
export type BatchSink = (message: PageBatchMessage) => boolean;

export interface QueueOptions {
  maxQueue: number;
  flushEveryMs: number;
  flushAt: number;
  maxBatch: number;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  maxQueue: 20_000,
  flushEveryMs: 250,
  flushAt: 500,
  maxBatch: LIMITS.maxBatch,
};

export class EventQueue {
  private events: PageEvent[] = [];
  private sink: BatchSink | null = null;
  private timerPending = false;
  private lastFlush = -Infinity;
  private droppedTotal = 0;
  /** Messages posted and events sent (for tests and the automation API). */
  messages = 0;
  sent = 0;

  constructor(
    private readonly deps: QueueDeps,
    private readonly opts: QueueOptions = DEFAULT_QUEUE_OPTIONS,
  ) {}

  get dropped(): number {
    return this.droppedTotal;
  }

  get length(): number {
    return this.events.length;
  }

  get connected(): boolean {
    return this.sink !== null;
  }

  push(event: PageEvent): void {
    const q = this.events;
    if (q.length >= this.opts.maxQueue) {
      this.droppedTotal += 1;
      return;
    }
    q[q.length] = event;
    if (this.sink === null) return;
    if (q.length >= this.opts.flushAt) this.flush();
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
    if (all.length === 0) return;
    this.events = [];
    for (let i = 0; i < all.length; i += this.opts.maxBatch) {
      const events = all.length <= this.opts.maxBatch ? all : arraySlice(all, i, i + this.opts.maxBatch);
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
