import { describe, expect, it } from 'vitest';
import type { PageBatchMessage, PageEvent } from '../../shared/protocol';
import { plainEventBytes } from '../../shared/event-batches';
import { EventQueue, type QueueOptions } from './queue';

const mark = (i: number): PageEvent => ({ t: 'mark', time: i, label: `m${i}` });

function harness(
  opts: Partial<QueueOptions> = { maxQueueBytes: 100 * plainEventBytes(mark(0)), flushEveryMs: 250, flushAt: 10, maxBatch: 4 },
) {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const sent: PageBatchMessage[] = [];
  const q = new EventQueue({ now: () => now, setTimer: (fn, ms) => timers.push({ at: now + ms, fn }) }, opts);
  const advance = (ms: number) => {
    now += ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > now) break;
      timers.shift();
      t.fn();
    }
  };
  return { q, sent, advance, timers, sink: (m: PageBatchMessage) => (sent.push(m), true) };
}

describe('EventQueue', () => {
  it('holds events until the handshake, then sends them in bounded batches', () => {
    const h = harness();
    for (let i = 0; i < 9; i++) h.q.push(mark(i));
    expect(h.sent).toHaveLength(0);
    h.q.connect(h.sink);
    expect(h.sent.map((b) => b.events.length)).toEqual([4, 4, 1]);
    expect(h.sent.flatMap((b) => b.events)).toEqual(Array.from({ length: 9 }, (_, i) => mark(i)));
    expect(h.sent.every((b) => b.kind === 'batch' && b.v === 1 && b.dropped === 0)).toBe(true);
  });

  it('drops beyond maxQueueBytes before the handshake and reports the cumulative count', () => {
    const h = harness({ maxQueueBytes: 5 * plainEventBytes(mark(0)), flushEveryMs: 250, flushAt: 100, maxBatch: 100 });
    for (let i = 0; i < 8; i++) h.q.push(mark(i));
    expect(h.q.dropped).toBe(3);
    h.q.connect(h.sink);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]?.events).toHaveLength(5);
    expect(h.sent[0]?.dropped).toBe(3);
  });

  it('flushes at most every 250 ms, and at once when flushAt events wait', () => {
    const h = harness({ flushEveryMs: 250, flushAt: 10, maxBatch: 100 });
    h.q.connect(h.sink);
    h.q.push(mark(1));
    h.q.push(mark(2));
    expect(h.sent).toHaveLength(0); // connect flushed (empty) at t=0: next flush at t>=250
    h.advance(249);
    expect(h.sent).toHaveLength(0);
    h.advance(1);
    expect(h.sent).toHaveLength(1);
    expect(h.timers).toHaveLength(0);
    for (let i = 0; i < 10; i++) h.q.push(mark(i));
    expect(h.sent).toHaveLength(2); // immediate at flushAt
    expect(h.sent[1]?.events).toHaveLength(10);
  });

  it('a burst of a million events makes few messages and loses nothing', () => {
    const h = harness({ flushEveryMs: 250, flushAt: 500, maxBatch: 2000 });
    h.q.connect(h.sink);
    let n = 0;
    for (let i = 0; i < 1_000_000; i++) {
      h.q.push(mark(i));
      n++;
    }
    h.advance(250);
    const total = h.sent.reduce((s, b) => s + b.events.length, 0);
    expect(total).toBe(n);
    expect(h.q.dropped).toBe(0);
    expect(h.sent.length).toBe(2000);
    expect(h.q.messages).toBe(2000);
  });

  it('bounds held events by bytes: 3.8 KB-stack grows fill the queue long before small ones would', () => {
    const stack = 'Error\n' + '    at recurseThroughAFrameWithALongName (https://a.test/app.js:10:5)\n'.repeat(55);
    const grow = (i: number): PageEvent => ({ t: 'grow', time: i, key: 'r:1', fromBytes: i, toBytes: i + 1, via: 'js', stack });
    const maxQueueBytes = 1024 * 1024;
    const h = harness({ maxQueueBytes, flushAt: 100_000, maxBatch: 2000, maxBatchBytes: 128 * 1024 });
    for (let i = 0; i < 1000; i++) h.q.push(grow(i));
    const fits = Math.floor(maxQueueBytes / plainEventBytes(grow(0)));
    expect(h.q.length).toBe(fits);
    expect(h.q.queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    expect(h.q.dropped).toBe(1000 - fits);
    h.q.connect(h.sink);
    // Batches of at most maxBatchBytes, in order, nothing else lost.
    for (const b of h.sent) expect(b.events.reduce((n, e) => n + plainEventBytes(e), 0)).toBeLessThanOrEqual(128 * 1024);
    expect(h.sent.flatMap((b) => b.events).map((e) => e.time)).toEqual(Array.from({ length: fits }, (_, i) => i));
    expect(h.q.queuedBytes).toBe(0);
  });

  it('flushes at once when flushAtBytes wait, however few events that is', () => {
    const h = harness({ flushAt: 500, flushAtBytes: 3 * plainEventBytes({ t: 'mark', time: 0, label: 'x'.repeat(1000) }) });
    h.q.connect(h.sink);
    h.q.push({ t: 'mark', time: 0, label: 'x'.repeat(1000) });
    h.q.push({ t: 'mark', time: 0, label: 'x'.repeat(1000) });
    expect(h.sent).toHaveLength(0);
    h.q.push({ t: 'mark', time: 0, label: 'x'.repeat(1000) });
    expect(h.sent).toHaveLength(1);
  });

  it("counts events whose post failed as dropped, and adds a worker realm's drops", () => {
    const h = harness();
    h.q.push(mark(1));
    h.q.connect(() => false);
    expect(h.q.dropped).toBe(1);
    h.q.addDropped(4);
    expect(h.q.dropped).toBe(5);
  });
});
