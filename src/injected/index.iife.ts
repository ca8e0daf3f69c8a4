/**
 * The injected script: MAIN world, document_start, every frame (and, through our Worker hook,
 * every dedicated Worker the page starts). Everything lives in ./core; see docs/TRANSPARENCY.md.
 */
import { startCore } from './core/core';

try {
  startCore(globalThis);
} catch (e) {
  // Never break the page: report to the console (DevTools) only.
  console.debug('[wasm-memory] injected core failed to start', e);
}
