import { describe, expect, it } from 'vitest';
import { MAX_NEW_PER_JOB, Sampler } from './sampler';

interface FakeMem {
  bytes: number;
  alive: boolean;
}

function harness() {
  let now = 1000;
  const s = new Sampler<FakeMem>(
    {
      readBytes: (m) => m.bytes,
      makeRef: (m) => ({ deref: () => (m.alive ? m : undefined) }),
      now: () => now,
    },
    1000,
    2,
  );
  return {
    s,
    tick: (ms = 100) => {
      now += ms;
      return s.tick();
    },
  };
}

describe('Sampler', () => {
  it('reports growth inside wasm as via "wasm" and samples on change', () => {
    const h = harness();
    const m: FakeMem = { bytes: 65536, alive: true };
    h.s.add('r:1', m, 65536);
    expect(h.tick()).toEqual([{ t: 'sample', time: 1100, keys: ['r:1'], bytes: [65536] }]); // first: heartbeat due
    expect(h.s.changedLastTick).toBe(false); // a heartbeat is not a change
    expect(h.tick()).toEqual([]);
    m.bytes = 3 * 65536;
    expect(h.tick()).toEqual([
      { t: 'grow', time: 1300, key: 'r:1', fromBytes: 65536, toBytes: 196608, via: 'wasm' },
      { t: 'sample', time: 1300, keys: ['r:1'], bytes: [196608] },
    ]);
    expect(h.s.changedLastTick).toBe(true);
    h.tick();
    expect(h.s.changedLastTick).toBe(false);
  });

  it('does not report again a growth already reported by a JS grow()', () => {
    const h = harness();
    const m: FakeMem = { bytes: 65536, alive: true };
    h.s.add('r:1', m, 65536);
    h.tick();
    m.bytes = 131072;
    h.s.noteBytes('r:1', 131072);
    expect(h.tick()).toEqual([]);
  });

  it('samples at least once per heartbeat, in chunks of maxEntries, and forgets collected memories', () => {
    const h = harness();
    const ms = [0, 1, 2].map((i): FakeMem => ({ bytes: 65536 * (i + 1), alive: true }));
    ms.forEach((m, i) => h.s.add(`r:${i}`, m, m.bytes));
    const first = h.tick();
    expect(first.map((e) => (e.t === 'sample' ? e.keys : []))).toEqual([['r:0', 'r:1'], ['r:2']]);
    for (let i = 0; i < 9; i++) expect(h.tick()).toEqual([]);
    expect(h.tick()).toHaveLength(2); // 1000 ms later: heartbeat
    ms[1]!.alive = false;
    const after = h.tick(1000);
    expect(after.flatMap((e) => (e.t === 'sample' ? e.keys : []))).toEqual(['r:0', 'r:2']);
    expect(h.s.size).toBe(2);
    ms[0]!.alive = false;
    ms[2]!.alive = false;
    expect(h.tick(1000)).toEqual([]);
  });

  it('starts sampling at most MAX_NEW_PER_JOB memories per job (WeakRefs keep their targets until the job ends)', () => {
    const deferred: Array<() => void> = [];
    const s = new Sampler<FakeMem>({
      readBytes: (m) => m.bytes,
      makeRef: (m) => ({ deref: () => m }),
      now: () => 0,
      defer: (fn) => void deferred.push(fn),
    });
    const added = Array.from({ length: MAX_NEW_PER_JOB + 5 }, (_, i) => s.add(`r:${i}`, { bytes: 65536, alive: true }, 65536));
    expect(added.filter(Boolean)).toHaveLength(MAX_NEW_PER_JOB);
    expect(s.size).toBe(MAX_NEW_PER_JOB);
    expect(s.skipped).toBe(5);
    expect(deferred).toHaveLength(1);
    deferred[0]!(); // the next job
    expect(s.add('r:next', { bytes: 65536, alive: true }, 65536)).toBe(true);
    expect(s.size).toBe(MAX_NEW_PER_JOB + 1);
  });
});
