/**
 * WebAssembly binary rewriter: makes a module count its own heap allocations (and calls to
 * selected exports) inside wasm, by a "body swap" that keeps every existing index valid.
 *
 * What is added (nothing else changes; custom sections, the name section, data count, tags,
 * element and data segments are copied byte for byte):
 * - the type (i32, i32) -> () at the end of the type section (the sampler's signature);
 * - for each swapped function, its original body is appended as a new function, and the body at
 *   its original index becomes a wrapper that counts, then calls the moved body. Calls from inside
 *   wasm, call_indirect through tables, ref.func and JS calls are therefore all counted, and the
 *   exports stay the module's own wasm functions (Table.set accepts them);
 * - mutable globals and one funcref table of 1 slot, exported under hidden names (all start with
 *   HIDDEN_EXPORT_PREFIX; the hooks must hide them from Module.exports and instance.exports).
 *
 * Hidden exports (P = HIDDEN_EXPORT_PREFIX = '__wasm_memory$'); i64 globals read as BigInt:
 *   allocator counted (layout.allocator !== null):
 *   P+'live_bytes'       i64  sum of the chunk sizes of live blocks: dlmalloc (sizes
 *                             'chunk-header'): i32.load(ptr - 4) & ~7, which includes the 4-byte
 *                             header and padding (malloc(100) counts 104). Stays 0 when sizes
 *                             are 'none' (emmalloc, whose used regions can grow after their
 *                             malloc, and allocators of unknown kind): counts only.
 *   P+'live_allocs'      i64  live block count (allocations minus frees)
 *   P+'total_allocs'     i64  allocations since instantiation (a moving realloc counts as one
 *                             free and one allocation, an in-place one too)
 *   P+'total_frees'      i64  frees since instantiation
 *   P+'sample_countdown' i64  starts at 2^63-1; each allocation subtracts its size (1 when sizes
 *                             are 'none'). When it goes negative, sample_ptr / sample_size are set
 *                             and slot 0 of P+'sample_table' is called with (ptr i32, size i32).
 *                             JS must put a function there BEFORE lowering the countdown (a null
 *                             slot traps), and re-arm the countdown from inside that call (until
 *                             it does, every allocation calls it). That function must never throw:
 *                             its exception would leave through the page's malloc call.
 *                             samplerModuleBytes() makes such a wasm function from a JS one.
 *   P+'sample_ptr'       i32  payload pointer of the last sampled allocation
 *   P+'sample_size'      i32  its chunk size
 *   P+'sample_table'     table (funcref, 2 slots; initial null): slot 0 the sampler, slot 1 the
 *                             out-of-memory notice
 *   P+'oom_armed'        i32  starts at 0. While nonzero, a malloc (or realloc) that returns 0
 *                             for a nonzero request calls slot 1 with (requested size i32,
 *                             memory.size in pages i32), then returns 0 as it would have. JS sets
 *                             slot 1 first, then the flag; its function must never throw. The
 *                             test sits where the wrapper already tests the result for 0: no
 *                             extra work on a successful allocation.
 *   call counters (layout.callCounted[i] is the export name of counter i):
 *   P+'calls_'+i         i64  calls to that export's function (from anywhere) with param0 != 0
 *                             and, when it has >= 2 params, param1 != 1 (i32 params only).
 *                             Exports that are the same function (identical code folding, e.g.
 *                             photon's __wbg_rgb_free / __wbg_rgba_free) export the same global
 *                             under both names: it counts the calls of both.
 *
 * Wrappers: malloc: r = orig(...); count r (r == 0: the out-of-memory notice above). free: subtract the chunk size read BEFORE orig, then
 * orig. realloc / calloc / memalign: save the four counters, call orig (its inner malloc/free
 * calls go through the wrappers), restore them, then apply the net effect: realloc: -old (read
 * before the call) when ptr != 0 and (result != 0, or result == 0 with new size 0), +new when
 * result != 0; calloc/memalign: +result; posix_memalign (by name only): +*out when it returns 0.
 * No depth counter, so a trap leaves nothing raised.
 * sql.js's realloc (dlrealloc inlined into SQLite's realloc, pointers +8) is found by the
 * fingerprint and wrapped with an 8-byte offset. A header that is not a valid address (pointer
 * < 4, unaligned, beyond memory.size) reads as size 0: a wrapper never traps on its own.
 *
 * Debug info: a wrapper that fits in its original code entry is padded to the same size, so
 * code-section-relative offsets (DWARF) of every other function are unchanged; a wrapper bigger
 * than its original (e.g. a 25-byte memalign shim) moves the functions after it. Source maps,
 * which use whole-module offsets, are off by the bytes added before the code section.
 *
 * Not counted exactly (known drift): allocations made by allocator entry points that are not
 * wrapped (posix_memalign not exported/named, an aligned_alloc/realloc that was not found); a memalign that trims
 * its block is counted as its final chunk only when memalign itself is wrapped. Per-thread
 * counters only (shared memory is refused for the allocator; call counters still work).
 * The sampling countdown is not restored around realloc/calloc/memalign: an inner malloc that
 * was sampled is not sampled again (its pointer may be the inner one for memalign).
 *
 * Runs in the page before its scripts: no Array.prototype methods, no page-reachable Map/Set,
 * built-ins saved at load; never throws (malformed input gives { ok: false, reason }).
 */
import { byteLength, MALFORMED, UNKNOWN_OPCODE } from './rewrite/bytes';
import { emitModule, type Swap, type SwapRole } from './rewrite/emit';
import { Finder, findAllocator, type AllocatorHints, type AllocatorKind as Kind, type FoundBy } from './rewrite/find';
import { parseModule } from './rewrite/module';
import { getPrototypeOf, savedGetter } from './intrinsics';

export const HIDDEN_EXPORT_PREFIX = '__wasm_memory$';

export interface RewriteOptions {
  /** Count the allocator inside wasm. */
  allocators: boolean;
  /** Exports whose calls to count (e.g. wasm-bindgen `__wbg_<class>_free`). */
  callCounters: (exportName: string, params: number) => boolean;
  /** Export names learned elsewhere (e.g. minified "Ia"). */
  allocatorHints?: AllocatorHints;
  /** Larger modules are not rewritten. */
  maxModuleBytes: number;
}

export type AllocatorKind = Kind;

export interface RewriteLayout {
  allocator: null | {
    kind: AllocatorKind;
    foundBy: FoundBy;
    functions: { malloc: number; free: number; realloc?: number; calloc?: number; memalign?: number; posixMemalign?: number };
    sizes: 'chunk-header' | 'usable-size' | 'none';
  };
  allocatorReason: string | null;
  /** Prefix of the hidden counter exports: `${counters}live_bytes`, `${counters}calls_0`, ... */
  counters: string;
  callCounted: string[];
  sampleTable: string | null;
}

export type RewriteResult = { ok: true; bytes: Uint8Array<ArrayBuffer>; layout: RewriteLayout } | { ok: false; reason: string };

const apply = Reflect.apply;
const U8 = Uint8Array;
const stringStartsWith = String.prototype.startsWith;
/** %TypedArray%.prototype[@@toStringTag] getter: 'Uint8Array' also for another realm's arrays. */
const typedArrayTag = savedGetter(getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag);

function isUint8Array(x: unknown): x is Uint8Array {
  if (x instanceof U8) return true;
  return typedArrayTag !== undefined && typeof x === 'object' && x !== null && apply(typedArrayTag, x, []) === 'Uint8Array';
}

export function isHiddenExport(name: string): boolean {
  return typeof name === 'string' && (apply(stringStartsWith, name, [HIDDEN_EXPORT_PREFIX]) as boolean);
}

/**
 * A tiny module that turns a JS function into a wasm function of the sampler's type
 * (i32, i32) -> (), which `Table.prototype.set` accepts for slot 0 of the sample table:
 *   const f = new Module(samplerModuleBytes()) -> new Instance(m, { js: { f: (ptr, size) => ... } }).exports.f
 * (compile it with the saved, unhooked WebAssembly constructors).
 */
export function samplerModuleBytes(): Uint8Array<ArrayBuffer> {
  const b = new U8(SAMPLER_MODULE.length);
  for (let i = 0; i < SAMPLER_MODULE.length; i++) b[i] = SAMPLER_MODULE[i]!;
  return b;
}
// type 0 = (i32, i32) -> (); import "js" "f" as function 0; export it as "f"
const SAMPLER_MODULE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x02, 0x08, 0x01, 0x02, 0x6a, 0x73, 0x01,
  0x66, 0x00, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
];

export interface CounterValues {
  liveBytes: number;
  liveAllocs: number;
  totalAllocs: number;
  totalFrees: number;
  /** Per layout.callCounted entry. */
  calls: number[];
}

const globalValue = savedGetter(typeof WebAssembly === 'object' ? WebAssembly.Global.prototype : undefined, 'value');
const NumberCtor = Number;

function readGlobal(exports: WebAssembly.Exports, name: string): number {
  const g = (exports as Record<string, unknown>)[name];
  if (!globalValue || typeof g !== 'object' || g === null) return 0;
  try {
    const v = apply(globalValue, g, []) as unknown;
    return typeof v === 'bigint' ? NumberCtor(v) : typeof v === 'number' ? v : 0;
  } catch (e) {
    void e;
    return 0;
  }
}

/**
 * The counters of an instance of a rewritten module, as numbers (exact below 2^53), read through
 * the saved WebAssembly.Global value getter. Allocator fields are 0 when layout.allocator is null.
 */
export function readCounters(exports: WebAssembly.Exports, layout: RewriteLayout): CounterValues {
  const p = layout.counters;
  const alloc = layout.allocator !== null;
  const calls: number[] = [];
  for (let i = 0; i < layout.callCounted.length; i++) calls[i] = readGlobal(exports, `${p}calls_${i}`);
  return {
    liveBytes: alloc ? readGlobal(exports, p + 'live_bytes') : 0,
    liveAllocs: alloc ? readGlobal(exports, p + 'live_allocs') : 0,
    totalAllocs: alloc ? readGlobal(exports, p + 'total_allocs') : 0,
    totalFrees: alloc ? readGlobal(exports, p + 'total_frees') : 0,
    calls,
  };
}

export const ALLOCATOR_GLOBAL_NAMES = [
  'live_bytes',
  'live_allocs',
  'total_allocs',
  'total_frees',
  'sample_countdown',
  'sample_ptr',
  'sample_size',
  'oom_armed',
];

export function rewriteModule(bytes: Uint8Array, options: RewriteOptions): RewriteResult {
  try {
    return rewrite(bytes, options);
  } catch (e) {
    if (e === MALFORMED || e === UNKNOWN_OPCODE) return { ok: false, reason: 'malformed or truncated binary' };
    return { ok: false, reason: 'rewriter failed' };
  }
}

function rewrite(bytes: Uint8Array, options: RewriteOptions): RewriteResult {
  if (!isUint8Array(bytes)) return { ok: false, reason: 'not a Uint8Array' };
  const max = options.maxModuleBytes;
  const length = byteLength(bytes);
  if (!(length <= max)) return { ok: false, reason: `module is ${length} bytes, over maxModuleBytes (${max})` };
  const m = parseModule(bytes);
  if (m.unsupported !== null) return { ok: false, reason: m.unsupported };
  for (let i = 0; i < m.exports.length; i++)
    if (isHiddenExport(m.exports[i]!.name)) return { ok: false, reason: 'already rewritten (has hidden exports)' };

  let allocatorReason: string | null = null;
  let memoryBlocks: string | null = null;
  if (m.memories.length > 1) memoryBlocks = 'multiple memories';
  else if (m.memories.length === 1 && m.memories[0]!.shared) memoryBlocks = 'memory is shared';
  else if (m.memories.length === 1 && m.memories[0]!.is64) memoryBlocks = 'memory64';

  const swaps: Swap[] = [];
  const taken: boolean[] = [];
  const add = (f: number | undefined, role: SwapRole, counter: number): boolean => {
    if (f === undefined || f < m.importedFuncs || f >= m.funcTypes.length || taken[f]) return false;
    taken[f] = true;
    swaps[swaps.length] = { f, role, counter };
    return true;
  };

  let layoutAlloc: RewriteLayout['allocator'] = null;
  let plan: ReturnType<typeof findAllocator> = null;
  if (!options.allocators) allocatorReason = 'allocator counting not requested';
  else if (memoryBlocks !== null) allocatorReason = memoryBlocks;
  else if (m.memories.length === 0) allocatorReason = 'no memory';
  else {
    plan = findAllocator(m, options.allocatorHints, new Finder(m));
    if (!plan) {
      allocatorReason = m.memories[0]!.imported ? 'imports its memory and exports no allocator' : 'no allocator recognised';
    } else {
      const fns = plan.functions;
      add(fns.malloc, 'malloc', 0);
      add(fns.free, 'free', 0);
      const out: NonNullable<RewriteLayout['allocator']>['functions'] = { malloc: fns.malloc, free: fns.free };
      if (add(fns.realloc, 'realloc', 0)) out.realloc = fns.realloc!;
      if (add(fns.calloc, 'allocnet', 0)) out.calloc = fns.calloc!;
      if (add(fns.memalign, 'allocnet', 0)) out.memalign = fns.memalign!;
      if (add(fns.posixMemalign, 'posix', 0)) out.posixMemalign = fns.posixMemalign!;
      layoutAlloc = { kind: plan.kind, foundBy: plan.foundBy, functions: out, sizes: plan.sizes };
    }
  }

  // one counter per function; an export sharing its function with an earlier counted export (e.g.
  // identical code folding) gets its own name for the same global
  const callCounted: string[] = [];
  const callSlot: number[] = [];
  const counterOf: (number | undefined)[] = [];
  let counters = 0;
  for (let i = 0; i < m.exports.length; i++) {
    const e = m.exports[i]!;
    if (e.kind !== 0 || e.index < m.importedFuncs || e.index >= m.funcTypes.length) continue;
    const shared = counterOf[e.index];
    if (taken[e.index] && shared === undefined) continue; // an allocator function
    const params = m.types[m.funcTypes[e.index]!]!.params.length;
    let want = false;
    try {
      want = options.callCounters(e.name, params) === true;
    } catch (err) {
      void err;
    }
    if (!want) continue;
    if (shared === undefined) {
      add(e.index, 'calls', counters);
      counterOf[e.index] = counters++;
    }
    callSlot[callCounted.length] = counterOf[e.index]!;
    callCounted[callCounted.length] = e.name;
  }

  if (swaps.length === 0) {
    if (memoryBlocks !== null) return { ok: false, reason: memoryBlocks };
    return { ok: false, reason: allocatorReason ?? 'nothing to count' };
  }
  // the emitter wants the swaps in function order (insertion sort: no Array.prototype.sort)
  for (let i = 1; i < swaps.length; i++) {
    const s = swaps[i]!;
    let j = i - 1;
    while (j >= 0 && swaps[j]!.f > s.f) {
      swaps[j + 1] = swaps[j]!;
      j--;
    }
    swaps[j + 1] = s;
  }
  const globalExports: { name: string; slot: number }[] = [];
  const base = plan ? ALLOCATOR_GLOBAL_NAMES.length : 0;
  if (plan) for (let i = 0; i < base; i++) globalExports[i] = { name: HIDDEN_EXPORT_PREFIX + ALLOCATOR_GLOBAL_NAMES[i]!, slot: i };
  for (let i = 0; i < callCounted.length; i++)
    globalExports[globalExports.length] = { name: `${HIDDEN_EXPORT_PREFIX}calls_${i}`, slot: base + callSlot[i]! };
  const tableName = plan ? `${HIDDEN_EXPORT_PREFIX}sample_table` : null;
  const out = emitModule({ m, alloc: plan, swaps, callCounters: counters, globalExports, tableName });
  return {
    ok: true,
    bytes: out,
    layout: { allocator: layoutAlloc, allocatorReason, counters: HIDDEN_EXPORT_PREFIX, callCounted, sampleTable: tableName },
  };
}
