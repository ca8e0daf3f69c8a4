/**
 * Emscripten allocators: live heap bytes and allocation counts, from the allocator calls that
 * cross the JS boundary (malloc / free / realloc / calloc called by the glue or the page).
 * Allocations made inside wasm (C/C++ code calling its own malloc) never cross JS and are not
 * counted: "live bytes" is the JS-visible part of the heap (strings, buffers and structures the
 * glue passes in), which is what leaks when JS forgets to free.
 *
 * Finding the allocator:
 * - by export name (`malloc`, `free`, `realloc`, `calloc`, also with a leading `_`);
 * - for minified builds (sql.js exports malloc as "Ia"): Emscripten glue publishes the allocator
 *   as `Module._malloc = exports.Ia`. Instances that look like minified Emscripten get
 *   switchable wrappers on their 1- and 2-argument function exports; the first assignment of
 *   `_malloc` / `_free` / `_realloc` / `_calloc` (watched on Object.prototype, see
 *   ./proto-setters.ts) tells which wrapper is which, and switches that one to counting; the
 *   Module's other wrappers assigned before it get their originals back (restoreUndecided).
 * Helper modules that own no memory are not apps: never tracked.
 *
 * AllocTracker (bookkeeping) is pure; installEmscripten wires it to instances.
 */
import type { AllocEvent, ObjectKey } from '../../shared/protocol';
import { wrapExport, type AnyFn } from './exports';
import { toPtr } from './bindgen';
import { defineProperty, getOwnPropertyDescriptor, ownKeys } from '../core/intrinsics';

/** Pointers tracked per allocator; beyond it, totals continue but live bytes stop being exact. */
export const MAX_TRACKED_ALLOCATIONS = 1 << 22;

export type Role = 'none' | 'malloc' | 'free' | 'realloc' | 'calloc';

export class AllocTracker {
  liveBytes = 0;
  totalAllocations = 0;
  totalFrees = 0;
  /** free() of pointers we never saw allocated (allocated inside wasm): not counted as frees. */
  unknownFrees = 0;
  /** MAX_TRACKED_ALLOCATIONS was hit: liveBytes is a lower bound from then on. */
  overflow = false;
  dirty = false;
  private readonly sizes = new Map<number, number>();

  constructor(readonly memory: ObjectKey) {}

  get liveAllocations(): number {
    return this.sizes.size;
  }

  malloc(size: unknown, result: unknown): void {
    const p = toPtr(result);
    if (p <= 0) return; // allocation failed
    this.add(p, sizeOf(size));
  }

  calloc(count: unknown, size: unknown, result: unknown): void {
    const p = toPtr(result);
    if (p <= 0) return;
    this.add(p, sizeOf(count) * sizeOf(size));
  }

  free(ptrArg: unknown): void {
    const p = toPtr(ptrArg);
    if (p <= 0) return; // free(NULL) is a no-op
    if (!this.remove(p)) this.unknownFrees++;
  }

  realloc(ptrArg: unknown, size: unknown, result: unknown): void {
    const old = toPtr(ptrArg);
    const p = toPtr(result);
    const bytes = sizeOf(size);
    if (old <= 0) {
      // realloc(NULL, n) is malloc(n)
      if (p > 0) this.add(p, bytes);
      return;
    }
    if (p <= 0) {
      // realloc(p, 0) may free and return NULL; a failed realloc(p, n>0) leaves p allocated
      if (bytes === 0 && this.remove(old)) return;
      return;
    }
    const had = this.sizes.get(old);
    if (had === undefined) {
      // resized a block allocated inside wasm: from now on it is JS-visible
      this.add(p, bytes);
      return;
    }
    this.sizes.delete(old);
    this.liveBytes -= had;
    if (this.sizes.has(p)) this.remove(p);
    this.sizes.set(p, bytes);
    this.liveBytes += bytes;
    this.dirty = true;
  }

  private add(p: number, bytes: number): void {
    this.totalAllocations++;
    this.dirty = true;
    const prev = this.sizes.get(p);
    if (prev !== undefined) {
      // the allocator handed out a pointer we still think is live: the free went unseen
      this.liveBytes -= prev;
      this.sizes.delete(p);
      this.totalFrees++;
    }
    if (this.sizes.size >= MAX_TRACKED_ALLOCATIONS) {
      this.overflow = true;
      return;
    }
    this.sizes.set(p, bytes);
    this.liveBytes += bytes;
  }

  private remove(p: number): boolean {
    const had = this.sizes.get(p);
    if (had === undefined) return false;
    this.sizes.delete(p);
    this.liveBytes -= had;
    this.totalFrees++;
    this.dirty = true;
    return true;
  }

  event(time: number): AllocEvent {
    return {
      t: 'alloc',
      time,
      memory: this.memory,
      liveBytes: this.liveBytes,
      liveAllocations: this.sizes.size,
      totalAllocations: this.totalAllocations,
      totalFrees: this.totalFrees,
    };
  }
}

function sizeOf(v: unknown): number {
  if (typeof v === 'number') return v >>> 0;
  if (typeof v === 'bigint') return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : 0;
  return 0;
}

const NAMED: Record<string, Exclude<Role, 'none'>> = {
  malloc: 'malloc',
  _malloc: 'malloc',
  free: 'free',
  _free: 'free',
  realloc: 'realloc',
  _realloc: 'realloc',
  calloc: 'calloc',
  _calloc: 'calloc',
};

/** Module property names the glue assigns the allocator to (watched for minified builds). */
export const MODULE_ALLOCATOR_PROPS: Record<string, Exclude<Role, 'none'>> = {
  _malloc: 'malloc',
  _free: 'free',
  _realloc: 'realloc',
  _calloc: 'calloc',
};

export type InstanceShape = 'bindgen' | 'emscripten-named' | 'emscripten-minified' | 'other';

/**
 * What kind of instance this is, as far as its exports and imports tell.
 * - bindgen: any `__wbindgen_*` / `__wbg_*` export (its malloc is not an app allocator);
 * - emscripten-named: exports `malloc` and `free`;
 * - emscripten-minified: one import module named `a` (Emscripten's minified import object)
 *   and mostly 1-2 character export names.
 */
export function shapeOf(exportNames: readonly string[], importModules: readonly string[]): InstanceShape {
  if (exportNames.some((n) => n.startsWith('__wbindgen_') || n.startsWith('__wbg_'))) return 'bindgen';
  const has = (a: string, b: string): boolean => exportNames.includes(a) || exportNames.includes(b);
  if (has('malloc', '_malloc') && has('free', '_free')) return 'emscripten-named';
  if (importModules.length === 1 && importModules[0] === 'a' && exportNames.length >= 4) {
    const short = exportNames.filter((n) => n.length <= 2).length;
    if (short / exportNames.length >= 0.8) return 'emscripten-minified';
  }
  return 'other';
}

/** A wrapper whose role may be decided after the glue has already captured it. */
export interface Slot {
  role: Role;
  tracker: AllocTracker;
  /** The wasm export this wrapper stands in for. */
  original: unknown;
}

/** Wrap one allocator export. `slot.role` is read on every call, so it can be switched later. */
export function allocatorWrapper(original: AnyFn, slot: Slot): AnyFn {
  return wrapExport(original, (a, b, result) => {
    switch (slot.role) {
      case 'none':
        return;
      case 'malloc':
        slot.tracker.malloc(a, result);
        return;
      case 'free':
        slot.tracker.free(a);
        return;
      case 'realloc':
        slot.tracker.realloc(a, b, result);
        return;
      case 'calloc':
        slot.tracker.calloc(a, b, result);
        return;
    }
  });
}

export interface EmscriptenPlan {
  tracker: AllocTracker;
  wrappers: Map<string, unknown>;
  /** Switchable wrappers (minified builds), by wrapper function. */
  slots: Map<unknown, Slot>;
}

/**
 * `module` (the object the glue just assigned an allocator to, e.g. `Module._malloc = ...`) may
 * hold, under other names, wrappers of `tracker`'s minified exports that are still undecided
 * (`Module._sqlite3_step = wasmExports.U`, assigned before the allocator): put the original
 * export back there, so that glue and page code that look functions up on the Module from then on
 * (Emscripten's `cwrap` / `ccall`, `Module._foo(...)`) call wasm directly. Each one is a
 * non-allocator: the glue assigns each export to the Module once, the allocators under their own
 * names. Same attributes (only the value changes). Wrappers the glue keeps elsewhere stay, and
 * pass calls through. Returns how many were restored.
 */
export function restoreUndecided(module: object, tracker: AllocTracker, slotOf: (v: object) => Slot | undefined): number {
  // The saved originals (../core/intrinsics): the page may have replaced Object.keys & co. by now.
  let restored = 0;
  for (const key of ownKeys(module)) {
    const d = getOwnPropertyDescriptor(module, key);
    if (d === undefined || !('value' in d) || typeof d.value !== 'function' || d.writable !== true) continue;
    const slot = slotOf(d.value as object);
    if (slot === undefined || slot.role !== 'none' || slot.tracker !== tracker) continue;
    if (defineProperty(module, key, { value: slot.original })) restored++;
  }
  return restored;
}

/** Decide what to wrap on a new instance. Null when it is not an Emscripten app module. */
export function planEmscripten(
  exports: WebAssembly.Exports,
  memories: ReadonlyArray<{ key: ObjectKey }>,
  importModules: readonly string[],
): EmscriptenPlan | null {
  const first = memories[0];
  if (first === undefined) return null; // helper module: owns no memory, not an app
  const names = Object.keys(exports);
  const shape = shapeOf(names, importModules);
  if (shape !== 'emscripten-named' && shape !== 'emscripten-minified') return null;
  const tracker = new AllocTracker(first.key);
  const wrappers = new Map<string, unknown>();
  const slots = new Map<unknown, Slot>();
  const record = exports as Record<string, unknown>;
  for (const name of names) {
    const value = record[name];
    if (typeof value !== 'function') continue;
    const original = value as AnyFn;
    if (shape === 'emscripten-named') {
      const role = NAMED[name];
      if (role === undefined) continue;
      wrappers.set(name, allocatorWrapper(original, { role, tracker, original }));
    } else if (original.length === 1 || original.length === 2) {
      const slot: Slot = { role: 'none', tracker, original };
      const w = allocatorWrapper(original, slot);
      wrappers.set(name, w);
      slots.set(w, slot);
    }
  }
  return { tracker, wrappers, slots };
}
