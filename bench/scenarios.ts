/**
 * Synthetic event streams for tests and benchmarks: leaky and clean patterns, built the way
 * the injected script reports them (samples on a tick, growth events, cumulative counters).
 * Used by the analyzer tests in src/analyzer/ and by bench/reference.test.ts; not product code.
 */
import type { PageEvent } from '../src/shared/protocol';

export const MiB = 1024 * 1024;
const T0 = 1_700_000_000_000;

/** A tiny builder: a clock, a list, helpers for the common events. */
export class Stream {
  readonly events: PageEvent[] = [];
  t = T0;
  private mems = new Map<string, number>();

  constructor(readonly realm = 'r1') {}

  at(ms: number): this {
    this.t = T0 + ms;
    return this;
  }
  advance(ms: number): this {
    this.t += ms;
    return this;
  }
  memory(n: number, bytes: number, owner = 'https://app.test/engine.wasm', module?: string): string {
    const key = `${this.realm}:${n}`;
    this.mems.set(key, bytes);
    this.events.push({
      t: 'memory',
      time: this.t,
      key,
      origin: 'export',
      shared: false,
      bytes,
      maxBytes: null,
      owner,
      ...(module ? { module } : {}),
    });
    return key;
  }
  grow(key: string, to: number): this {
    const from = this.mems.get(key) ?? 0;
    this.mems.set(key, to);
    this.events.push({ t: 'grow', time: this.t, key, fromBytes: from, toBytes: to, via: 'wasm' });
    return this;
  }
  collected(key: string): this {
    this.mems.delete(key);
    this.events.push({ t: 'collected', time: this.t, key });
    return this;
  }
  /** One sampling tick of every live memory. */
  sample(): this {
    this.events.push({ t: 'sample', time: this.t, keys: [...this.mems.keys()], bytes: [...this.mems.values()] });
    return this;
  }
  /** Sample every `step` ms for `ms` ms. */
  idle(ms: number, step = 250): this {
    for (let x = 0; x < ms; x += step) {
      this.advance(step);
      this.sample();
    }
    return this;
  }
  mark(label: string): this {
    this.events.push({ t: 'mark', time: this.t, label });
    return this;
  }
  bindgen(className: string, created: number, freed: number, reclaimed: number, module: string | null = 'r1:m1'): this {
    this.events.push({ t: 'bindgen', time: this.t, module, className, created, freed, reclaimed, live: created - freed - reclaimed });
    return this;
  }
  /** Allocator stats; counted inside wasm (the whole heap) unless `tracking` says otherwise. */
  alloc(memory: string, liveBytes: number, liveAllocations = 10, tracking: Tracking = 'inside-wasm'): this {
    this.events.push({
      t: 'alloc',
      time: this.t,
      memory,
      liveBytes,
      liveAllocations,
      totalAllocations: liveAllocations * 3,
      totalFrees: liveAllocations * 2,
      ...(tracking === 'absent' ? {} : { tracking, allocator: tracking === 'inside-wasm' ? 'dlmalloc' : undefined }),
    });
    return this;
  }
  sites(memory: string, sites: Array<{ bytes: number; count: number; frames: string[] }>): this {
    this.events.push({ t: 'sites', time: this.t, memory, interval: 65536, sites: sites.map((x) => ({ ...x, samples: 1 })) });
    return this;
  }
  registry(name: string, stats: Record<string, number>, memory?: string): this {
    this.events.push({ t: 'registry', time: this.t, name, stats, ...(memory ? { memory } : {}) });
    return this;
  }
}

/** "150 MB, 300 MB, 450 MB, one more per loaded file": one memory, a step per load. */
export function floorRising(loads = 4, step = 150 * MiB): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 16 * MiB);
  s.idle(2000);
  for (let i = 1; i <= loads; i++) {
    // Growth in a burst of a few grow events, then the memory rests.
    for (let k = 1; k <= 3; k++) {
      s.advance(50)
        .grow(m, 16 * MiB + (i - 1) * step + (k * step) / 3)
        .sample();
    }
    s.idle(5000);
  }
  return s.events;
}

/** A warm-up: memory grows fast at start-up, then stays flat for a long time. */
export function warmUpPlateau(): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 1 * MiB);
  for (let i = 1; i <= 40; i++)
    s.advance(100)
      .grow(m, (1 + i * 4) * MiB)
      .sample();
  s.idle(120_000, 500);
  return s.events;
}

/** A cache that fills once (in one burst after start) and then stays flat while work goes on. */
export function cacheFillsOnce(): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 16 * MiB);
  s.idle(3000);
  for (let i = 1; i <= 8; i++)
    s.advance(200)
      .grow(m, (16 + i * 8) * MiB)
      .sample();
  // Work continues: objects churn, memory flat.
  for (let cycle = 1; cycle <= 20; cycle++) {
    s.bindgen('Entry', cycle * 100, cycle * 100 - 5, 0);
    s.idle(3000);
  }
  return s.events;
}

/** A new engine (same module) per loaded file; the old ones are never freed. */
export function enginesReplaced(files = 3): PageEvent[] {
  const s = new Stream();
  const keys: string[] = [];
  for (let i = 1; i <= files; i++) {
    const k = s.memory(i, 1 * MiB, 'https://app.test/engine.wasm', 'r1:m1');
    keys.push(k);
    s.events.push({
      t: 'instance',
      time: s.t,
      key: `r1:i${i}`,
      module: 'r1:m1',
      via: 'instantiate',
      memories: [k],
      toolchain: 'wasm-bindgen',
      helper: false,
    });
    s.advance(100)
      .grow(k, 150 * MiB)
      .sample();
    s.bindgen('Engine', i, 0, 0);
    s.idle(15_000);
  }
  return s.events;
}

/** Two different modules both alive: must not be flagged as replaced. */
export function twoModules(): PageEvent[] {
  const s = new Stream();
  const a = s.memory(1, 32 * MiB, 'https://app.test/a.wasm');
  s.idle(5000);
  const b = s.memory(2, 32 * MiB, 'https://app.test/b.wasm');
  s.idle(30_000);
  void a;
  void b;
  return s.events;
}

/** Engines replaced, and the old ones are collected: clean. */
export function enginesReplacedAndCollected(files = 4): PageEvent[] {
  const s = new Stream();
  let prev: string | null = null;
  for (let i = 1; i <= files; i++) {
    const k = s.memory(i, 1 * MiB, 'https://app.test/engine.wasm');
    s.advance(100)
      .grow(k, 150 * MiB)
      .sample();
    if (prev) s.advance(3000).collected(prev);
    prev = k;
    s.idle(15_000);
  }
  return s.events;
}

/** A wasm-bindgen class whose live count keeps rising across actions. */
export function bindgenLeak(actions = 5): PageEvent[] {
  const s = new Stream();
  s.memory(1, 16 * MiB);
  let created = 0;
  let freed = 0;
  for (let a = 1; a <= actions; a++) {
    created += 50;
    s.advance(100).bindgen('Tokenizer', created, freed, 0);
    freed += 40; // 10 stay behind every action
    s.advance(100).bindgen('Tokenizer', created, freed, 0);
    s.idle(3000);
  }
  return s.events;
}

/** Churn: every object created is freed. Clean. */
export function bindgenChurn(actions = 20): PageEvent[] {
  const s = new Stream();
  s.memory(1, 16 * MiB);
  for (let a = 1; a <= actions; a++) {
    s.advance(100).bindgen('Tokenizer', a * 50, (a - 1) * 50, 0);
    s.advance(100).bindgen('Tokenizer', a * 50, a * 50, 0);
    s.idle(2000);
  }
  return s.events;
}

/** Objects dropped without free(): reclaimed by the GC finalizer. */
export function forgotFree(): PageEvent[] {
  const s = new Stream();
  s.memory(1, 16 * MiB);
  s.advance(100).bindgen('Resvg', 3, 1, 0);
  s.idle(2000);
  s.advance(100).bindgen('Resvg', 3, 1, 2);
  s.idle(2000);
  return s.events;
}

/** A registry that grows without bound (and one that stays bounded). */
export function registryGrowth(): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 16 * MiB);
  for (let i = 1; i <= 30; i++) {
    s.advance(1000).registry('documents', { count: i * 3, bytes: i * 300_000 }, m);
    s.registry('lru', { count: Math.min(i, 8) }, m);
    s.sample();
  }
  return s.events;
}

/** How a scenario's heap is counted; `absent`: no tracking field (a version-1 trace: js-boundary). */
export type Tracking = 'inside-wasm' | 'js-boundary' | 'absent';

/**
 * An Emscripten heap that grew for a big job and is now mostly empty. `tracking`: how the heap
 * was counted.
 */
export function fragmentation(tracking: Tracking = 'inside-wasm'): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 16 * MiB, 'https://app.test/sql-wasm.wasm');
  s.alloc(m, 2 * MiB, 10, tracking);
  s.idle(1000);
  s.advance(100)
    .grow(m, 256 * MiB)
    .alloc(m, 230 * MiB, 5000, tracking)
    .sample();
  s.idle(2000);
  s.alloc(m, 6 * MiB, 40, tracking);
  s.idle(10_000);
  return s.events;
}

/**
 * Live heap bytes 2 MiB higher at each of `n` marks (each action peaks 8 MiB higher first),
 * committed memory flat: the heap still has room. With the top allocation sites of the heap.
 */
export function usedAtMarks(n: number, tracking: Tracking = 'inside-wasm'): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 64 * MiB, 'https://app.test/sqlite3.wasm');
  s.sample();
  for (let i = 0; i < n; i++) {
    const used = (2 + 2 * i) * MiB;
    s.advance(50)
      .alloc(m, used + 8 * MiB, 100, tracking)
      .advance(50)
      .alloc(m, used, 20 * (i + 1), tracking);
    s.sites(m, [
      {
        bytes: 0.25 * used,
        count: 2 * (i + 1),
        frames: [
          'at malloc (wasm://wasm/1a2b:wasm-function[10]:0x100)',
          'at sqlite3VdbeMemGrow (wasm://wasm/1a2b:wasm-function[300]:0x9000)',
        ],
      },
      {
        bytes: 0.75 * used,
        count: 18 * (i + 1),
        frames: [
          'at dlmalloc (wasm://wasm/1a2b:wasm-function[9]:0x80)',
          'at sqlite3MemMalloc (wasm://wasm/1a2b:wasm-function[11]:0x200)',
          'at bindBlob (https://app.test/app.js:40:7)',
        ],
      },
    ]);
    s.advance(10).mark(`report ${i + 1}`);
  }
  return s.events;
}

/** Memory climbing through budget levels. */
export function budgetClimb(): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 16 * MiB);
  for (const mb of [50, 62, 77, 88, 97, 120]) {
    s.advance(100)
      .grow(m, mb * MiB)
      .sample();
    s.idle(1000);
  }
  return s.events;
}

/** Load A, mark, load B, mark: for diffs. */
export function marksAndLoads(): PageEvent[] {
  const s = new Stream();
  const m = s.memory(1, 16 * MiB);
  s.mark('start');
  s.advance(100)
    .grow(m, 64 * MiB)
    .sample();
  s.bindgen('Doc', 1, 0, 0);
  s.registry('files', { count: 1 });
  s.idle(1000).mark('after A');
  s.advance(100)
    .grow(m, 128 * MiB)
    .sample();
  s.bindgen('Doc', 2, 0, 0);
  s.registry('files', { count: 2 });
  s.idle(1000).mark('after B');
  return s.events;
}

/** A long recording of samples for benchmarks: `n` sample events over `memories` memories. */
export function longRecording(n: number, memories = 4): PageEvent[] {
  const s = new Stream();
  const keys: string[] = [];
  for (let i = 0; i < memories; i++) keys.push(s.memory(i + 1, 16 * MiB));
  const out = s.events;
  let t = s.t;
  const bytes = keys.map(() => 16 * MiB);
  for (let i = 0; i < n; i++) {
    t += 100;
    const j = i % memories;
    if (i % 997 === 0) bytes[j] = (bytes[j] ?? 0) + 65536;
    out.push({ t: 'sample', time: t, keys: [keys[j] ?? ''], bytes: [bytes[j] ?? 0] });
  }
  return out;
}
