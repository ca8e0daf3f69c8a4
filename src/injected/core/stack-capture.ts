/**
 * Taking JS stacks of the page's calls, now or formatted later.
 *
 * V8 captures an Error's frames when it is constructed (up to `Error.stackTraceLimit`, read at
 * that moment) and formats the `stack` text only when it is first read, calling the page's
 * `Error.prepareStackTrace` (looked up at that moment) if there is one. Formatting is most of
 * the cost (the text of up to 40 frames with their script positions: measured in Node 20, ~8 µs
 * to capture 12 frames, ~18 µs to capture and format). `later()` captures now and formats on
 * the first call of the function it returns, so a stack that is never needed (a sampled
 * wasm-bindgen object freed before the next tick) is never formatted.
 *
 * Until it is formatted, the captured Error holds the frames' functions and receivers, as any
 * unformatted Error does: keep the returned function only as long as the stack may be needed.
 * Neither path calls the page's `Error.prepareStackTrace` (it is removed while we read `stack`)
 * or leaves `Error.stackTraceLimit` changed.
 */
import { getOwnPropertyDescriptor } from './intrinsics';
import { cleanStack, type UrlAlias } from './stacks';
import { withoutPrepareStackTrace } from './transparent';

/** Frames captured per stack (the page's own `Error.stackTraceLimit` is restored after). */
export const CAPTURE_FRAMES = 40;

export interface StackTaker {
  /** The caller's stack now, as V8 formats it (our frames included). */
  raw(): string;
  /** The caller's stack now, without our frames, bounded. */
  now(): string;
  /** Capture the caller's stack now; the returned function formats it once, on first call. */
  later(): () => string;
}

type ErrorCtor = ErrorConstructor & { stackTraceLimit?: number };

/** `ownUrls` (our bundle's script URLs, removed from stacks) is read at each formatting. */
export function stackTaker(ErrorCtorIn: ErrorConstructor, ownUrls: readonly string[], maxChars: number, alias?: UrlAlias): StackTaker {
  const E = ErrorCtorIn as ErrorCtor;
  const capture = (): Error => {
    const limit = getOwnPropertyDescriptor(E, 'stackTraceLimit');
    const setLimit = !!limit && 'value' in limit && !!limit.writable;
    if (setLimit) E.stackTraceLimit = CAPTURE_FRAMES;
    try {
      return new E();
    } finally {
      if (setLimit && limit) E.stackTraceLimit = limit.value as number;
    }
  };
  const text = (e: Error): string => {
    const s: unknown = withoutPrepareStackTrace(() => e.stack);
    return typeof s === 'string' ? s : '';
  };
  const format = (e: Error): string => cleanStack(text(e), ownUrls, maxChars, alias);
  return {
    raw: () => text(capture()),
    now: () => format(capture()),
    later: () => {
      let e: Error | null = capture();
      let formatted = '';
      return () => {
        if (e !== null) {
          formatted = format(e);
          e = null; // the frames (and what they hold) can go
        }
        return formatted;
      };
    },
  };
}
