/**
 * The injected bundle's own source text, which a worker runs first (worker.ts). The build wraps
 * the bundle in a named function (scripts/build-content-scripts.mjs):
 *
 *   (function wasmMemoryInjected() { ...the bundle... })();
 *
 * so its text is the function's, read with the Function.prototype.toString saved at start-up.
 * Nothing of the extension has to be web-accessible for this (a web-accessible file can be
 * fetched by any site, which tells it the extension is installed). The name is visible only
 * inside the function itself; the page cannot reach it.
 */
import { call, functionToString } from './intrinsics';

/** The name the build gives the wrapping function (scripts/build-content-scripts.mjs says the same). */
export const BUNDLE_FUNCTION_NAME = 'wasmMemoryInjected';

declare const wasmMemoryInjected: unknown;

/** The wrapping function, when the bundle runs inside it (not in unit tests). */
const self: unknown = typeof wasmMemoryInjected === 'function' ? wasmMemoryInjected : null;

/** The bundle as a script that runs it, or null when it is not wrapped (then workers are not instrumented). */
export function ownSource(fn: unknown = self): string | null {
  if (typeof fn !== 'function') return null;
  const text = call<string>(functionToString, fn);
  return typeof text === 'string' && text.startsWith(`function ${BUNDLE_FUNCTION_NAME}(`) ? `(${text})();` : null;
}
