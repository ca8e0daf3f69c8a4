/**
 * Dedicated Workers: the page's `new Worker(url, options)` starts a worker that runs our core
 * first, then the page's script, from a blob:
 *
 *   self.__wasmMemoryWorker = {token, parent, url, type};   // read+deleted by the core
 *   <the injected bundle>
 *   importScripts(url)           // classic
 *   await import(url)            // module
 *
 * Right after construction the parent posts {[WORKER_PORT_TAG]: token} with a private port as
 * the worker's first message; the worker's core takes it before any page listener (see
 * channel.ts) and sends its batches there; the parent forwards them on its own port.
 *
 * Whenever wrapping is not possible or not faithful, the ORIGINAL Worker is constructed with the
 * page's own arguments, and a `worker-skipped` event says why (WorkerSkipReason): the page's
 * policies (a blob: worker inherits them, see src/shared/worker-policy.ts) from its response
 * headers (`policy()`, from the content script) and from its <meta> elements (read at each
 * construction), a CSP that already refused one of ours, no bundle source, data:/cross-origin
 * URLs, URL objects other than URL (TrustedScriptURL), accessor options, a constructor that
 * throws on our blob.
 *
 * While the header verdict is not known (a worker started before the handshake's ack, or a
 * document the service worker saw no headers for) the <meta> policies and the violation net
 * decide alone, as before header policies were read: such a worker IS instrumented unless they
 * rule it out. Known limitation (docs/TRANSPARENCY.md): under a header policy that forbids our
 * bootstrap, a worker started that early fails or runs under the inherited policy.
 */
import {
  apply,
  arrayMap,
  arraySlice,
  call,
  construct,
  getOwnPropertyDescriptor,
  JSONStringify,
  objectCreate,
  OrigURL,
  SafeWeakMap,
  savedGetter,
  sequence,
  stringSlice,
} from './intrinsics';
import { workerPolicyVerdict } from '../../shared/worker-policy';
import { LIMITS, type WorkerPolicyVerdict, type WorkerSkipReason } from '../../shared/protocol';
import { acceptWorkerPort, WORKER_PORT_TAG, type DomOriginals, type WorkerLink } from './channel';
import type { EventQueue } from './queue';
import { replaceConstructor, replaceGetter, replaceValue, replaceValueOnChain, rethrow, wrap } from './transparent';
import { isSampleInterval } from '../../shared/page-settings';
import { allocationTracking, sampleIntervalMs } from './settings';

type AnyFn = (...args: unknown[]) => unknown;

/** Name of the private global the blob prelude sets for the worker's core. */
export const WORKER_CONFIG_GLOBAL = '__wasmMemoryWorker';

export interface WorkerConfig {
  token: string;
  parent: string;
  /** The page's worker script URL (realm URL, base for relative URLs). */
  url: string;
  /** What the bootstrap loads, when not `url` (our copy of a page blob: URL, see below). */
  loadUrl?: string;
  type: 'classic' | 'module';
  /** The parent's allocation-tracking setting when the worker started (absent: on). */
  allocationTracking?: boolean;
  /** The parent's busy sampling interval (ms) when the worker started (absent: the default). */
  sampleIntervalMs?: number;
}

/**
 * Pure: the URL to name for a script URL seen in this realm's stacks: the page's worker script
 * URL where the frame is our copy of the page's blob: script (`loadUrl`), else `url` itself.
 */
export function pageScriptUrl(url: string, config: Pick<WorkerConfig, 'url' | 'loadUrl'> | null): string {
  return config !== null && config.loadUrl !== undefined && url === config.loadUrl ? config.url : url;
}

/** Pure: is `v` a well-formed worker config? */
export function isWorkerConfig(v: unknown): v is WorkerConfig {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.token === 'string' &&
    typeof c.parent === 'string' &&
    typeof c.url === 'string' &&
    (c.loadUrl === undefined || typeof c.loadUrl === 'string') &&
    (c.type === 'classic' || c.type === 'module') &&
    (c.allocationTracking === undefined || typeof c.allocationTracking === 'boolean') &&
    (c.sampleIntervalMs === undefined || isSampleInterval(c.sampleIntervalMs))
  );
}

/** Pure: our core for a worker: the private config, then the bundle. */
export function workerCore(config: WorkerConfig, bundleSource: string): string {
  return `self.${WORKER_CONFIG_GLOBAL} = ${JSONStringify(config)};\n${bundleSource}\n`;
}

/**
 * Pure: the blob script a worker starts from.
 * - classic: our core, then `importScripts(page script)`, synchronously.
 * - module: two STATIC imports, our core's module (`coreUrl`) first, then the page's module.
 *   Static, not `await import()`: the whole graph evaluates before the worker dispatches its
 *   first message, as without us (a dynamic import would leave a gap in which the page's
 *   `onmessage` is not yet set and early messages would be lost).
 */
export function workerBootstrap(config: WorkerConfig, bundleSource: string, coreUrl?: string): string {
  const target = config.loadUrl ?? config.url;
  if (config.type === 'module') {
    return `import ${JSONStringify(coreUrl ?? '')};\nimport ${JSONStringify(target)};\n`;
  }
  return `${workerCore(config, bundleSource)};importScripts(${JSONStringify(target)});\n`;
}

/** Pure: resolve `url` against `base`, or null when it does not parse. */
export function resolveUrl(url: string, base: string): string | null {
  try {
    return new OrigURL(url, base).href;
  } catch (e) {
    void e; // not a URL: the caller keeps the page's own arguments
    return null;
  }
}

export interface WorkerHookDeps {
  g: typeof globalThis;
  dom: DomOriginals;
  queue: EventQueue;
  realm: string;
  /**
   * The text of our bundle, to run first in a worker (see ./self-source.ts: the bundle's own
   * source, so nothing of the extension is web-accessible), or null when it is not known.
   */
  bundleSource(): string | null;
  /** Base for relative worker URLs (document.baseURI, or the worker script's URL). */
  baseUrl(): string;
  /** This realm's origin. */
  origin: string;
  randomToken(): string;
  now(): number;
  fail(where: string, e: unknown): void;
  /**
   * What the page's response-header policies allow (src/shared/worker-policy.ts), or null while
   * not known (then, as for an `unknown` verdict, the <meta> policies decide alone).
   */
  policy(): WorkerPolicyVerdict | null;
  /** Each instrumented worker's channel, to be checked on every tick (WorkerLink.check). */
  watch(link: WorkerLink): void;
}

export function installWorkerHook(d: WorkerHookDeps): boolean {
  const g = d.g;
  const W = (g as { Worker?: typeof Worker }).Worker;
  const XHR = (g as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest;
  const BlobC = g.Blob;
  const createObjectURL = OrigURL.createObjectURL;
  const revokeObjectURL = OrigURL.revokeObjectURL;
  if (typeof W !== 'function' || typeof createObjectURL !== 'function') return false;
  const workerPost = W.prototype.postMessage as AnyFn;
  const ends = new SafeWeakMap<Worker, { ended(): void }>();
  const hrefGetter = savedGetter(OrigURL.prototype, 'href');
  const TSU = (g as { TrustedScriptURL?: { prototype: object } }).TrustedScriptURL as (abstract new () => object) | undefined;
  const tsuToString = TSU ? (TSU.prototype as { toString?: AnyFn }).toString : undefined;
  const originGetter = savedGetter(OrigURL.prototype, 'origin');
  const xhrOpen = XHR?.prototype.open as AnyFn | undefined;
  const xhrSend = XHR?.prototype.send as AnyFn | undefined;
  const xhrText = XHR ? savedGetter(XHR.prototype, 'responseText') : undefined;
  const xhrStatus = XHR ? savedGetter(XHR.prototype, 'status') : undefined;
  let source: string | null | undefined;
  /** A JavaScript Blob of `text`; its parts go as our own sequence (see intrinsics.ts). */
  const scriptBlob = (text: string): Blob => new BlobC(sequence([text]) as unknown as BlobPart[], { type: 'text/javascript' });

  // A CSP that forbids blob: workers refuses ours asynchronously (a violation, then an error
  // event on the worker). From the first such violation on, workers are left unwrapped.
  let blobBlocked = false;
  const SPV = (g as { SecurityPolicyViolationEvent?: typeof SecurityPolicyViolationEvent }).SecurityPolicyViolationEvent;
  const blockedUri = SPV ? savedGetter(SPV.prototype, 'blockedURI') : undefined;
  const directive = SPV ? savedGetter(SPV.prototype, 'effectiveDirective') : undefined;
  if (blockedUri && directive) {
    call(
      d.dom.addListener,
      g,
      'securitypolicyviolation',
      (ev: Event) => {
        const uri = call<string>(blockedUri, ev);
        const dir = call<string>(directive, ev);
        if (
          uri.startsWith('blob') &&
          (dir === 'worker-src' || dir === 'script-src' || dir === 'script-src-elem' || dir === 'child-src' || dir === 'default-src')
        ) {
          blobBlocked = true;
        }
      },
      true,
    );
  }

  /** Text of `url`, read synchronously (our bundle; a page blob: URL), or null. */
  const readSync = (url: string, what: string): string | null => {
    if (!XHR || !xhrOpen || !xhrSend || !xhrText || !xhrStatus) return null;
    try {
      const x = new XHR();
      call(xhrOpen, x, 'GET', url, false);
      call(xhrSend, x);
      const status = call<number>(xhrStatus, x);
      if (status === 200 || status === 0) return call<string>(xhrText, x) || null;
    } catch (e) {
      d.fail(what, e);
    }
    return null;
  };
  const bundleSource = (): string | null => {
    if (source !== undefined) return source;
    try {
      source = d.bundleSource();
    } catch (e) {
      d.fail('bundle source', e);
      source = null;
    }
    return source;
  };

  interface Skip {
    skip: WorkerSkipReason;
    directive?: string;
    /** The resolved script URL, when known. */
    url?: string;
  }
  interface Plan {
    skip?: undefined;
    blobUrl: string;
    copyUrl: string | null;
    coreUrl: string | null;
    options: WorkerOptions;
    config: WorkerConfig;
  }
  // Policies declared in <meta> are readable: honour them before the first refusal.
  const doc = (g as { document?: Document }).document;
  const qsa = doc ? (g.Document.prototype.querySelectorAll as AnyFn) : undefined;
  const metaContent = g.HTMLMetaElement ? savedGetter(g.HTMLMetaElement.prototype, 'content') : undefined;
  /** The verdict of the page's <meta> policies, read now (a page may add one at any time). */
  const metaVerdict = (): WorkerPolicyVerdict | null => {
    if (!doc || !qsa || !metaContent) return null;
    const metas = call<ArrayLike<Element>>(qsa, doc, 'meta[http-equiv="Content-Security-Policy" i]');
    if (metas.length === 0) return null;
    const policies: string[] = [];
    for (let i = 0; i < metas.length; i++) policies[policies.length] = call<string>(metaContent, metas[i]);
    return workerPolicyVerdict(policies, []);
  };

  /** Why the page's policies rule our bootstrap out, or null when they allow it. */
  const policySkip = (): Skip | null => {
    if (blobBlocked) return { skip: 'csp-violation' };
    const header = d.policy();
    // Header policies that rule it out decide; allowing or not known (yet): the <meta> ones do.
    const v = header !== null && header.instrument === false ? header : metaVerdict();
    if (v === null || v.instrument !== false) return null;
    return v.directive !== undefined ? { skip: v.reason, directive: v.directive } : { skip: v.reason };
  };

  const plan = (args: unknown[]): Plan | Skip | null => {
    if (args.length < 1) return null; // the original throws its own TypeError
    const raw = args[0];
    let str: string | null = null;
    if (typeof raw === 'string') str = raw;
    else if (raw instanceof OrigURL && hrefGetter) str = call<string>(hrefGetter, raw);
    else if (TSU && tsuToString && raw instanceof TSU) str = call<string>(tsuToString, raw); // its URL, for the report
    const abs = str === null ? null : resolveUrl(str, d.baseUrl());
    const bySite = policySkip();
    if (bySite !== null) return abs !== null ? { ...bySite, url: abs } : bySite;
    if (abs === null || !originGetter) return { skip: 'url' }; // TrustedScriptURL and other objects
    const u = new OrigURL(abs);
    if (call<string>(originGetter, u) !== d.origin) return { skip: 'url', url: abs }; // data:, cross-origin
    const opts = args[1];
    const copy: Record<string, unknown> = {};
    const badOptions: Skip = { skip: 'options', url: abs };
    if (opts !== undefined && opts !== null) {
      if (typeof opts !== 'object') return badOptions;
      const names = ['type', 'name', 'credentials'];
      for (let i = 0; i < names.length; i++) {
        const k = names[i]!;
        const pd = getOwnPropertyDescriptor(opts, k);
        if (!pd) continue;
        if (!('value' in pd)) return badOptions; // accessors: do not read twice
        if (pd.value !== undefined) copy[k] = pd.value;
      }
    }
    const type = copy.type === undefined || copy.type === 'classic' ? 'classic' : copy.type === 'module' ? 'module' : null;
    if (type === null) return badOptions;
    if (copy.name !== undefined && typeof copy.name !== 'string') return badOptions;
    const src = bundleSource();
    if (src === null) return { skip: 'no-source', url: abs };
    const config: WorkerConfig = {
      token: d.randomToken(),
      parent: d.realm,
      url: abs,
      type,
      allocationTracking: allocationTracking(),
    };
    const ms = sampleIntervalMs();
    if (ms !== null) config.sampleIntervalMs = ms;
    // A page blob: URL is often revoked right after `new Worker(url)`, before our bootstrap
    // would load it: load a copy of its text, read now, instead.
    let copyUrl: string | null = null;
    if (abs.startsWith('blob:')) {
      const text = readSync(abs, 'page blob worker source');
      if (text === null) return { skip: 'blob-unreadable', url: abs };
      copyUrl = createObjectURL(scriptBlob(text));
      config.loadUrl = copyUrl;
    }
    let coreUrl: string | null = null;
    if (type === 'module') coreUrl = createObjectURL(scriptBlob(workerCore(config, src)));
    const blob = scriptBlob(workerBootstrap(config, src, coreUrl ?? undefined));
    const blobUrl = createObjectURL(blob);
    return { blobUrl, copyUrl, coreUrl, options: copy as WorkerOptions, config };
  };

  // Each reason, directive and URL is said once per realm (a pool may start thousands).
  // (A null-prototype record as the set: no method of the page's is called.)
  const said = objectCreate(null) as Record<string, true>;
  let saidCount = 0;
  const skipped = (k: Skip): void => {
    const url = call<string>(stringSlice, k.url ?? '', 0, LIMITS.maxString);
    const key = `${k.skip} ${k.directive ?? ''} ${url}`;
    if (said[key] === true || saidCount >= LIMITS.maxWorkerSkips) return;
    said[key] = true;
    saidCount++;
    d.queue.push(
      k.directive !== undefined
        ? {
            t: 'worker-skipped',
            time: d.now(),
            realm: d.realm,
            url,
            reason: k.skip,
            directive: call<string>(stringSlice, k.directive, 0, 64),
          }
        : { t: 'worker-skipped', time: d.now(), realm: d.realm, url, reason: k.skip },
    );
  };

  const handler: ProxyHandler<typeof Worker> = {
    construct(target, args, newTarget) {
      let p: Plan | Skip | null = null;
      try {
        p = plan(args);
      } catch (e) {
        d.fail('worker plan', e);
      }
      if (p !== null && p.skip !== undefined) skipped(p);
      else if (p !== null) {
        let w: Worker | null = null;
        try {
          w = construct(target, [p.blobUrl, p.options], newTarget) as Worker;
        } catch (e) {
          d.fail('blob worker refused, falling back to the original', e);
          skipped({ skip: 'refused', url: p.config.url });
          revokeObjectURL(p.blobUrl);
          if (p.copyUrl !== null) revokeObjectURL(p.copyUrl);
          if (p.coreUrl !== null) revokeObjectURL(p.coreUrl);
        }
        if (w !== null) {
          try {
            const mc = new d.dom.MessageChannel();
            const p1 = call<MessagePort>(d.dom.port1, mc);
            const p2 = call<MessagePort>(d.dom.port2, mc);
            const url = p.blobUrl;
            // The worker has loaded its whole script (graph) before it can receive its port.
            const copyUrl = p.copyUrl;
            const coreUrl = p.coreUrl;
            let revoked = false;
            call(d.dom.addListener, p1, 'message', () => {
              if (!revoked) {
                revoked = true;
                revokeObjectURL(url);
                if (copyUrl !== null) revokeObjectURL(copyUrl);
                if (coreUrl !== null) revokeObjectURL(coreUrl);
              }
            });
            const link = acceptWorkerPort(d.dom, p1, d.queue, d.now, p.config.url);
            ends.set(w, link);
            d.watch(link);
            call(workerPost, w, { [WORKER_PORT_TAG]: p.config.token }, sequence([p2]));
          } catch (e) {
            d.fail('worker port', e);
          }
          return w;
        }
      }
      try {
        return construct(target, args, newTarget) as Worker;
      } catch (e) {
        rethrow(e, handler.construct as AnyFn);
      }
    },
  };
  const WW = wrap(W, handler);
  replaceValueOnChain(g, 'Worker', WW);
  replaceConstructor(W, WW);

  // worker.terminate(): the worker's memories and instances are gone with it.
  const terminate = W.prototype.terminate as AnyFn;
  const terminateHandler: ProxyHandler<AnyFn> = {
    apply(target, thisArg, args) {
      let r: unknown;
      try {
        r = apply(target, thisArg, args);
      } catch (e) {
        rethrow(e, terminateHandler.apply as AnyFn);
      }
      const end = typeof thisArg === 'object' && thisArg !== null ? ends.get(thisArg as Worker) : undefined;
      if (end) {
        try {
          end.ended();
        } catch (e) {
          d.fail('worker terminate', e);
        }
      }
      return r;
    },
  };
  replaceValue(W.prototype, 'terminate', wrap(terminate, terminateHandler));
  return true;
}

/** The WorkerLocation attributes, all read-only accessors on WorkerLocation.prototype. */
const LOCATION_PARTS = ['href', 'origin', 'protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

/** Pure: the WorkerLocation attribute values of a worker script URL, or null if it does not parse. */
export function locationParts(url: string): Record<(typeof LOCATION_PARTS)[number], string> | null {
  let u: URL;
  try {
    u = new OrigURL(url);
  } catch {
    return null;
  }
  return {
    href: u.href,
    origin: u.origin,
    protocol: u.protocol,
    host: u.host,
    hostname: u.hostname,
    port: u.port,
    pathname: u.pathname,
    search: u.search,
    hash: u.hash,
  };
}

/**
 * Inside a blob-started worker: `self.location` reads as the page's worker script URL, as it
 * would without us (libraries derive asset URLs from it: Emscripten's scriptDirectory,
 * wasm-bindgen's no-modules `script_src`, `new URL(x, self.location)`).
 *
 * The realm's one WorkerLocation object stays the same object; the getters of
 * WorkerLocation.prototype (and its `toString`) become transparent wrappers that answer for that
 * object from the script URL and call the original for anything else (same errors).
 */
export function fixWorkerLocation(g: typeof globalThis, url: string): boolean {
  const WL = (g as unknown as { WorkerLocation?: { prototype?: object } }).WorkerLocation;
  const proto = WL?.prototype;
  const loc = (g as { location?: unknown }).location;
  const parts = locationParts(url);
  if (typeof proto !== 'object' || proto === null || typeof loc !== 'object' || loc === null || parts === null) return false;
  const answering = (value: string): ProxyHandler<AnyFn> => {
    const h: ProxyHandler<AnyFn> = {
      apply(t, thisArg, args) {
        if (thisArg === loc) return value;
        try {
          return apply(t, thisArg, args);
        } catch (e) {
          rethrow(e, h.apply as AnyFn);
        }
      },
    };
    return h;
  };
  let ok = true;
  for (let i = 0; i < LOCATION_PARTS.length; i++) {
    const key = LOCATION_PARTS[i]!;
    const d = getOwnPropertyDescriptor(proto, key);
    if (d === undefined || typeof d.get !== 'function') continue;
    ok = replaceGetter(proto, key, wrap(d.get as AnyFn, answering(parts[key]))) && ok;
  }
  const toString = getOwnPropertyDescriptor(proto, 'toString');
  if (toString !== undefined && typeof toString.value === 'function') {
    ok = replaceValue(proto, 'toString', wrap(toString.value as AnyFn, answering(parts.href))) && ok;
  }
  return ok;
}

/**
 * Inside a blob-started worker: relative URLs given to importScripts, fetch, `new Request`,
 * `new EventSource`, `new WebSocket` and XMLHttpRequest.open resolve against the page's worker
 * script URL, as they would have without us (the realm's own base URL is our blob: URL).
 */
export function fixWorkerRelativeUrls(g: typeof globalThis, base: string): void {
  /** A transparent handler that resolves argument `index`, when a string, for calls and `new`. */
  const mapArg = (index: number): ProxyHandler<AnyFn> => {
    const resolved = (args: unknown[]): unknown[] => {
      const a = arraySlice(args);
      const v = a[index];
      if (typeof v === 'string') {
        const r = resolveUrl(v, base);
        if (r !== null) a[index] = r;
      }
      return a;
    };
    const h: ProxyHandler<AnyFn> = {
      apply(t, thisArg, args) {
        const a = resolved(args);
        try {
          return apply(t, thisArg, a);
        } catch (e) {
          rethrow(e, h.apply as AnyFn);
        }
      },
      construct(t, args, newTarget) {
        const a = resolved(args);
        try {
          return construct(t, a, newTarget) as object;
        } catch (e) {
          rethrow(e, h.construct as AnyFn);
        }
      },
    };
    return h;
  };
  const imp = (g as { importScripts?: AnyFn }).importScripts;
  if (typeof imp === 'function') {
    const h: ProxyHandler<AnyFn> = {
      apply(t, thisArg, args) {
        const a = arrayMap(args, (v) => (typeof v === 'string' ? (resolveUrl(v, base) ?? v) : v));
        try {
          return apply(t, thisArg, a);
        } catch (e) {
          rethrow(e, h.apply as AnyFn);
        }
      },
    };
    replaceValueOnChain(g, 'importScripts', wrap(imp, h));
  }
  const f = (g as { fetch?: AnyFn }).fetch;
  if (typeof f === 'function') replaceValueOnChain(g, 'fetch', wrap(f, mapArg(0)));
  // Constructors whose first argument may be a relative URL string.
  const constructors = ['Request', 'EventSource', 'WebSocket'] as const;
  for (let i = 0; i < constructors.length; i++) {
    const name = constructors[i]!;
    const C = (g as unknown as Record<string, unknown>)[name];
    if (typeof C !== 'function') continue;
    const proxy = wrap(C as AnyFn, mapArg(0));
    replaceConstructor(C as { prototype?: unknown }, proxy);
    replaceValueOnChain(g, name, proxy);
  }
  const XHR = (g as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest;
  if (XHR) {
    const open = XHR.prototype.open as AnyFn;
    replaceValue(XHR.prototype, 'open', wrap(open, mapArg(1)));
  }
}

/**
 * Inside a worker: `self.close()` ends the realm; first send `collected` for everything still
 * alive (`drain`) and flush, since our FinalizationRegistry will never run.
 */
export function hookWorkerClose(g: typeof globalThis, drain: () => void, fail: (where: string, e: unknown) => void): void {
  const close = (g as { close?: AnyFn }).close;
  if (typeof close !== 'function') return;
  const h: ProxyHandler<AnyFn> = {
    apply(target, thisArg, args) {
      try {
        drain();
      } catch (e) {
        fail('worker close', e);
      }
      try {
        return apply(target, thisArg, args);
      } catch (e) {
        rethrow(e, h.apply as AnyFn);
      }
    },
  };
  replaceValueOnChain(g, 'close', wrap(close, h));
}
