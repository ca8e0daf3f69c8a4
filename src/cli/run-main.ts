/**
 * Tests only: `main(argv)` in this process, as the bin runs it, with the real analyzer wasm
 * (built by npm run build:analyzer) and its output captured.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnalyzer } from '../analyzer/analyzer';
import { main, type Deps } from './main';

export async function runMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: Deps = {
    env: {},
    platform: process.platform,
    cwd: process.cwd(),
    moduleDir: dirname(fileURLToPath(import.meta.url)),
    createAnalyzer: (wasm) => createAnalyzer(wasm),
    io: { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) },
  };
  const code = await main(argv, deps);
  return { code, out, err };
}
