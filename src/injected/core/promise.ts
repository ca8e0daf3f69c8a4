/**
 * Observe the fulfilment of a promise WE hold fresh (just returned by a native, not yet seen by
 * the page) without adding a tick the page could see, and without creating a derived promise
 * that could reject unhandled.
 *
 * `then` is the saved original. Our reaction is registered first, so it runs before any
 * reaction of the page, in the same microtask checkpoint; it queues nothing. The derived
 * "promise" is a dummy capability (via a temporary own `constructor` whose @@species builds it)
 * whose resolve/reject do nothing; the own property is removed before the page sees `p`.
 *
 * Known difference (docs/TRANSPARENCY.md): a reaction marks the promise as handled, so a
 * rejection the page never handles does not raise `unhandledrejection`.
 */
import { call, defineProperty, deleteProperty, OrigSymbol, promiseThen } from './intrinsics';

function noop(): void {
  /* a capability's resolve/reject: nothing to settle */
}

function Capability(this: unknown, executor: (resolve: () => void, reject: () => void) => void): void {
  executor(noop, noop);
}
function FakeConstructor(): void {
  /* only its @@species is ever read */
}
defineProperty(FakeConstructor, OrigSymbol.species, { value: Capability });

export function observeFresh<T>(
  p: Promise<T>,
  onFulfilled: (value: T) => void,
  onError: (e: unknown) => void,
  onRejected?: (reason: unknown) => void,
): void {
  const reaction = (v: T): void => {
    try {
      onFulfilled(v);
    } catch (e) {
      onError(e);
    }
  };
  const rejection = (r: unknown): void => {
    try {
      if (onRejected) onRejected(r);
    } catch (e) {
      onError(e);
    }
  };
  if (!defineProperty(p, 'constructor', { value: FakeConstructor, writable: true, enumerable: false, configurable: true })) return;
  try {
    call(promiseThen, p, reaction, rejection);
  } finally {
    deleteProperty(p, 'constructor');
  }
}
