/**
 * Transparent wrapping: replace a built-in with a Proxy of it, so that its name, length,
 * prototype, descriptors, `new`-ness and thrown errors stay the original's.
 *
 * What a bare Proxy does not give for free, and is fixed here:
 * - `Function.prototype.toString` of a callable Proxy prints "function () { [native code] }"
 *   in V8: `maskToString()` replaces toString by a Proxy of itself that prints the original
 *   target for every Proxy we made (itself included).
 * - `X.prototype.constructor` still points at the original: `replaceConstructor` repoints it.
 * - An error thrown by the original carries our trap as its top frame: `rethrow` re-captures
 *   the stack without our frame when (and only when) the top frame is ours.
 */
import {
  apply,
  call,
  captureStackTrace,
  defineProperty,
  deleteProperty,
  functionToString,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  ownKeys,
  OrigError,
  OrigProxy,
  SafeWeakMap,
  arrayIncludes,
  arrayJoin,
  arraySome,
} from './intrinsics';
import { frameUrl, parseStack } from './stacks';

type AnyFn = (...args: unknown[]) => unknown;

/** Proxy -> original target, for toString. */
const targets = new SafeWeakMap<object, object>();
let ownUrls: readonly string[] = [];

export function setOwnUrls(urls: readonly string[]): void {
  ownUrls = urls;
}

/** Is `f` one of our wrappers? */
export function isWrapper(f: unknown): boolean {
  return (typeof f === 'function' || (typeof f === 'object' && f !== null)) && targets.has(f as object);
}

/**
 * Register a plain function we made as a stand-in for `original`: the masked
 * Function.prototype.toString prints `original`'s text for it (see maskToString). The caller is
 * responsible for everything else the page can observe (name, length, own keys, not a constructor).
 */
export function disguise<T extends object>(fn: T, original: object): T {
  targets.set(fn, original);
  return fn;
}

/**
 * Make a plain function of ours (a method, so without `prototype` and not a constructor) a
 * stand-in for `original`: the same own properties with the same attributes in the same order
 * (`length`, `name`, and whatever else the original has), and `toString` printing the original's
 * text (disguise). Returns false, leaving `fn` unusable as a stand-in, when that cannot be done.
 */
export function lookAlike(fn: object, original: object): boolean {
  const keys = ownKeys(original);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const d = getOwnPropertyDescriptor(original, k);
    if (d === undefined || !defineProperty(fn, k, d)) return false;
  }
  const mine = ownKeys(fn);
  if (mine.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (mine[i] !== keys[i]) return false;
  disguise(fn, original);
  return true;
}

export function wrap<T extends object>(target: T, handler: ProxyHandler<T>): T {
  const p = new OrigProxy(target, handler);
  targets.set(p, target);
  return p;
}

/**
 * Remove our frames from an error's stack before the page sees it.
 * - The top frame is our trap `trap` (a native called from it threw): recapture the stack from
 *   the trap's caller, so it reads exactly as if the page had called the native itself (same
 *   frame count, and the page's Error.prepareStackTrace still formats it lazily).
 * - Otherwise (a native frame first, an error created synchronously but delivered through a
 *   promise rejection, or page code deeper down): rewrite the text without our lines, unless the
 *   page installed Error.prepareStackTrace (then the stack is left alone).
 */
export function scrubStack(e: unknown, trap: AnyFn | null): void {
  if (typeof e !== 'object' || e === null || ownUrls.length === 0) return;
  const d = getOwnPropertyDescriptor(e, 'stack');
  if (!d || !d.configurable) return;
  // V8 keeps `stack` as an own accessor (recent Chromium) or an own data property (older).
  // Reading formats and caches it; with the page's own Error.prepareStackTrace if it set one
  // (called once, as it would have been, only earlier), so the page still gets its format.
  let text: unknown;
  if (typeof d.get === 'function') text = call(d.get, e);
  else if ('value' in d) text = d.value;
  if (typeof text !== 'string') return;
  const frames = parseStack(text);
  if (!arraySome(frames, (f) => f.url !== null && arrayIncludes(ownUrls, f.url))) return;
  const first = frames[0];
  if (trap && captureStackTrace && first && first.url !== null && arrayIncludes(ownUrls, first.url)) {
    captureStackTrace(e, trap);
    return;
  }
  if (getOwnPropertyDescriptor(OrigError, 'prepareStackTrace')) return;
  const kept: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (t.startsWith('at ')) {
      const u = frameUrl(t);
      if (u !== null && arrayIncludes(ownUrls, u)) continue;
    }
    kept[kept.length] = line;
  }
  const rewritten = arrayJoin(kept, '\n');
  if (typeof d.set === 'function') call(d.set, e, rewritten);
  else if ('value' in d)
    defineProperty(e, 'stack', { value: rewritten, writable: d.writable, enumerable: d.enumerable, configurable: true });
}

/** Throw `e` again, without our frames in its stack (see scrubStack). */
export function rethrow(e: unknown, trap: AnyFn): never {
  try {
    scrubStack(e, trap);
  } catch (scrubFailure) {
    void scrubFailure; // whatever happens to our bookkeeping, the page gets ITS error, unchanged
  }
  throw e;
}

/**
 * Run `native` (a call or construct of the original a hook stands for) and return its result;
 * if it throws, tell `onError` (never throws into the page), then rethrow the same error without
 * our frames (see rethrow; `trap` is the hook's handler method). One helper for every hook
 * that is not on a hot path (the thunk costs a closure per call).
 */
export function callOrRethrow<T>(native: () => T, trap: AnyFn, onError?: (e: unknown) => void): T {
  try {
    return native();
  } catch (e) {
    if (onError !== undefined) {
      try {
        onError(e);
      } catch (ours) {
        void ours; // our bookkeeping never replaces the page's error
      }
    }
    return rethrow(e, trap);
  }
}

type ErrorCtor = ErrorConstructor & { prepareStackTrace?: unknown };

/** Run `fn` (which formats a stack) without the page's Error.prepareStackTrace being called. */
export function withoutPrepareStackTrace<T>(fn: () => T): T {
  const E = OrigError as ErrorCtor;
  const prep = getOwnPropertyDescriptor(E, 'prepareStackTrace');
  const unset = !!prep && !!prep.configurable;
  if (unset) deleteProperty(E, 'prepareStackTrace');
  try {
    return fn();
  } finally {
    if (unset && prep) defineProperty(E, 'prepareStackTrace', prep);
  }
}

/** Replace the value of a data property, keeping its attributes. */
export function replaceValue(obj: object, key: PropertyKey, value: unknown): boolean {
  const d = getOwnPropertyDescriptor(obj, key);
  if (!d || !('value' in d) || !d.configurable) return false;
  return defineProperty(obj, key, { value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
}

/** Replace a data property where it lives: on `obj` or the nearest prototype that has it. */
export function replaceValueOnChain(obj: object, key: PropertyKey, value: unknown): boolean {
  for (let o: object | null = obj; o !== null; o = getPrototypeOf(o) as object | null) {
    if (getOwnPropertyDescriptor(o, key)) return replaceValue(o, key, value);
  }
  return false;
}

/** Replace the getter of an accessor property, keeping its setter and attributes. */
export function replaceGetter(obj: object, key: PropertyKey, get: AnyFn): boolean {
  const d = getOwnPropertyDescriptor(obj, key);
  if (!d || typeof d.get !== 'function' || !d.configurable) return false;
  return defineProperty(obj, key, { get, set: d.set, enumerable: d.enumerable, configurable: d.configurable });
}

/** Point `ctor.prototype.constructor` (same attributes) at the wrapper. */
export function replaceConstructor(original: { prototype?: unknown }, wrapper: unknown): void {
  const proto = original.prototype;
  if (typeof proto === 'object' && proto !== null) {
    const d = getOwnPropertyDescriptor(proto, 'constructor');
    if (d && d.value === original) replaceValue(proto, 'constructor', wrapper);
  }
}

/** What V8 prints for any callable Proxy. */
const PROXY_TEXT = 'function () { [native code] }';

/**
 * Make Function.prototype.toString print our wrappers as their originals. Once per realm.
 * A function of ANOTHER realm (a same-origin frame, whose own core registered its wrappers there)
 * that prints as a Proxy is handed to that realm's own toString, when that one was replaced: `top.Function.prototype.toString.call(frame.WebAssembly.Memory)`
 * prints `function Memory() { [native code] }` as without us. (That realm's toString may be
 * the trackers' disguise on top of its core's mask: either way it knows its own wrappers.)
 */
export function maskToString(fnProto: object): void {
  const d = getOwnPropertyDescriptor(fnProto, 'toString');
  if (!d || d.value !== functionToString) return;
  let masked: AnyFn | null = null;
  const otherRealm = (thisArg: unknown, args: unknown[]): string | null => {
    if (typeof thisArg !== 'function') return null;
    // The nearest `toString` up the chain (Worker -> EventTarget -> that realm's Function.prototype).
    let other: unknown;
    for (let p = getPrototypeOf(thisArg) as object | null, n = 0; p !== null && n < 8; p = getPrototypeOf(p) as object | null, n++) {
      if (p === fnProto) return null;
      const od = getOwnPropertyDescriptor(p, 'toString');
      if (od) {
        other = od.value;
        break;
      }
    }
    if (typeof other !== 'function' || other === masked || other === functionToString) return null;
    const r = apply(other as AnyFn, thisArg, args);
    return typeof r === 'string' ? r : null;
  };
  const handler: ProxyHandler<AnyFn> = {
    apply(target, thisArg, args) {
      const t =
        typeof thisArg === 'function' || (typeof thisArg === 'object' && thisArg !== null) ? targets.get(thisArg as object) : undefined;
      let s: unknown;
      try {
        s = apply(target, t ?? thisArg, args);
      } catch (e) {
        rethrow(e, handler.apply as AnyFn);
      }
      if (s === PROXY_TEXT && t === undefined) {
        try {
          const r = otherRealm(thisArg, args);
          if (r !== null) return r;
        } catch (e) {
          void e; // the other realm's toString refused: keep what the native printed
        }
      }
      return s;
    },
  };
  masked = wrap(functionToString as AnyFn, handler);
  replaceValue(fnProto, 'toString', masked);
}
