/**
 * Replacement `instance.exports` objects. The spec freezes the real exports object, so a tracker
 * that wants to see calls of an export (malloc, __wbg_foo_free) hands the page a look-alike:
 * same keys in the same order, null prototype, frozen, every value identical except the
 * wrapped functions, which keep their `name` and `length`.
 */

import { rethrow, wrap } from '../core/transparent';

export type AnyFn = (...args: never[]) => unknown;

/** Errors thrown by trackers' after-call bookkeeping (never propagated to the page). */
export const exportWrapperStats = { errors: 0 };

/**
 * A wrapper of a wasm export function that calls `after(arg0, arg1, result)` once the original
 * returned. It is the core's transparent Proxy of the original (src/injected/core/transparent.ts):
 * same name and length, no `prototype`, not a constructor, `toString` prints the original's
 * `function 12() { [native code] }`, and an error thrown by the wasm code is rethrown without our
 * frame on top.
 */
export function wrapExport<F extends AnyFn>(original: F, after: (a: unknown, b: unknown, result: unknown) => void): F {
  const apply = Reflect.apply;
  const handler: ProxyHandler<F> = {
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
        exportWrapperStats.errors++;
        if (exportWrapperStats.errors === 1) console.debug('[wasm-memory] tracker error', err);
      }
      return result;
    },
  };
  return wrap(original, handler);
}

/**
 * A replacement exports object with `wrappers` substituted. Returns undefined when there is
 * nothing to substitute (the page then keeps the real object).
 */
export function replaceExports(
  exports: WebAssembly.Exports,
  wrappers: ReadonlyMap<string, unknown>,
): WebAssembly.Exports | undefined {
  if (wrappers.size === 0) return undefined;
  const out = Object.create(null) as Record<string, unknown>;
  for (const name of Object.keys(exports)) {
    const w = wrappers.get(name);
    out[name] = w !== undefined ? w : (exports as Record<string, unknown>)[name];
  }
  return Object.freeze(out) as WebAssembly.Exports;
}
