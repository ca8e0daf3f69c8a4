/**
 * Page errors: the page did not finish loading cleanly. Reports, as `page-error` events
 * (PageErrorEvent in src/shared/protocol.ts):
 * - 'error': uncaught exceptions (the realm's `error` event, an ErrorEvent the browser raised);
 * - 'rejection': unhandled promise rejections (`unhandledrejection`);
 * - 'wasm': WebAssembly compilations/instantiations that failed, handled or not, reported by
 *   the WebAssembly hooks through `wasmFailed()`.
 *
 * Invisible to the page: the listeners are ours, added before any page script with the saved
 * `addEventListener`, capture phase and passive, on the realm's global (`window`, or `self` in
 * a worker); they never cancel, stop or change an event. Everything read from an event goes
 * through getters saved at install time; a rejection reason (a page value) is read only
 * through own data properties (no getter, no `toString` of the page runs).
 *
 * Bounded: strings are cut to LIMITS.maxString; at most LIMITS.maxPageErrorsPerRealm errors
 * are sent one by one, later ones are only counted and the count goes out (with the latest
 * error) at most once per `tick()`.
 */
import { LIMITS, type PageErrorEvent, type PageErrorKind, type RealmId } from '../../shared/protocol';
import { call, getOwnPropertyDescriptor, getPrototypeOf, savedGetter } from './intrinsics';

type AnyFn = (...args: unknown[]) => unknown;

export interface PageErrorDeps {
  g: typeof globalThis;
  realm: RealmId;
  now(): number;
  emit(e: PageErrorEvent): void;
  /** The saved EventTarget.prototype.addEventListener. */
  addListener: AnyFn;
  fail(where: string, e: unknown): void;
  /** Per-realm cap (default LIMITS.maxPageErrorsPerRealm). */
  max?: number;
}

export interface PageErrors {
  /**
   * A WebAssembly compile/instantiate call failed. `what` names the call (for example
   * `WebAssembly.instantiate`); `reason` is the rejection reason or thrown error. Never throws.
   */
  wasmFailed(what: string, reason: unknown): void;
  /** Once per sampling tick (and before a mark): send the skipped count if it changed. */
  tick(): void;
  /** Errors seen in this realm so far (sent one by one or counted). */
  seen(): number;
}

function cut(s: string, n: number = LIMITS.maxString): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** An own data property's value, never running a getter. */
function dataValue(o: object, key: PropertyKey): unknown {
  const d = getOwnPropertyDescriptor(o, key);
  return d !== undefined && 'value' in d ? d.value : undefined;
}

/**
 * Text for a thrown value or rejection reason, without running page code: primitives as
 * themselves; objects as `<name>: <message>` from data properties (the `name` found on the
 * object or its first few prototypes, as an Error's is).
 */
export function describeReason(reason: unknown): string {
  if (reason === null || (typeof reason !== 'object' && typeof reason !== 'function')) {
    return cut(typeof reason === 'string' ? reason : String(reason));
  }
  let name: unknown;
  let o: object | null = reason;
  for (let depth = 0; o !== null && depth < 6 && name === undefined; depth++) {
    name = dataValue(o, 'name');
    o = getPrototypeOf(o);
  }
  const message = dataValue(reason, 'message');
  const n = typeof name === 'string' && name !== '' ? name : typeof reason === 'function' ? 'a function' : 'an object';
  return cut(typeof message === 'string' ? `${n}: ${message}` : n);
}

export function installPageErrors(d: PageErrorDeps): PageErrors {
  const { g } = d;
  const max = d.max ?? LIMITS.maxPageErrorsPerRealm;
  let sent = 0;
  let skipped = 0;
  let skippedSent = 0;
  let latest: { kind: PageErrorKind; message: string; source?: string } | null = null;

  const report = (kind: PageErrorKind, message: string, source: string | undefined): void => {
    if (sent < max) {
      sent++;
      const ev: PageErrorEvent = { t: 'page-error', time: d.now(), realm: d.realm, kind, message: cut(message) };
      if (source !== undefined && source !== '') ev.source = cut(source);
      d.emit(ev);
      return;
    }
    skipped++;
    latest = source === undefined ? { kind, message } : { kind, message, source };
  };

  // Saved at install: the page may replace these prototypes' getters later.
  const ErrorEventC = (g as { ErrorEvent?: { prototype: object } }).ErrorEvent;
  const RejectionC = (g as { PromiseRejectionEvent?: { prototype: object } }).PromiseRejectionEvent;
  const EventC = (g as { Event?: { prototype: object } }).Event;
  const errMessage = savedGetter(ErrorEventC?.prototype, 'message');
  const errFilename = savedGetter(ErrorEventC?.prototype, 'filename');
  const errLine = savedGetter(ErrorEventC?.prototype, 'lineno');
  const errCol = savedGetter(ErrorEventC?.prototype, 'colno');
  const rejReason = savedGetter(RejectionC?.prototype, 'reason');
  const evTarget = savedGetter(EventC?.prototype, 'target');

  const onError = (ev: Event): void => {
    try {
      // Resource load failures (an <img>, a <script>) reach window's capture phase too: only
      // ErrorEvents aimed at the global itself are uncaught exceptions.
      if (!errMessage || (evTarget && call(evTarget, ev) !== g)) return;
      let message: unknown;
      try {
        message = call(errMessage, ev);
      } catch {
        return; // not an ErrorEvent
      }
      const file = errFilename ? call<unknown>(errFilename, ev) : '';
      const line = errLine ? call<unknown>(errLine, ev) : 0;
      const col = errCol ? call<unknown>(errCol, ev) : 0;
      const source = typeof file === 'string' && file !== '' ? `${file}:${String(line)}:${String(col)}` : undefined;
      report('error', typeof message === 'string' ? message : '', source);
    } catch (e) {
      d.fail('page error event', e);
    }
  };
  const onRejection = (ev: Event): void => {
    try {
      if (!rejReason) return;
      report('rejection', `Uncaught (in promise) ${describeReason(call(rejReason, ev))}`, undefined);
    } catch (e) {
      d.fail('unhandledrejection event', e);
    }
  };
  // Our own options object: nothing of the page is read while adding the listeners.
  call(d.addListener, g, 'error', onError, { capture: true, passive: true });
  call(d.addListener, g, 'unhandledrejection', onRejection, { capture: true, passive: true });

  return {
    wasmFailed(what: string, reason: unknown): void {
      try {
        report('wasm', describeReason(reason), what);
      } catch (e) {
        d.fail('wasm failure', e);
      }
    },
    tick(): void {
      if (skipped === skippedSent || latest === null) return;
      skippedSent = skipped;
      const ev: PageErrorEvent = {
        t: 'page-error',
        time: d.now(),
        realm: d.realm,
        kind: latest.kind,
        message: cut(latest.message),
        skipped,
      };
      if (latest.source !== undefined && latest.source !== '') ev.source = cut(latest.source);
      d.emit(ev);
    },
    seen: () => sent + skipped,
  };
}
