/**
 * The contract between the injected script's core (src/injected/index.iife.ts: WebAssembly
 * hooks, sampling, channel) and its trackers (wasm-bindgen, Emscripten allocator, app
 * registries). A tracker is `install(ctx)`; it never talks to the channel directly.
 */
import type { ObjectKey, PageEvent, RealmId, RealmKind } from '../shared/protocol';
import type { InstanceHeapAccess } from './core/heap-access';
import type { RewriteLayout } from './core/wasm-rewrite';

/** What the core knows about one new WebAssembly.Instance, handed to every tracker. */
export interface InstanceInfo {
  instance: WebAssembly.Instance;
  module: WebAssembly.Module;
  instanceKey: ObjectKey;
  moduleKey: ObjectKey;
  /**
   * The exports as the page sees them (frozen; hidden counter exports removed). Trackers never
   * replace or patch them: every export the page gets is the module's own wasm function.
   */
  exports: WebAssembly.Exports;
  /**
   * What the rewriter did to the module (./core/wasm-rewrite.ts), or null when it was compiled
   * unchanged; `unchanged` then says why (null: allocation tracking is off, or the module was
   * compiled in another realm).
   */
  rewrite: RewriteLayout | null;
  unchanged: string | null;
  /** The instance's hidden counters (null when the module was not rewritten). */
  heap: InstanceHeapAccess | null;
  /** Memories this instance exports or imports, with their keys. */
  memories: Array<{ key: ObjectKey; memory: WebAssembly.Memory }>;
  /** The import object the page passed (may be undefined). */
  imports: WebAssembly.Imports | undefined;
  /** URL of the module (Response URL for streaming paths, else the calling script's URL). */
  url: string;
}

export interface InjectedContext {
  realm: RealmId;
  realmKind: RealmKind;
  /** Epoch milliseconds (performance.timeOrigin + performance.now()). */
  now(): number;
  /** Queue an event; batched and flushed by the core. Cheap: safe on hot paths. */
  emit(event: PageEvent): void;
  /**
   * Called synchronously for every new instance, after the core has registered its memories
   * and before the page's code sees the instance.
   */
  onInstance(listener: (info: InstanceInfo) => void): void;
  /** Key of a memory we know, or undefined. */
  memoryKey(memory: WebAssembly.Memory): ObjectKey | undefined;
  /** Declared maximum in bytes of a memory we know, or null (none or not known). */
  memoryMaxBytes(memory: WebAssembly.Memory): number | null;
  /** A bounded JS stack of the caller, with our own frames removed. */
  stack(): string;
  /**
   * The same stack, captured now and formatted on the first call of the returned function
   * (formatting is most of a stack's cost: skip it for stacks that turn out not to be needed).
   * The capture holds the frames' functions and receivers until then: do not keep it long.
   */
  stackLater(): () => string;
  /**
   * Called on every sampling tick (same timer as memory sampling), for pull-style trackers. The
   * timer runs once a second until the realm shows WebAssembly activity or a tracker calls
   * wake(), then every 100 ms (src/injected/core/ticker.ts).
   */
  onTick(listener: () => void): void;
  /** This realm has work for the trackers: tick at the full rate from now on. */
  wake(): void;
}
