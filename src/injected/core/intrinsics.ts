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
export const ObjectKeys = Object.keys;
export const MathMax = Math.max;
export const MathFloor = Math.floor;
export const MathRandom = Math.random;

export const OrigProxy = Proxy;
export const OrigWeakRef = WeakRef;
export const OrigFinalizationRegistry = FinalizationRegistry;
export const OrigPromise = Promise;
export const OrigError = Error;
export const OrigURL = URL;
export const OrigSymbol = Symbol;
export const ArrayIsArray = Array.isArray;

export const weakRefDeref = WeakRef.prototype.deref;
export const promiseThen = Promise.prototype.then;
export const stringSlice = String.prototype.slice;
export const stringIndexOf = String.prototype.indexOf;
export const stringStartsWith = String.prototype.startsWith;
export const regExpExec = RegExp.prototype.exec;
export const functionToString = Function.prototype.toString;
const arraySort = Array.prototype.sort;

export const captureStackTrace: ((target: object, ctor?: unknown) => void) | undefined = (
  OrigError as unknown as { captureStackTrace?: (target: object, ctor?: unknown) => void }
).captureStackTrace;

/** Typed wrapper of the saved Reflect.apply. */
export function call<T>(fn: unknown, thisArg: unknown, ...args: unknown[]): T {
  return apply(fn as (...a: unknown[]) => T, thisArg, args);
}

// --- collections the page cannot reach ------------------------------------------------------
//
// Safe* are subclasses of the original collections whose prototype holds, as OWN properties,
// the original methods and accessors (`size`) of Map/Set/WeakMap/WeakSet.prototype, copied when
// the bundle runs: `m.get(k)` finds our copy before the page-reachable prototype, and is the
// native method (no wrapper on hot paths). Their iterators are NOT copied (an iterator's `next`
// lives on a page-reachable prototype): `keys/values/entries/@@iterator` are undefined on them,
// so for...of or spread over one throws in our tests; iterate with `forEach` (the original,
// which iterates internally). Construction takes no iterable (that would call the adder).

const ITERATION: readonly PropertyKey[] = ['keys', 'values', 'entries', Symbol.iterator];

function makeSafe(unsafe: { prototype: object }, safe: { prototype: object }): void {
  const keys = ownKeys(unsafe.prototype);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as PropertyKey;
    if (k === 'constructor') continue;
    let iteration = false;
    for (let j = 0; j < ITERATION.length; j++) if (ITERATION[j] === k) iteration = true;
    const d = getOwnPropertyDescriptor(unsafe.prototype, k);
    if (!d) continue;
    defineProperty(safe.prototype, k, iteration ? { value: undefined, writable: false, enumerable: false, configurable: false } : d);
  }
}

/** A Map whose methods the page cannot replace. Iterate with `forEach` only. */
export class SafeMap<K, V> extends Map<K, V> {
  constructor() {
    super();
  }
}
makeSafe(Map, SafeMap);

/** A Set whose methods the page cannot replace. Iterate with `forEach` only. */
export class SafeSet<T> extends Set<T> {
  constructor() {
    super();
  }
}
makeSafe(Set, SafeSet);

/** A WeakMap whose methods the page cannot replace. */
export class SafeWeakMap<K extends WeakKey, V> extends WeakMap<K, V> {
  constructor() {
    super();
  }
}
makeSafe(WeakMap, SafeWeakMap);

/** A WeakSet whose methods the page cannot replace. */
export class SafeWeakSet<T extends WeakKey> extends WeakSet<T> {
  constructor() {
    super();
  }
}
makeSafe(WeakSet, SafeWeakSet);

// --- arrays ----------------------------------------------------------------------------------
//
// Our own arrays are plain arrays, but no method of Array.prototype is called on them after
// start-up, nor is anything iterated with the iterator protocol (for...of, spread, array
// destructuring: Array.prototype[@@iterator] and %ArrayIteratorPrototype%.next are the page's).
// Append with `a[a.length] = x` (arrays are never given index accessors by us; a page that puts
// index accessors on Array.prototype is not defended against). The helpers below are loops, so
// no species constructor (`a.constructor[@@species]`) is ever read.

/** `a.slice(start, end)`, a plain copy. */
export function arraySlice<T>(a: ArrayLike<T>, start = 0, end = a.length): T[] {
  const out: T[] = [];
  const e = end > a.length ? a.length : end;
  for (let i = start < 0 ? 0 : start; i < e; i++) out[out.length] = a[i] as T;
  return out;
}

/** `a.map(fn)`. */
export function arrayMap<T, U>(a: ArrayLike<T>, fn: (v: T, i: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < a.length; i++) out[i] = fn(a[i] as T, i);
  return out;
}

/** `a.filter(fn)`. */
export function arrayFilter<T>(a: ArrayLike<T>, fn: (v: T) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) if (fn(a[i] as T)) out[out.length] = a[i] as T;
  return out;
}

/** `a.some(fn)`. */
export function arraySome<T>(a: ArrayLike<T>, fn: (v: T) => boolean): boolean {
  for (let i = 0; i < a.length; i++) if (fn(a[i] as T)) return true;
  return false;
}

/** `a.indexOf(v)` (strict equality). */
export function arrayIndexOf<T>(a: ArrayLike<T>, v: T): number {
  for (let i = 0; i < a.length; i++) if (a[i] === v) return i;
  return -1;
}

/** `a.includes(v)` for values that are never NaN (strict equality). */
export function arrayIncludes<T>(a: ArrayLike<T>, v: T): boolean {
  return arrayIndexOf(a, v) >= 0;
}

/** `a.join(sep)` of strings. */
export function arrayJoin(a: ArrayLike<string>, sep: string): string {
  let s = '';
  for (let i = 0; i < a.length; i++) s = i === 0 ? (a[i] as string) : s + sep + (a[i] as string);
  return s;
}

/** `a.sort(compare)` in place, by the saved original (it reads and writes indices only). */
export function arraySortInPlace<T>(a: T[], compare: (x: T, y: T) => number): T[] {
  call(arraySort, a, compare);
  return a;
}

/**
 * An iterable over `items` that the page cannot intercept, for Web APIs that take a WebIDL
 * sequence (`new Blob(parts)`, `postMessage(message, transfer)`): those iterate their argument
 * with the iterator protocol, which for a plain array is Array.prototype[@@iterator] and
 * %ArrayIteratorPrototype%.next, the page's. Ours are own properties of fresh objects.
 */
export function sequence<T>(items: readonly T[]): Iterable<T> {
  return {
    [OrigSymbol.iterator]: () => {
      let i = 0;
      return {
        next: (): IteratorResult<T> => (i < items.length ? { value: items[i++] as T, done: false } : { value: undefined, done: true }),
      };
    },
  };
}

/** Saved getter of a built-in accessor property, or undefined when it does not exist here. */
export function savedGetter(proto: object | undefined, key: PropertyKey): ((this: unknown) => unknown) | undefined {
  if (!proto) return undefined;
  const d = getOwnPropertyDescriptor(proto, key);
  return d?.get as ((this: unknown) => unknown) | undefined;
}

export const g: typeof globalThis = globalThis;
