/**
 * Reads and drives the hidden counters of a rewritten instance (./wasm-rewrite.ts): the
 * allocator's live bytes and counts, the per-export call counters, and the allocation-site
 * sampling hook. Built once per realm before the page runs (it saves the WebAssembly builtins
 * it calls); nothing here runs page code.
 */
import type { HeapCounters } from '../trackers/heap';
import { hiddenExport } from './hidden-exports';
import { call, construct, getOwnPropertyDescriptor, MathFloor, MathMax, savedGetter } from './intrinsics';

type Getter = ((this: unknown) => unknown) | undefined;

/**
 * A tiny module that imports a JS function of type (i32, i32) -> () and exports it: the export
 * is a wasm function, which a funcref table accepts (a plain JS function it does not).
 */
const TRAMPOLINE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, // type 0: (i32, i32) -> ()
  0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00, // import "m" "f" (func type 0)
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f" (func 0)
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

  /** A reader of the hidden global `name` as a Number (i64 globals come as BigInt), or null. */
  private reader(exports: WebAssembly.Exports, name: string): (() => number) | null {
    const g = hiddenExport(exports, name);
    const get = this.globalValue;
    if (g === undefined || !get) return null;
    try {
      call(get, g); // brand check: a WebAssembly.Global
    } catch (e) {
      void e;
      return null;
    }
    return () => {
      const v = call<unknown>(get, g);
      return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
    };
  }

  /** Access to the hidden counters of an instance, from its REAL exports object. */
  of(exports: WebAssembly.Exports, hasAllocator: boolean): InstanceHeapAccess {
    let counters: HeapCounters | null = null;
    let sampling: SampleHook | null = null;
    if (hasAllocator) {
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
      callCounter: (index: number) => {
        const read = this.reader(exports, `calls_${index}`);
        const global = hiddenExport(exports, `calls_${index}`);
        return read === null || typeof global !== 'object' || global === null ? null : { read, global };
      },
    };
  }

  private sampleHook(exports: WebAssembly.Exports): SampleHook | null {
    const table = hiddenExport(exports, 'sample_table');
    const countdown = hiddenExport(exports, 'sample_countdown');
    const set = this.globalSet;
    if (table === undefined || countdown === undefined || !set) return null;
    const Big = this.Big;
    return {
      install: (fn) => {
        try {
          this.trampoline ??= construct(this.Module, [TRAMPOLINE]) as WebAssembly.Module;
          const inst = construct(this.Instance, [this.trampoline, { m: { f: fn } }]) as WebAssembly.Instance;
          const f = (getOwnPropertyDescriptor(call(this.exportsGetter, inst) as object, 'f')?.value) as unknown;
          call(this.tableSet, table, 0, f);
          return true;
        } catch (e) {
          void e; // no sampling for this instance: the countdown stays at "never"
          return false;
        }
      },
      setCountdown: (bytes) => {
        call(set, countdown, Big(MathMax(1, MathFloor(bytes))));
      },
    };
  }
}

const memoryBuffer = getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer')?.get;
const OrigInt32Array = Int32Array;

/**
 * Reads the little-endian i32 at a 4-aligned byte address of a memory, through a view renewed
 * when the memory grew (null: out of bounds, or not a memory).
 */
export function i32At(memory: WebAssembly.Memory): (address: number) => number | null {
  let view = new OrigInt32Array(0);
  return (address: number): number | null => {
    if (address < 0 || address % 4 !== 0 || !memoryBuffer) return null;
    const index = address / 4;
    if (index >= view.length) {
      try {
        view = new OrigInt32Array(call<ArrayBuffer>(memoryBuffer, memory));
      } catch (e) {
        void e; // not a memory (or a shared one we do not read)
        return null;
      }
      if (index >= view.length) return null;
    }
    return view[index] as number;
  };
}
