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
import { call, getOwnPropertyDescriptor, ownKeys, stringStartsWith } from './intrinsics';

export function isHiddenExport(name: unknown): boolean {
  return typeof name === 'string' && (call(stringStartsWith, name, HIDDEN_EXPORT_PREFIX) as boolean);
}

const setPrototypeOf = Reflect.setPrototypeOf;
const freeze = Object.freeze;

/**
 * A copy of `exports` without the hidden ones, or undefined when there are none (the page then
 * keeps the real object).
 *
 * Built as a spread copy, then hidden keys deleted (last first, see below): V8 gives the real
 * exports object fast properties, and so does an object spread of it; glue reads `wasm.foo` on
 * every call. The copy keeps the real object's key order and, like the original, gets a null
 * prototype and is frozen.
 */
export function withoutHidden(exports: WebAssembly.Exports): WebAssembly.Exports | undefined {
  let any = false;
  const names = ownKeys(exports);
  for (let i = 0; i < names.length; i++) {
    if (isHiddenExport(names[i]!)) {
      any = true;
      break;
    }
  }
  if (!any) return undefined;
  const out: Record<string, unknown> = { ...(exports as Record<string, unknown>) };
  // Deleted last first: the rewriter appends its exports, so each delete removes the property
  // added last, which V8 undoes in place and the copy keeps fast properties. Deleting any other
  // property turns the object into a dictionary, and every `wasm.foo` read of the glue into a
  // hash lookup (measured in Node with %HasFastProperties: forward order, dictionary).
  const keys = ownKeys(out);
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i];
    if (isHiddenExport(k)) delete out[k as string];
  }
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
