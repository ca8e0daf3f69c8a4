#!/usr/bin/env node
// The `wasm-memory` command (package.json "bin"). The implementation is src/cli/, bundled for
// Node into cli/dist/ by `npm run build:cli` (part of `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('./dist/wasm-memory.mjs', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write(`wasm-memory: error: CLI not built: ${fileURLToPath(bundle)} is missing (run npm run build)\n`);
  process.exit(2);
}
const { run } = await import(bundle.href);
process.exitCode = await run(process.argv.slice(2));
