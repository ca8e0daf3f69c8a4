/**
 * The heap of one memory, counted inside wasm: the module's allocator entry points were
 * rewritten (../core/wasm-rewrite.ts) to keep live bytes and allocations in hidden globals,
 * so every allocation is seen, including those made by C/C++/Rust code inside wasm.
 *
 * - HeapTracker reads those counters on each tick and emits a cumulative `alloc` event when
 *   they changed.
 * - SiteSampler keeps allocation sites: the rewritten malloc calls out to JS about once per
 *   `interval` bytes allocated (a Poisson process over bytes: each gap is drawn from an
 *   exponential distribution, so periodic allocation patterns cannot alias with it). Each
 *   sample keeps the JS+wasm stack of the allocation; while its chunk stays in use, it counts
 *   toward its site. A sample of `size` bytes stands for size / (1 - e^(-size/interval)) bytes
 *   and 1 / (1 - e^(-size/interval)) allocations (the unbiased weights of sampling by bytes,
 *   as in tcmalloc's heap profiler). The interval adapts to keep the sampling cost bounded:
 *   see docs/ALLOCATION-SITES.md.
 *
 * Pure: counters, chunk reads, stacks, randomness and time come in through HeapDeps.
 */
import { LIMITS, type AllocEvent, type HeapSizes, type ObjectKey, type SitesEvent } from '../../shared/protocol';
import { arrayJoin, arrayMap, arraySlice, arraySortInPlace, ObjectKeys, SafeMap, SafeSet } from '../core/intrinsics';

/** Allocator function names as they appear in frames of modules with a name section. */
const ALLOCATOR_NAMES =
  /^at (?:dl)?(?:malloc|free|realloc|calloc|memalign|posix_memalign|aligned_alloc)\b|^at (?:__rust_alloc|__rdl_alloc|__rg_alloc|__rust_realloc|__rdl_realloc|__wbindgen_malloc|__wbindgen_realloc)\b/;

/**
 * Frames of the allocator's own functions: by function index (`wasm-function[12]`, modules
 * without a name section) or by name. The rewritten entry points keep their indices.
 */
export function allocatorFrameTest(functions: Readonly<Record<string, number | undefined>>): (line: string) => boolean {
  const indices = new SafeSet<number>();
  const names = ObjectKeys(functions);
  for (let n = 0; n < names.length; n++) {
    const i = functions[names[n]!];
    if (typeof i === 'number') indices.add(i);
  }
  return (line) => {
    const m = /wasm-function\[(\d+)\]/.exec(line);
    if (m !== null && indices.has(Number(m[1]))) return true;
    return ALLOCATOR_NAMES.test(line);
  };
}

/** The rewritten module's counters, read on demand (NaN once the instance is gone). */
export interface HeapCounters {
  liveBytes(): number;
  liveAllocations(): number;
  totalAllocations(): number;
  totalFrees(): number;
}

export class HeapTracker {
  private last = -1;
  private lastAllocs = -1;
  private lastFrees = -1;
  /** The instance was collected: nothing more to read (drop this tracker). */
  gone = false;

  constructor(
    readonly memory: ObjectKey,
    private readonly counters: HeapCounters,
    readonly allocator: string,
    readonly sizes: HeapSizes,
  ) {}

  /** The event to emit now, or null when nothing changed since the last one. */
  poll(time: number): AllocEvent | null {
    const c = this.counters;
    const totalAllocations = c.totalAllocations();
    const totalFrees = c.totalFrees();
    const liveBytes = c.liveBytes();
    if (Number.isNaN(liveBytes) || Number.isNaN(totalAllocations) || Number.isNaN(totalFrees)) {
      this.gone = true;
      return null;
    }
    if (liveBytes === this.last && totalAllocations === this.lastAllocs && totalFrees === this.lastFrees) return null;
    this.last = liveBytes;
    this.lastAllocs = totalAllocations;
    this.lastFrees = totalFrees;
    return {
      t: 'alloc',
      time,
      memory: this.memory,
      // A free of a chunk allocated before counting started cannot happen (counting starts at
      // instantiation), but clamp anyway: a figure below zero would mean nothing.
      liveBytes: liveBytes > 0 ? liveBytes : 0,
      liveAllocations: c.liveAllocations() > 0 ? c.liveAllocations() : 0,
      totalAllocations,
      totalFrees,
      tracking: 'inside-wasm',
      allocator: this.allocator,
      sizes: this.sizes,
    };
  }
}

/** Mean bytes between samples: where it starts, and the bounds it adapts within. */
export const SAMPLE_INTERVAL = { initial: 256 * 1024, min: 128 * 1024, max: 256 * 1024 * 1024 } as const;
/**
 * The sampling budget, a token bucket per memory: `burst` samples at once, refilled at `high`
 * per second. A sample taken with the bucket empty doubles the interval at once, so a busy
 * allocator cannot make a stream of stack captures (each costs tens of microseconds: 20 a second
 * stay well under 0.1% of a core); below `low` samples over a second the interval halves.
 */
export const SAMPLE_RATE = { high: 20, low: 2, burst: 20 } as const;
/** Live samples kept per memory; beyond it, sampling pauses until samples are freed. */
export const MAX_LIVE_SAMPLES = 4096;
/** Distinct sites kept per memory (a new site beyond it is counted under the last one). */
export const MAX_SITES = 1024;
/** Least time between two `sites` events of one memory. */
export const SITES_EVENT_MS = 1000;
/** Largest value the countdown global takes: "never sample". */
export const NEVER = 2 ** 53;

export interface SiteDeps {
  now(): number;
  /** Uniform in (0, 1]. */
  random(): number;
  /**
   * Capture the stack of the allocation being sampled (JS and wasm frames, ours removed) now;
   * it is formatted when the returned function is called (at the next tick, and only if the
   * allocation is still live then: formatting is most of a stack's cost).
   */
  stackLater(): () => string;
  /** Tell the rewritten module how many bytes to allocate before the next sample. */
  setCountdown(bytes: number): void;
  /**
   * Is the chunk at `ptr` still the one sampled (in use, same chunk size)? null when the
   * allocator's chunk layout is not known (samples then stay until the memory goes).
   */
  chunkLive(ptr: number, chunkBytes: number): boolean | null;
  /** Chunk size of a live allocation (header included), or `size` when unknown. */
  chunkSize(ptr: number, size: number): number;
  /**
   * Is this stack frame (a trimmed line) one of the allocator's own functions? Those at the top of
   * a sample's stack are dropped: a site is where the allocation was asked for, not malloc.
   */
  allocatorFrame?(line: string): boolean;
}

interface Sample {
  chunk: number;
  /** The site, once the stack is formatted; until then the capture. */
  site: Site | (() => string);
}

interface Site {
  key: string;
  frames: string[];
  bytes: number;
  count: number;
  samples: number;
}

/** The weights of one sample of `size` bytes at mean interval `interval`. */
export function sampleWeight(size: number, interval: number): { bytes: number; count: number } {
  if (size <= 0) return { bytes: 0, count: 0 };
  const p = 1 - Math.exp(-size / interval);
  return { bytes: size / p, count: 1 / p };
}

export class SiteSampler {
  interval: number = SAMPLE_INTERVAL.initial;
  private readonly live = new SafeMap<number, Sample>();
  private readonly sites = new SafeMap<string, Site>();
  private samplesSince = 0;
  /** The sampling budget (see SAMPLE_RATE). */
  private tokens: number = SAMPLE_RATE.burst;
  private refilled: number;
  private windowStart: number;
  private lastEvent = 0;
  private dirty = false;
  private paused = false;

  constructor(
    readonly memory: ObjectKey,
    private readonly deps: SiteDeps,
  ) {
    this.windowStart = deps.now();
    this.refilled = this.windowStart;
  }

  /** Start sampling (the rewritten malloc calls `onSample` once the countdown runs out). */
  start(): void {
    this.deps.setCountdown(this.nextGap());
  }

  private nextGap(): number {
    const u = this.deps.random();
    const gap = -Math.log(u > 0 ? u : Number.MIN_VALUE) * this.interval;
    return Math.max(1, Math.min(NEVER, Math.ceil(gap)));
  }

  /** Called from the rewritten malloc (through the hidden table) for a sampled allocation. */
  onSample(ptr: number, size: number): void {
    this.samplesSince++;
    const now = this.deps.now();
    this.tokens = Math.min(SAMPLE_RATE.burst, this.tokens + ((now - this.refilled) * SAMPLE_RATE.high) / 1000);
    this.refilled = now;
    if (this.tokens >= 1) this.tokens--;
    else if (this.interval < SAMPLE_INTERVAL.max) this.rescale(this.interval * 2);
    if (this.live.size >= MAX_LIVE_SAMPLES) {
      this.paused = true;
      this.deps.setCountdown(NEVER);
      return;
    }
    this.deps.setCountdown(this.nextGap());
    if (ptr <= 0) return;
    const old = this.live.get(ptr);
    if (old !== undefined) this.drop(old); // the chunk was freed and reused before a tick saw it
    this.live.set(ptr, { chunk: this.deps.chunkSize(ptr, size), site: this.deps.stackLater() });
  }

  /** Give a sample its site (format its stack) and count it there. */
  private place(s: Sample, stack: string): void {
    const site = this.siteOf(this.withoutAllocatorFrames(stack));
    s.site = site;
    const w = sampleWeight(s.chunk, this.interval);
    site.bytes += w.bytes;
    site.count += w.count;
    site.samples++;
    this.dirty = true;
  }

  private withoutAllocatorFrames(stack: string): string {
    const isAllocator = this.deps.allocatorFrame;
    if (isAllocator === undefined) return stack;
    const lines = stack.split('\n');
    let i = 0;
    while (i < lines.length - 1 && isAllocator((lines[i] as string).trim())) i++;
    return i === 0 ? stack : arrayJoin(arraySlice(lines, i), '\n');
  }

  private siteOf(stack: string): Site {
    const key = stack.slice(0, LIMITS.maxStack);
    let site = this.sites.get(key);
    if (site === undefined) {
      if (this.sites.size >= MAX_SITES) {
        site = this.sites.get('') ?? {
          key: '',
          frames: ['(other sites: the per-memory bound was reached)'],
          bytes: 0,
          count: 0,
          samples: 0,
        };
        this.sites.set('', site);
        return site;
      }
      const frames: string[] = [];
      const lines = key.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const f = lines[i]!.trim();
        if (f === '') continue;
        frames[frames.length] = f.slice(0, LIMITS.maxString);
        if (frames.length >= LIMITS.maxSiteFrames) break;
      }
      site = { key, frames, bytes: 0, count: 0, samples: 0 };
      this.sites.set(key, site);
    }
    return site;
  }

  private drop(s: Sample): void {
    const site = s.site;
    if (typeof site === 'function') return; // never placed: nothing was counted
    const w = sampleWeight(s.chunk, this.interval);
    site.samples--;
    if (site.samples <= 0) {
      this.sites.delete(site.key);
    } else {
      site.bytes = Math.max(0, site.bytes - w.bytes);
      site.count = Math.max(0, site.count - w.count);
    }
    this.dirty = true;
  }

  /**
   * On each tick: drop samples whose chunk was freed, adapt the interval, and return a `sites`
   * event when the picture changed (at most once per SITES_EVENT_MS).
   */
  tick(): SitesEvent | null {
    // Deleting the entry being visited is allowed in Map.prototype.forEach.
    this.live.forEach((s, ptr) => {
      if (this.deps.chunkLive(ptr, s.chunk) === false) {
        this.live.delete(ptr);
        this.drop(s);
      } else if (typeof s.site === 'function') {
        this.place(s, s.site());
      }
    });
    const now = this.deps.now();
    const elapsed = now - this.windowStart;
    if (elapsed >= 1000) {
      const rate = (this.samplesSince * 1000) / elapsed;
      if (rate < SAMPLE_RATE.low && this.interval > SAMPLE_INTERVAL.min) this.rescale(this.interval / 2);
      this.samplesSince = 0;
      this.windowStart = now;
    }
    if (this.paused && this.live.size < MAX_LIVE_SAMPLES / 2) {
      this.paused = false;
      this.deps.setCountdown(this.nextGap());
    }
    if (!this.dirty || now - this.lastEvent < SITES_EVENT_MS) return null;
    this.dirty = false;
    this.lastEvent = now;
    return this.event(now);
  }

  /** A new interval: the weights of live samples are recomputed with it. */
  private rescale(interval: number): void {
    this.interval = interval;
    this.sites.forEach((site) => {
      site.bytes = 0;
      site.count = 0;
    });
    this.live.forEach((s) => {
      if (typeof s.site === 'function') return;
      const w = sampleWeight(s.chunk, interval);
      s.site.bytes += w.bytes;
      s.site.count += w.count;
    });
    this.dirty = true;
  }

  event(time: number): SitesEvent {
    const sites: Site[] = [];
    this.sites.forEach((s) => void (sites[sites.length] = s));
    const all = arraySlice(
      arraySortInPlace(sites, (a, b) => b.bytes - a.bytes),
      0,
      LIMITS.maxSites,
    );
    return {
      t: 'sites',
      time,
      memory: this.memory,
      interval: this.interval,
      sites: arrayMap(all, (s) => ({ bytes: Math.round(s.bytes), count: Math.round(s.count), samples: s.samples, frames: s.frames })),
    };
  }
}
