/**
 * Replacement `instance.exports` objects. The spec freezes the real exports object, so a tracker
 * that wants to see calls of an export (malloc, __wbg_foo_free) hands the page a look-alike:
 * same keys in the same order, null prototype, frozen, every value identical except the
 * wrapped functions, which keep their `name` and `length`.
 */

export type AnyFn = (...args: never[]) => unknown;

/** Give `wrapper` the `name` and `length` of `original` (wasm export functions are named by index). */
export function likeOriginal<F extends object>(wrapper: F, original: AnyFn): F {
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  return wrapper;
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
