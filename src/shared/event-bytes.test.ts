import { describe, expect, it } from 'vitest';
import { BUFFER_BYTES, EVENT_OVERHEAD_BYTES, eventBytes } from './event-bytes';
import { plainEventBytes, splitByBytes } from './event-batches';
import type { PageEvent } from './protocol';

const stack = 'Error\n' + '    at recurseThroughAFrameWithALongName (https://a.test/app.js:10:5)\n'.repeat(55);

const events: PageEvent[] = [
  { t: 'sample', time: 1764650000000.25, keys: ['abc:1', 'abc:2'], bytes: [65536, 131072] },
  { t: 'grow', time: 1764650000000.25, key: 'abc:1', fromBytes: 65536, toBytes: 131072, via: 'js', stack },
  {
    t: 'memory',
    time: 1764650000000.25,
    key: 'abc:1',
    origin: 'export',
    shared: false,
    bytes: 65536,
    maxBytes: null,
    owner: 'https://a.test/app.wasm',
  },
  { t: 'mark', time: 1764650000000.25, label: 'x'.repeat(400) },
  { t: 'collected', time: 1764650000000.25, key: 'abc:1' },
];

describe('eventBytes', () => {
  it('is the JSON length (epoch times) to within 20 % plus the fixed overhead, for small and stack-heavy events', () => {
    for (const ev of events) {
      const json = JSON.stringify(ev).length;
      const est = plainEventBytes(ev) - EVENT_OVERHEAD_BYTES;
      expect(est, ev.t).toBeGreaterThan(json * 0.8);
      expect(est, ev.t).toBeLessThan(json * 1.2);
    }
  });

  it('a 3.8 KB stack dominates its event', () => {
    const grow = events[1]!;
    expect(plainEventBytes(grow)).toBeGreaterThan(stack.length);
    expect(plainEventBytes(grow)).toBeLessThan(stack.length + 300);
  });

  it('walks with the functions it is given (the page passes its saved originals), nothing else', () => {
    let keysCalls = 0;
    const w = {
      keys: (o: object) => {
        keysCalls++;
        return Reflect.ownKeys(o);
      },
      isArray: (x: unknown): x is readonly unknown[] => Array.isArray(x),
    };
    const saved = Object.keys;
    try {
      Object.keys = () => {
        throw new Error('tampered');
      };
      expect(eventBytes(events[0]!, w)).toBe(eventBytes(events[0]!, { keys: saved, isArray: Array.isArray }));
    } finally {
      Object.keys = saved;
    }
    expect(keysCalls).toBeGreaterThan(0);
  });

  it('stops at a depth cap instead of walking a cycle', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(plainEventBytes({ t: 'mark', time: 1, label: 'a', extra: o } as unknown as PageEvent)).toBeLessThan(500);
  });
});

describe('splitByBytes', () => {
  const size = (n: number) => n;
  it('cuts runs at the count or byte bound, in order, and gives an oversized item its own run', () => {
    expect(splitByBytes([1, 2, 3, 4, 5], 2, 100, size)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitByBytes([40, 40, 40, 500, 10], 10, 100, size)).toEqual([[40, 40], [40], [500], [10]]);
    expect(splitByBytes([], 10, 100, size)).toEqual([]);
  });
});

describe('BUFFER_BYTES', () => {
  it('a message holds at least one largest event, and every buffer at least one message', () => {
    // The largest event validate.ts lets through is a sites event: 64 sites x 24 frames x 512 chars.
    const largest = 64 * 24 * 514;
    expect(BUFFER_BYTES.message).toBeGreaterThan(largest);
    for (const [name, bytes] of Object.entries(BUFFER_BYTES)) {
      // pageFlushAt starts a flush early; panelMessage splits what goes to a panel (an event
      // larger than it travels alone: splitByBytes)
      if (name !== 'pageFlushAt' && name !== 'panelMessage') expect(bytes, name).toBeGreaterThanOrEqual(BUFFER_BYTES.message);
    }
    expect(splitByBytes([1, largest, 2], 1000, BUFFER_BYTES.panelMessage, (n) => n)).toEqual([[1], [largest], [2]]);
  });
});
