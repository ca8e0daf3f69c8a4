#!/usr/bin/env node
// Cost of the wasm rewriter (src/injected/core/wasm-rewrite.ts) on the real packages' modules:
// rewrite time (first call in a fresh process, then the median of warm calls), split into
// parse+find and total, against WebAssembly.Module compile time of the original bytes.
//
//   node bench/rewrite.mjs [--runs 15]
//
// The TypeScript source is bundled with rolldown into a temporary file first.
import { build } from 'rolldown';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 25;
const dir = mkdtempSync(join(tmpdir(), 'rewrite-bench-'));
try {
  await build({
    input: join(root, 'src/injected/core/wasm-rewrite.ts'),
    output: { file: join(dir, 'rewrite.mjs'), format: 'esm' },
    logLevel: 'silent',
  });
  const { rewriteModule } = await import(pathToFileURL(join(dir, 'rewrite.mjs')).href);
  const modules = [
    ['sql.js', 'node_modules/sql.js/dist/sql-wasm.wasm'],
    ['sql.js debug', 'node_modules/sql.js/dist/sql-wasm-debug.wasm'],
    ['tiktoken', 'node_modules/tiktoken/tiktoken_bg.wasm'],
    ['resvg', 'node_modules/@resvg/resvg-wasm/index_bg.wasm'],
    ['photon', 'node_modules/@silvia-odwyer/photon/photon_rs_bg.wasm'],
  ];
  const opts = { allocators: true, callCounters: (n) => /^__wbg_[a-z0-9_]+_free$/.test(n), maxModuleBytes: 64 << 20 };
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log('rewrite ms: first call in this process, then min / median of warm calls. compile ms: the first');
  console.log('(uncached) new WebAssembly.Module of the original bytes, and of the rewritten bytes (V8 compiles lazily).');
  console.log('module          bytes     first    min  median   compile orig/rewritten  min/compile  foundBy / functions');
  for (const [label, path] of modules) {
    const bytes = new Uint8Array(readFileSync(join(root, path)));
    let t = performance.now();
    new WebAssembly.Module(bytes);
    const compileMs = performance.now() - t;
    t = performance.now();
    const first = rewriteModule(bytes, opts);
    const firstMs = performance.now() - t;
    const warm = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      rewriteModule(bytes, opts);
      warm.push(performance.now() - t);
    }
    let compileOut = NaN;
    if (first.ok) {
      t = performance.now();
      new WebAssembly.Module(first.bytes);
      compileOut = performance.now() - t;
    }
    const w = median(warm);
    const mn = Math.min(...warm);
    const a = first.ok ? first.layout.allocator : null;
    console.log(
      `${label.padEnd(14)} ${String(bytes.length).padStart(8)}  ${firstMs.toFixed(1).padStart(6)}  ${mn.toFixed(2).padStart(5)}  ${w.toFixed(2).padStart(6)}   ${compileMs.toFixed(1).padStart(7)} / ${compileOut.toFixed(1).padStart(5)}     ${((100 * mn) / compileMs).toFixed(1).padStart(8)}%  ${a?.foundBy ?? (first.ok ? '-' : first.reason)} ${JSON.stringify(a?.functions ?? null)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
