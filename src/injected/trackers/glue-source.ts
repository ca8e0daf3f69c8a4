/**
 * Pure reading of wasm-bindgen glue: which free export a piece of glue source calls, which glue
 * generation made a registry, whether a class source registers every object it makes, and the
 * pointers held in glue objects and registry cells. No state, no page globals touched beyond
 * own-property reads. The glue generations these recognise: docs/GLUE-VERSIONS.md.
 */
import { getOwnPropertyDescriptor, ObjectKeys } from '../core/intrinsics';

const FREE_EXPORT = /__wbg_([A-Za-z0-9_$]+?)_free\b/;
/** A cleanup callback of glue 0.2.93+: the free export called with the finalizer flag, `(ptr >>> 0, 1)`. */
const FREE_WITH_FLAG = /__wbg_[A-Za-z0-9_$]+?_free\(\s*[^(),]+,\s*1\s*\)/;
/** A cleanup callback of glue 0.2.85 to 0.2.92 (the `__wbg_ptr` era, registry emitted): `(ptr >>> 0)`. */
const FREE_UNSIGNED = /__wbg_[A-Za-z0-9_$]+?_free\(\s*[^(),]+>>>\s*0\s*\)/;

/**
 * Which glue made a wasm-bindgen registry, from its cleanup callback source:
 * - `flagged`: 0.2.93+ (the free export gets the finalizer flag): every object is registered, and
 *   `__destroy_into_raw()` unregisters it, so an unregister() that removed a cell is a release.
 * - `unsigned`: 0.2.85 to 0.2.92 (`ptr >>> 0`, one argument; the registry is always emitted from
 *   0.2.91): `__destroy_into_raw()` unregisters too, but objects made by `new` in 0.2.88 to
 *   0.2.92 were never registered, so for a class that has such objects a release is told from a
 *   second free() by a private mark on the released object (see Released).
 * - `old`: anything else (older `--weak-refs` glue, or unrecognised): releases are counted by
 *   the free export's calls, counted inside wasm.
 */

export type RegistryGlue = 'flagged' | 'unsigned' | 'old';

export function registryGlue(source: string): RegistryGlue {
  if (FREE_WITH_FLAG.test(source)) return 'flagged';
  if (FREE_UNSIGNED.test(source)) return 'unsigned';
  return 'old';
}

/** The free export a piece of glue source calls (`__wbg_foo_free`), or null. */
export function freeExportIn(source: string): string | null {
  const m = FREE_EXPORT.exec(source);
  return m ? `__wbg_${m[1]}_free` : null;
}

/** Is `name` a wasm-bindgen class free export? */
export function isFreeExportName(name: string): boolean {
  return /^__wbg_[A-Za-z0-9_$]+_free$/.test(name);
}

/** A wasm pointer as a non-negative integer, or -1 when `v` is not one. */
export function toPtr(v: unknown): number {
  if (typeof v === 'number') return v >>> 0 === v || (v | 0) === v ? v >>> 0 : -1;
  if (typeof v === 'bigint') return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
  return -1;
}

/** The pointer an object of any glue generation holds now (own `__wbg_ptr` or `ptr` data property; -1: none). */
export function pointerFieldOf(obj: object): number {
  const d = getOwnPropertyDescriptor(obj, '__wbg_ptr') ?? getOwnPropertyDescriptor(obj, 'ptr');
  return d !== undefined && 'value' in d ? toPtr(d.value) : -1;
}

/**
 * The pointer in a registry held value: a bare number, or an object such as `{ ptr, instance }`
 * or one pointer field per class (0.2.121+ `extends`). Reads own data properties only.
 */
export function ptrOfHeld(held: unknown): number {
  const direct = toPtr(held);
  if (direct >= 0) return direct;
  if (typeof held !== 'object' || held === null) return -1;
  const own = (k: string): number => {
    const d = getOwnPropertyDescriptor(held, k);
    return d && 'value' in d ? toPtr(d.value) : -1;
  };
  const p = own('ptr');
  if (p >= 0) return p;
  const wbg = own('__wbg_ptr');
  if (wbg >= 0) return wbg;
  const keys = ObjectKeys(held);
  for (let i = 0; i < keys.length && i < 8; i++) {
    const q = own(keys[i]!);
    if (q > 0) return q;
  }
  return -1;
}

/** Glue source, scanned for pointer-field assignments (`obj.__wbg_ptr = ...`, `=` not `==`). */
const PTR_ASSIGN = /\.__wbg_ptr\s*=(?!=)\s*([^;,\n}]*)/g;
/** What follows an assignment in glue that registers: `;  FooFinalization.register(` (or `,n.register(` minified). */
const THEN_REGISTER = /^\s*[;,]?\s*[A-Za-z_$][\w$]*\.register\(/;

/**
 * Does this class source register every object it gives a pointer? True when it assigns a
 * non-zero `__wbg_ptr` at least once and every such assignment is immediately followed by a
 * `<name>.register(` call. Zeroing assignments (`this.__wbg_ptr = 0`, in `__destroy_into_raw`) do
 * not count. False for old glue (`ptr` field) and for 0.2.88 to 0.2.92 constructors.
 */
export function registersEveryPointer(source: string): boolean {
  const { nonZero, allRegistered } = pointerAssignments(source);
  return nonZero > 0 && allRegistered;
}

/** The non-zero `__wbg_ptr` assignments in glue source, and whether each is followed by `.register(`. */
function pointerAssignments(source: string): { nonZero: number; allRegistered: boolean } {
  const re = new RegExp(PTR_ASSIGN.source, 'g');
  let nonZero = 0;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    const rhs = (m[1] ?? '').trim();
    if (rhs === '0') continue;
    nonZero++;
    const end = m.index + m[0].length;
    if (!THEN_REGISTER.test(source.slice(end, end + 200))) return { nonZero, allRegistered: false };
  }
  return { nonZero, allRegistered: true };
}

/** Old glue (`ptr` field) class source, scanned for pointer-field assignments (`obj.ptr = ...`). */
const OLD_PTR_ASSIGN = /\.ptr\s*=(?!=)\s*([^;,\n}]*)/g;

/**
 * Does this old-glue class source (`ptr` field, <= 0.2.84) make every object through its static
 * `__wrap(ptr)`? True when it has a `static __wrap(`, no `__wbg_ptr`, and exactly one non-zero
 * `.ptr` assignment, inside `__wrap` (within its first 200 characters). Then counting the calls
 * of `__wrap` counts every object (top-level glue functions call `Foo.__wrap(ret)` too).
 */
export function wrapsEveryPointer(source: string): boolean {
  if (source.includes('__wbg_ptr')) return false;
  const wrapAt = source.indexOf('static __wrap(');
  if (wrapAt < 0) return false;
  const re = new RegExp(OLD_PTR_ASSIGN.source, 'g');
  let found = -1;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    if ((m[1] ?? '').trim() === '0') continue;
    if (found >= 0) return false;
    found = m.index;
  }
  return found > wrapAt && found - wrapAt < 200;
}

export function classNameFromExport(freeExport: string): string {
  return freeExport.slice('__wbg_'.length, -'_free'.length);
}

/** The constructor export wasm-bindgen names beside a free export: `__wbg_foo_free` -> `foo_new`. */
export function constructorExportOf(freeExport: string): string {
  return `${classNameFromExport(freeExport)}_new`;
}
