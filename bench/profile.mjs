#!/usr/bin/env node
// Where the time of a bench workload goes: a CPU profile of the page's main thread (a diagnostic,
// not a verdict; bench/overhead.mjs gives the with/without ratio).
//
//   npm run build && node bench/profile.mjs <workload substring> [units] [--no-extension] [--no-allocations]
//
// Runs the matching workloads of bench/pages/overhead.html (3 warm-up runs, then 10 profiled
// runs of `units` each, default 100) in Debian's Chromium with the built extension (dist/, or
// $WASM_MEMORY_DIST), and prints self time by category (wasm, page JS, the extension's own
// scripts: EXT, V8/Blink natives) and the functions with the most self time. $JSFLAGS adds V8
// flags (e.g. "--trace-deopt", with DEBUG=pw:browser to see them).
//
// Read with care: a builtin called from one of our look-alikes (FinalizationRegistry.register)
// counts as the look-alike's self time, and inlined functions are attributed by source
// position. Compare a run with --no-extension, and use bench/overhead.mjs (--versus) for ratios.
/* global chrome */ // inside sw.evaluate(): the extension service worker's global
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const args = process.argv.slice(2);
const positional = args.filter((a) => !a.startsWith('--'));
const ONLY = positional[0] ?? '';
const UNITS = Number(positional[1] ?? 100);
const WITH_EXTENSION = !args.includes('--no-extension');
// --no-allocations: allocation tracking (counting the heap inside wasm) off, as the panel's switch does
const NO_ALLOCATIONS = args.includes('--no-allocations');
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (ONLY === '' || !(UNITS > 0)) {
  console.error('usage: node bench/profile.mjs <workload substring> [units] [--no-extension]');
  process.exit(2);
}
if (WITH_EXTENSION && !existsSync(join(DIST, 'manifest.json'))) {
  console.error(`extension not built: ${DIST}/manifest.json missing (run npm run build)`);
  process.exit(2);
}

const server = await startServer(0);
const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-profile-'));
const jsFlags = `--js-flags=--expose-gc${process.env.JSFLAGS ? ` ${process.env.JSFLAGS}` : ''}`;
const extArgs = WITH_EXTENSION ? [`--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`] : [];
const context = await chromium.launchPersistentContext(dir, {
  executablePath: CHROMIUM,
  headless: true,
  args: [...QUIET, jsFlags, ...extArgs],
});
try {
  if (WITH_EXTENSION) {
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await waitForContentScripts(sw);
    if (NO_ALLOCATIONS) await sw.evaluate((key) => chrome.storage.local.set({ [key]: false }), 'wasmMemory.allocationTracking');
  }
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/pages/overhead.html`);
  await page.waitForFunction(() => document.title === 'ready', null, { timeout: 60_000 });
  const names = (await page.evaluate(() => globalThis.bench.names)).filter((n) => n.includes(ONLY));
  if (names.length === 0) throw new Error(`no workload matches "${ONLY}"`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  const run = (name) => page.evaluate(([n, u]) => globalThis.bench.run(n, u), [name, UNITS]);
  for (const name of names) {
    for (let i = 0; i < 3; i++) await run(name);
    await cdp.send('Profiler.start');
    for (let i = 0; i < 10; i++) await run(name);
    const { profile } = await cdp.send('Profiler.stop');
    report(name, profile);
  }
} finally {
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

function category(url, functionName) {
  if (url.startsWith('chrome-extension://')) return 'EXT';
  if (url.startsWith('wasm://') || url.includes('.wasm')) return 'wasm';
  return url !== '' ? 'page' : functionName || '(native)';
}

function report(name, profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byCategory = new Map();
  const byFunction = new Map();
  for (const [id, t] of self) {
    const { url, functionName, lineNumber, columnNumber } = nodes.get(id).callFrame;
    const cat = category(url, functionName);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + t);
    if (cat === 'EXT' || cat === 'page') {
      const key = `${cat} ${url.split('/').slice(-2).join('/')} ${functionName || '(anonymous)'}:${lineNumber}:${columnNumber}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + t);
    }
  }
  const line = (label, t) => `  ${label.padEnd(60)} ${(t / 1000).toFixed(2).padStart(9)} ms ${((100 * t) / total).toFixed(2).padStart(6)}%`;
  console.log(
    `\n${name} (${WITH_EXTENSION ? 'with' : 'without'} the extension, 10 runs of ${UNITS}): ${(total / 1000).toFixed(1)} ms sampled`,
  );
  for (const [k, t] of [...byCategory].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(line(k, t));
  console.log('  functions (page JS and EXT, self time):');
  for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(line(k, t));
}
