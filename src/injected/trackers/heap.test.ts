import { describe, expect, it } from 'vitest';
import {
  allocatorFrameTest,
  HeapTracker,
  MAX_LIVE_SAMPLES,
  NEVER,
  SAMPLE_INTERVAL,
  SAMPLE_RATE,
  SiteSampler,
  sampleWeight,
  type SiteDeps,
} from './heap';

describe('HeapTracker', () => {
  it('emits the counters once per change, tagged as counted inside wasm', () => {
    const c = { live: 0, n: 0, allocs: 0, frees: 0 };
    const t = new HeapTracker(
      'r:1',
      { liveBytes: () => c.live, liveAllocations: () => c.n, totalAllocations: () => c.allocs, totalFrees: () => c.frees },
      'dlmalloc',
      'chunk-header',
    );
    Object.assign(c, { live: 104, n: 1, allocs: 1 });
    expect(t.poll(5)).toEqual({
      t: 'alloc',
      time: 5,
      memory: 'r:1',
      liveBytes: 104,
      liveAllocations: 1,
      totalAllocations: 1,
      totalFrees: 0,
      tracking: 'inside-wasm',
      allocator: 'dlmalloc',
      sizes: 'chunk-header',
    });
    expect(t.poll(6)).toBeNull();
    Object.assign(c, { live: 0, n: 0, frees: 1 });
    expect(t.poll(7)).toMatchObject({ liveBytes: 0, totalFrees: 1 });
  });
});

describe('sampleWeight', () => {
  it('a sample stands for more than itself when small, for itself when huge', () => {
    expect(sampleWeight(100, 1000).bytes).toBeCloseTo(100 / (1 - Math.exp(-0.1)));
    expect(sampleWeight(1e9, 1000)).toEqual({ bytes: 1e9, count: 1 });
    expect(sampleWeight(0, 1000)).toEqual({ bytes: 0, count: 0 });
  });
});

function sampler(o: Partial<SiteDeps> = {}) {
  let time = 0;
  const live = new Set<number>();
  const countdowns: number[] = [];
  let stack = 'at malloc (wasm://wasm/1:wasm-function[3]:0x10)\nat leak (https://a/app.js:1:2)';
  const s = new SiteSampler('r:1', {
    now: () => time,
    random: () => 0.5,
    stackLater: () => {
      const captured = stack;
      return () => captured;
    },
    setCountdown: (n) => void countdowns.push(n),
    chunkLive: (ptr) => live.has(ptr),
    chunkSize: (_p, size) => size,
    ...o,
  });
  return { s, live, countdowns, at: (t: number) => void (time = t), setStack: (x: string) => void (stack = x) };
}

describe('SiteSampler', () => {
  it('keeps the live bytes per site from samples, and drops freed chunks at the next tick', () => {
    const { s, live, countdowns, at } = sampler();
    s.start();
    expect(countdowns[0]).toBe(Math.ceil(-Math.log(0.5) * SAMPLE_INTERVAL.initial));
    live.add(16).add(32);
    s.onSample(16, 1000);
    s.onSample(32, 3000);
    at(1000);
    const e = s.tick()!;
    expect(e.sites).toHaveLength(1);
    expect(e.sites[0]!.samples).toBe(2);
    expect(e.sites[0]!.frames).toEqual(['at malloc (wasm://wasm/1:wasm-function[3]:0x10)', 'at leak (https://a/app.js:1:2)']);
    const w = sampleWeight(1000, s.interval).bytes + sampleWeight(3000, s.interval).bytes;
    expect(e.sites[0]!.bytes).toBe(Math.round(w));
    live.delete(16);
    at(2000);
    expect(s.tick()!.sites[0]).toMatchObject({ samples: 1, bytes: Math.round(sampleWeight(3000, s.interval).bytes) });
    live.delete(32);
    at(3000);
    expect(s.tick()!.sites).toEqual([]);
  });

  it("a site is where the allocation was asked for: the allocator's own frames at the top are dropped", () => {
    const isAllocator = allocatorFrameTest({ malloc: 79, free: 93 });
    expect(isAllocator('at wasm://wasm/00039e42:wasm-function[79]:0x4fb8')).toBe(true);
    expect(isAllocator('at dlmalloc (wasm://wasm/1:wasm-function[3]:0x10)')).toBe(true);
    expect(isAllocator('at wasm://wasm/00039e42:wasm-function[120]:0x100')).toBe(false);
    const { s, live, at, setStack } = sampler({ allocatorFrame: isAllocator });
    setStack(
      'at wasm://wasm/00039e42:wasm-function[79]:0x4fb8\nat wasm://wasm/00039e42:wasm-function[120]:0x100\nat load (https://a/app.js:1:2)',
    );
    live.add(16);
    s.onSample(16, 1000);
    at(1000);
    expect(s.tick()!.sites[0]!.frames).toEqual(['at wasm://wasm/00039e42:wasm-function[120]:0x100', 'at load (https://a/app.js:1:2)']);
  });

  it('sorts sites by bytes and bounds the event', () => {
    const { s, live, at, setStack } = sampler();
    for (let i = 1; i <= 100; i++) {
      setStack(`at site${i} (https://a/app.js:${i}:1)`);
      live.add(i * 16);
      s.onSample(i * 16, i * 100);
    }
    at(1000);
    const e = s.tick()!;
    expect(e.sites.length).toBe(64);
    expect(e.sites[0]!.frames[0]).toBe('at site100 (https://a/app.js:100:1)');
    for (let i = 1; i < e.sites.length; i++) expect(e.sites[i - 1]!.bytes).toBeGreaterThanOrEqual(e.sites[i]!.bytes);
  });

  it('adapts the interval to the sampling rate at once, and pauses at the bound of live samples', () => {
    const { s, live, countdowns, at } = sampler();
    at(1000);
    // a burst: more than SAMPLE_RATE.high per second doubles the interval during the burst itself
    for (let i = 0; i < 100; i++) s.onSample(0, 8);
    expect(s.interval).toBeGreaterThanOrEqual(SAMPLE_INTERVAL.initial * 8);
    at(5000);
    s.tick(); // the burst's window closes
    const high = s.interval;
    at(10000);
    s.tick();
    expect(s.interval).toBe(high / 2); // none since: fewer
    for (let i = 1; i <= MAX_LIVE_SAMPLES; i++) {
      live.add(i * 16);
      at(10000 + i * 1000); // slowly: no rate change
      s.onSample(i * 16, 8);
    }
    s.onSample(999_999 * 16, 8);
    expect(countdowns.at(-1)).toBe(NEVER);
    for (let i = 1; i <= MAX_LIVE_SAMPLES; i++) live.delete(i * 16);
    at(1e9);
    s.tick();
    expect(countdowns.at(-1)).not.toBe(NEVER); // room again: sampling resumes
  });

  it('a burst within the budget keeps the interval; the sample after it doubles it', () => {
    const { s, at } = sampler();
    at(0);
    for (let i = 0; i < SAMPLE_RATE.burst; i++) s.onSample(0, 8);
    expect(s.interval).toBe(SAMPLE_INTERVAL.initial);
    s.onSample(0, 8);
    expect(s.interval).toBe(SAMPLE_INTERVAL.initial * 2);
    at(1000); // a second later the budget is full again
    for (let i = 0; i < SAMPLE_RATE.burst; i++) s.onSample(0, 8);
    expect(s.interval).toBe(SAMPLE_INTERVAL.initial * 2);
  });

  it('formats a stack only for a sample still live at the tick', () => {
    let formatted = 0;
    const live = new Set<number>([16]);
    let t = 0;
    const s = new SiteSampler('r:1', {
      now: () => t,
      random: () => 0.5,
      stackLater: () => () => (formatted++, 'at f (https://a/app.js:1:1)'),
      setCountdown: () => undefined,
      chunkLive: (ptr) => live.has(ptr),
      chunkSize: (_p, size) => size,
    });
    s.onSample(16, 100);
    s.onSample(32, 100); // freed before the tick
    t = 2000;
    expect(s.tick()!.sites[0]!.samples).toBe(1);
    expect(formatted).toBe(1);
  });

  it('keeps samples when the chunk layout is unknown', () => {
    const { s, at } = sampler({ chunkLive: () => null });
    s.onSample(16, 100);
    at(1000);
    expect(s.tick()!.sites[0]!.samples).toBe(1);
    at(3000);
    s.tick();
    expect(s.event(3000).sites[0]!.samples).toBe(1);
  });
});
