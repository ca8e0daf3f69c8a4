/**
 * Trackers that sit on top of the injected core (see ../context.ts): wasm-bindgen classes,
 * heaps counted inside wasm (any allocator the rewriter recognised: Emscripten's and Rust's
 * dlmalloc, emmalloc) with their allocation sites, app registries. The core calls
 * installTrackers(ctx) once per realm, after its own hooks are in place and before the page's
 * first script runs.
 *
 * Every tracker keeps exact counters locally and emits cumulative events at most once per
 * sampling tick per class / memory / registry, only when something changed: a page that creates
 * a million objects sends a handful of events, not a million.
 */
import type { InjectedContext, InstanceInfo } from '../context';
import { i32At } from '../core/heap-access';
import { arrayFilter, arrayIndexOf, arrayMap, arraySome, MathRandom, ObjectKeys } from '../core/intrinsics';
import { BindgenTracker } from './bindgen';
import { hookFinalizationRegistry, hookPointerFields, hookWrap, linkFreeCounters } from './bindgen-hooks';
import { isFreeExportName } from './glue-source';
import { allocatorFrameTest, HeapTracker, SiteSampler } from './heap';
import { RegistryTracker, installRegistries } from './registries';

export interface InstalledTrackers {
  bindgen: BindgenTracker;
  /** The heaps counted now. */
  heaps(): HeapTracker[];
  registries: RegistryTracker;
}

let installed: InstalledTrackers | null = null;

/** Heaps tracked per realm (each app instance with an allocator has one). */
export const MAX_HEAPS = 64;

/** dlmalloc chunk head bits: this chunk in use. */
const CINUSE = 2;

export function installTrackers(ctx: InjectedContext): InstalledTrackers {
  if (installed !== null) return installed;
  const global = globalThis as unknown as Record<string, unknown>;
  // Saved now: the page runs later and may replace it.
  const MemoryCtor = WebAssembly.Memory;

  // wasm-bindgen classes
  const bindgen = new BindgenTracker({
    now: () => ctx.now(),
    stackLater: () => ctx.stackLater(),
    emit: (e) => ctx.emit(e),
    wrapCreator: hookWrap,
  });
  hookFinalizationRegistry(globalThis, bindgen);
  // The pointer-field watch lives on Object.prototype, which a page can notice (`'ptr' in {}`).
  // It is installed only once a module that needs it is instantiated in this realm: glue objects
  // come after instantiation, so nothing is missed, and pages without such wasm see an untouched
  // Object.prototype.
  let pointerFields: 'none' | 'wbg' | 'all' = 'none';

  /** Heaps being counted, each with its site sampler (null without sampling). */
  let heaps: Array<{ heap: HeapTracker; sites: SiteSampler | null }> = [];

  ctx.onInstance((info: InstanceInfo) => {
    const rewrite = info.rewrite;
    const heap = info.heap;
    linkFreeCounters(info.exports, info.moduleKey, bindgen, (name) => {
      if (rewrite === null || heap === null) return null;
      const i = arrayIndexOf(rewrite.callCounted, name);
      return i < 0 ? null : heap.callCounter(i);
    });
    const freeExports = arrayFilter(ObjectKeys(info.exports), isFreeExportName);
    if (freeExports.length > 0 && pointerFields !== 'all') {
      // A one-argument free export is glue up to 0.2.92, whose objects may use the old `ptr`
      // field; from 0.2.93 the export takes (ptr, flag) and objects always use `__wbg_ptr`.
      const old = arraySome(freeExports, (n) => (info.exports as Record<string, { length?: number }>)[n]?.length === 1);
      const want = old ? 'all' : 'wbg';
      if (pointerFields === 'none' || want === 'all') {
        hookPointerFields(Object.prototype, bindgen, want === 'all');
        pointerFields = want;
      }
    }
    trackHeap(info);
  });

  /** The heap of an instance with a memory: counted inside wasm, or why not. */
  const trackHeap = (info: InstanceInfo): void => {
    const mem = info.memories[0];
    if (mem === undefined) return; // a helper module: owns no heap
    const allocator = info.rewrite?.allocator ?? null;
    const counters = info.heap?.counters ?? null;
    let reason: string | null = null;
    if (info.rewrite === null)
      reason = info.unchanged ?? 'the module was not rewritten here (compiled in another realm, or on a path that hands no bytes)';
    else if (allocator === null) reason = info.rewrite.allocatorReason ?? 'no allocator recognised';
    else if (counters === null) reason = 'the rewritten module has no readable counters';
    else if (heaps.length >= MAX_HEAPS) reason = `more than ${MAX_HEAPS} heaps in this realm`;
    const base = { t: 'heap' as const, time: ctx.now(), memory: mem.key, module: info.moduleKey };
    if (reason !== null || allocator === null || counters === null) {
      ctx.emit({ ...base, tracking: 'none', allocator: allocator?.kind ?? null, foundBy: allocator?.foundBy ?? null, reason });
      return;
    }
    const sizes = allocator.sizes === 'none' ? 'none' : 'chunk-header';
    ctx.emit({ ...base, tracking: 'inside-wasm', allocator: allocator.kind, foundBy: allocator.foundBy, reason: null });
    const entry: { heap: HeapTracker; sites: SiteSampler | null } = {
      heap: new HeapTracker(mem.key, counters, allocator.kind, sizes),
      sites: null,
    };
    heaps[heaps.length] = entry;
    armOutOfMemory(info, mem.key, ctx.memoryMaxBytes(mem.memory));
    // Sites need sizes: without them (emmalloc, unknown allocators) the countdown counts
    // allocations, not bytes, and a sample could not stand for any number of bytes.
    const hook = sizes === 'none' ? null : (info.heap?.sampling ?? null);
    if (hook !== null) {
      // Nothing the sampler keeps may hold the page's instance: only weak readers (the closures
      // below share this scope, so no variable here may hold the hook or the instance).
      const setCountdown = hook.setCountdown;
      const readI32 = i32At(mem.memory);
      const dl = allocator.kind === 'dlmalloc';
      const sampler = new SiteSampler(mem.key, {
        now: () => ctx.now(),
        random: () => 1 - MathRandom(),
        stackLater: () => ctx.stackLater(),
        setCountdown,
        chunkLive: (ptr, chunk) => {
          if (sizes === 'none') return null;
          const head = readI32(ptr - 4);
          if (head === null) return false;
          const size = dl ? head & ~7 : head & ~3;
          return size === chunk && (!dl || (head & CINUSE) !== 0);
        },
        chunkSize: (_ptr, size) => size,
        allocatorFrame: allocatorFrameTest(allocator.functions),
      });
      const onSample = (ptr: number, size: number): void => {
        // Called from inside the page's malloc: nothing may be thrown back into wasm.
        try {
          sampler.onSample(ptr >>> 0, size >>> 0);
        } catch (e) {
          void e;
        }
      };
      if (hook.install(onSample)) {
        sampler.start();
        entry.sites = sampler;
      }
    }
    ctx.wake();
  };

  /**
   * The instance's allocator reports, from inside the page's malloc, a NULL result (its
   * memory.grow returned -1): a `grow-failed` event with the size asked. The notice keeps only
   * the memory's key and maximum (never the instance). Repeats of one failure in the same
   * millisecond (a realloc whose inner malloc failed first) are one attempt.
   */
  const armOutOfMemory = (info: InstanceInfo, key: string, maxBytes: number | null): void => {
    const arm = info.heap?.armOutOfMemory ?? null;
    if (arm === null) return;
    let last = { time: -1, size: -1, pages: -1 };
    arm((size: number, pages: number) => {
      // Called from inside the page's malloc: nothing may be thrown back into wasm.
      try {
        const time = ctx.now();
        const requested = size >>> 0;
        const committed = (pages >>> 0) * 65536;
        if (time - last.time < 1 && requested === last.size && pages === last.pages) return;
        last = { time, size: requested, pages };
        ctx.emit({
          t: 'grow-failed',
          time,
          key,
          via: 'malloc',
          requestedBytes: requested,
          committedBytes: committed,
          maxBytes,
          stack: ctx.stack(),
        });
      } catch (e) {
        void e;
      }
    });
  };

  // App registries and marks
  const registries = new RegistryTracker({
    now: () => ctx.now(),
    emit: (e) => ctx.emit(e),
    memoryKey: (m) => ctx.memoryKey(m),
    isMemory: (v): v is WebAssembly.Memory => v instanceof MemoryCtor,
  });
  installRegistries(
    global,
    registries,
    (fn) => ctx.onTick(fn),
    () => ctx.wake(),
  );

  ctx.onTick(() => {
    bindgen.tick();
    const time = ctx.now();
    let gone = false;
    for (let i = 0; i < heaps.length; i++) {
      const h = heaps[i]!;
      const e = h.heap.poll(time);
      if (e !== null) ctx.emit(e);
      if (h.heap.gone) {
        gone = true;
        continue;
      }
      const s = h.sites?.tick() ?? null;
      if (s !== null) ctx.emit(s);
    }
    // A collected instance's heap is dropped (its memory's `collected` event says the rest).
    if (gone) heaps = arrayFilter(heaps, (h) => !h.heap.gone);
  });

  installed = { bindgen, heaps: () => arrayMap(heaps, (h) => h.heap), registries };
  return installed;
}
