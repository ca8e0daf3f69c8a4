/**
 * The exports a rewritten module gained (counters, the sampling table: ./wasm-rewrite.ts) are
 * ours: the page never sees them. Every name starts with HIDDEN_EXPORT_PREFIX, so any realm can
 * tell them apart, also for a module compiled in another realm and posted to this one.
 *
 * - `WebAssembly.Module.exports(m)` drops their descriptors (same order otherwise);
 * - `instance.exports` is a copy without them: same keys in the same order, null prototype,
 *   frozen, and every value IDENTICAL to the real one (the module's own wasm functions, memories,
 *   tables, globals: `Table.set`, `===` and type reflection behave as without us).
 */
import { HIDDEN_EXPORT_PREFIX } from './wasm-rewrite';
import { call, getOwnPropertyDescriptor, OrigProxy, ownKeys, stringStartsWith } from './intrinsics';

export function isHiddenExport(name: unknown): boolean {
  return typeof name === 'string' && (call(stringStartsWith, name, HIDDEN_EXPORT_PREFIX) as boolean);
}

const setPrototypeOf = Reflect.setPrototypeOf;
const freeze = Object.freeze;

/**
 * A copy of `exports` without the hidden ones, or undefined when there are none (the page then
 * keeps the real object).
 *
 * Glue reads `wasm.foo` on every call, so the copy must have fast properties, as the real
 * exports object has. It is an object spread of a proxy that lists only the visible keys, in
 * the real object's order, with the real values: V8 gives such a spread fast properties (seen
 * with %HasFastProperties in Chromium 156 for photon's 152 exports), and keeps them through the
 * null prototype and freeze below. A spread of the real object followed by `delete` of the
 * hidden keys (the earlier way) left a dictionary in Chromium 156, even deleting last-added
 * keys first: every `wasm.foo` read became a hash lookup, about 6 % of photon's
 * create/grayscale/free loop. The real object is a frozen ordinary object of data properties,
 * so reading it runs no page code; the proxy, its handler and the descriptors it gives are ours,
 * with null prototypes (a page's `Object.prototype.get` cannot turn a descriptor into an
 * accessor).
 */
export function withoutHidden(exports: WebAssembly.Exports): WebAssembly.Exports | undefined {
  const names = ownKeys(exports);
  const visible: (string | symbol)[] = [];
  let hidden = 0;
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    if (isHiddenExport(k)) hidden++;
    else visible[visible.length] = k;
  }
  if (hidden === 0) return undefined;
  const real = exports as Record<string | symbol, unknown>;
  const handler = {
    __proto__: null,
    ownKeys: () => visible,
    getOwnPropertyDescriptor: (_t: object, k: string | symbol) => ({
      __proto__: null,
      value: real[k],
      writable: true,
      enumerable: true,
      configurable: true,
    }),
    get: (_t: object, k: string | symbol) => real[k],
  } as ProxyHandler<object>;
  const out: Record<string, unknown> = { ...(new OrigProxy({}, handler) as Record<string, unknown>) };
  setPrototypeOf(out, null);
  return freeze(out) as WebAssembly.Exports;
}

/** `descriptors` without hidden exports (the same array when none is hidden). */
export function visibleDescriptors<T extends { name: string }>(descriptors: T[]): T[] {
  let hidden = 0;
  for (let i = 0; i < descriptors.length; i++) if (isHiddenExport(descriptors[i]?.name)) hidden++;
  if (hidden === 0) return descriptors;
  const out: T[] = [];
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors[i] as T;
    if (!isHiddenExport(d.name)) out[out.length] = d;
  }
  return out;
}

/** A hidden export of the real exports object, read without running page code. */
export function hiddenExport(exports: WebAssembly.Exports, name: string): unknown {
  const d = getOwnPropertyDescriptor(exports, HIDDEN_EXPORT_PREFIX + name);
  return d && 'value' in d ? d.value : undefined;
}
