/**
 * Originals of every built-in the injected core uses, saved when the core starts (before the
 * page's first script, and before the trackers hook anything). Later patches of globals by the
 * page (or by a tracker) can neither break the core nor observe it calling them.
 *
 * Methods are stored unbound and called through `call(fn, thisArg, ...args)` (the saved
 * Reflect.apply), so no lookup on a page-reachable prototype happens at call time.
 */

/* Captured at module evaluation, i.e. the moment the bundle runs. */
const R = Reflect;
export const apply = R.apply;
export const construct = R.construct;
export const defineProperty = R.defineProperty;
export const getOwnPropertyDescriptor = R.getOwnPropertyDescriptor;
export const deleteProperty = R.deleteProperty;
export const ownKeys = R.ownKeys;
export const getPrototypeOf = R.getPrototypeOf;

export const JSONStringify = JSON.stringify;
export const objectCreate = Object.create;
export const MathMax = Math.max;
export const MathFloor = Math.floor;
export const MathRandom = Math.random;

export const OrigProxy = Proxy;
export const OrigWeakMap = WeakMap;
export const OrigWeakRef = WeakRef;
export const OrigFinalizationRegistry = FinalizationRegistry;
export const OrigPromise = Promise;
export const OrigError = Error;
export const OrigURL = URL;
export const OrigSymbol = Symbol;

const WMp = WeakMap.prototype;
const weakMapGet = WMp.get;
const weakMapSet = WMp.set;
const weakMapHas = WMp.has;
export const weakRefDeref = WeakRef.prototype.deref;
export const promiseThen = Promise.prototype.then;
export const stringSlice = String.prototype.slice;
export const stringIndexOf = String.prototype.indexOf;
export const stringStartsWith = String.prototype.startsWith;
export const regExpExec = RegExp.prototype.exec;
export const functionToString = Function.prototype.toString;

export const captureStackTrace: ((target: object, ctor?: unknown) => void) | undefined = (
  OrigError as unknown as { captureStackTrace?: (target: object, ctor?: unknown) => void }
).captureStackTrace;

/** Typed wrapper of the saved Reflect.apply. */
export function call<T>(fn: unknown, thisArg: unknown, ...args: unknown[]): T {
  return apply(fn as (...a: unknown[]) => T, thisArg, args);
}

/** A WeakMap whose methods cannot be intercepted by the page. */
export class SafeWeakMap<K extends object, V> {
  private readonly m = new OrigWeakMap<K, V>();
  get(k: K): V | undefined {
    return call<V | undefined>(weakMapGet, this.m, k);
  }
  set(k: K, v: V): void {
    call(weakMapSet, this.m, k, v);
  }
  has(k: K): boolean {
    return call<boolean>(weakMapHas, this.m, k);
  }
}

/** Saved getter of a built-in accessor property, or undefined when it does not exist here. */
export function savedGetter(proto: object | undefined, key: PropertyKey): ((this: unknown) => unknown) | undefined {
  if (!proto) return undefined;
  const d = getOwnPropertyDescriptor(proto, key);
  return d?.get as ((this: unknown) => unknown) | undefined;
}

export const g: typeof globalThis = globalThis;
