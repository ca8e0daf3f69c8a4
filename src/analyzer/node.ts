/**
 * Node-only helpers (CLI, vitest, benchmarks): read the built analyzer module from disk.
 * The panel does not import this file; it fetches the module by URL.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:analyzer` writes the module (relative to this source file). */
export const ANALYZER_WASM_PATH = fileURLToPath(new URL('../../analyzer-rs/pkg/wasm_memory_analyzer.wasm', import.meta.url));

/** The module's bytes; throws a clear error when it has not been built. */
export function readAnalyzerWasm(path: string = ANALYZER_WASM_PATH): Uint8Array<ArrayBuffer> {
  if (!existsSync(path)) {
    throw new Error(`analyzer wasm not built: ${path} is missing (run \`npm run build:analyzer\`)`);
  }
  return new Uint8Array(readFileSync(path));
}
