/**
 * Start the injected core in this realm (a frame's window, or a worker started through our
 * Worker hook): save originals, install the WebAssembly and Worker hooks, the trackers
 * (src/injected/trackers) with an InjectedContext, the sampling timer and the channel.
 *
 * Order matters: everything here runs before the page's first script (document_start, or the
 * blob prelude in workers).
 */
import { ownSource } from './self-source';
import type { InjectedContext } from '../context';
import { installTrackers } from '../trackers/index';
import { isFreeExportName } from '../trackers/glue-source';
import { allocationTracking, MAX_REWRITE_BYTES, setAllocationTracking, setSampleIntervalMs, TRACKING_OFF } from './settings';
import { rewriteModule, type RewriteResult } from './wasm-rewrite';
import {
  LIMITS,
  STRICT_HINT_EVENT,
  STRICT_HINT_GLOBAL,
  type PageEvent,
  type RealmKind,
  type WorkerPolicyVerdict,
} from '../../shared/protocol';
import { INSTRUMENT, REMEMBERED_STRICT } from '../../shared/worker-policy';
import { saveDomOriginals, startWindowChannel, startWorkerChannel, type WorkerLink } from './channel';
import { call, deleteProperty, getOwnPropertyDescriptor, OrigError, OrigWeakRef, SafeSet, savedGetter, weakRefDeref } from './intrinsics';
import { KeyAllocator, newRealmId } from './keys';
import { LiveKeys } from './live';
import { installPageErrors, type PageErrors } from './page-errors';
import { EventQueue } from './queue';
import { Sampler } from './sampler';
import { Ticker } from './ticker';
import { stackTaker } from './stack-capture';
import { firstFrameUrl, ownerUrl } from './stacks';
import { maskToString, setOwnUrls } from './transparent';
import { WasmHooks } from './wasm-hooks';
import {
  fixWorkerLocation,
  fixWorkerRelativeUrls,
  hookWorkerClose,
  installWorkerHook,
  isWorkerConfig,
  pageScriptUrl,
  WORKER_CONFIG_GLOBAL,
  type WorkerConfig,
} from './worker';

type AnyFn = (...args: unknown[]) => unknown;

export { TICK_MS } from './ticker';

export interface CoreHandle {
  realm: string;
  kind: RealmKind;
  queue: EventQueue;
  hooks: WasmHooks;
  /** Null only if installing the listeners failed (an unusual realm). */
  pageErrors: PageErrors | null;
}

/** True in a top-level window; false in a frame's (a realm we cannot tell: top-level). */
function isTopWindow(g: typeof globalThis): boolean {
  try {
    const w = g as unknown as { top?: unknown; window?: unknown };
    return w.top === null || w.top === undefined || w.top === w.window;
  } catch (e) {
    void e; // a browser that refuses to read top: say window, as before
    return true;
  }
}

/** Read and delete the mark the strict-site hint left (src/injected/strict-hint.iife.ts). */
function takeStrictHint(g: typeof globalThis): boolean {
  const d = getOwnPropertyDescriptor(g, STRICT_HINT_GLOBAL);
  if (!d) return false;
  deleteProperty(g, STRICT_HINT_GLOBAL);
  return d.value === true;
}

/** Read and delete the private worker config the blob prelude left (absent in windows). */
function takeWorkerConfig(g: typeof globalThis): WorkerConfig | null {
  const d = getOwnPropertyDescriptor(g, WORKER_CONFIG_GLOBAL);
  if (!d) return null;
  deleteProperty(g, WORKER_CONFIG_GLOBAL);
  return isWorkerConfig(d.value) ? d.value : null;
}

/**
 * Did the strict-document hint run in this window (src/injected/strict-hint.iife.ts)? It runs at
 * document_start like us, before or after us (separate registrations keep no order): its mark is
 * taken now, or when it announces it, from inside its dispatch. Either way before the page's first
 * script, so the page never sees the mark; the listener adds nothing the page can observe.
 */
function watchStrictHint(g: typeof globalThis): () => boolean {
  let seen = takeStrictHint(g);
  const et = (g as { EventTarget?: typeof EventTarget }).EventTarget;
  if (!seen && typeof (g as { document?: unknown }).document === 'object' && et) {
    const add = et.prototype.addEventListener as AnyFn;
    const remove = et.prototype.removeEventListener as AnyFn;
    const on = () => {
      if (!takeStrictHint(g)) return;
      seen = true;
      call(remove, g, STRICT_HINT_EVENT, on);
    };
    call(add, g, STRICT_HINT_EVENT, on);
  }
  return () => seen;
}

export function startCore(g: typeof globalThis = globalThis): CoreHandle | null {
  // First of all (even where we do nothing else): the strict-document hint's mark must not stay.
  const strictSite = watchStrictHint(g);
  if (typeof g.WebAssembly !== 'object' || g.WebAssembly === null) return null;
  const worker = takeWorkerConfig(g);
  // A worker inherits its parent's switch; a window gets it with the content script's `ack`.
  if (worker && worker.allocationTracking !== undefined) setAllocationTracking(worker.allocationTracking);
  const dom = saveDomOriginals(g);
  if (!dom) return null;

  // --- originals used on every path --------------------------------------------------
  const perf = g.performance;
  const perfNow = perf.now as AnyFn;
  const timeOrigin = perf.timeOrigin;
  const now = () => timeOrigin + call<number>(perfNow, perf);
  const setTimeoutO = g.setTimeout as AnyFn;
  const setIntervalO = g.setInterval as AnyFn;
  const clearIntervalO = g.clearInterval as AnyFn;
  const crypto = g.crypto;
  const getRandomValues = crypto.getRandomValues as AnyFn;
  const random = (b: Uint8Array) => void call(getRandomValues, crypto, b);
  const debug = g.console.debug as AnyFn;
  const consoleO = g.console;
  const locationHref = g.location.href;
  const baseUriGetter = g.Node ? savedGetter(g.Node.prototype, 'baseURI') : undefined;
  const doc = (g as { document?: Document }).document;

  // --- stacks ----------------------------------------------------------------------------
  const ownUrls: string[] = [];
  const alias = worker && worker.loadUrl !== undefined ? { from: worker.loadUrl, to: worker.url } : undefined;
  const stacks = stackTaker(OrigError, ownUrls, LIMITS.maxStack, alias);
  const ownUrl = firstFrameUrl(stacks.raw());
  if (ownUrl !== null) ownUrls[0] = ownUrl;
  setOwnUrls(ownUrls);
  const realmUrl = worker ? worker.url : locationHref;
  const stack = stacks.now;
  // In a worker started from a page blob: URL, the page's script runs from our copy of it
  // (worker.ts): its frames name the copy, a URL the page never made; name the page's own.
  const owner = (s: string) => pageScriptUrl(ownerUrl(s, ownUrls, worker ? worker.url : g.location.href), worker);

  // What the page's response-header policies allow our worker bootstrap: a window learns it from
  // the content script's ack (until then, its <meta> policies decide alone, see worker.ts); a
  // worker we started inherited policies that allowed it (src/shared/worker-policy.ts).
  let workerPolicy: WorkerPolicyVerdict | null = worker ? INSTRUMENT : null;

  // --- realm, queue, failures -------------------------------------------------------------
  const realm = newRealmId(random);
  const kind: RealmKind = worker ? 'worker' : isTopWindow(g) ? 'window' : 'frame';
  const queue = new EventQueue({ now, setTimer: (fn, ms) => void call(setTimeoutO, g, fn, ms) });
  let failures = 0;
  const fail = (where: string, e: unknown) => {
    failures++;
    if (failures <= 20) call(debug, consoleO, '[wasm-memory] internal:', where, e);
  };
  const live = new LiveKeys();
  const emit = worker
    ? (e: PageEvent) => {
        live.note(e);
        queue.push(e);
      }
    : (e: PageEvent) => queue.push(e);
  emit(
    worker
      ? { t: 'realm', time: now(), realm, kind, url: realmUrl.slice(0, LIMITS.maxString), parent: worker.parent }
      : { t: 'realm', time: now(), realm, kind, url: realmUrl.slice(0, LIMITS.maxString) },
  );

  // --- hooks -------------------------------------------------------------------------------
  // Each step is independent: one failing (an unusual realm) must not cost the others, nor the
  // channel.
  const step = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      fail(what, e);
    }
  };
  // Uncaught exceptions and unhandled rejections of this realm, from before the page's first
  // script (./page-errors.ts). `pageErrors.wasmFailed` is for the WebAssembly hooks' rejections.
  const pageErrors = ((): PageErrors | null => {
    try {
      return installPageErrors({ g, realm, now, emit, addListener: dom.addListener, fail });
    } catch (e) {
      fail('page errors', e);
      return null;
    }
  })();
  step('toString mask', () => maskToString(g.Function.prototype));
  const keys = new KeyAllocator(realm);
  let hooks!: WasmHooks;
  const sampler = new Sampler<WebAssembly.Memory>({
    readBytes: (m) => hooks.readBytes(m),
    makeRef: (m) => {
      const r = new OrigWeakRef(m);
      return { deref: () => call<WebAssembly.Memory | undefined>(weakRefDeref, r) };
    },
    now,
    defer: (fn) => void call(setTimeoutO, g, fn, 0),
  });
  // --- sampling ------------------------------------------------------------------------------
  const tickListeners: Array<() => void> = [];
  // Events the trackers emitted: a tick that saw some is busy (see ./ticker.ts).
  let trackerEvents = 0;
  // One sampling tick: memory sizes, then every tick listener (trackers' cumulative counters,
  // the page-error count). Run by the timer, and before a mark from the panel is recorded so a
  // mark always follows the counters as they were when it arrived (`record --gc` relies on it).
  const runTick = (): boolean => {
    const before = trackerEvents;
    try {
      const samples = sampler.tick();
      for (let i = 0; i < samples.length; i++) emit(samples[i]!);
    } catch (e) {
      fail('sample', e);
    }
    for (let i = 0; i < tickListeners.length; i++) {
      try {
        tickListeners[i]!();
      } catch (e) {
        fail('tick listener', e);
      }
    }
    return sampler.changedLastTick || trackerEvents !== before;
  };
  const ticker = new Ticker(
    { setInterval: (fn, ms) => call(setIntervalO, g, fn, ms), clearInterval: (h) => void call(clearIntervalO, g, h) },
    runTick,
  );
  if (pageErrors !== null) tickListeners[tickListeners.length] = () => pageErrors.tick();
  // The channels of the workers this realm started: each checked for silence on every tick,
  // until its worker ends (terminate() or its own close()).
  const workerLinks = new SafeSet<WorkerLink>();
  tickListeners[tickListeners.length] = () => {
    const time = now();
    workerLinks.forEach((link) => {
      if (!link.check(time)) workerLinks.delete(link);
    });
  };
  if (worker?.sampleIntervalMs !== undefined) {
    setSampleIntervalMs(worker.sampleIntervalMs);
    ticker.setFastRate(worker.sampleIntervalMs);
  }
  const wake = () => ticker.wake();
  // Any WebAssembly module, instance or memory in this realm: sample at the full rate.
  const hookEmit = (e: PageEvent) => {
    wake();
    emit(e);
  };
  // Allocation tracking inside wasm: every module whose allocator the rewriter recognises counts
  // its heap (and wasm-bindgen free calls) inside wasm. Off in this realm when the worker config
  // or the content script's settings say so (see allocationTracking()).
  // With the switch off, wasm-bindgen free exports still count their calls inside wasm (the
  // class counts need them); only the allocator is left alone.
  const callCounters = (name: string) => isFreeExportName(name);
  const rewrite = (bytes: Uint8Array): RewriteResult => {
    if (allocationTracking()) return rewriteModule(bytes, { allocators: true, callCounters, maxModuleBytes: MAX_REWRITE_BYTES });
    const r = rewriteModule(bytes, { allocators: false, callCounters, maxModuleBytes: MAX_REWRITE_BYTES });
    return r.ok
      ? { ok: true, bytes: r.bytes, layout: { ...r.layout, allocator: null, allocatorReason: TRACKING_OFF } }
      : { ok: false, reason: TRACKING_OFF };
  };
  hooks = new WasmHooks({ global: g, keys, emit: hookEmit, now, stack, owner, sampler, fail, rewrite, wasmFailed: pageErrors?.wasmFailed });
  step('WebAssembly hooks', () => hooks.install());
  if (worker) {
    step('worker relative URLs', () => fixWorkerRelativeUrls(g, worker.url));
    step('worker location', () => fixWorkerLocation(g, worker.url));
    step('worker close', () =>
      hookWorkerClose(
        g,
        () => {
          const collected = live.drain(now());
          for (let i = 0; i < collected.length; i++) queue.push(collected[i]!);
          queue.flush();
        },
        fail,
      ),
    );
  }
  step('Worker hook', () =>
    installWorkerHook({
      g,
      dom,
      queue,
      realm,
      bundleSource: () => ownSource(),
      baseUrl: () => (worker ? worker.url : doc && baseUriGetter ? call<string>(baseUriGetter, doc) : g.location.href),
      origin: g.origin,
      randomToken: () => newRealmId(random) + newRealmId(random),
      now,
      fail,
      // Until the handshake brings the header verdict (or when it could not know the headers),
      // a remembered strict site rules the bootstrap out (src/shared/strict-sites.ts).
      watch: (link) => void workerLinks.add(link),
      policy: () => (strictSite() && (workerPolicy === null || workerPolicy.instrument === 'unknown') ? REMEMBERED_STRICT : workerPolicy),
    }),
  );

  // --- trackers ----------------------------------------------------------------------------
  const ctx: InjectedContext = {
    realm,
    realmKind: kind,
    now,
    emit: (e) => {
      trackerEvents++;
      emit(e);
    },
    onInstance: (l) => hooks.onInstance(l),
    memoryKey: (m) => hooks.memoryKey(m),
    memoryMaxBytes: (m) => hooks.memoryMaxBytes(m),
    stack,
    stackLater: stacks.later,
    onTick: (l) => void (tickListeners[tickListeners.length] = l),
    wake,
  };
  try {
    installTrackers(ctx);
  } catch (e) {
    fail('installTrackers', e);
  }

  // --- channel ---------------------------------------------------------------------------------
  if (worker) startWorkerChannel({ g, dom, queue, now, fail, token: worker.token });
  else {
    startWindowChannel({
      g,
      dom,
      queue,
      now,
      fail,
      beforeMark: () => void runTick(),
      onWorkerPolicy: (v) => {
        workerPolicy ??= v;
      },
      onSettings: (s) => {
        setAllocationTracking(s.allocationTracking);
        if (s.sampleIntervalMs !== undefined) {
          setSampleIntervalMs(s.sampleIntervalMs);
          ticker.setFastRate(s.sampleIntervalMs);
        }
      },
    });
  }
  return { realm, kind, queue, hooks, pageErrors };
}
