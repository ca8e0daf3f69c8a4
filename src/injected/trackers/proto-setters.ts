/**
 * Watch the FIRST assignment of a few property names on any object, without changing what the
 * page observes: an accessor on Object.prototype whose setter performs exactly what an ordinary
 * assignment would have done (CreateDataProperty on the receiver) and then tells us.
 *
 * Why: wasm-bindgen glue of every generation creates objects with `this.__wbg_ptr = ...`
 * (0.2.85+) or `obj.ptr = ...` (older), including constructors that never register with a
 * FinalizationRegistry; Emscripten glue publishes its allocator with `Module._malloc = ...`,
 * even when the wasm export names are minified. After the first assignment the property is an
 * own data property, so later reads and writes never touch us (no cost on hot paths).
 *
 * Differences a page could observe: `'ptr' in {}` becomes true and Object.prototype has the
 * extra (non-enumerable) keys; assigning to a primitive or a non-extensible object is silently
 * ignored instead of throwing in strict code.
 */

import { defineProperty, getOwnPropertyDescriptor } from '../core/intrinsics';

/**
 * A base class whose constructor returns its argument: `new (class extends Stamp { field })(obj)`
 * defines the field on `obj` (a class field definition, V8's fast define path), and a private
 * field (`#x`) likewise marks `obj` invisibly.
 */
export class Stamp {
  constructor(target: object) {
    return target;
  }
}

export type SetListener = (receiver: object, value: unknown) => void;

export interface ProtoSetterStats {
  /** Exceptions thrown by our listeners (swallowed so the page never sees them). */
  listenerErrors: number;
}

export const protoSetterStats: ProtoSetterStats = { listenerErrors: 0 };

export function installProtoSetter(target: object, key: string, listener: SetListener): boolean {
  const existing = Object.getOwnPropertyDescriptor(target, key);
  if (existing !== undefined) return false; // someone (or the page) already owns it: leave it
  const defineProperty = Reflect.defineProperty;
  const getOwn = Reflect.getOwnPropertyDescriptor;
  const hasOwn = Object.hasOwn;
  // Creating the own property: a class field definition on a foreign object (a base constructor
  // that returns its argument) is CreateDataPropertyOrThrow, exactly what an ordinary assignment
  // does for a missing property, and V8 runs it through its fast define ICs: ~10x cheaper than
  // Reflect.defineProperty (measured: ~20 ns vs ~250 ns per object), which matters on
  // create/free loops.
  let pending: unknown;
  class DefineField extends Stamp {
    [key] = pending;
  }
  const accessors = {
    get(): undefined {
      return undefined;
    },
    set(this: unknown, value: unknown): void {
      if ((typeof this !== 'object' || this === null) && typeof this !== 'function') return;
      if (hasOwn(this, key)) {
        const own = getOwn(this, key) as PropertyDescriptor;
        // Reached through Reflect.set with a different receiver that already has the key.
        if (own.set !== undefined || own.get !== undefined || own.writable !== true) return;
        defineProperty(this, key, { value });
        return;
      }
      pending = value;
      try {
        new DefineField(this);
      } catch {
        // Non-extensible receiver: an ordinary assignment would fail too (silently in sloppy code).
        pending = undefined;
        return;
      }
      pending = undefined;
      try {
        listener(this, value);
      } catch (err) {
        protoSetterStats.listenerErrors++;
        if (protoSetterStats.listenerErrors === 1) console.debug('[wasm-memory] tracker error', err);
      }
    },
  };
  Object.defineProperty(target, key, {
    get: accessors.get,
    set: accessors.set,
    enumerable: false,
    configurable: true,
  });
  return true;
}

/**
 * Stop the watch for the objects of one prototype: an own, writable data property `key` (value
 * undefined, non-enumerable) on `proto` is found before Object.prototype's accessor, so a first
 * assignment on an object inheriting from `proto` is again an ordinary store that creates an own
 * data property, with no call into us (V8 keeps it on its fast path). Reading the property of
 * an object that does not have it still gives undefined. Returns false, changing nothing, when
 * `proto` already has the key or cannot take it (frozen).
 */
export function shadowField(proto: object, key: string): boolean {
  if (getOwnPropertyDescriptor(proto, key) !== undefined) return false;
  return defineProperty(proto, key, { value: undefined, writable: true, enumerable: false, configurable: true });
}
