/**
 * PageEvent -> fixed-stride f64 records for analyzer-rs (layout: analyzer-rs/src/records.rs).
 * Pure: no wasm here, so it is unit-testable and shared by the wrapper and the benchmark.
 *
 * Every string is interned to a small integer id once; the caller learns new ids through
 * `onNewName` and tells the analyzer their text. An absent id is -1.
 */
import type { PageEvent, SitesEvent } from '../shared/protocol';

/** Numbers per record. */
export const STRIDE = 8;

/** Record type tags (analyzer-rs/src/records.rs `tag`). */
export const TAG = {
  memory: 1,
  sample: 2,
  grow: 3,
  collected: 4,
  bindgen: 5,
  alloc: 6,
  registry: 7,
  mark: 8,
  module: 9,
  instanceMemory: 10,
  site: 11,
  realm: 12,
  orphans: 13,
  growFailed: 14,
  memory64: 15,
} as const;

/** `kind` of a realm record (records.rs `realm_kind`). */
export const REALM_KIND = {
  window: 0,
  worker: 1,
  frame: 2,
  sharedWorker: 3,
} as const;

/** `tracking` of an alloc record (records.rs `tracking`): whole heap, its counts only, or a part of it. */
export const TRACKING = {
  jsBoundary: 0,
  insideWasm: 1,
  /** Counted inside wasm without sizes at free (`sizes: 'none'`): counts, no live bytes. */
  insideWasmCountsOnly: 2,
} as const;

/** Top allocation sites sent per memory (records.rs MAX_SITES). */
export const MAX_SITES = 3;

/** Largest id the analyzer accepts (records.rs MAX_ID). */
export const MAX_ID = 1 << 20;

/** Interns strings to dense ids. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  /** Ids of the previous sample event's keys, by position (samplers repeat the same keys). */
  readonly sampleKeys: unknown[] = [];
  readonly sampleIds: number[] = [];
  /** Per memory key, the top-sites list last sent (a list is sent again only when it changed). */
  readonly sitesSent = new Map<string, string>();
  constructor(private readonly onNewName: (id: number, name: string) => void) {}

  /** Id of `s`, or -1 when the table is full. */
  id(s: string): number {
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    const id = this.names.length;
    if (id > MAX_ID) return -1;
    this.ids.set(s, id);
    this.names.push(s);
    this.onNewName(id, s);
    return id;
  }

  /** Name of an id (or `#id`). */
  name(id: number): string {
    return this.names[id] ?? `#${id}`;
  }
}

/** Where records go: the wrapper writes straight into wasm memory; tests collect arrays. */
export interface RecordSink {
  /** Append one record. */
  put(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): void;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function idOf(interner: Interner, s: unknown): number {
  return isStr(s) ? interner.id(s) : -1;
}

/** Realm part of an ObjectKey `${realm}:${n}` ('' when there is no colon). */
export function realmOf(key: string): string {
  const i = key.lastIndexOf(':');
  return i > 0 ? key.slice(0, i) : '';
}

/**
 * Encode one event. Returns the number of records written, or -1 if the event is malformed
 * (nothing is written then). Events the analyzer does not use (realm, page-error) return 0.
 */
export function encodeEvent(ev: PageEvent, interner: Interner, sink: RecordSink): number {
  // Untrusted shape: the static type is a promise, checked field by field.
  const e = ev as unknown as Record<string, unknown>;
  const time = e.time;
  if (!isNum(time) || !isStr(e.t)) return -1;
  const id = (s: unknown): number => idOf(interner, s);
  switch (ev.t) {
    case 'sample': {
      const { keys, bytes } = ev;
      if (!Array.isArray(keys) || !Array.isArray(bytes) || keys.length !== bytes.length) return -1;
      let n = 0;
      const cachedKeys = interner.sampleKeys;
      const cachedIds = interner.sampleIds;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const b = bytes[i];
        if (!isNum(b) || b < 0) continue;
        let kid: number;
        if (cachedKeys[i] === k) kid = cachedIds[i] ?? -1;
        else {
          if (!isStr(k)) continue;
          kid = interner.id(k);
          if (i < 256) {
            cachedKeys[i] = k;
            cachedIds[i] = kid;
          }
        }
        if (kid < 0) continue;
        sink.put(TAG.sample, time, kid, b, 0, 0, 0, 0);
        n++;
      }
      return n === keys.length ? n : n > 0 ? n : -1;
    }
    case 'memory': {
      if (!isStr(ev.key) || !isNum(ev.bytes) || ev.bytes < 0) return -1;
      const max = ev.maxBytes === null || !isNum(ev.maxBytes) ? -1 : ev.maxBytes;
      const realm = realmOf(ev.key);
      sink.put(
        TAG.memory,
        time,
        id(ev.key),
        ev.bytes,
        max,
        id(ev.owner),
        ev.module === undefined ? -1 : id(ev.module),
        realm ? id(realm) : -1,
      );
      if (ev.address === 'i64') {
        sink.put(TAG.memory64, time, id(ev.key), 0, 0, 0, 0, 0);
        return 2;
      }
      return 1;
    }
    case 'grow-failed': {
      if (!isStr(ev.key) || !isNum(ev.requestedBytes) || !isNum(ev.committedBytes) || ev.requestedBytes < 0 || ev.committedBytes < 0)
        return -1;
      const max = ev.maxBytes === null || !isNum(ev.maxBytes) || ev.maxBytes < 0 ? -1 : ev.maxBytes;
      const stack = isStr(ev.stack) ? id(ev.stack) : -1;
      sink.put(TAG.growFailed, time, id(ev.key), ev.requestedBytes, ev.committedBytes, max, ev.via === 'malloc' ? 1 : 0, stack);
      return 1;
    }
    case 'grow': {
      if (!isStr(ev.key) || !isNum(ev.fromBytes) || !isNum(ev.toBytes) || ev.fromBytes < 0 || ev.toBytes < 0) return -1;
      sink.put(TAG.grow, time, id(ev.key), ev.fromBytes, ev.toBytes, ev.via === 'js' ? 0 : 1, 0, 0);
      return 1;
    }
    case 'collected': {
      if (!isStr(ev.key)) return -1;
      sink.put(TAG.collected, time, id(ev.key), 0, 0, 0, 0, 0);
      return 1;
    }
    case 'bindgen': {
      if (!isStr(ev.className) || !isNum(ev.created) || !isNum(ev.freed) || !isNum(ev.reclaimed) || !isNum(ev.live)) return -1;
      if (ev.created < 0 || ev.freed < 0 || ev.reclaimed < 0) return -1;
      const mod = ev.module === null || ev.module === undefined ? -1 : id(ev.module);
      sink.put(TAG.bindgen, time, id(ev.className), mod, ev.created, ev.freed, ev.reclaimed, ev.live);
      if (ev.orphaned === undefined) return 1;
      if (!isNum(ev.orphaned) || ev.orphaned < 0) return 1; // the counters stand; a bad orphan figure is dropped
      // up to three creation stacks of sampled orphans, interned (the alert quotes them)
      const st: number[] = [-1, -1, -1];
      if (Array.isArray(ev.orphanStacks))
        for (let i = 0, k = 0; i < ev.orphanStacks.length && k < 3; i++) {
          const s: unknown = (ev.orphanStacks[i] as { stack?: unknown } | undefined)?.stack;
          if (isStr(s)) st[k++] = id(s);
        }
      sink.put(TAG.orphans, time, id(ev.className), mod, ev.orphaned, st[0]!, st[1]!, st[2]!);
      return 2;
    }
    case 'alloc': {
      if (!isStr(ev.memory) || !isNum(ev.liveBytes) || !isNum(ev.liveAllocations) || !isNum(ev.totalAllocations) || !isNum(ev.totalFrees))
        return -1;
      if (ev.liveBytes < 0 || ev.liveAllocations < 0 || ev.totalAllocations < 0 || ev.totalFrees < 0) return -1;
      // Absent tracking (traces before version 2): only allocations that crossed the JS boundary.
      const tracking =
        ev.tracking !== 'inside-wasm' ? TRACKING.jsBoundary : ev.sizes === 'none' ? TRACKING.insideWasmCountsOnly : TRACKING.insideWasm;
      sink.put(TAG.alloc, time, id(ev.memory), ev.liveBytes, ev.liveAllocations, ev.totalAllocations, ev.totalFrees, tracking);
      return 1;
    }
    case 'sites':
      return encodeSites(ev, interner, sink);
    case 'heap':
      // Kept by the wrapper (tracking mode and reason per memory); nothing for the core.
      return isStr(ev.memory) ? 0 : -1;
    case 'registry': {
      if (!isStr(ev.name) || typeof ev.stats !== 'object' || ev.stats === null) return -1;
      const name = id(ev.name);
      const mem = ev.memory === undefined ? -1 : id(ev.memory);
      let n = 0;
      for (const [field, value] of Object.entries(ev.stats)) {
        if (!isNum(value)) continue;
        sink.put(TAG.registry, time, name, interner.id(field), value, mem, 0, 0);
        n++;
      }
      return n;
    }
    case 'mark': {
      if (!isStr(ev.label)) return -1;
      sink.put(TAG.mark, time, id(ev.label), 0, 0, 0, 0, 0);
      return 1;
    }
    case 'module': {
      if (!isStr(ev.key)) return -1;
      sink.put(TAG.module, time, id(ev.key), id(ev.url), isNum(ev.byteLength) && ev.byteLength >= 0 ? ev.byteLength : 0, 0, 0, 0);
      return 1;
    }
    case 'instance': {
      if (!isStr(ev.key) || !Array.isArray(ev.memories)) return -1;
      let n = 0;
      for (const m of ev.memories) {
        if (!isStr(m)) continue;
        sink.put(TAG.instanceMemory, time, id(ev.key), id(ev.module), interner.id(m), ev.helper ? 1 : 0, 0, 0);
        n++;
      }
      return n;
    }
    case 'realm': {
      if (!isStr(ev.realm)) return -1;
      const kind =
        ev.kind === 'worker' ? REALM_KIND.worker : ev.kind === 'frame' ? REALM_KIND.frame : ev.kind === 'window' ? REALM_KIND.window : -1;
      if (kind < 0) return -1;
      sink.put(TAG.realm, time, id(ev.realm), kind, id(ev.url), ev.parent === undefined ? -1 : id(ev.parent), 0, 0);
      return 1;
    }
    case 'page-error': // for the CLI's exit code and the panel's count, not the analyzer
    case 'link': // the page channel's health: for the toolbar and the report, not the analyzer
    case 'worker-skipped': // a worker not instrumented: for the panel's notice and the report
      return 0;
    default:
      return -1;
  }
}

/**
 * Frames that are allocation plumbing, not the code that allocates: the allocator's entry
 * points (C, C++, Rust, wasm-bindgen, Emscripten) and Rust's allocation helpers. Matched on the
 * frame's function name (what precedes ` (` in a V8 frame, without `at `).
 */
const PLUMBING = [
  /^(?:_?_?(?:libc_)?(?:malloc|calloc|realloc|reallocf|free|memalign|aligned_alloc|posix_memalign|valloc|pvalloc|sbrk))$/,
  /^_?(?:dl|emscripten_builtin_|internal_)(?:malloc|calloc|realloc|free|memalign)$/,
  /^(?:operator new|operator new\[\]|_Znwm|_Znam|_Znwj|_Znaj|_ZnwmRKSt9nothrow_t|_ZnamRKSt9nothrow_t)$/,
  /^(?:__rust_alloc|__rust_alloc_zeroed|__rust_realloc|__rdl_alloc|__rdl_alloc_zeroed|__rdl_realloc|__rg_alloc|__rg_realloc)$/,
  /^(?:__wbindgen_malloc|__wbindgen_realloc|__wbindgen_export_\d+)$/,
  /^<?(?:alloc|dlmalloc|std::alloc|core::alloc)::/,
  /^sqlite3(?:MemMalloc|MemRealloc|Malloc|MallocZero|DbMallocRaw|DbMallocRawNN|DbMallocZero|DbRealloc|Realloc|_malloc|_malloc64|_realloc|_realloc64)$/,
];

/** The function name of a frame: `at f (url:1:2)` -> `f`; `at url:1:2` -> `url:1:2`. */
function frameName(frame: string): string {
  const f = frame.trim().replace(/^at\s+/, '');
  const paren = f.indexOf(' (');
  return paren > 0 ? f.slice(0, paren) : f;
}

/**
 * The first meaningful frame of an allocation site (frames innermost first, as in a JS stack):
 * the first one that is not allocation plumbing ({@link PLUMBING}), without its `at `; the
 * innermost frame when all are plumbing; `(unknown site)` when there are none.
 */
export function firstMeaningfulFrame(frames: readonly string[]): string {
  const clean = frames.map((f) => f.trim().replace(/^at\s+/, '')).filter((f) => f !== '');
  const found = clean.find((f) => !PLUMBING.some((re) => re.test(frameName(f))));
  return found ?? clean[0] ?? '(unknown site)';
}

/** A `sites` event's sites, largest estimated live bytes first (stable for ties). */
export function sitesByBytes(sites: SitesEvent['sites']): SitesEvent['sites'] {
  return sites
    .map((s, i) => [s, i] as const)
    .sort((a, b) => b[0].bytes - a[0].bytes || a[1] - b[1])
    .map(([s]) => s);
}

/**
 * A `sites` event -> the memory's top {@link MAX_SITES} sites as `site` records (rank 0 starts
 * a new list; no sites: one rank-0 record with frame -1), each named by its first meaningful
 * frame. Nothing is written when the list is the one last sent for this memory.
 */
function encodeSites(ev: SitesEvent, interner: Interner, sink: RecordSink): number {
  if (!isStr(ev.memory) || !Array.isArray(ev.sites)) return -1;
  const valid = ev.sites.filter((s) => s !== null && typeof s === 'object' && isNum(s.bytes) && isNum(s.count) && Array.isArray(s.frames));
  if (valid.length !== ev.sites.length) return -1;
  const mem = interner.id(ev.memory);
  if (mem < 0) return -1;
  const top = sitesByBytes(valid)
    .slice(0, MAX_SITES)
    .map((s) => [interner.id(firstMeaningfulFrame(s.frames.filter(isStr))), Math.max(0, s.bytes), Math.max(0, s.count)] as const);
  const key = JSON.stringify(top);
  if (interner.sitesSent.get(ev.memory) === key) return 0;
  interner.sitesSent.set(ev.memory, key);
  if (top.length === 0) sink.put(TAG.site, ev.time, mem, 0, 0, 0, -1, 0);
  top.forEach(([frame, bytes, count], rank) => sink.put(TAG.site, ev.time, mem, rank, bytes, count, frame, 0));
  return Math.max(1, top.length);
}

/** A sink that collects records into a growable Float64Array (tests, benchmarks). */
export class ArraySink implements RecordSink {
  buf = new Float64Array(STRIDE * 1024);
  count = 0;
  put(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): void {
    let o = this.count * STRIDE;
    if (o + STRIDE > this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const b = this.buf;
    b[o++] = a0;
    b[o++] = a1;
    b[o++] = a2;
    b[o++] = a3;
    b[o++] = a4;
    b[o++] = a5;
    b[o++] = a6;
    b[o] = a7;
    this.count++;
  }
  records(): Float64Array {
    return this.buf.subarray(0, this.count * STRIDE);
  }
}
