/**
 * The page-facing half of the wasm-bindgen tracker: a transparent FinalizationRegistry hook,
 * the first-assignment watch on `__wbg_ptr` / `ptr`, and the link to the `__wbg_<class>_free`
 * call counters a rewritten module keeps inside wasm (no JS function ever stands in for an
 * export: a page may put its exports into a WebAssembly.Table, which takes only wasm functions).
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
import { wrapCounts, type BindgenClass, type BindgenTracker, type RegistrationSite, type WrapTally } from './bindgen';
import { freeExportIn, isFreeExportName, registryGlue, type RegistryGlue } from './glue-source';
import { maskToString, isWrapper, lookAlike, replaceConstructor, replaceValue, rethrow, wrap } from '../core/transparent';
import { apply, arrayFilter, construct, deleteProperty, functionToString, getOwnPropertyDescriptor, ObjectKeys } from '../core/intrinsics';
import { installProtoSetter, shadowField, Stamp } from './proto-setters';

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
  let registerHooked = false;
  let unregisterHooked = false;
  const handler: ProxyHandler<FRConstructor> = {
    construct(target, args, newTarget) {
      const cb: unknown = args[0];
      let freeExport: string | null = null;
      let glue: RegistryGlue = 'old';
      if (typeof cb === 'function') {
        try {
          const source = apply(functionToString, cb, []) as string;
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
          // Calls of the free export this callback makes are reclaims: take them out of the
          // explicit frees counted inside wasm (glue that frees without the finalizer flag).
          const before = tracker.freeCalls(fe);
          tracker.finalizing++;
          try {
            return apply(original, this, [held]);
          } finally {
            tracker.finalizing--;
            if (before >= 0) {
              try {
                tracker.noteFinalizerCalls(fe, tracker.freeCalls(fe) - before);
              } catch (err) {
                noteError(tracker, err);
              }
            }
          }
        };
        const withWrapped: unknown[] = [wrapped];
        for (let i = 1; i < args.length; i++) withWrapped[i] = args[i];
        const registry = construct(target, withWrapped, newTarget) as object;
        // Our bookkeeping must never turn into an error of the page's `new`.
        try {
          const owner: RegistryOwner = {
            tracker,
            freeExport: fe,
            cls: null,
            counting: false,
            glue,
            releases: glue === 'old' ? false : null,
          };
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

/**
 * Old glue (`ptr` field) whose class makes every object through `static __wrap(ptr)`: replace
 * `ctor.__wrap` with a look-alike (same name, length, attributes, `toString()` text) that calls
 * the original with the same receiver and argument, returns what it returns, and counts the new
 * object in `tally.created` (wrapCounts: an object and a pointer > 0); only while
 * `tally.attention` is nonzero does it also call `onCreate(obj, ptr)` (the tracker's stack and
 * orphan budgets). Also shadow the `ptr` watch on the class prototype, so the glue's
 * `obj.ptr = ptr` is an ordinary store again (the watch's setter call cost 3x on photon's `Rgba`
 * create/free loop). false, changing nothing, when either cannot be done without a visible
 * difference. Observable: the identity of `Foo.__wrap` changes once, at the class's first object.
 */
export function hookWrap(ctor: object, proto: object, tally: WrapTally, onCreate: (obj: unknown, ptr: unknown) => void): boolean {
  const d = getOwnPropertyDescriptor(ctor, '__wrap');
  if (d === undefined || typeof d.value !== 'function' || isWrapper(d.value)) return false;
  const original = d.value as (ptr: unknown) => unknown;
  // The original through `super` of a private home object (a direct call in optimized code).
  const base = { __wrap: original };
  const holder = {
    __proto__: base,
    __wrap(this: unknown, ptr: unknown): unknown {
      let obj: unknown;
      try {
        obj = super.__wrap(ptr);
      } catch (e) {
        rethrow(e, wrapper as (...a: unknown[]) => unknown);
      }
      if (wrapCounts(obj, ptr)) {
        tally.created++;
        if (tally.attention !== 0) {
          try {
            onCreate(obj, ptr);
          } catch (err) {
            void err; // our bookkeeping never becomes the page's error
          }
        }
      }
      return obj;
    },
  };
  const wrapper = holder.__wrap;
  if (!lookAlike(wrapper, original)) return false;
  if (!shadowField(proto, 'ptr')) return false;
  if (!replaceValue(ctor, '__wrap', wrapper)) {
    deleteProperty(proto, 'ptr');
    return false;
  }
  return true;
}

/**
 * Link the free-export call counters a rewritten instance keeps inside wasm to the classes whose
 * releases unregister() does not count (see BindgenTracker.releasesCountedFor). `counter(name)`
 * reads an export's counter, or is null when the module was not rewritten (then those releases
 * are not seen: the page still gets its own export, never a JS stand-in). Returns the names left
 * uncounted.
 */
export function linkFreeCounters(
  exports: WebAssembly.Exports,
  moduleKey: string,
  tracker: BindgenTracker,
  counter: (name: string) => { read: () => number; global: object } | null,
): string[] {
  const all = ObjectKeys(exports);
  const uncounted: string[] = [];
  const names = tracker.noteInstance(moduleKey, arrayFilter(all, isFreeExportName));
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const original = (exports as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    if (tracker.releasesCountedFor(name, (original as { length: number }).length, all)) continue;
    const c = counter(name);
    if (c === null) uncounted[uncounted.length] = name;
    else tracker.linkFreeCounter(name, c.read, c.global);
  }
  return uncounted;
}

function noteError(tracker: BindgenTracker, err: unknown): void {
  tracker.errors++;
  if (tracker.errors === 1) console.debug('[wasm-memory] bindgen tracker error', err);
}
