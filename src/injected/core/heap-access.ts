/**
 * Reads and drives the hidden counters of a rewritten instance (./wasm-rewrite.ts): the
 * allocator's live bytes and counts, the per-export call counters, and the allocation-site
 * sampling hook. Built once per realm before the page runs (it saves the WebAssembly builtins
 * it calls); nothing here runs page code.
 */
import type { HeapCounters } from '../trackers/heap';
import { hiddenExport } from './hidden-exports';
import {
  SafeWeakMap,
  call,
  construct,
  getOwnPropertyDescriptor,
  MathFloor,
  MathMax,
  OrigWeakRef,
  savedGetter,
  weakRefDeref,
} from './intrinsics';

type Getter = ((this: unknown) => unknown) | undefined;

/**
 * A tiny module that imports a JS function of type (i32, i32) -> () and exports it: the export
 * is a wasm function, which a funcref table accepts (a plain JS function it does not).
 */
const TRAMPOLINE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x06,
  0x01,
  0x60,
  0x02,
  0x7f,
  0x7f,
  0x00, // type 0: (i32, i32) -> ()
  0x02,
  0x07,
  0x01,
  0x01,
  0x6d,
  0x01,
  0x66,
  0x00,
  0x00, // import "m" "f" (func type 0)
  0x07,
  0x05,
  0x01,
  0x01,
  0x66,
  0x00,
  0x00, // export "f" (func 0)
]);

/** The sampling hook of one instance. */
export interface SampleHook {
  /** Put `fn` in the hidden table; false when it could not be done (then never lower the countdown). */
  install(fn: (ptr: number, size: number) => void): boolean;
  /** Bytes to allocate before the next call of the installed function. */
  setCountdown(bytes: number): void;
}

export interface InstanceHeapAccess {
  /** The allocator's counters, or null when the module counts none. */
  counters: HeapCounters | null;
  sampling: SampleHook | null;
  /**
   * Arms the out-of-memory notice: `fn(requestedBytes, pages)` is called from inside the page's
   * malloc / realloc when it returns 0 for a nonzero request. False when it could not be done.
   * Null when the module counts no allocator.
   */
  armOutOfMemory: ((fn: (size: number, pages: number) => void) => boolean) | null;
  /**
   * The call counter of export `index` in the layout's `callCounted`, or null. `global` is the
   * counter itself: exports that share one wasm function (identical code folding) share it.
   */
  callCounter(index: number): { read: () => number; global: object } | null;
}

export class HeapAccess {
  private readonly globalValue: Getter;
  private readonly globalSet: ((this: unknown, v: unknown) => void) | undefined;
  private readonly tableSet: unknown;
  private readonly Module: typeof WebAssembly.Module;
  private readonly Instance: typeof WebAssembly.Instance;
  private readonly Big: typeof BigInt;
  private readonly exportsGetter: Getter;
  private trampoline: WebAssembly.Module | null = null;
  private readonly tokens = new SafeWeakMap<object, object>();

  constructor(WA: typeof WebAssembly) {
    this.globalValue = savedGetter(WA.Global.prototype, 'value');
    const d = getOwnPropertyDescriptor(WA.Global.prototype, 'value');
    this.globalSet = d?.set as ((this: unknown, v: unknown) => void) | undefined;
    this.tableSet = WA.Table.prototype.set;
    this.Module = WA.Module;
    this.Instance = WA.Instance;
    this.Big = BigInt;
    this.exportsGetter = savedGetter(WA.Instance.prototype, 'exports');
  }

  /**
   * A reader of the hidden global `name` as a Number (i64 globals come as BigInt), or null.
   * The global is held WEAKLY: an exported global keeps its instance (and so the page's
   * memory) alive, and the page must be free to drop it. Once it is gone the reader returns NaN.
   */
  private reader(exports: WebAssembly.Exports, name: string): (() => number) | null {
    const g = hiddenExport(exports, name);
    const get = this.globalValue;
    if (typeof g !== 'object' || g === null || !get) return null;
    try {
      call(get, g); // brand check: a WebAssembly.Global
    } catch (e) {
      void e;
      return null;
    }
    const ref = new OrigWeakRef(g);
    return () => {
      const global = call<object | undefined>(weakRefDeref, ref);
      if (global === undefined) return NaN;
      const v = call<unknown>(get, global);
      return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
    };
  }

  /** An identity token per counter global (the same global gives the same token), held weakly. */
  private tokenOf(global: object): object {
    let token = this.tokens.get(global);
    if (token === undefined) this.tokens.set(global, (token = {}));
    return token;
  }

  /** Access to the hidden counters of an instance, from its REAL exports object. */
  of(exports: WebAssembly.Exports, hasAllocator: boolean): InstanceHeapAccess {
    let counters: HeapCounters | null = null;
    let sampling: SampleHook | null = null;
    let armOutOfMemory: InstanceHeapAccess['armOutOfMemory'] = null;
    if (hasAllocator) {
      armOutOfMemory = (fn) => this.armOom(exports, fn);
      const liveBytes = this.reader(exports, 'live_bytes');
      const liveAllocs = this.reader(exports, 'live_allocs');
      const totalAllocs = this.reader(exports, 'total_allocs');
      const totalFrees = this.reader(exports, 'total_frees');
      if (liveBytes && liveAllocs && totalAllocs && totalFrees) {
        counters = { liveBytes, liveAllocations: liveAllocs, totalAllocations: totalAllocs, totalFrees };
      }
      sampling = this.sampleHook(exports);
    }
    return {
      counters,
      sampling,
      armOutOfMemory,
      callCounter: (index: number) => {
        const read = this.reader(exports, `calls_${index}`);
        const global = hiddenExport(exports, `calls_${index}`);
        return read === null || typeof global !== 'object' || global === null ? null : { read, global: this.tokenOf(global) };
      },
    };
  }

  /** A wasm function of the table's type that calls `fn`. */
  private tableFunction(fn: (a: number, b: number) => void): unknown {
    this.trampoline ??= construct(this.Module, [TRAMPOLINE]) as WebAssembly.Module;
    const inst = construct(this.Instance, [this.trampoline, { m: { f: fn } }]) as WebAssembly.Instance;
    return getOwnPropertyDescriptor(call(this.exportsGetter, inst) as object, 'f')?.value as unknown;
  }

  /** Slot 1 of the hidden table := fn, then the armed flag := 1 (see ./wasm-rewrite.ts). */
  private armOom(exports: WebAssembly.Exports, fn: (size: number, pages: number) => void): boolean {
    const table = hiddenExport(exports, 'sample_table');
    const armed = hiddenExport(exports, 'oom_armed');
    const set = this.globalSet;
    if (table === undefined || typeof armed !== 'object' || armed === null || !set) return false;
    try {
      call(this.tableSet, table, 1, this.tableFunction(fn));
      call(set, armed, 1);
      return true;
    } catch (e) {
      void e; // not armed: failures inside wasm are not reported for this instance
      return false;
    }
  }

  private sampleHook(exports: WebAssembly.Exports): SampleHook | null {
    const table = hiddenExport(exports, 'sample_table');
    const countdown = hiddenExport(exports, 'sample_countdown');
    const set = this.globalSet;
    if (table === undefined || typeof countdown !== 'object' || countdown === null || !set) return null;
    const setCountdown = countdownSetter(countdown, set, this.Big);
    return {
      install: (fn) => {
        try {
          call(this.tableSet, table, 0, this.tableFunction(fn));
          return true;
        } catch (e) {
          void e; // no sampling for this instance: the countdown stays at "never"
          return false;
        }
      },
      setCountdown,
    };
  }
}

/**
 * Sets the countdown global, held WEAKLY (the sampler must keep nothing of the page's alive).
 * Made in a scope of its own: closures made in one scope share its variables, and a closure
 * beside `install` would hold the instance's table (and so the instance) strongly.
 */
function countdownSetter(countdown: object, set: (this: unknown, v: unknown) => void, Big: typeof BigInt): (bytes: number) => void {
  const ref = new OrigWeakRef(countdown);
  return (bytes) => {
    const g = call<object | undefined>(weakRefDeref, ref);
    if (g !== undefined) call(set, g, Big(MathMax(1, MathFloor(bytes))));
  };
}

const memoryBuffer = getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer')?.get;
const OrigInt32Array = Int32Array;

/**
 * Reads the little-endian i32 at a 4-aligned byte address of a memory (null: out of bounds, not
 * a memory, or the memory is gone). Holds the memory and its view WEAKLY: a strong view would
 * keep the page's whole buffer alive after the page dropped it.
 */
export function i32At(memory: WebAssembly.Memory): (address: number) => number | null {
  const memoryRef = new OrigWeakRef(memory);
  let viewRef: WeakRef<Int32Array> | null = null;
  return (address: number): number | null => {
    if (address < 0 || address % 4 !== 0 || !memoryBuffer) return null;
    const index = address / 4;
    let view = viewRef === null ? undefined : call<Int32Array | undefined>(weakRefDeref, viewRef);
    if (view === undefined || index >= view.length) {
      const m = call<WebAssembly.Memory | undefined>(weakRefDeref, memoryRef);
      if (m === undefined) return null;
      try {
        view = new OrigInt32Array(call<ArrayBuffer>(memoryBuffer, m));
      } catch (e) {
        void e; // not a memory (or a shared one we do not read)
        return null;
      }
      viewRef = new OrigWeakRef(view);
      if (index >= view.length) return null;
    }
    return view[index] as number;
  };
}
