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
  call,
  captureStackTrace,
  defineProperty,
  functionToString,
  getOwnPropertyDescriptor,
  OrigProxy,
  SafeWeakMap,
} from './intrinsics';
import { topFrameIsOwn } from './stacks';

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

export function wrap<T extends object>(target: T, handler: ProxyHandler<T>): T {
  const p = new OrigProxy(target, handler);
  targets.set(p, target);
  return p;
}

/**
 * Throw `e` again; if the error was thrown by a native function that our trap `trap` called
 * directly (its top frame is ours), recapture its stack without our frames first, so that it
 * reads as if the page had called the native itself.
 */
export function rethrow(e: unknown, trap: AnyFn): never {
  if (captureStackTrace && typeof e === 'object' && e !== null) {
    const d = getOwnPropertyDescriptor(e, 'stack');
    if (d && typeof d.value === 'string' && d.writable && d.configurable && topFrameIsOwn(d.value, ownUrls)) {
      captureStackTrace(e, trap);
    }
  }
  throw e;
}

/** Replace the value of a data property, keeping its attributes. */
export function replaceValue(obj: object, key: PropertyKey, value: unknown): boolean {
  const d = getOwnPropertyDescriptor(obj, key);
  if (!d || !('value' in d) || !d.configurable) return false;
  return defineProperty(obj, key, { value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
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

/** Make Function.prototype.toString print our wrappers as their originals. Once per realm. */
export function maskToString(fnProto: object): void {
  const d = getOwnPropertyDescriptor(fnProto, 'toString');
  if (!d || d.value !== functionToString) return;
  const handler: ProxyHandler<AnyFn> = {
    apply(target, thisArg, args) {
      const t = (typeof thisArg === 'function' || (typeof thisArg === 'object' && thisArg !== null)) ? targets.get(thisArg as object) : undefined;
      try {
        return call(target, t ?? thisArg, ...args);
      } catch (e) {
        rethrow(e, handler.apply as AnyFn);
      }
    },
  };
  const masked = wrap(functionToString as AnyFn, handler);
  replaceValue(fnProto, 'toString', masked);
}
