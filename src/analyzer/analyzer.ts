/**
 * The analyzer for the panel and the CLI: analyzer-rs compiled to wasm, behind the typed
 * `AnalyzerApi` (src/shared/analyzer-api.ts). Works in the browser and in Node, from the
 * module's bytes or from a compiled `WebAssembly.Module`.
 *
 * Boundary (analyzer-rs/src/wasm.rs): strings are interned to ids (./encode.ts) and their
 * text sent once; events go as fixed-stride f64 records written straight into the wasm
 * memory; the report and diffs come back as JSON text, chart series as f64 arrays.
 */
import type {
  AllocationSite,
  AnalyzerApi,
  AnalyzerConfig,
  AnalyzerThresholds,
  ClassStats,
  Diff,
  MemorySeries,
  MemoryStats,
  Report,
} from '../shared/analyzer-api';
import { ALLOCATION_TRACKING, type AllocationTracking, type PageEvent, type RealmKind } from '../shared/protocol';
import { encodeEvent, firstMeaningfulFrame, Interner, realmOf, sitesByBytes, STRIDE, type RecordSink } from './encode';
import { readSeries } from './series-wire';

/** `trackingReason` of a heap counted at the JS boundary (no page reason given). */
export const JS_BOUNDARY_REASON =
  'only allocations that crossed the JS boundary were counted (recorded before counting inside wasm): a part of the heap';

/** The module's exports (all numbers: handles, ids, pointers, counts). */
interface AnalyzerExports {
  memory: WebAssembly.Memory;
  wma_new(): number;
  wma_free(h: number): void;
  wma_reset(h: number): void;
  wma_in_buf(h: number, n: number): number;
  wma_ingest(h: number, n: number): number;
  wma_str_buf(h: number, len: number): number;
  wma_set_name(h: number, id: number, len: number): number;
  wma_configure(h: number, key: number, value: number): number;
  wma_report(h: number): number;
  wma_diff(h: number, from: number, to: number): number;
  wma_series(h: number, maxPoints: number, from: number, to: number): number;
  wma_out_len(h: number): number;
  wma_event_count(h: number): number;
}

const REQUIRED_EXPORTS: ReadonlyArray<keyof AnalyzerExports> = [
  'memory',
  'wma_new',
  'wma_free',
  'wma_reset',
  'wma_in_buf',
  'wma_ingest',
  'wma_str_buf',
  'wma_set_name',
  'wma_configure',
  'wma_report',
  'wma_diff',
  'wma_series',
  'wma_out_len',
  'wma_event_count',
];

/** Numeric config keys (analyzer-rs/src/config.rs `key`). */
export const CONFIG_KEY = {
  pageBudget: 0,
  memoryBudget: 1,
  budgetLevelsClear: 2,
  budgetLevelPush: 3,
} as const;

export const THRESHOLD_KEY: Readonly<Record<keyof AnalyzerThresholds, number>> = {
  restMs: 10,
  floorCycles: 11,
  floorMinStepBytes: 12,
  holdMs: 13,
  windowMs: 14,
  windowCycles: 15,
  classMinStep: 16,
  classWindowMinRise: 17,
  registryMinStep: 18,
  markCycles: 19,
  replacedGraceMs: 20,
  replacedMinBytes: 21,
  fragMinCommittedBytes: 22,
  fragMaxRatio: 23,
  fragMinWastedBytes: 24,
  fragMinMs: 25,
  evalIntervalMs: 26,
  forgotFreeErrorCount: 27,
  neverFreedMin: 28,
};

/** Records per ingest call into wasm (wasm.rs accepts up to 65536). */
const CHUNK = 4096;

/** What the wasm side reports; `Report` minus the parts the wrapper adds (liveStacks, heap status, sites). */
interface RawReport extends Omit<Report, 'classes' | 'memories'> {
  classes: Array<Omit<ClassStats, 'liveStacks' | 'orphanStacks' | 'liveSampled'>>;
  memories: Array<Omit<MemoryStats, 'tracking' | 'allocator' | 'trackingReason' | 'sites'> & { tracking?: AllocationTracking }>;
}

/** What the wrapper keeps per memory key from `heap`, `alloc` and `sites` events (the core keeps numbers only). */
interface HeapInfo {
  /** From the page's `heap` status. */
  status?: { tracking: AllocationTracking; allocator: string | null; reason: string | null };
  /** `allocator` of the latest alloc event that named one. */
  allocator?: string;
  sites?: AllocationSite[];
}

export type Analyzer = AnalyzerApi & {
  /** Events the wrapper could not encode plus records the wasm side rejected. */
  readonly ingestFailures: number;
  /** Bytes of the analyzer's wasm linear memory (for diagnostics and benchmarks). */
  readonly wasmMemoryBytes: number;
};

function isExports(x: WebAssembly.Exports): x is WebAssembly.Exports & AnalyzerExports {
  return REQUIRED_EXPORTS.every((k) => k in x);
}

/** Create an analyzer from the module's bytes or a compiled module. */
export async function createAnalyzer(wasm: BufferSource | WebAssembly.Module, config?: Partial<AnalyzerConfig>): Promise<Analyzer> {
  const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
  const instance = await WebAssembly.instantiate(module, {});
  const ex = instance.exports;
  if (!isExports(ex)) {
    const missing = REQUIRED_EXPORTS.filter((k) => !(k in ex));
    throw new Error(`not the analyzer module: missing exports ${missing.join(', ')}`);
  }
  const analyzer = new WasmAnalyzer(ex);
  if (config) analyzer.configure(config);
  return analyzer;
}

/** A class's latest creation stacks, as its last bindgen event listed them. */
interface ClassStacks {
  live: Array<{ stack: string; count: number }>;
  orphan: Array<{ stack: string; count: number }>;
  liveSampled: number | null;
}

function classKey(module: string | null, className: string): string {
  return `${module ?? ''}\u0000${className}`;
}

const utf8 = new TextEncoder();
const utf8dec = new TextDecoder();

class WasmAnalyzer implements AnalyzerApi, RecordSink {
  private handle: number;
  private readonly interner: Interner;
  private pendingNames: Array<[number, string]> = [];
  private view: Float64Array = new Float64Array(0);
  private filled = 0;
  private failures = 0;
  private events = 0;
  /** Per class (module and class name, as the analyzer tells classes apart): its latest stacks. */
  private readonly classStacks = new Map<string, ClassStacks>();
  private readonly heaps = new Map<string, HeapInfo>();
  /** Realm id -> kind and URL, from `realm` events (bounded). */
  private readonly realms = new Map<string, { kind: RealmKind; url: string }>();
  /** Module key -> URL, and memory key -> module key (from memory and instance events); bounded. */
  private readonly moduleUrls = new Map<string, string>();
  private readonly memoryModules = new Map<string, string>();

  constructor(private readonly ex: AnalyzerExports) {
    this.handle = ex.wma_new();
    if (this.handle === 0) throw new Error('analyzer: wma_new failed');
    this.interner = new Interner((id, name) => this.pendingNames.push([id, name]));
  }

  get ingestFailures(): number {
    return this.failures;
  }

  get wasmMemoryBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }

  private live(): number {
    if (this.handle === 0) throw new Error('analyzer: used after dispose()');
    return this.handle;
  }

  // RecordSink: write straight into the wasm input buffer.
  put(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): void {
    if (this.filled === CHUNK) this.flush();
    let o = this.filled * STRIDE;
    const v = this.view;
    v[o++] = a0;
    v[o++] = a1;
    v[o++] = a2;
    v[o++] = a3;
    v[o++] = a4;
    v[o++] = a5;
    v[o++] = a6;
    v[o] = a7;
    this.filled++;
  }

  private openChunk(): void {
    const ptr = this.ex.wma_in_buf(this.live(), CHUNK);
    if (ptr === 0) throw new Error('analyzer: no input buffer');
    this.view = new Float64Array(this.ex.memory.buffer, ptr, CHUNK * STRIDE);
    this.filled = 0;
  }

  private flush(): void {
    const h = this.live();
    // Names first: alerts evaluated during ingestion already carry them (stable ids). Sending
    // may grow the wasm memory, which detaches `view` but leaves the records in place.
    this.sendNames();
    if (this.filled > 0) {
      const rejected = this.ex.wma_ingest(h, this.filled);
      this.failures += rejected;
      this.filled = 0;
    }
    this.openChunk();
  }

  private sendNames(): void {
    if (this.pendingNames.length === 0) return;
    const h = this.live();
    for (const [id, name] of this.pendingNames) {
      const bytes = utf8.encode(name);
      const ptr = this.ex.wma_str_buf(h, bytes.length);
      if (ptr === 0) {
        this.failures++;
        continue;
      }
      new Uint8Array(this.ex.memory.buffer, ptr, bytes.length).set(bytes);
      this.ex.wma_set_name(h, id, bytes.length);
    }
    this.pendingNames = [];
  }

  ingest(events: readonly PageEvent[]): void {
    this.openChunk();
    for (const ev of events) {
      if (ev === null || typeof ev !== 'object') {
        this.failures++;
        continue;
      }
      const n = encodeEvent(ev, this.interner, this);
      if (n < 0) {
        this.failures++;
        continue;
      }
      this.events++;
      if (ev.t === 'bindgen') {
        // Each event is the class's whole state: stacks it does not list are gone (their objects
        // were released), not unchanged.
        const key = classKey(ev.module, ev.className);
        const live = Array.isArray(ev.liveStacks) ? ev.liveStacks.slice(0, 32) : [];
        const orphan = Array.isArray(ev.orphanStacks) ? ev.orphanStacks.slice(0, 32) : [];
        if (live.length > 0 || orphan.length > 0 || this.classStacks.has(key)) {
          if (this.classStacks.size < 8192 || this.classStacks.has(key))
            this.classStacks.set(key, { live, orphan, liveSampled: typeof ev.liveSampled === 'number' ? ev.liveSampled : null });
        }
      } else if (ev.t === 'heap' || ev.t === 'alloc' || ev.t === 'sites') {
        this.keepHeapInfo(ev);
      } else if (ev.t === 'realm' && typeof ev.url === 'string' && this.realms.size < 8192) {
        this.realms.set(ev.realm, { kind: ev.kind, url: ev.url });
      } else if (ev.t === 'module' && typeof ev.url === 'string' && this.moduleUrls.size < 8192) {
        this.moduleUrls.set(ev.key, ev.url);
      } else if (ev.t === 'memory' && typeof ev.module === 'string' && this.memoryModules.size < 8192) {
        this.memoryModules.set(ev.key, ev.module);
      } else if (ev.t === 'instance' && !ev.helper && typeof ev.module === 'string') {
        for (const m of ev.memories)
          if (typeof m === 'string' && !this.memoryModules.has(m) && this.memoryModules.size < 8192) this.memoryModules.set(m, ev.module);
      }
    }
    const h = this.live();
    this.sendNames();
    if (this.filled > 0) this.failures += this.ex.wma_ingest(h, this.filled);
    this.filled = 0;
  }

  private keepHeapInfo(ev: Extract<PageEvent, { t: 'heap' | 'alloc' | 'sites' }>): void {
    let h = this.heaps.get(ev.memory);
    if (!h) {
      if (this.heaps.size >= 8192) return;
      h = {};
      this.heaps.set(ev.memory, h);
    }
    // Untrusted shapes (the encoder checked only what the core needs): strings or nothing.
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    if (ev.t === 'heap') {
      if (ALLOCATION_TRACKING.includes(ev.tracking))
        h.status = { tracking: ev.tracking, allocator: text(ev.allocator), reason: text(ev.reason) };
    } else if (ev.t === 'alloc') {
      if (typeof ev.allocator === 'string') h.allocator = ev.allocator;
    } else {
      h.sites = sitesByBytes(ev.sites).map((s) => {
        const frames = s.frames.filter((f): f is string => typeof f === 'string');
        const samples = typeof s.samples === 'number' && Number.isFinite(s.samples) ? Math.max(0, s.samples) : 0;
        return { bytes: Math.max(0, s.bytes), count: Math.max(0, s.count), samples, frames, frame: firstMeaningfulFrame(frames) };
      });
    }
  }

  /** A memory of the core's report with what the wrapper knows about its heap. */
  /** Completes a memory of the report in place (it was just parsed and is ours): no copies, as
   *  a session can hold thousands of memories and the panel asks for a report every frame. */
  private withHeap(m: RawReport['memories'][number]): MemoryStats {
    const h = this.heaps.get(m.key);
    const tracking: AllocationTracking = m.tracking ?? h?.status?.tracking ?? 'none';
    const pageReason = h?.status?.reason ?? null;
    const out = m as MemoryStats;
    out.tracking = tracking;
    out.allocator = h?.allocator ?? h?.status?.allocator ?? null;
    out.trackingReason = tracking === 'inside-wasm' ? null : tracking === 'js-boundary' ? (pageReason ?? JS_BOUNDARY_REASON) : pageReason;
    out.sites = h?.sites ?? [];
    const r = this.realms.get(realmOf(m.key));
    if (r !== undefined) out.realm = { kind: r.kind, url: r.url };
    const mod = this.memoryModules.get(m.key);
    const url = mod === undefined ? undefined : this.moduleUrls.get(mod);
    if (url !== undefined) out.moduleUrl = url;
    return out;
  }

  series(maxPoints: number, fromTime?: number, toTime?: number): MemorySeries[] {
    const h = this.live();
    this.sendNames();
    const points = Math.max(1, Math.min(1 << 20, Math.floor(Number.isFinite(maxPoints) ? maxPoints : 1)));
    const ptr = this.ex.wma_series(h, points, fromTime ?? -Infinity, toTime ?? Infinity);
    const len = this.ex.wma_out_len(h);
    if (ptr === 0 || len === 0) return [];
    const data = new Float64Array(this.ex.memory.buffer, ptr, len);
    return readSeries(data, (id) => this.interner.name(id));
  }

  private readJson(ptr: number): unknown {
    const len = this.ex.wma_out_len(this.live());
    if (ptr === 0) return null;
    return JSON.parse(utf8dec.decode(new Uint8Array(this.ex.memory.buffer, ptr, len)));
  }

  report(): Report {
    const h = this.live();
    this.sendNames();
    const raw = this.readJson(this.ex.wma_report(h)) as RawReport;
    return {
      ...raw,
      // Events, not records (a sample of N memories is N records on the wasm side).
      eventCount: this.events,
      classes: raw.classes.map((c) => {
        const s = this.classStacks.get(classKey(c.module, c.className));
        const stats: ClassStats = { ...c, liveStacks: s?.live ?? [], orphanStacks: s?.orphan ?? [] };
        if (s && s.liveSampled !== null) stats.liveSampled = s.liveSampled;
        return stats;
      }),
      memories: raw.memories.map((m) => this.withHeap(m)),
    };
  }

  diff(fromMarkIndex: number, toMarkIndex: number): Diff | null {
    const h = this.live();
    if (!Number.isInteger(fromMarkIndex) || !Number.isInteger(toMarkIndex) || fromMarkIndex < 0 || toMarkIndex < 0) return null;
    this.sendNames();
    const ptr = this.ex.wma_diff(h, fromMarkIndex, toMarkIndex);
    if (ptr === 0) return null;
    return this.readJson(ptr) as Diff;
  }

  /**
   * Apply budgets, levels and thresholds. Throws a RangeError for an unknown threshold or a
   * value out of range (README.md lists the ranges); unknown names and malformed budget levels
   * are refused before anything is applied.
   */
  configure(config: Partial<AnalyzerConfig>): void {
    const h = this.live();
    const levels = config.budgetLevels;
    if (levels !== undefined && (!Array.isArray(levels) || levels.length > 16 || levels.some((l) => !(Number.isFinite(l) && l > 0)))) {
      throw new RangeError(`analyzer: budgetLevels must be at most 16 positive fractions; got ${JSON.stringify(levels)}`);
    }
    for (const name of Object.keys(config.thresholds ?? {})) {
      if (!(name in THRESHOLD_KEY)) throw new RangeError(`analyzer: unknown threshold ${name}`);
    }
    const set = (key: number, value: number): void => {
      if (this.ex.wma_configure(h, key, value) !== 1) throw new RangeError(`analyzer: config key ${key} rejects ${value}`);
    };
    if (config.pageBudgetBytes !== undefined) set(CONFIG_KEY.pageBudget, config.pageBudgetBytes ?? 0);
    if (config.memoryBudgetBytes !== undefined) set(CONFIG_KEY.memoryBudget, config.memoryBudgetBytes ?? 0);
    if (config.budgetLevels !== undefined) {
      set(CONFIG_KEY.budgetLevelsClear, 0);
      for (const l of config.budgetLevels) set(CONFIG_KEY.budgetLevelPush, l);
    }
    if (config.thresholds) {
      for (const [name, value] of Object.entries(config.thresholds)) {
        const key = THRESHOLD_KEY[name as keyof AnalyzerThresholds];
        if (key === undefined) throw new RangeError(`analyzer: unknown threshold ${name}`);
        if (typeof value === 'number') set(key, value);
      }
    }
  }

  reset(): void {
    this.ex.wma_reset(this.live());
    this.classStacks.clear();
    this.heaps.clear();
    this.realms.clear();
    this.moduleUrls.clear();
    this.memoryModules.clear();
    this.interner.sitesSent.clear();
    this.failures = 0;
    this.events = 0;
  }

  dispose(): void {
    if (this.handle !== 0) this.ex.wma_free(this.handle);
    this.handle = 0;
  }
}
