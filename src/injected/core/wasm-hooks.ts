/**
 * The WebAssembly hooks: every Memory, Module and Instance the page makes, on every path
 * (new Memory, new Module, new Instance, instantiate with bytes or a Module, instantiateStreaming,
 * compile, compileStreaming), JS growth through Memory.prototype.grow, and the
 * `Instance.prototype.exports` getter and `Module.exports` (to hide the counters a rewritten
 * module exports).
 *
 * Module bytes are handed to `deps.rewrite` before they are compiled (every bytes path:
 * new Module, compile, instantiate, and the streaming ones, whose response is read first): a
 * module whose allocator the rewriter recognises is compiled with its allocator counting inside
 * wasm (./wasm-rewrite.ts). Its exports stay the module's own wasm functions; the counters it
 * gained are hidden (./hidden-exports.ts). A module the rewriter leaves alone, or whose
 * rewritten bytes fail to compile, is compiled from the page's bytes: same result, same errors.
 *
 * Every hook is a Proxy of the original (see transparent.ts); promises are observed without
 * extra ticks (see promise.ts); our bookkeeping never throws into the page (failures go to
 * `deps.fail`).
 */
import type { InstanceInfo } from '../context';
import { LIMITS, type InstantiateVia, type MemoryEvent, type MemoryOrigin, type ObjectKey } from '../../shared/protocol';
import {
  apply,
  arrayMap,
  call,
  construct,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  MathFloor,
  OrigFinalizationRegistry,
  OrigPromise,
  ownKeys,
  regExpExec,
  SafeWeakMap,
  savedGetter,
} from './intrinsics';
import type { KeyAllocator } from './keys';
import { observeFresh } from './promise';
import type { Sampler } from './sampler';
import { detectToolchain } from './toolchain';
import { moduleMemories, type MemoryLimits, type ModuleMemories } from './wasm-binary';
import { BufferSources } from './buffer-source';
import { HeapAccess } from './heap-access';
import { visibleDescriptors, withoutHidden } from './hidden-exports';
import type { RewriteLayout, RewriteResult } from './wasm-rewrite';
import { callOrRethrow, replaceConstructor, replaceGetter, replaceValue, rethrow, scrubStack, wrap } from './transparent';

type AnyFn = (...args: unknown[]) => unknown;
type Listener = (info: InstanceInfo) => void;

export const PAGE = 65536;

export interface HookDeps {
  global: typeof globalThis;
  keys: KeyAllocator;
  emit(event: import('../../shared/protocol').PageEvent): void;
  now(): number;
  /** Cleaned, bounded stack of the current call (our frames removed). */
  stack(): string;
  /** Owner URL of the current call: the first non-extension script frame, else the realm URL. */
  owner(stack: string): string;
  sampler: Sampler<WebAssembly.Memory>;
  /** Report an internal failure (never thrown into the page). */
  fail(where: string, e: unknown): void;
  /** A page's WebAssembly compilation/instantiation failed (core/page-errors.ts). Never throws. */
  wasmFailed?(what: string, reason: unknown): void;
  /**
   * Rewrite module bytes to count the heap inside wasm (./wasm-rewrite.ts), or say why not;
   * absent: modules are compiled as they are.
   */
  rewrite?(bytes: Uint8Array): RewriteResult;
}

/** What became of a module's bytes. */
type Prepared = ({ bytes: Uint8Array; layout: RewriteLayout; reason: null } | { bytes: null; layout: null; reason: string | null }) & {
  /** Declared memory limits read from the same bytes (the streaming paths have no other chance). */
  limits?: ModuleMemories;
};

interface ModuleInfo {
  key: ObjectKey;
  url: string;
}

/** `[first, ...args.slice(1)]`, without Array.prototype or its iterator (the page may have patched them). */
function withFirst(first: unknown, args: readonly unknown[]): unknown[] {
  const out: unknown[] = [first];
  for (let i = 1; i < args.length; i++) out[out.length] = args[i];
  return out;
}

/** A Content-Type whose essence is application/wasm. */
const WASM_MIME = /^\s*application\/wasm\s*(?:;|$)/i;

const NOT_BYTES: Prepared = { bytes: null, layout: null, reason: null };

function cut(s: string, n: number = LIMITS.maxString): string {
  return s.length > n ? s.slice(0, n) : s;
}

export class WasmHooks {
  private readonly memories = new SafeWeakMap<WebAssembly.Memory, ObjectKey>();
  private readonly byteGetters = new SafeWeakMap<WebAssembly.Memory, (this: unknown) => unknown>();
  /** Declared maximum (bytes) of the memories that have one. */
  private readonly maxima = new SafeWeakMap<WebAssembly.Memory, number>();
  private readonly modules = new SafeWeakMap<WebAssembly.Module, ModuleInfo>();
  private readonly instances = new SafeWeakMap<WebAssembly.Instance, ObjectKey>();
  private readonly replacements = new SafeWeakMap<WebAssembly.Instance, WebAssembly.Exports>();
  /** Modules compiled from rewritten bytes, and why the others were left alone. */
  private readonly rewritten = new SafeWeakMap<WebAssembly.Module, RewriteLayout>();
  private readonly unchanged = new SafeWeakMap<WebAssembly.Module, string>();
  private readonly sources: BufferSources;
  private readonly CompileError: typeof WebAssembly.CompileError;
  private readonly rangeErrorProto: object;
  private readonly nativeInstantiate: AnyFn;
  private readonly nativeCompile: AnyFn;
  private readonly responseOk: ((this: unknown) => unknown) | undefined;
  private readonly responseBodyUsed: ((this: unknown) => unknown) | undefined;
  private readonly responseHeaders: ((this: unknown) => unknown) | undefined;
  private readonly responseArrayBuffer: AnyFn | undefined;
  private readonly headersGet: AnyFn | undefined;
  private readonly heapAccess: HeapAccess;
  /** Declared memory limits, when we saw the module's bytes. */
  private readonly limits = new SafeWeakMap<WebAssembly.Module, ModuleMemories>();
  private readonly listeners: Listener[] = [];
  private readonly collector: FinalizationRegistry<ObjectKey>;

  // Originals, saved at construction (before the page runs).
  private readonly WA: typeof WebAssembly;
  private readonly Memory: typeof WebAssembly.Memory;
  private readonly Module: typeof WebAssembly.Module;
  private readonly Instance: typeof WebAssembly.Instance;
  private readonly memoryProto: object;
  private readonly moduleProto: object;
  private readonly bufferGetter: ((this: unknown) => unknown) | undefined;
  private readonly exportsGetter: ((this: unknown) => unknown) | undefined;
  private readonly moduleExports: (m: WebAssembly.Module) => WebAssembly.ModuleExportDescriptor[];
  private readonly moduleImports: (m: WebAssembly.Module) => WebAssembly.ModuleImportDescriptor[];
  private readonly responseUrl: ((this: unknown) => unknown) | undefined;

  constructor(private readonly deps: HookDeps) {
    const g = deps.global;
    this.WA = g.WebAssembly;
    this.Memory = this.WA.Memory;
    this.Module = this.WA.Module;
    this.Instance = this.WA.Instance;
    this.memoryProto = this.Memory.prototype;
    this.moduleProto = this.Module.prototype;
    this.bufferGetter = savedGetter(this.memoryProto, 'buffer');
    this.sources = new BufferSources(g);
    this.heapAccess = new HeapAccess(this.WA);
    this.exportsGetter = savedGetter(this.Instance.prototype, 'exports');
    this.moduleExports = this.Module.exports;
    this.moduleImports = this.Module.imports;
    const R = (g as { Response?: typeof Response }).Response;
    this.responseUrl = R ? savedGetter(R.prototype, 'url') : undefined;
    this.responseOk = R ? savedGetter(R.prototype, 'ok') : undefined;
    this.responseBodyUsed = R ? savedGetter(R.prototype, 'bodyUsed') : undefined;
    this.responseHeaders = R ? savedGetter(R.prototype, 'headers') : undefined;
    this.responseArrayBuffer = R ? (R.prototype.arrayBuffer as AnyFn) : undefined;
    const H = (g as { Headers?: typeof Headers }).Headers;
    this.headersGet = H ? (H.prototype.get as AnyFn) : undefined;
    this.CompileError = this.WA.CompileError;
    this.rangeErrorProto = g.RangeError.prototype;
    this.nativeInstantiate = this.WA.instantiate as AnyFn;
    this.nativeCompile = this.WA.compile as AnyFn;
    this.collector = new OrigFinalizationRegistry<ObjectKey>((key) => {
      deps.sampler.remove(key);
      deps.emit({ t: 'collected', time: deps.now(), key });
    });
  }

  onInstance(listener: Listener): void {
    this.listeners[this.listeners.length] = listener;
  }

  memoryKey(memory: WebAssembly.Memory): ObjectKey | undefined {
    return this.memories.get(memory);
  }

  /** Declared maximum in bytes of a memory we know, or null (none, or not known). */
  memoryMaxBytes(memory: WebAssembly.Memory): number | null {
    return this.maxima.get(memory) ?? null;
  }

  /** Committed bytes of a memory we know (0 if it cannot be read). */
  readBytes(memory: WebAssembly.Memory): number {
    const getter = this.byteGetters.get(memory);
    if (!getter || !this.bufferGetter) return 0;
    const buffer = call(this.bufferGetter, memory);
    return call<number>(getter, buffer);
  }

  // -------------------------------------------------------------------------------------
  // Registration
  // -------------------------------------------------------------------------------------

  private isMemory(v: unknown): v is WebAssembly.Memory {
    if (typeof v !== 'object' || v === null) return false;
    if (this.memories.has(v as WebAssembly.Memory)) return true;
    if (getPrototypeOf(v) === this.memoryProto) return true;
    if (!this.bufferGetter) return false;
    try {
      call(this.bufferGetter, v); // brand check (memories of other realms, subclasses)
      return true;
    } catch (e) {
      void e; // not a memory: expected
      return false;
    }
  }

  private registerMemory(
    memory: WebAssembly.Memory,
    origin: MemoryOrigin,
    owner: string,
    extra: { exportName?: string; module?: ObjectKey; stack?: string; maxBytes?: number | null; i64?: boolean },
  ): ObjectKey {
    const known = this.memories.get(memory);
    if (known !== undefined) return known;
    const key = this.deps.keys.next();
    this.memories.set(memory, key);
    let shared = false;
    let bytes = 0;
    const abByteLength = this.sources.arrayBufferByteLength;
    if (this.bufferGetter && abByteLength) {
      const buffer = call(this.bufferGetter, memory);
      try {
        bytes = call<number>(abByteLength, buffer);
        this.byteGetters.set(memory, abByteLength);
      } catch (e) {
        void e; // a SharedArrayBuffer: its own byteLength getter below
        shared = true;
        const sabByteLength = this.sources.sharedByteLength(buffer as object);
        if (sabByteLength) {
          bytes = call<number>(sabByteLength, buffer);
          this.byteGetters.set(memory, sabByteLength);
        }
      }
    }
    const ev: MemoryEvent = {
      t: 'memory',
      time: this.deps.now(),
      key,
      origin,
      shared,
      bytes,
      maxBytes: extra.maxBytes ?? null,
      owner: cut(owner),
    };
    if (extra.i64 === true) ev.address = 'i64';
    if (typeof extra.maxBytes === 'number') this.maxima.set(memory, extra.maxBytes);
    if (extra.exportName !== undefined) ev.exportName = cut(extra.exportName);
    if (extra.module !== undefined) ev.module = extra.module;
    if (extra.stack) ev.stack = extra.stack;
    this.deps.emit(ev);
    this.deps.sampler.add(key, memory, bytes);
    call(this.collector.register, this.collector, memory, key);
    return key;
  }

  private bufferSourceLength(bytes: unknown): number {
    return this.sources.byteLength(bytes);
  }

  /** Declared memory limits from a BufferSource, read now (the page may reuse the buffer). */
  private parseLimits(source: unknown): ModuleMemories | undefined {
    const view = this.sources.view(source);
    return view ? moduleMemories(view) : undefined;
  }

  /**
   * The bytes to compile instead of the page's (its module rewritten to count its heap), or
   * null with the reason it is left alone. Never throws.
   */
  private prepare(source: unknown): Prepared {
    const rewrite = this.deps.rewrite;
    if (rewrite === undefined) return { bytes: null, layout: null, reason: null };
    try {
      const view = this.sources.view(source);
      if (view === undefined) return { bytes: null, layout: null, reason: null }; // the native call throws
      const limits = moduleMemories(view);
      const r = rewrite(view);
      return r.ok ? { bytes: r.bytes, layout: r.layout, reason: null, limits } : { bytes: null, layout: null, reason: r.reason, limits };
    } catch (e) {
      this.deps.fail('rewrite', e);
      return { bytes: null, layout: null, reason: 'internal error of the rewriter' };
    }
  }

  /**
   * The native async compile / instantiate called with the rewritten bytes. If that fails to
   * COMPILE, the native call is made again with the page's own arguments, and the page gets that
   * outcome (its result, or its native error). Link and runtime errors are passed on as they are:
   * the imports are unchanged, and a second instantiation would run a start function twice.
   * Returns a fresh promise of this realm (one microtask later than the native one).
   */
  private withFallback(
    target: AnyFn,
    thisArg: unknown,
    args: unknown[],
    bytes: Uint8Array,
    moduleOf: (result: unknown) => WebAssembly.Module,
    prepared: Prepared,
  ): Promise<unknown> {
    const first = apply(target, thisArg, withFirst(bytes, args)) as Promise<unknown>;
    return new OrigPromise<unknown>((resolve, reject) => {
      this.settleNoting(first, moduleOf, prepared, true, resolve, (reason) => {
        if (!(reason instanceof this.CompileError)) {
          reject(reason);
          return;
        }
        let second: Promise<unknown>;
        try {
          second = apply(target, thisArg, args) as Promise<unknown>;
        } catch (e) {
          reject(e);
          return;
        }
        this.settleNoting(second, moduleOf, prepared, false, resolve, reject);
      });
    });
  }

  /**
   * Settle a promise of ours with the outcome of `p`, a fresh native compile/instantiate
   * promise; on success, first remember what became of the module's bytes (noteCompiled).
   */
  private settleNoting(
    p: Promise<unknown>,
    moduleOf: (result: unknown) => WebAssembly.Module,
    prepared: Prepared,
    usedRewrite: boolean,
    resolve: (v: unknown) => void,
    reject: (reason: unknown) => void,
  ): void {
    observeFresh(
      p,
      (r) => {
        try {
          this.noteCompiled(moduleOf(r), prepared, usedRewrite);
        } finally {
          resolve(r);
        }
      },
      (e) => this.deps.fail('compile result', e),
      reject,
    );
  }

  /**
   * instantiateStreaming / compileStreaming with the module rewritten: the response is read
   * first (download and compile no longer overlap, and Chrome's code cache for streamed modules
   * is not used; docs/TRANSPARENCY.md), then compiled as bytes. A source that is not an ok
   * `application/wasm` Response goes to the native streaming call, so every failure is native.
   */
  private streamRewritten(streaming: AnyFn, thisArg: unknown, args: unknown[], instantiate: boolean): Promise<unknown> {
    const native = instantiate ? this.nativeInstantiate : this.nativeCompile;
    const moduleOf = instantiate
      ? (r: unknown) => this.dataProp(r, 'module') as WebAssembly.Module
      : (m: unknown) => m as WebAssembly.Module;
    return new OrigPromise<unknown>((resolve, reject) => {
      const settle = (p: Promise<unknown>): void => observeFresh(p, resolve, (e) => this.deps.fail('streaming', e), reject);
      const nativeStreaming = (source: unknown): void => {
        try {
          settle(apply(streaming, thisArg, withFirst(source, args)) as Promise<unknown>);
        } catch (e) {
          reject(e);
        }
      };
      const withResponse = (response: unknown): void => {
        if (!this.isWasmResponse(response) || !this.responseArrayBuffer) return nativeStreaming(response);
        let body: Promise<unknown>;
        try {
          body = call<Promise<unknown>>(this.responseArrayBuffer, response);
        } catch (e) {
          void e;
          return nativeStreaming(response);
        }
        observeFresh(
          body,
          (buffer) => {
            const prepared = this.prepare(buffer);
            const withBuffer = withFirst(buffer, args);
            try {
              if (prepared.bytes === null) {
                this.settleNoting(apply(native, this.WA, withBuffer) as Promise<unknown>, moduleOf, prepared, false, resolve, reject);
              } else {
                settle(this.withFallback(native, this.WA, withBuffer, prepared.bytes, moduleOf, prepared));
              }
            } catch (e) {
              reject(e);
            }
          },
          (e) => this.deps.fail('streaming body', e),
          reject,
        );
      };
      const source = args[0];
      if (typeof source === 'object' && source !== null && source instanceof OrigPromise) {
        // Our own promise, resolved with the page's (see the streaming hook).
        observeFresh(source as Promise<unknown>, withResponse, (e) => this.deps.fail('streaming source', e), reject);
      } else {
        withResponse(source);
      }
    });
  }

  /** An ok, unused Response whose Content-Type is application/wasm (what streaming accepts). */
  private isWasmResponse(r: unknown): boolean {
    if (typeof r !== 'object' || r === null || !this.responseOk || !this.responseBodyUsed || !this.responseHeaders || !this.headersGet)
      return false;
    try {
      if (call(this.responseOk, r) !== true || call(this.responseBodyUsed, r) !== false) return false;
      const type = call<unknown>(this.headersGet, call(this.responseHeaders, r), 'content-type');
      return typeof type === 'string' && call(regExpExec, WASM_MIME, type) !== null;
    } catch (e) {
      void e; // not a Response
      return false;
    }
  }

  /**
   * Memory.prototype.grow threw: when it is the memory refusing to grow (a RangeError for a
   * delta given as a number), a `grow-failed` event. A TypeError for a bad argument is the page's
   * bug, not an out-of-memory: not reported. Never reads the page's argument beyond its type.
   */
  private growFailed(memory: WebAssembly.Memory, key: ObjectKey, delta: unknown, e: unknown): void {
    if (typeof delta !== 'number' || !(delta >= 0) || !this.isRangeError(e)) return;
    this.deps.emit({
      t: 'grow-failed',
      time: this.deps.now(),
      key,
      via: 'js',
      requestedBytes: MathFloor(delta) * PAGE,
      committedBytes: this.readBytes(memory),
      maxBytes: this.maxima.get(memory) ?? null,
      stack: this.deps.stack(),
    });
  }

  /** A RangeError of this realm (the memory's `grow` throws one of its own realm). */
  private isRangeError(e: unknown): boolean {
    return typeof e === 'object' && e !== null && getPrototypeOf(e) === this.rangeErrorProto;
  }

  /** Remember what became of a compiled module's bytes. */
  private noteCompiled(module: WebAssembly.Module, prepared: Prepared, usedRewrite: boolean): void {
    if (prepared.limits !== undefined && !this.limits.has(module)) this.limits.set(module, prepared.limits);
    if (usedRewrite && prepared.layout !== null) this.rewritten.set(module, prepared.layout);
    else if (prepared.reason !== null) this.unchanged.set(module, prepared.reason);
    else if (prepared.layout !== null) this.unchanged.set(module, 'the rewritten module did not compile');
  }

  private maxBytesOf(l: MemoryLimits | undefined): number | null {
    return l && l.maximum !== null ? l.maximum * PAGE : null;
  }

  private registerModule(module: WebAssembly.Module, url: string, byteLength: number): ModuleInfo {
    const known = this.modules.get(module);
    if (known) return known;
    const info: ModuleInfo = { key: this.deps.keys.next(), url: cut(url) };
    this.modules.set(module, info);
    const names: string[] = [];
    const exps = visibleDescriptors(this.moduleExports(module));
    for (let i = 0; i < exps.length && names.length < LIMITS.maxExportNames; i++) names[names.length] = cut(exps[i]?.name ?? '');
    this.deps.emit({ t: 'module', time: this.deps.now(), key: info.key, url: info.url, byteLength, exports: names });
    return info;
  }

  private moduleOf(module: WebAssembly.Module, stack: () => string): ModuleInfo {
    return this.modules.get(module) ?? this.registerModule(module, this.deps.owner(stack()), 0);
  }

  /** Own data property of a page object, without running getters or traps beyond one gOPD. */
  private dataProp(obj: unknown, key: string): unknown {
    if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return undefined;
    const d = getOwnPropertyDescriptor(obj, key);
    return d && 'value' in d ? d.value : undefined;
  }

  private registerInstance(
    instance: WebAssembly.Instance,
    module: WebAssembly.Module,
    imports: unknown,
    via: InstantiateVia,
    /** The caller's stack, taken only if needed (an unknown module, a memory to report). */
    stack: () => string,
  ): void {
    if (this.instances.has(instance)) return;
    const mod = this.moduleOf(module, stack);
    const key = this.deps.keys.next();
    this.instances.set(instance, key);
    const exports = (this.exportsGetter ? call(this.exportsGetter, instance) : {}) as WebAssembly.Exports;
    const mems: Array<{ key: ObjectKey; memory: WebAssembly.Memory }> = [];
    const add = (k: ObjectKey, m: WebAssembly.Memory) => {
      for (let i = 0; i < mems.length; i++) if (mems[i]!.key === k) return;
      mems[mems.length] = { key: k, memory: m };
    };
    const exportNames: string[] = [];
    const names = ownKeys(exports);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (typeof name !== 'string') continue;
      exportNames[exportNames.length] = name;
      const v = this.dataProp(exports, name);
      if (this.isMemory(v)) {
        const l = this.limits.get(module)?.exports[name];
        const maxBytes = this.maxBytesOf(l);
        add(this.registerMemory(v, 'export', mod.url, { exportName: name, module: mod.key, stack: stack(), maxBytes, i64: l?.is64 }), v);
      }
    }
    const importNames: string[] = [];
    const imps = this.moduleImports(module);
    for (let i = 0; i < imps.length; i++) {
      const imp = imps[i]!;
      importNames[importNames.length] = imp.name;
      if (imp.kind !== 'memory') continue;
      const v = this.dataProp(this.dataProp(imports, imp.module), imp.name);
      if (this.isMemory(v)) {
        const l = this.limits.get(module)?.imports[`${imp.module}\u0000${imp.name}`];
        const maxBytes = this.maxBytesOf(l);
        add(this.registerMemory(v, 'import', mod.url, { module: mod.key, stack: stack(), maxBytes, i64: l?.is64 }), v);
      }
    }
    this.deps.emit({
      t: 'instance',
      time: this.deps.now(),
      key,
      module: mod.key,
      via,
      memories: arrayMap(mems, (m) => m.key),
      toolchain: detectToolchain(exportNames, importNames),
      helper: mems.length === 0,
    });
    call(this.collector.register, this.collector, instance, key);
    // A rewritten module's counters are ours: the page gets the exports without them (the
    // same values otherwise). Decided by name, so a module rewritten in another realm and
    // posted here is hidden too.
    const visible = withoutHidden(exports);
    if (visible !== undefined) {
      this.replacements.set(instance, visible);
      this.installExportsHook();
    }
    const layout = this.rewritten.get(module) ?? null;
    const info: InstanceInfo = {
      instance,
      module,
      instanceKey: key,
      moduleKey: mod.key,
      exports: visible ?? exports,
      memories: mems,
      imports: imports as WebAssembly.Imports | undefined,
      url: mod.url,
      rewrite: layout,
      unchanged: layout !== null ? null : (this.unchanged.get(module) ?? (visible !== undefined ? 'compiled in another realm' : null)),
      heap: visible !== undefined ? this.heapAccess.of(exports, layout !== null && layout.allocator !== null) : null,
    };
    for (let i = 0; i < this.listeners.length; i++) {
      try {
        this.listeners[i]!(info);
      } catch (e) {
        this.deps.fail('onInstance listener', e);
      }
    }
  }

  /** Run our bookkeeping; an internal failure must never reach the page. */
  private safely(where: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.deps.fail(where, e);
    }
  }

  private isModule(v: unknown): v is WebAssembly.Module {
    return typeof v === 'object' && v !== null && (this.modules.has(v as WebAssembly.Module) || getPrototypeOf(v) === this.moduleProto);
  }

  private streamUrl(source: unknown, fallback: string, then: (url: string) => void): void {
    const fromResponse = (r: unknown): string | undefined => {
      if (!this.responseUrl || typeof r !== 'object' || r === null) return undefined;
      try {
        const u = call<string>(this.responseUrl, r);
        return u || undefined;
      } catch (e) {
        void e; // not a Response: the native call rejects on its own
        return undefined;
      }
    };
    const direct = fromResponse(source);
    if (direct !== undefined) return then(direct);
    if (typeof source === 'object' && source !== null && source instanceof OrigPromise) {
      // Our own promise, resolved with the page's (see the streaming hook).
      observeFresh(
        source as Promise<unknown>,
        (r) => {
          then(fromResponse(r) ?? fallback);
        },
        (e) => this.deps.fail('streaming source', e),
      );
      return;
    }
    then(fallback);
  }

  // -------------------------------------------------------------------------------------
  // Installation
  // -------------------------------------------------------------------------------------

  install(): void {
    const WA = this.WA;
    const self = this;
    // A rejection error created while our trap was on the stack: drop our frames before any
    // reaction of the page runs (ours is registered first).
    const rejected = (what: string) => (reason: unknown) => {
      scrubStack(reason, null);
      self.deps.wasmFailed?.(what, reason);
    };

    // new WebAssembly.Memory(descriptor) (and subclasses).
    const memoryHandler: ProxyHandler<typeof WebAssembly.Memory> = {
      construct(target, args, newTarget) {
        const m = callOrRethrow(() => construct(target, args, newTarget) as WebAssembly.Memory, memoryHandler.construct as AnyFn);
        self.safely('Memory', () => {
          const stack = self.deps.stack();
          const max = self.dataProp(args[0], 'maximum');
          const maxBytes = typeof max === 'number' && max >= 0 ? max * PAGE : null;
          // memory64: `address: 'i64'` (the JS API's name; `index` in earlier drafts)
          const address = self.dataProp(args[0], 'address') ?? self.dataProp(args[0], 'index');
          self.registerMemory(m, 'constructor', self.deps.owner(stack), { stack, maxBytes, i64: address === 'i64' });
        });
        return m;
      },
    };
    const MemoryW = wrap(this.Memory, memoryHandler);

    // new WebAssembly.Module(bytes)
    const moduleHandler: ProxyHandler<typeof WebAssembly.Module> = {
      construct(target, args, newTarget) {
        let m: WebAssembly.Module | undefined;
        const prepared = self.prepare(args[0]);
        if (prepared.bytes !== null) {
          try {
            m = construct(target, withFirst(prepared.bytes, args), newTarget) as WebAssembly.Module;
          } catch (e) {
            void e; // compiled from the page's bytes below: the page gets the native outcome
          }
        }
        const usedRewrite = m !== undefined;
        const mod =
          m ??
          callOrRethrow(
            () => construct(target, args, newTarget) as WebAssembly.Module,
            moduleHandler.construct as AnyFn,
            (e) => self.deps.wasmFailed?.('new WebAssembly.Module', e),
          );
        self.safely('Module', () => {
          self.noteCompiled(mod, prepared, usedRewrite);
          const limits = self.parseLimits(args[0]);
          if (limits) self.limits.set(mod, limits);
          self.registerModule(mod, self.deps.owner(self.deps.stack()), self.bufferSourceLength(args[0]));
        });
        return mod;
      },
    };
    const ModuleW = wrap(this.Module, moduleHandler);

    // new WebAssembly.Instance(module, imports)
    const instanceHandler: ProxyHandler<typeof WebAssembly.Instance> = {
      construct(target, args, newTarget) {
        const inst = callOrRethrow(
          () => construct(target, args, newTarget) as WebAssembly.Instance,
          instanceHandler.construct as AnyFn,
          (e) => self.deps.wasmFailed?.('new WebAssembly.Instance', e),
        );
        self.safely('Instance', () => {
          let taken: string | undefined;
          // Synchronous: a lazily taken stack is still this call's (our frames are removed).
          self.registerInstance(inst, args[0] as WebAssembly.Module, args[1], 'Instance', () => (taken ??= self.deps.stack()));
        });
        return inst;
      },
    };
    const InstanceW = wrap(this.Instance, instanceHandler);

    // WebAssembly.instantiate(bytes | module, imports)
    const instantiateHandler: ProxyHandler<AnyFn> = {
      apply(target, thisArg, args) {
        const prepared = self.isModule(args[0]) ? NOT_BYTES : self.prepare(args[0]);
        const p = callOrRethrow(
          (): Promise<unknown> =>
            prepared.bytes !== null
              ? self.withFallback(target, thisArg, args, prepared.bytes, (r) => self.dataProp(r, 'module') as WebAssembly.Module, prepared)
              : (apply(target, thisArg, args) as Promise<unknown>),
          instantiateHandler.apply as AnyFn,
        );
        self.safely('instantiate', () => {
          const stack = self.deps.stack();
          const source = args[0];
          const imports = args[1];
          if (self.isModule(source)) {
            observeFresh(
              p,
              (inst) => {
                self.registerInstance(inst as WebAssembly.Instance, source, imports, 'instantiate', () => stack);
              },
              (e) => self.deps.fail('instantiate(module)', e),
              rejected('WebAssembly.instantiate'),
            );
          } else {
            const url = self.deps.owner(stack);
            const length = self.bufferSourceLength(source);
            const limits = self.parseLimits(source);
            observeFresh(
              p,
              (r) => {
                const module = self.dataProp(r, 'module') as WebAssembly.Module;
                const inst = self.dataProp(r, 'instance') as WebAssembly.Instance;
                if (prepared.bytes === null) self.noteCompiled(module, prepared, false);
                if (limits) self.limits.set(module, limits);
                self.registerModule(module, url, length);
                self.registerInstance(inst, module, imports, 'instantiate', () => stack);
              },
              (e) => self.deps.fail('instantiate(bytes)', e),
              rejected('WebAssembly.instantiate'),
            );
          }
        });
        return p;
      },
    };

    // WebAssembly.compile(bytes)
    const compileHandler: ProxyHandler<AnyFn> = {
      apply(target, thisArg, args) {
        const prepared = self.prepare(args[0]);
        const p = callOrRethrow(
          (): Promise<unknown> =>
            prepared.bytes !== null
              ? self.withFallback(target, thisArg, args, prepared.bytes, (m) => m as WebAssembly.Module, prepared)
              : (apply(target, thisArg, args) as Promise<unknown>),
          compileHandler.apply as AnyFn,
        );
        self.safely('compile', () => {
          const url = self.deps.owner(self.deps.stack());
          const length = self.bufferSourceLength(args[0]);
          const limits = self.parseLimits(args[0]);
          observeFresh(
            p,
            (m) => {
              if (prepared.bytes === null) self.noteCompiled(m as WebAssembly.Module, prepared, false);
              if (limits) self.limits.set(m as WebAssembly.Module, limits);
              self.registerModule(m as WebAssembly.Module, url, length);
            },
            (e) => self.deps.fail('compile', e),
            rejected('WebAssembly.compile'),
          );
        });
        return p;
      },
    };

    // instantiateStreaming / compileStreaming(source: Response | Promise<Response>)
    const streamingHandler = (instantiate: boolean): ProxyHandler<AnyFn> => {
      const h: ProxyHandler<AnyFn> = {
        apply(target, thisArg, pageArgs) {
          // A promise as the source: Chromium resolves a promise of its own with it (which calls
          // the page's `then`, once, a microtask later); so do we, and only ours is observed, by
          // us and by the native call, so the page's promise is never touched otherwise.
          const source = pageArgs[0];
          const args =
            typeof source === 'object' && source !== null && source instanceof OrigPromise
              ? withFirst(new OrigPromise<unknown>((resolve) => resolve(source)), pageArgs)
              : pageArgs;
          const p = callOrRethrow(
            (): Promise<unknown> =>
              self.deps.rewrite !== undefined
                ? self.streamRewritten(target, thisArg, args, instantiate)
                : (apply(target, thisArg, args) as Promise<unknown>),
            h.apply as AnyFn,
          );
          self.safely('streaming', () => {
            const stack = self.deps.stack();
            const fallback = self.deps.owner(stack);
            let url = fallback;
            self.streamUrl(args[0], fallback, (u) => {
              url = u;
            });
            const imports = args[1];
            observeFresh(
              p,
              (r) => {
                if (instantiate) {
                  const module = self.dataProp(r, 'module') as WebAssembly.Module;
                  const inst = self.dataProp(r, 'instance') as WebAssembly.Instance;
                  self.registerModule(module, url, 0);
                  self.registerInstance(inst, module, imports, 'instantiateStreaming', () => stack);
                } else {
                  self.registerModule(r as WebAssembly.Module, url, 0);
                }
              },
              (e) => self.deps.fail('streaming result', e),
              rejected(instantiate ? 'WebAssembly.instantiateStreaming' : 'WebAssembly.compileStreaming'),
            );
          });
          return p;
        },
      };
      return h;
    };

    // Memory.prototype.grow(delta): a growth made from JS, with its stack.
    const growHandler: ProxyHandler<AnyFn> = {
      apply(target, thisArg, args) {
        const key = self.memories.get(thisArg as WebAssembly.Memory);
        let from = 0;
        if (key !== undefined) self.safely('grow (before)', () => void (from = self.readBytes(thisArg as WebAssembly.Memory)));
        let r: unknown;
        try {
          r = apply(target, thisArg, args);
        } catch (e) {
          if (key !== undefined) self.safely('grow (failed)', () => self.growFailed(thisArg as WebAssembly.Memory, key, args[0], e));
          rethrow(e, growHandler.apply as AnyFn);
        }
        if (key !== undefined) {
          self.safely('grow', () => {
            const to = self.readBytes(thisArg as WebAssembly.Memory);
            // A growth inside wasm since the last tick is not this call's: report it first.
            const last = self.deps.sampler.bytesOf(key);
            const time = self.deps.now();
            if (last !== undefined && from > last) {
              self.deps.emit({ t: 'grow', time, key, fromBytes: last, toBytes: from, via: 'wasm' });
            }
            if (to !== from) {
              self.deps.emit({ t: 'grow', time, key, fromBytes: from, toBytes: to, via: 'js', stack: self.deps.stack() });
            }
            self.deps.sampler.noteBytes(key, to);
          });
        }
        return r;
      },
    };

    // Install: same property attributes as the originals; prototypes keep their identity.
    replaceValue(WA, 'Memory', MemoryW);
    replaceConstructor(this.Memory, MemoryW);
    replaceValue(WA, 'Module', ModuleW);
    replaceConstructor(this.Module, ModuleW);
    replaceValue(WA, 'Instance', InstanceW);
    replaceConstructor(this.Instance, InstanceW);
    replaceValue(WA, 'instantiate', wrap(WA.instantiate as AnyFn, instantiateHandler));
    replaceValue(WA, 'compile', wrap(WA.compile as AnyFn, compileHandler));
    if (typeof WA.instantiateStreaming === 'function') {
      replaceValue(WA, 'instantiateStreaming', wrap(WA.instantiateStreaming as AnyFn, streamingHandler(true)));
    }
    if (typeof WA.compileStreaming === 'function') {
      replaceValue(WA, 'compileStreaming', wrap(WA.compileStreaming as AnyFn, streamingHandler(false)));
    }
    const grow = this.Memory.prototype.grow as AnyFn;
    replaceValue(this.memoryProto, 'grow', wrap(grow, growHandler));

    // WebAssembly.Module.exports(module): a rewritten module's counters are not listed.
    if (this.deps.rewrite !== undefined) {
      const exportsHandler: ProxyHandler<AnyFn> = {
        apply(target, thisArg, args) {
          let list: WebAssembly.ModuleExportDescriptor[];
          try {
            list = apply(target, thisArg, args) as WebAssembly.ModuleExportDescriptor[];
          } catch (e) {
            rethrow(e, exportsHandler.apply as AnyFn);
          }
          return visibleDescriptors(list);
        },
      };
      replaceValue(this.Module, 'exports', wrap(this.Module.exports as AnyFn, exportsHandler));
    }
  }

  private exportsHooked = false;

  /**
   * Instance.prototype.exports returns a tracker's replacement exports for the instances that
   * have one. Installed at the first replacement only: pages without one keep the native getter
   * (zero cost on what glue code reads on every call in some builds).
   */
  private installExportsHook(): void {
    if (this.exportsHooked || !this.exportsGetter) return;
    this.exportsHooked = true;
    const self = this;
    const exportsHandler: ProxyHandler<AnyFn> = {
      apply(target, thisArg, args) {
        let real: unknown;
        try {
          real = apply(target, thisArg, args);
        } catch (e) {
          rethrow(e, exportsHandler.apply as AnyFn);
        }
        const rep = self.replacements.get(thisArg as WebAssembly.Instance);
        return rep !== undefined ? rep : real;
      },
    };

    replaceGetter(this.Instance.prototype, 'exports', wrap(this.exportsGetter as AnyFn, exportsHandler));
  }
}
