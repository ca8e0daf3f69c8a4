import { describe, expect, it } from 'vitest';
import { eventsBytes } from '../shared/event-batches';
import type { PageEvent } from '../shared/protocol';
import { aliveAtEnd, joinSegments, MAX_EARLIER_SEGMENTS, SegmentHistory, timeSpan } from './segments';
import type { EndedSegment } from './session';
import { memoryAt, sampleAt } from './test-events';

const memory = memoryAt;
const instance = (key: string, time: number): PageEvent => ({
  t: 'instance',
  time,
  key,
  module: 'm',
  via: 'instantiate',
  memories: [],
  toolchain: 'unknown',
  helper: false,
});
const sample = sampleAt;
const collected = (key: string, time: number): PageEvent => ({ t: 'collected', time, key });

function ended(url: string, events: PageEvent[]): EndedSegment {
  return { url, doc: url, events, keptBytes: eventsBytes(events), received: events.length, omitted: 0, lost: 0, historyLostBefore: null };
}

describe('segments', () => {
  it('timeSpan takes the earliest and latest time, whatever the order', () => {
    expect(timeSpan([sample('a', 5), sample('b', 2), sample('a', 9)])).toEqual({ from: 2, to: 9 });
    expect(timeSpan([])).toBeNull();
  });

  it('aliveAtEnd lists memories and instances not collected', () => {
    expect(aliveAtEnd([memory('m1', 1), instance('i1', 1), memory('m2', 2), collected('m2', 3), sample('m1', 4)])).toEqual(['m1', 'i1']);
  });

  it('joinSegments ends what a document held where the next one starts, and says where each starts', () => {
    const a = [memory('a:1', 10), sample('a:1', 20)];
    const b = [memory('b:1', 50), sample('b:1', 60)];
    const c = [sample('c:1', 90)];
    const { events, starts } = joinSegments([{ events: a }, { events: b }, { events: c }]);
    expect(starts).toEqual([50, 90]);
    expect(events).toEqual([...a, collected('a:1', 50), ...b, collected('b:1', 90), ...c]);
    // One segment: unchanged, no boundary.
    expect(joinSegments([{ events: a }])).toEqual({ events: a, starts: [] });
    // An empty segment between two: the boundary falls after the last event known.
    expect(joinSegments([{ events: a }, { events: [] }]).starts).toEqual([20]);
  });
});

describe('SegmentHistory', () => {
  it('numbers the ended segments and keeps their span and alerts', () => {
    const h = new SegmentHistory(1 << 20);
    expect(h.currentNumber).toBe(1);
    const s = h.end(ended('u1', [sample('a', 7), sample('a', 3)]), [], 0);
    expect(s).toMatchObject({ number: 1, url: 'u1', startedAt: 3, endedAt: 7, alerts: [] });
    expect(h.currentNumber).toBe(2);
    expect(h.get(1)).toBe(s);
    expect(h.keptBytes).toBe(s.keptBytes);
  });

  it('drops the oldest segments, whole, when the current one needs their room', () => {
    const one = ended('u', [sample('a', 1)]);
    const h = new SegmentHistory(one.keptBytes * 3);
    h.end(one, null, 0);
    h.end(ended('u', [sample('a', 2)]), null, 0);
    h.end(ended('u', [sample('a', 3)]), null, 0);
    expect(h.earlier.map((s) => s.number)).toEqual([1, 2, 3]);
    // The current segment grew by one event's worth: the oldest earlier one goes.
    h.fit(one.keptBytes);
    expect(h.earlier.map((s) => s.number)).toEqual([2, 3]);
    expect(h.droppedSegments).toBe(1);
    expect(h.keptBytes + one.keptBytes).toBeLessThanOrEqual(one.keptBytes * 3);
    h.clear();
    expect(h.earlier).toEqual([]);
    expect(h.currentNumber).toBe(4);
  });

  it('keeps at most MAX_EARLIER_SEGMENTS', () => {
    const h = new SegmentHistory(1 << 30);
    for (let i = 0; i < MAX_EARLIER_SEGMENTS + 5; i++) h.end(ended(`u${i}`, [sample('a', i)]), null, 0);
    expect(h.earlier.length).toBe(MAX_EARLIER_SEGMENTS);
    expect(h.earlier[0]?.number).toBe(6);
    expect(h.droppedSegments).toBe(5);
  });
});
