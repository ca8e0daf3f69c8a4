/**
 * The page-facing half of the wasm-bindgen tracker: a transparent FinalizationRegistry hook,
 * the first-assignment watch on `__wbg_ptr` / `ptr`, and wrappers of `__wbg_<class>_free` exports.
 *
 * FinalizationRegistry stays indistinguishable for ordinary use: the global becomes a Proxy of
 * the original with only a `construct` trap (same name, length, prototype, statics; `instanceof`
 * and subclassing work; `toString` prints the native text; `prototype.constructor` points at
 * the global again). Registries whose cleanup callback calls a `__wbg_*_free` export (that is
 * wasm-bindgen glue) get a wrapped callback and an own prototype (inheriting from the real one)
 * whose `register` / `unregister` call the originals, return what they return and throw what
 * they throw, then tell the tracker. All other registries are created exactly as before.
 */
import type { BindgenTracker } from './bindgen';
import { freeExportIn, isFreeExportName } from './bindgen';
import { likeOriginal, type AnyFn } from './exports';
import { disguise, nativeText } from './native';
import { installProtoSetter } from './proto-setters';

type FRConstructor = typeof FinalizationRegistry;

interface HookTarget {
  FinalizationRegistry?: FRConstructor;
}

export function hookFinalizationRegistry(global: HookTarget, tracker: BindgenTracker, fnProto: { toString: unknown } = Function.prototype): boolean {
  const Real = global.FinalizationRegistry;
  if (typeof Real !== 'function') return false;
  const realProto = Real.prototype as FinalizationRegistry<unknown>;
  const realRegister = realProto.register;
  const realUnregister = realProto.unregister;
  const apply = Reflect.apply;
  const construct = Reflect.construct;
  const setPrototypeOf = Reflect.setPrototypeOf;
  const fnToString = Function.prototype.toString;
  const hiddenProtos = new Map<string, object>();

  const hiddenProtoFor = (freeExport: string): object => {
    let proto = hiddenProtos.get(freeExport);
    if (proto !== undefined) return proto;
    const methods = {
      register(this: unknown, ...args: unknown[]): unknown {
        const result = apply(realRegister, this, args);
        try {
          tracker.onRegister(freeExport, args[0], args[1], args[2]);
        } catch (err) {
          noteError(tracker, err);
        }
        return result;
      },
      unregister(this: unknown, ...args: unknown[]): unknown {
        const result = apply(realUnregister, this, args);
        try {
          tracker.onUnregister(freeExport, args[0], result === true);
        } catch (err) {
          noteError(tracker, err);
        }
        return result;
      },
    };
    Object.defineProperty(methods.register, 'length', { value: realRegister.length });
    Object.defineProperty(methods.unregister, 'length', { value: realUnregister.length });
    disguise(methods.register, nativeText('register'), fnProto);
    disguise(methods.unregister, nativeText('unregister'), fnProto);
    proto = Object.create(realProto, {
      register: { value: methods.register, writable: true, enumerable: false, configurable: true },
      unregister: { value: methods.unregister, writable: true, enumerable: false, configurable: true },
    }) as object;
    hiddenProtos.set(freeExport, proto);
    return proto;
  };

  let proxy: FRConstructor | undefined;
  const handler: ProxyHandler<FRConstructor> = {
    construct(target, args, newTarget) {
      const cb: unknown = args[0];
      let freeExport: string | null = null;
      if (typeof cb === 'function') {
        try {
          freeExport = freeExportIn(apply(fnToString, cb, []) as string);
        } catch (err) {
          noteError(tracker, err);
        }
      }
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
      if (newTarget === proxy) setPrototypeOf(registry, hiddenProtoFor(fe));
      return registry;
    },
  };
  proxy = new Proxy(Real, handler);
  disguise(proxy, apply(fnToString, Real, []) as string, fnProto);
  const ctorDesc = Object.getOwnPropertyDescriptor(realProto, 'constructor');
  Object.defineProperty(realProto, 'constructor', {
    value: proxy,
    writable: ctorDesc?.writable ?? true,
    enumerable: ctorDesc?.enumerable ?? false,
    configurable: ctorDesc?.configurable ?? true,
  });
  const globalDesc = Object.getOwnPropertyDescriptor(global, 'FinalizationRegistry');
  Object.defineProperty(global, 'FinalizationRegistry', {
    value: proxy,
    writable: globalDesc?.writable ?? true,
    enumerable: globalDesc?.enumerable ?? false,
    configurable: globalDesc?.configurable ?? true,
  });
  return true;
}

/** Watch first assignments of the pointer fields of every glue generation. */
export function hookPointerFields(objectProto: object, tracker: BindgenTracker): void {
  const listener = (obj: object, value: unknown): void => tracker.onPtrAssigned(obj, value);
  installProtoSetter(objectProto, '__wbg_ptr', listener);
  installProtoSetter(objectProto, 'ptr', listener);
}

/** Wrappers for the `__wbg_<class>_free` exports of an instance (empty map when none). */
export function freeExportWrappers(exports: WebAssembly.Exports, moduleKey: string, tracker: BindgenTracker): Map<string, unknown> {
  const names = Object.keys(exports).filter(isFreeExportName);
  const free = tracker.noteInstance(moduleKey, names);
  const out = new Map<string, unknown>();
  for (const name of free) {
    const original = (exports as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    const fn = original as (ptr: unknown, flag: unknown) => unknown;
    const wrapper = function (ptr: unknown, flag: unknown): unknown {
      const result = fn(ptr, flag);
      try {
        tracker.onFreeExport(name, ptr, flag);
      } catch (err) {
        noteError(tracker, err);
      }
      return result;
    };
    out.set(name, likeOriginal(wrapper, original as AnyFn));
  }
  return out;
}

function noteError(tracker: BindgenTracker, err: unknown): void {
  tracker.errors++;
  if (tracker.errors === 1) console.debug('[wasm-memory] bindgen tracker error', err);
}

export { isFreeExportName };
