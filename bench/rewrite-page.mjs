#!/usr/bin/env node
// Rewrite time inside Chromium, on the real packages' modules (bench/rewrite.mjs is the Node
// counterpart). Each sample is a FRESH browser per module and side, so that the rewriter's code is
// as cold as in a page that compiles its first module:
//
//   A. "load path": the page runs `new WebAssembly.Module(bytes)` of its module twice (first load,
//      then a repeat of the same bytes), once WITH the built extension (dist/, or
//      $WASM_MEMORY_DIST: the hooked constructor rewrites, then compiles the rewritten bytes) and
//      once WITHOUT it. with - without is what the page pays.
//   B. "rewriter alone": the rewriter (src/injected/core/wasm-rewrite.ts under $REWRITER_ROOT,
//      default this checkout, bundled) is added to a page without the extension, then: compile of
//      the ORIGINAL bytes (the first in the page), the rewriter's first call, its second call (same
//      bytes, same options: a repeat), and its warm CPU per call over --warm calls, never repeats (other
//      options each time) and then all repeats; and, for scale, one copy of the bytes into a new buffer.
//
//   npm run build && node bench/rewrite-page.mjs [--samples 5] [--warm 10] [--only sql.js] [--rewriter-only]
//
// Every step is its own page.evaluate, timed twice: main-thread CPU time (CDP Performance metric
// ThreadTime, which a machine shared with other processes does not inflate the way it inflates
// wall time) and wall time in the page (performance.now(), 0.1 ms steps). A CPU figure includes
// the evaluate's own cost; "noop" is that cost (an empty evaluate), already subtracted from every
// CPU figure printed. Compile is V8's WebAssembly.Module of the original bytes in the same realm
// (lazy: functions are compiled on their first call, so it is mostly decoding and validation).
// Prints medians over the samples (and the minimum where noted); numbers only, no verdict.
import { chromium } from '@playwright/test';
import { build } from 'rolldown';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
const REWRITER_ONLY = args.includes('--rewriter-only'); // B alone (e.g. two checkouts' rewriters, alternated by the caller)
const root = resolve(import.meta.dirname, '..');
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? join(root, 'dist'));
const REWRITER_ROOT = resolve(process.env.REWRITER_ROOT ?? root);
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
    const cdp = await context.newCDPSession(page);
    // the extension's page script is there (or not): the debugger lists the scripts already parsed
    const urls = [];
    cdp.on('Debugger.scriptParsed', (e) => urls.push(e.url));
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.disable');
    const injected = urls.some((u) => u.startsWith('chrome-extension://'));
    if (injected !== extension) throw new Error(`extension ${extension ? 'not active' : 'unexpectedly active'} in the page`);
    await cdp.send('Performance.enable');
    return await fn(page, cdp);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Main-thread CPU time of the page, ms. */
async function threadTime(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((x) => x.name === 'ThreadTime').value * 1000;
}

/** Runs `fn(arg)` in the page (it returns its own wall ms); returns { cpu, wall }. */
async function step(page, cdp, fn, arg) {
  const c0 = await threadTime(cdp);
  const wall = await page.evaluate(fn, arg);
  return { cpu: (await threadTime(cdp)) - c0, wall };
}

const noop = () => 0;
const fetchBytes = async (u) => {
  globalThis.__bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
  return 0;
};
const compile = () => {
  const t = performance.now();
  new WebAssembly.Module(globalThis.__bytes);
  return performance.now() - t;
};

/** A: the page's first and repeated `new WebAssembly.Module` of `url`'s bytes. */
async function loadPath(page, cdp, url) {
  await page.evaluate(fetchBytes, url);
  const n = await step(page, cdp, noop);
  const first = await step(page, cdp, compile);
  const repeat = await step(page, cdp, compile);
  return { noop: n.cpu, first, repeat };
}

// B: the rewriter as a classic script exposing globalThis.__rewriteBench
await build({
  input: join(REWRITER_ROOT, 'src/injected/core/wasm-rewrite.ts'),
  output: { file: join(tmp, 'rewrite.js'), format: 'iife', name: '__rewriteBench' },
  logLevel: 'silent',
});
const rewriterSource = readFileSync(join(tmp, 'rewrite.js'), 'utf8');

// one options object for the first and second call (the page's hooks also pass the same options:
// a second call with the same bytes is a repeat, which a rewriter may remember)
const rewriteOnce = () => {
  const opts = (globalThis.__opts ??= {
    allocators: true,
    callCounters: (n) => /^__wbg_[a-z0-9_]+_free$/.test(n),
    maxModuleBytes: 64 << 20,
  });
  const t = performance.now();
  const r = globalThis.__rewriteBench.rewriteModule(globalThis.__bytes, opts);
  const ms = performance.now() - t;
  globalThis.__result = r.ok ? { ok: true, foundBy: r.layout.allocator?.foundBy ?? 'calls only' } : { ok: false, foundBy: r.reason };
  return ms;
};
// warm rewrites: never repeats (another callCounters function each time), or all repeats (the
// options of the first call)
const rewriteWarm = ([warm, repeats]) => {
  let min = Infinity;
  for (let i = 0; i < warm; i++) {
    const opts = repeats
      ? globalThis.__opts
      : { allocators: true, callCounters: (n) => /^__wbg_[a-z0-9_]+_free$/.test(n), maxModuleBytes: 64 << 20 };
    const t = performance.now();
    globalThis.__rewriteBench.rewriteModule(globalThis.__bytes, opts);
    min = Math.min(min, performance.now() - t);
  }
  return min;
};
const copyBytes = () => {
  const t = performance.now();
  const b = globalThis.__bytes;
  new Uint8Array(b.length).set(b);
  return performance.now() - t;
};

async function rewriterAlone(page, cdp, url, sample) {
  // a distinct source per sample: V8's compilation cache never hands over a compiled rewriter
  await page.addScriptTag({ content: `${rewriterSource}\n//# sample ${sample} ${Math.random()}` });
  await page.evaluate(fetchBytes, url);
  const n = await step(page, cdp, noop);
  const c = await step(page, cdp, compile);
  const first = await step(page, cdp, rewriteOnce);
  const result = await page.evaluate(() => globalThis.__result);
  const second = await step(page, cdp, rewriteOnce);
  const warm = await step(page, cdp, rewriteWarm, [WARM, false]);
  const warmRepeat = await step(page, cdp, rewriteWarm, [WARM, true]);
  const copy = await step(page, cdp, copyBytes);
  const size = await page.evaluate(() => globalThis.__bytes.length);
  return {
    size,
    noop: n.cpu,
    compile: c,
    first,
    second,
    warmWall: warm.wall,
    warmCpu: (warm.cpu - n.cpu) / WARM,
    warmRepeatCpu: (warmRepeat.cpu - n.cpu) / WARM,
    copy,
    ...result,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const f = (x, w = 6) => x.toFixed(2).padStart(w);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
try {
  console.log(
    `rewrite time in Chromium, ${SAMPLES} fresh browsers per module and side; ms, median over samples; rewriter from ${REWRITER_ROOT}, extension ${DIST}`,
  );
  for (const [name, url] of MODULES) {
    const loadBefore = load();
    const a = { without: [], with: [] };
    const b = [];
    for (let s = 0; s < SAMPLES; s++) {
      if (!REWRITER_ONLY) {
        a.without.push(await withBrowser(false, (p, c) => loadPath(p, c, url)));
        a.with.push(await withBrowser(true, (p, c) => loadPath(p, c, url)));
      }
      b.push(await withBrowser(false, (p, c) => rewriterAlone(p, c, url, s)));
    }
    const cpu = (x, n) => x.cpu - n;
    const aFirst = (side) => a[side].map((x) => cpu(x.first, x.noop));
    const aRepeat = (side) => a[side].map((x) => cpu(x.repeat, x.noop));
    const diffFirst = aFirst('with').map((x, i) => x - aFirst('without')[i]);
    const diffRepeat = aRepeat('with').map((x, i) => x - aRepeat('without')[i]);
    const bc = b.map((x) => cpu(x.compile, x.noop));
    const b1 = b.map((x) => cpu(x.first, x.noop));
    const b2 = b.map((x) => cpu(x.second, x.noop));
    const pct = (xs) => `${(100 * median(xs)).toFixed(1).padStart(6)}%`;
    console.log(
      `\n${name} (${b[0].size} bytes), ${b[0].ok ? `rewritten, allocator found by ${b[0].foundBy}` : `NOT REWRITTEN: ${b[0].foundBy}`}; load average before ${loadBefore}, after ${load()}`,
    );
    if (!REWRITER_ONLY) {
      console.log(
        `  A  page's new WebAssembly.Module, CPU:  without first ${f(median(aFirst('without')))} repeat ${f(median(aRepeat('without')))} | with first ${f(median(aFirst('with')))} repeat ${f(median(aRepeat('with')))}`,
      );
      console.log(
        `     with - without, CPU (paired):        first ${f(median(diffFirst))} (min ${f(Math.min(...diffFirst))})  repeat ${f(median(diffRepeat))} (min ${f(Math.min(...diffRepeat))})   = ${pct(diffFirst.map((d, i) => d / aFirst('without')[i]))} / ${pct(diffRepeat.map((d, i) => d / aFirst('without')[i]))} of compile`,
      );
      console.log(
        `     wall:                                without first ${f(median(a.without.map((x) => x.first.wall)))} | with first ${f(median(a.with.map((x) => x.first.wall)))} repeat ${f(median(a.with.map((x) => x.repeat.wall)))}`,
      );
    }
    console.log(
      `  B  compile ${f(median(bc))} | rewriter first ${f(median(b1))} (min ${f(Math.min(...b1))}) second ${f(median(b2))} warm ${f(median(b.map((x) => x.warmCpu)))} warm repeat ${f(median(b.map((x) => x.warmRepeatCpu)))} | copy ${f(median(b.map((x) => cpu(x.copy, x.noop))))}  (CPU)`,
    );
    console.log(
      `     of compile:  first ${pct(b1.map((x, i) => x / bc[i]))}  second ${pct(b2.map((x, i) => x / bc[i]))}  warm ${pct(b.map((x, i) => x.warmCpu / bc[i]))}  warm repeat ${pct(b.map((x, i) => x.warmRepeatCpu / bc[i]))}  copy ${pct(b.map((x, i) => cpu(x.copy, x.noop) / bc[i]))}`,
    );
    console.log(
      `     wall:        compile ${f(median(b.map((x) => x.compile.wall)))} first ${f(median(b.map((x) => x.first.wall)))} second ${f(median(b.map((x) => x.second.wall)))} warm min ${f(median(b.map((x) => x.warmWall)))} copy ${f(median(b.map((x) => x.copy.wall)))}; evaluate noop CPU ${f(median(b.map((x) => x.noop)))}`,
    );
  }
} finally {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}
