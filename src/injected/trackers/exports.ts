/**
 * Replacement `instance.exports` objects. The spec freezes the real exports object, so a tracker
 * that wants to see calls of an export (malloc, __wbg_foo_free) hands the page a look-alike:
 * same keys in the same order, null prototype, frozen, every value identical except the
 * wrapped functions, which keep their `name` and `length`.
 */

import { lookAlike, rethrow, wrap } from '../core/transparent';

export type AnyFn = (...args: never[]) => unknown;

/** Errors thrown by trackers' after-call bookkeeping (never propagated to the page). */
export const exportWrapperStats = { errors: 0 };

/**
 * A wrapper of a wasm export function that calls `after(arg0, arg1, result)` once the original
 * returned. To the page it looks like the original: same name, length and own properties, no
 * `prototype`, not a constructor, `toString` prints the original's `function 12() { [native code] }`
 * (the core's toString mask, src/injected/core/transparent.ts), and an error thrown by the wasm
 * code is the same error object, rethrown without our frame on top.
 *
 * For wasm functions of at most eight parameters (every free / malloc / realloc / calloc export,
 * and wasm-bindgen constructor exports) the wrapper is a plain function (a method, so no
 * `prototype` and not constructible) that calls the original with exactly as many arguments as
 * it has parameters: wasm functions ignore `this` and extra arguments, and convert a missing one
 * exactly as `undefined`, so that is the same call. A plain call is several times
 * cheaper than a Proxy `apply` trap (no arguments array, no trap dispatch, and V8 can inline
 * the JS-to-wasm call), which matters on loops that create and free small objects. Anything else
 * (a re-exported JS function, more parameters) gets the core's transparent Proxy.
 */
export function wrapExport<F extends AnyFn>(original: F, after: (a: unknown, b: unknown, result: unknown) => void): F {
  return (plainWrapper(original, after) ?? proxyWrapper(original, after)) as F;
}

function noteAfterError(err: unknown): void {
  exportWrapperStats.errors++;
  if (exportWrapperStats.errors === 1) console.debug('[wasm-memory] tracker error', err);
}

const fnToString = Function.prototype.toString;
const { apply } = Reflect;

/** Most parameters of a wasm function that gets a plain wrapper (more: the Proxy). */
const MAX_PLAIN_PARAMS = 8;

/** A wasm exported function (`function 12() { [native code] }`) of at most MAX_PLAIN_PARAMS parameters? */
function isSmallWasmFunction(f: AnyFn): boolean {
  const name = f.name;
  if (typeof name !== 'string' || !/^[0-9]+$/.test(name) || !(f.length <= MAX_PLAIN_PARAMS)) return false;
  return apply(fnToString, f, []) === `function ${name}() { [native code] }`;
}

type Call = (...args: unknown[]) => unknown;

/**
 * A plain function named `name` that calls `call` with exactly `n` arguments (its own first `n`),
 * then `done(a, b, result)`; `fail(e)` rethrows an error of the call. Exactly `n`: a JS-to-wasm
 * call with more arguments than the function has parameters is not inlined by V8 and costs
 * ~5 ns more per call (measured in Node 20: 11-12 ns vs 6-7 ns for a one-parameter export).
 */
function exactArity(n: number, name: string, call: Call, done: (a: unknown, b: unknown, result: unknown) => unknown, fail: (e: unknown) => never): AnyFn | null {
  type U = unknown;
  switch (n) {
    case 0: return { [name](): U { let r: U; try { r = call(); } catch (e) { fail(e); } return done(undefined, undefined, r); } }[name] as AnyFn;
    case 1: return { [name](a: U): U { let r: U; try { r = call(a); } catch (e) { fail(e); } return done(a, undefined, r); } }[name] as AnyFn;
    case 2: return { [name](a: U, b: U): U { let r: U; try { r = call(a, b); } catch (e) { fail(e); } return done(a, b, r); } }[name] as AnyFn;
    case 3: return { [name](a: U, b: U, c: U): U { let r: U; try { r = call(a, b, c); } catch (e) { fail(e); } return done(a, b, r); } }[name] as AnyFn;
    case 4: return { [name](a: U, b: U, c: U, d: U): U { let r: U; try { r = call(a, b, c, d); } catch (e) { fail(e); } return done(a, b, r); } }[name] as AnyFn;
    case 5: return { [name](a: U, b: U, c: U, d: U, e: U): U { let r: U; try { r = call(a, b, c, d, e); } catch (x) { fail(x); } return done(a, b, r); } }[name] as AnyFn;
    case 6: return { [name](a: U, b: U, c: U, d: U, e: U, f: U): U { let r: U; try { r = call(a, b, c, d, e, f); } catch (x) { fail(x); } return done(a, b, r); } }[name] as AnyFn;
    case 7: return { [name](a: U, b: U, c: U, d: U, e: U, f: U, g: U): U { let r: U; try { r = call(a, b, c, d, e, f, g); } catch (x) { fail(x); } return done(a, b, r); } }[name] as AnyFn;
    case 8: return { [name](a: U, b: U, c: U, d: U, e: U, f: U, g: U, h: U): U { let r: U; try { r = call(a, b, c, d, e, f, g, h); } catch (x) { fail(x); } return done(a, b, r); } }[name] as AnyFn;
    default: return null;
  }
}

function plainWrapper(original: AnyFn, after: (a: unknown, b: unknown, result: unknown) => void): AnyFn | null {
  try {
    if (!isSmallWasmFunction(original)) return null;
    const done = (a: unknown, b: unknown, result: unknown): unknown => {
      try {
        after(a, b, result);
      } catch (err) {
        noteAfterError(err);
      }
      return result;
    };
    const fail = (e: unknown): never => rethrow(e, wrapper as (...a: unknown[]) => unknown);
    const wrapper = exactArity(original.length, original.name, original as unknown as Call, done, fail);
    if (wrapper === null) return null;
    // Same own properties, same attributes, same order as the original (V8 gives wasm functions
    // `length`, `name`, and non-configurable `arguments` / `caller` data properties).
    if (!lookAlike(wrapper, original)) return null;
    return wrapper;
  } catch (err) {
    noteAfterError(err);
    return null;
  }
}

/** The core's transparent Proxy of the original, for exports the plain wrapper does not fit. */
function proxyWrapper(original: AnyFn, after: (a: unknown, b: unknown, result: unknown) => void): AnyFn {
  const handler: ProxyHandler<AnyFn> = {
    apply(target, thisArg, args: unknown[]) {
      let result: unknown;
      try {
        result = apply(target, thisArg, args);
      } catch (e) {
        rethrow(e, handler.apply as (...a: unknown[]) => unknown);
      }
      try {
        after(args[0], args[1], result);
      } catch (err) {
        noteAfterError(err);
      }
      return result;
    },
  };
  return wrap(original, handler);
}

const setPrototypeOf = Reflect.setPrototypeOf;
const freeze = Object.freeze;
const hasOwn = Object.hasOwn;

/**
 * A replacement exports object with `wrappers` substituted. Returns undefined when there is
 * nothing to substitute (the page then keeps the real object).
 *
 * Built as a copy (`{ ...exports }`), not by adding keys to `Object.create(null)`: V8 gives the
 * real exports object fast properties, and so does an object spread of it, while an object
 * grown key by key from a null-prototype object is a dictionary. Glue reads `wasm.foo` on every
 * call; from a dictionary each read is a hash lookup, and TurboFan can neither constant-fold
 * the (frozen) function nor inline the JS-to-wasm call. The copy keeps the real object's key
 * order; replacing existing values keeps its shape; then, like the original, it gets a null
 * prototype and is frozen.
 */
export function replaceExports(
  exports: WebAssembly.Exports,
  wrappers: ReadonlyMap<string, unknown>,
): WebAssembly.Exports | undefined {
  if (wrappers.size === 0) return undefined;
  const out: Record<string, unknown> = { ...(exports as Record<string, unknown>) };
  for (const [name, w] of wrappers) if (hasOwn(out, name)) out[name] = w;
  setPrototypeOf(out, null);
  return freeze(out) as WebAssembly.Exports;
}
