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

export const ObjectFreeze = Object.freeze;
export const ObjectCreate = Object.create;
export const ArrayIsArray = Array.isArray;
export const JSONStringify = JSON.stringify;
export const MathMin = Math.min;
export const MathMax = Math.max;
export const MathFloor = Math.floor;
export const MathRandom = Math.random;
export const NumberIsFinite = Number.isFinite;

export const OrigProxy = Proxy;
export const OrigWeakMap = WeakMap;
export const OrigWeakSet = WeakSet;
export const OrigMap = Map;
export const OrigWeakRef = WeakRef;
export const OrigFinalizationRegistry = FinalizationRegistry;
export const OrigPromise = Promise;
export const OrigError = Error;
export const OrigTypeError = TypeError;
export const OrigURL = URL;
export const OrigSymbol = Symbol;

const WMp = WeakMap.prototype;
const WSp = WeakSet.prototype;
const Mp = Map.prototype;
export const weakMapGet = WMp.get;
export const weakMapSet = WMp.set;
export const weakMapHas = WMp.has;
export const weakSetAdd = WSp.add;
export const weakSetHas = WSp.has;
export const mapGet = Mp.get;
export const mapSet = Mp.set;
export const mapDelete = Mp.delete;
export const mapForEach = Mp.forEach;
export const weakRefDeref = WeakRef.prototype.deref;
export const finRegRegister = FinalizationRegistry.prototype.register;
export const promiseThen = Promise.prototype.then;
export const stringSlice = String.prototype.slice;
export const stringSplit = String.prototype.split;
export const stringIndexOf = String.prototype.indexOf;
export const stringStartsWith = String.prototype.startsWith;
export const regExpExec = RegExp.prototype.exec;
export const arrayJoin = Array.prototype.join;
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

/** A Map whose methods cannot be intercepted by the page. */
export class SafeMap<K, V> {
  private readonly m = new OrigMap<K, V>();
  get(k: K): V | undefined {
    return call<V | undefined>(mapGet, this.m, k);
  }
  set(k: K, v: V): void {
    call(mapSet, this.m, k, v);
  }
  delete(k: K): boolean {
    return call<boolean>(mapDelete, this.m, k);
  }
  forEach(fn: (v: V, k: K) => void): void {
    call(mapForEach, this.m, fn);
  }
  get size(): number {
    return this.m.size;
  }
}

/** Saved getter of a built-in accessor property, or undefined when it does not exist here. */
export function savedGetter(proto: object | undefined, key: PropertyKey): ((this: unknown) => unknown) | undefined {
  if (!proto) return undefined;
  const d = getOwnPropertyDescriptor(proto, key);
  return d?.get as ((this: unknown) => unknown) | undefined;
}

export const g: typeof globalThis = globalThis;
