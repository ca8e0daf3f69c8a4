// Builds analyzer-rs to analyzer-rs/pkg/wasm_memory_analyzer.wasm (gitignored) and prints
// its size. The toolchain choice (rustup wasm32 target, else Debian rustc-web + build-std) is
// scripts/build-wasm.mjs's.
import { readFileSync, statSync } from 'node:fs';
import { buildWasmCrate } from './build-wasm.mjs';

const OUT = 'analyzer-rs/pkg/wasm_memory_analyzer.wasm';

try {
  await buildWasmCrate('analyzer-rs', OUT);
  const bytes = readFileSync(OUT);
  const mod = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(mod);
  const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
  console.log(`analyzer: ${OUT} ${statSync(OUT).size} bytes, ${exports.length} exports, ${imports.length} imports`);
  if (imports.length > 0) {
    console.error(`analyzer: unexpected imports: ${imports.map((i) => `${i.module}.${i.name}`).join(', ')}`);
    process.exit(1);
  }
} catch (e) {
  console.error(`build-analyzer: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
