#!/usr/bin/env node
// Rewrite time inside Chromium, cold, on the real packages' modules (bench/rewrite.mjs is the
// Node counterpart). Two measurements, each in a FRESH browser per sample and module, so that the
// rewriter's code is as cold as in a page that compiles its first module:
//
//   A. "load path": the page times `new WebAssembly.Module(bytes)` of its module, once WITH the
//      built extension (dist/, or $WASM_MEMORY_DIST: the hooked constructor rewrites, then
//      compiles the rewritten bytes) and once WITHOUT it. with - without is what the page pays.
//   B. "rewriter alone": the rewriter (src/injected/core/wasm-rewrite.ts, bundled) is added to a
//      page without the extension, then: compile of the ORIGINAL bytes (the first in the page),
//      the rewriter's first call, and its warm minimum over --warm calls.
//
//   npm run build && node bench/rewrite-page.mjs [--samples 5] [--warm 10] [--only sql.js]
//
// Compile is V8's WebAssembly.Module of the original bytes in the same realm (lazy: functions
// are compiled on their first call, so it is mostly decoding and validation of the sections).
// Prints medians (and minima) over the samples; numbers only, no verdict.
import { chromium } from '@playwright/test';
import { build } from 'rolldown';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const SAMPLES = Number(opt('samples', 5));
const WARM = Number(opt('warm', 10));
const ONLY = String(opt('only', ''));
const root = resolve(import.meta.dirname, '..');
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? join(root, 'dist'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const MODULES = [
  ['sql.js', '/node_modules/sql.js/dist/sql-wasm.wasm'],
  ['sqlite-wasm', '/node_modules/@sqlite.org/sqlite-wasm/sqlite-wasm/jswasm/sqlite3.wasm'],
  ['tiktoken', '/node_modules/tiktoken/tiktoken_bg.wasm'],
  ['resvg', '/node_modules/@resvg/resvg-wasm/index_bg.wasm'],
  ['photon', '/node_modules/@silvia-odwyer/photon/photon_rs_bg.wasm'],
].filter(([name]) => name.includes(ONLY));

const tmp = mkdtempSync(join(tmpdir(), 'rewrite-page-'));
const server = await startServer(0);
const base = `http://127.0.0.1:${server.address().port}`;

async function withBrowser(extension, fn) {
  const dir = mkdtempSync(join(tmp, 'profile-'));
  const extArgs = extension ? [`--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`] : [];
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: [...QUIET, ...extArgs] });
  try {
    if (extension) await waitForContentScripts(context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker')));
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${base}/bench/pages/rewrite.html`);
    return await fn(page);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A: ms of the page's first `new WebAssembly.Module` of `url`'s bytes. */
const timeCompile = (page, url) =>
  page.evaluate(async (u) => {
    const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
    const t = performance.now();
    new WebAssembly.Module(bytes);
    return performance.now() - t;
  }, url);

// B: the rewriter as a classic script exposing globalThis.__rewriteBench
await build({
  input: join(root, 'src/injected/core/wasm-rewrite.ts'),
  output: { file: join(tmp, 'rewrite.js'), format: 'iife', name: '__rewriteBench' },
  logLevel: 'silent',
});
const rewriterSource = readFileSync(join(tmp, 'rewrite.js'), 'utf8');

async function rewriterAlone(page, url, sample) {
  // a distinct source per sample: V8's compilation cache never hands over a compiled rewriter
  await page.addScriptTag({ content: `${rewriterSource}\n//# sample ${sample} ${Math.random()}` });
  return page.evaluate(
    async ([u, warm]) => {
      const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
      const opts = { allocators: true, callCounters: (n) => /^__wbg_[a-z0-9_]+_free$/.test(n), maxModuleBytes: 64 << 20 };
      let t = performance.now();
      new WebAssembly.Module(bytes);
      const compile = performance.now() - t;
      t = performance.now();
      const r = globalThis.__rewriteBench.rewriteModule(bytes, opts);
      const first = performance.now() - t;
      let min = Infinity;
      for (let i = 0; i < warm; i++) {
        t = performance.now();
        globalThis.__rewriteBench.rewriteModule(bytes, opts);
        min = Math.min(min, performance.now() - t);
      }
      return { size: bytes.length, compile, first, warm: min, ok: r.ok, foundBy: r.ok ? r.layout.allocator?.foundBy : r.reason };
    },
    [url, WARM],
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const f = (x) => x.toFixed(2).padStart(6);
try {
  console.log(`rewrite time in Chromium, ${SAMPLES} fresh browsers per module and side; ms, median (min)`);
  console.log(
    'module         bytes    | A: Module() without  with   with-without | B: compile  first  warm  first/compile warm/compile  foundBy',
  );
  for (const [name, url] of MODULES) {
    const a = { without: [], with: [] };
    const b = [];
    for (let s = 0; s < SAMPLES; s++) {
      a.without.push(await withBrowser(false, (p) => timeCompile(p, url)));
      a.with.push(await withBrowser(true, (p) => timeCompile(p, url)));
      b.push(await withBrowser(false, (p) => rewriterAlone(p, url, s)));
    }
    const diff = a.with.map((x, i) => x - a.without[i]);
    const ratioFirst = b.map((x) => x.first / x.compile);
    const ratioWarm = b.map((x) => x.warm / x.compile);
    console.log(
      `${name.padEnd(12)} ${String(b[0].size).padStart(8)} | ${f(median(a.without))} ${f(median(a.with))} ${f(median(diff))} (${f(Math.min(...diff))}) | ${f(median(b.map((x) => x.compile)))} ${f(median(b.map((x) => x.first)))} (${f(Math.min(...b.map((x) => x.first)))}) ${f(median(b.map((x) => x.warm)))}  ${(100 * median(ratioFirst)).toFixed(1).padStart(6)}%  ${(100 * median(ratioWarm)).toFixed(1).padStart(6)}%  ${b[0].foundBy}${b.every((x) => x.ok) ? '' : ' NOT REWRITTEN'}`,
    );
  }
} finally {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}
