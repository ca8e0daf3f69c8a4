/**
 * Runs at document_start on documents whose header policies ruled our worker bootstrap out on an
 * earlier load (src/shared/strict-sites.ts), registered apart from the injected bundle, so either
 * may run first: it leaves a private mark and announces it; the bundle takes the mark at its start
 * or from inside this dispatch (src/injected/core/core.ts, watchStrictHint). Both run before the
 * page's first script, so the page never sees the mark, and every built-in used here is the
 * browser's own.
 */
import { STRICT_HINT_EVENT, STRICT_HINT_GLOBAL } from '../shared/protocol';

Object.defineProperty(globalThis, STRICT_HINT_GLOBAL, { value: true, configurable: true, enumerable: false, writable: false });
globalThis.dispatchEvent(new Event(STRICT_HINT_EVENT));
