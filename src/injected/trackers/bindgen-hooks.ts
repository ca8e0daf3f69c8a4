/**
 * The page-facing half of the wasm-bindgen tracker: a transparent FinalizationRegistry hook,
 * the first-assignment watch on `__wbg_ptr` / `ptr`, and wrappers of `__wbg_<class>_free` exports
 * (and, next to one-parameter ones, of the `<class>_new` constructor exports: CountMode `ctor`).
 *
 * FinalizationRegistry stays indistinguishable for ordinary use: the global becomes a Proxy of
 * the original with only a `construct` trap (same name, length, prototype, statics; `instanceof`
 * and subclassing work; `toString` prints the native text; `prototype.constructor` points at
 * the global again). Registries whose cleanup callback calls a `__wbg_*_free` export (that is
 * wasm-bindgen glue) are created with a wrapped callback that tells the tracker first and then
 * calls the glue's; they are ordinary registries otherwise (same prototype, same
 * register / unregister). All others are created exactly as before.
 *
 * Once the first wasm-bindgen registry exists, `FinalizationRegistry.prototype.register` (and,
 * once the first of glue 0.2.85+ exists, `.unregister`) becomes a look-alike plain function
 * (same name, length, attributes, native `toString`, same results and errors without our frame)
 * that calls the original and then, for wasm-bindgen registries only, tells the tracker: classes
 * that register every object are counted that way (see CountMode in ./bindgen.ts), and
 * unregister() calls are objects released (BindgenTracker.releasesCountedFor, onUnregistered).
 */
import type { BindgenClass, BindgenTracker, CtorSite, RegistrationSite } from './bindgen';
import { constructorExportOf, ctorPointer, freeExportIn, isFreeExportName, registryGlue, type RegistryGlue } from './bindgen';
import { wrapExport, type AnyFn } from './exports';
import { maskToString, isWrapper, lookAlike, replaceConstructor, replaceValue, rethrow, wrap } from '../core/transparent';
import { apply, getOwnPropertyDescriptor } from '../core/intrinsics';
import { installProtoSetter, Stamp } from './proto-setters';

type FRConstructor = typeof FinalizationRegistry;

/** A wasm-bindgen registry made through our hook: what its cleanup frees, and whose tracker counts. */
interface RegistryOwner extends RegistrationSite {
  tracker: BindgenTracker;
  /** The tracker's record of that class, once it exists. */
  cls: BindgenClass | null;
}

/**
 * Marks a wasm-bindgen registry with its owner in a private field: invisible to the page (no
 * reflection API sees private names, a Proxy cannot trap them), held exactly as long as the
 * registry, and read on the register() hot path by a plain property load, which V8 caches per
 * shape (a WeakMap lookup there cost a visible share of a small object's create/free cycle).
 */
class OwnedRegistry extends Stamp {
  #owner: RegistryOwner;
  constructor(registry: object, owner: RegistryOwner) {
    super(registry);
    this.#owner = owner;
  }
  static ownerOf(o: object): RegistryOwner | undefined {
    return #owner in o ? (o as OwnedRegistry).#owner : undefined;
  }
}

/**
 * Replace `proto.register` with a look-alike that reports registrations on wasm-bindgen
 * registries. Once per prototype; false when it cannot be done without a visible difference.
 */
function hookRegister(proto: object): boolean {
  const d = getOwnPropertyDescriptor(proto, 'register');
  if (d === undefined || typeof d.value !== 'function' || isWrapper(d.value)) return false;
  const original = d.value as (target: object, held: unknown, token?: unknown) => unknown;
  // The look-alike reaches the original through `super` of a private home object: a direct call
  // of a known builtin in optimized code (a bound `Function.prototype.call` costs two more
  // builtin frames per registration), and the page cannot reach `base` to change it.
  const base = { register: original };
  const holder = {
    __proto__: base,
    // Declared with three parameters; lookAlike() gives it the original's `length` (2). An
    // absent unregister token and an explicit `undefined` are the same to register().
    register(this: FinalizationRegistry<unknown>, target: object, held: unknown, token: unknown): unknown {
      let result: unknown;
      try {
        result = super.register(target, held, token);
      } catch (e) {
        rethrow(e, wrapper as (...a: unknown[]) => unknown);
      }
      // The original accepted `this`, so it is a FinalizationRegistry (an object).
      const owner = OwnedRegistry.ownerOf(this);
      if (owner !== undefined) {
        const cls = owner.cls;
        if (owner.counting && cls !== null) {
          // Hot path inline (a call into the tracker costs a visible share of a small object's
          // create/free cycle); the tracker takes a creation stack while the tick's budget lasts.
          if (cls.stackBudget === 0) {
            cls.created++;
            cls.dirty = true;
          } else {
            try {
              owner.tracker.countRegistered(cls, target, held);
            } catch (err) {
              noteError(owner.tracker, err);
            }
          }
        } else {
          noteRegistration(owner, target, held);
        }
      }
      return result;
    },
  };
  const wrapper = holder.register;
  if (!lookAlike(wrapper, original)) return false;
  return replaceValue(proto, 'register', wrapper);
}

/**
 * Replace `proto.unregister` with a look-alike that reports calls on wasm-bindgen registries
 * (objects released, see BindgenTracker.onUnregistered). Once per prototype.
 */
function hookUnregister(proto: object): boolean {
  const d = getOwnPropertyDescriptor(proto, 'unregister');
  if (d === undefined || typeof d.value !== 'function' || isWrapper(d.value)) return false;
  const original = d.value as (token: object) => boolean;
  const base = { unregister: original };
  const holder = {
    __proto__: base,
    unregister(this: FinalizationRegistry<unknown>, token: object): boolean {
      let result: boolean;
      try {
        result = super.unregister(token);
      } catch (e) {
        rethrow(e, wrapper as (...a: unknown[]) => unknown);
      }
      const owner = OwnedRegistry.ownerOf(this);
      if (owner !== undefined && owner.releases !== false) {
        const cls = owner.cls;
        // Hot path inline (a call into the tracker cost ~3% of a small object's create/free
        // cycle): a cell removed from a registry that sees every object registered, no creation
        // stack to drop.
        if (result && owner.releases === true && cls !== null && cls.sampled.size === 0 && (owner.counting || owner.glue === 'flagged')) {
          cls.freed++;
          cls.dirty = true;
        } else {
          try {
            owner.tracker.onUnregistered(owner, token, result);
          } catch (err) {
            noteError(owner.tracker, err);
          }
        }
      }
      return result;
    },
  };
  const wrapper = holder.unregister;
  if (!lookAlike(wrapper, original)) return false;
  return replaceValue(proto, 'unregister', wrapper);
}

/** A registration on a wasm-bindgen registry that does not count yet (the class probe). */
function noteRegistration(owner: RegistryOwner, target: unknown, held: unknown): void {
  try {
    const cls = owner.cls ?? (owner.cls = owner.tracker.classes.get(owner.freeExport) ?? null);
    if (cls !== null) owner.tracker.onRegistered(cls, owner, target, held);
  } catch (err) {
    noteError(owner.tracker, err);
  }
}

interface HookTarget {
  FinalizationRegistry?: FRConstructor;
}

export function hookFinalizationRegistry(global: HookTarget, tracker: BindgenTracker, fnProto: object = Function.prototype): boolean {
  const Real = global.FinalizationRegistry;
  if (typeof Real !== 'function') return false;
  const apply = Reflect.apply;
  const construct = Reflect.construct;
  const fnToString = Function.prototype.toString;
  let registerHooked = false;
  let unregisterHooked = false;
  const handler: ProxyHandler<FRConstructor> = {
    construct(target, args, newTarget) {
      const cb: unknown = args[0];
      let freeExport: string | null = null;
      let glue: RegistryGlue = 'old';
      if (typeof cb === 'function') {
        try {
          const source = apply(fnToString, cb, []) as string;
          freeExport = freeExportIn(source);
          if (freeExport !== null) glue = registryGlue(source);
        } catch (err) {
          noteError(tracker, err);
        }
      }
      try {
        if (freeExport === null) return construct(target, args, newTarget) as object;
        const fe = freeExport;
        const original = cb as (held: unknown) => unknown;
        const wrapped = function (this: unknown, held: unknown): unknown {
          try {
            tracker.onFinalized(fe, held);
          } catch (err) {
            noteError(tracker, err);
          }
          tracker.finalizing++;
          try {
            return apply(original, this, [held]);
          } finally {
            tracker.finalizing--;
          }
        };
        const registry = construct(target, [wrapped, ...args.slice(1)], newTarget) as object;
        // Our bookkeeping must never turn into an error of the page's `new`.
        try {
          const owner: RegistryOwner = { tracker, freeExport: fe, cls: null, counting: false, glue, releases: glue === 'old' ? false : null };
          new OwnedRegistry(registry, owner);
          tracker.noteRegistry(owner);
          if (!registerHooked) {
            registerHooked = true;
            hookRegister(target.prototype as object);
          }
          // unregister() counts releases of glue with such a registry (0.2.85+); pages with only
          // older glue keep the native one.
          if (!unregisterHooked && glue !== 'old') {
            unregisterHooked = true;
            hookUnregister(target.prototype as object);
          }
        } catch (err) {
          noteError(tracker, err);
        }
        return registry;
      } catch (e) {
        rethrow(e, handler.construct as (...a: unknown[]) => unknown);
      }
    },
  };
  // The core's wrap() + maskToString(): `toString` prints the original's native text.
  maskToString(fnProto);
  const proxy = wrap(Real, handler);
  replaceConstructor(Real, proxy);
  if (!replaceValue(global, 'FinalizationRegistry', proxy)) return false;
  return true;
}

/**
 * Watch first assignments of the pointer fields: `__wbg_ptr` (0.2.85+) and, with `oldField`,
 * also `ptr` (<= 0.2.84). Installing twice is harmless: an existing watch is left alone.
 */
export function hookPointerFields(objectProto: object, tracker: BindgenTracker, oldField = true): void {
  const listener = (obj: object, value: unknown): void => tracker.onPtrAssigned(obj, value);
  installProtoSetter(objectProto, '__wbg_ptr', listener);
  if (oldField) installProtoSetter(objectProto, 'ptr', listener);
}

/** Wrappers for the `__wbg_<class>_free` exports of an instance (empty map when none). */
export function freeExportWrappers(exports: WebAssembly.Exports, moduleKey: string, tracker: BindgenTracker): Map<string, unknown> {
  const all = Object.keys(exports);
  const names = all.filter(isFreeExportName);
  const free = tracker.noteInstance(moduleKey, names);
  const out = new Map<string, unknown>();
  for (const name of free) {
    const original = (exports as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    // Counted by unregister() (see releasesCountedFor): the page keeps the export.
    if (tracker.releasesCountedFor(name, (original as AnyFn).length, all)) continue;
    let cls: BindgenClass | null = null;
    let classesSeen = -1;
    const wrapper = wrapExport(original as AnyFn, (ptr, flag) => {
      // Objects of a class we never saw created need no counting: the class record appears
      // with its first object. Look it up again only when a class record was added.
      if (cls === null) {
        if (tracker.classes.size === classesSeen) return;
        classesSeen = tracker.classes.size;
        cls = tracker.classes.get(name) ?? null;
        if (cls === null) return;
      }
      tracker.onFreeExport(cls, ptr, flag);
    });
    out.set(name, wrapper);
    // Glue up to 0.2.92 (one-parameter free export): `new` may not register its objects; the
    // constructor export's wrapper lets such a class leave the watch (CountMode `ctor`).
    if ((original as AnyFn).length === 1) {
      const ctorName = constructorExportOf(name);
      const ctor = (exports as Record<string, unknown>)[ctorName];
      if (typeof ctor === 'function' && !out.has(ctorName)) out.set(ctorName, ctorExportWrapper(ctor as AnyFn, ctorName, i32Reader((exports as Record<string, unknown>).memory), tracker));
    }
  }
  return out;
}

const memoryBuffer = getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer')?.get;
const OrigInt32Array = Int32Array;

/** Reads i32 slots of a wasm memory through a view renewed when the memory grew (-1: no such slot or no memory). */
function i32Reader(memory: unknown): (index: number) => number {
  let buffer: unknown;
  try {
    buffer = memoryBuffer !== undefined ? apply(memoryBuffer, memory, []) : undefined;
  } catch {
    buffer = undefined; // not a WebAssembly.Memory
  }
  if (buffer === undefined) return () => -1;
  let view = new OrigInt32Array(0);
  return (index: number): number => {
    if (index >= view.length) {
      view = new OrigInt32Array(apply(memoryBuffer as () => ArrayBuffer, memory, []) as ArrayBuffer);
      if (index >= view.length) return -1;
    }
    return view[index] as number;
  };
}

/**
 * Wrapper of a constructor export (`<class>_new`). Unlinked, it remembers its last call for the
 * watch to confirm the class's constructor plan (BindgenTracker.confirmCtor); linked, each call
 * that made an object counts one creation (the common case inline: a call into the tracker costs
 * a visible share of a small object's create/free cycle).
 */
function ctorExportWrapper(original: AnyFn, exportName: string, readI32: (index: number) => number, tracker: BindgenTracker): AnyFn {
  const site: CtorSite = { exportName, cls: null, plan: null, lastArg: undefined, lastResult: undefined, readI32 };
  return wrapExport(original, (arg, _b, result) => {
    const cls = site.cls;
    const plan = site.plan;
    if (cls === null || plan === null) {
      site.lastArg = arg;
      site.lastResult = result;
      tracker.lastCtor = site;
      return;
    }
    const ptr = ctorPointer(plan, site, arg, result);
    if (ptr === 0) return;
    if (cls.stackBudget === 0) {
      cls.created++;
      cls.dirty = true;
    } else {
      tracker.countConstructed(cls, ptr);
    }
  });
}

function noteError(tracker: BindgenTracker, err: unknown): void {
  tracker.errors++;
  if (tracker.errors === 1) console.debug('[wasm-memory] bindgen tracker error', err);
}

export { isFreeExportName };
