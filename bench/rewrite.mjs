#!/usr/bin/env node
// Cost of the wasm rewriter (src/injected/core/wasm-rewrite.ts) on the real packages' modules:
// rewrite time (first call in a fresh process, then the median of warm calls), split into
// parse+find and total, against WebAssembly.Module compile time of the original bytes.
//
//   node bench/rewrite.mjs [--runs 25]
//
// "first" is the first rewrite in a fresh Node process (one process per module: the rewriter's
// code is cold, as in a page), "min"/"median" are warm calls in that process. The machine this
// was written on was shared (load average 7-10 on 2 cores): compare min values.
//
// The TypeScript source is bundled with rolldown into a temporary file first.
import { build } from 'rolldown';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

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
  const modules = [
    ['sql.js', 'node_modules/sql.js/dist/sql-wasm.wasm'],
    ['sql.js hints', 'node_modules/sql.js/dist/sql-wasm.wasm', { malloc: 'Ia', free: 'Ja', memalign: 'La' }],
    ['sql.js debug', 'node_modules/sql.js/dist/sql-wasm-debug.wasm'],
    ['tiktoken', 'node_modules/tiktoken/tiktoken_bg.wasm'],
    ['resvg', 'node_modules/@resvg/resvg-wasm/index_bg.wasm'],
    ['photon', 'node_modules/@silvia-odwyer/photon/photon_rs_bg.wasm'],
  ];
  const child = `
    import { readFileSync } from 'node:fs';
    const { rewriteModule } = await import(process.argv[1]);
    const [path, hints, runs] = [process.argv[2], JSON.parse(process.argv[3]), Number(process.argv[4])];
    const opts = { allocators: true, callCounters: (n) => /^__wbg_[a-z0-9_]+_free$/.test(n), maxModuleBytes: 64 << 20, allocatorHints: hints ?? undefined };
    const bytes = new Uint8Array(readFileSync(path));
    let t = performance.now();
    new WebAssembly.Module(bytes);
    const compileMs = performance.now() - t;
    t = performance.now();
    const first = rewriteModule(bytes, opts);
    const firstMs = performance.now() - t;
    const warm = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      rewriteModule(bytes, opts);
      warm.push(performance.now() - t);
    }
    t = performance.now();
    if (first.ok) new WebAssembly.Module(first.bytes);
    const compileOut = first.ok ? performance.now() - t : NaN;
    warm.sort((a, b) => a - b);
    console.log(JSON.stringify({ size: bytes.length, compileMs, firstMs, min: warm[0], median: warm[warm.length >> 1], compileOut, layout: first.ok ? first.layout.allocator : first.reason }));
  `;
  const url = pathToFileURL(join(dir, 'rewrite.mjs')).href;
  console.log('module          bytes     first    min  median   compile orig/rewritten  min/compile  foundBy / functions');
  for (const [label, path, hints] of modules) {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', child, url, join(root, path), JSON.stringify(hints ?? null), String(RUNS)],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').pop());
    const a = typeof r.layout === 'object' ? r.layout : null;
    console.log(
      `${label.padEnd(14)} ${String(r.size).padStart(8)}  ${r.firstMs.toFixed(1).padStart(6)}  ${r.min.toFixed(2).padStart(5)}  ${r.median.toFixed(2).padStart(6)}   ${r.compileMs.toFixed(1).padStart(7)} / ${r.compileOut.toFixed(1).padStart(5)}     ${((100 * r.min) / r.compileMs).toFixed(1).padStart(8)}%  ${a?.foundBy ?? r.layout} ${JSON.stringify(a?.functions ?? null)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
