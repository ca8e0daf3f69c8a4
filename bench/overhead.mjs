#!/usr/bin/env node
// Overhead of the WASM Memory extension on real wasm workloads (a benchmark, not a timed test).
//
//   npm run build && npm run bench:overhead [-- --rounds 15] [--only <substring of a workload name>] [--units N] [--check]
//
// Launches Debian's Chromium twice in one run, WITH the built extension (dist/, or
// $WASM_MEMORY_DIST) and WITHOUT it, loads bench/pages/overhead.html in both, and runs each
// workload alternately in the two browsers (interleaved, the order flipping every round), so that
// machine noise hits both sides alike. Prints per-workload medians and the with/without ratio
// against the targets: <= 1.03x for loops that create and free objects, <= 1.01x for
// compute-bound loops. Two clocks: CPU time of the page's main thread (CDP Performance metric
// ThreadTime; the verdict, since it does not count time the page spent waiting for a core) and
// wall time (performance.now() in the page). Exit code 0 always (numbers are reported, not asserted); --check makes a
// missed target exit 1.
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 15);
const CHECK = args.includes('--check');
const ONLY = (() => {
  const i = args.indexOf('--only');
  return i >= 0 ? String(args[i + 1] ?? '') : '';
})();
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Units of work per run, chosen so that one run takes roughly 100 ms here: long enough that the
 * extension's fixed per-run costs (its 100 ms sampling tick falls into some windows, not others)
 * do not dominate the ratio.
 */
const UNITS = {
  'bindgen BBox create+free (resvg 0.2.92, registered)': 300000,
  'bindgen Resvg create+free (resvg 0.2.92, unregistered)': 30000,
  'bindgen Tiktoken create+free (tiktoken 0.2.100)': 75,
  'emscripten sql.js prepare+bind+step+free': 600,
  'compute tiktoken encode 200 KB': 4,
  'compute resvg render 384x384': 3,
  'compute wasm call loop (1e6 calls)': 12,
};
// --units N: the same number of units for every selected workload (e.g. longer runs with --only)
if (opt('units', 0) > 0) for (const k of Object.keys(UNITS)) UNITS[k] = opt('units', 0);
const target = (name) => (name.startsWith('compute') ? 1.01 : 1.03);

if (!existsSync(join(DIST, 'manifest.json'))) {
  console.error(`extension not built: ${DIST}/manifest.json missing (run npm run build)`);
  process.exit(2);
}

const server = await startServer(0);
const base = `http://127.0.0.1:${server.address().port}`;
const dirs = [];
async function launch(withExtension) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-'));
  dirs.push(dir);
  const extArgs = withExtension ? [`--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`] : [];
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: [...QUIET, ...extArgs] });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[${withExtension ? 'with' : 'without'}] page error: ${e.message}`));
  await page.goto(`${base}/bench/pages/overhead.html`);
  await page.waitForFunction(() => document.title === 'ready', null, { timeout: 60_000 });
  const injected = await page.evaluate(() => Object.getOwnPropertyDescriptor(Object.prototype, '__wbg_ptr') !== undefined);
  if (injected !== withExtension) throw new Error(`extension ${withExtension ? 'not active' : 'unexpectedly active'} in the ${withExtension ? 'with' : 'without'} browser`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { context, page, cdp };
}

/** CPU time of the page's main thread, in ms (CDP Performance metric ThreadTime, seconds). */
async function threadTime(side) {
  const { metrics } = await sides[side].cdp.send('Performance.getMetrics');
  const m = metrics.find((x) => x.name === 'ThreadTime');
  if (!m) throw new Error('no ThreadTime metric');
  return m.value * 1000;
}

const sides = { with: await launch(true), without: await launch(false) };
const names = (await sides.with.page.evaluate(() => globalThis.bench.names)).filter((n) => n.includes(ONLY));
/** One run: wall time measured in the page, CPU time of the page's main thread around it. */
async function run(side, name) {
  const cpu0 = await threadTime(side);
  const wall = await sides[side].page.evaluate(([n, u]) => globalThis.bench.run(n, u), [name, UNITS[name]]);
  const cpu = (await threadTime(side)) - cpu0;
  return { wall, cpu };
}

// Warm-up (JIT, caches, first allocations).
for (const name of names) for (let i = 0; i < 3; i++) for (const side of ['with', 'without']) await run(side, name);

const samples = Object.fromEntries(names.map((n) => [n, { with: [], without: [], withCpu: [], withoutCpu: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['with', 'without'] : ['without', 'with'];
  for (const name of names) {
    for (const side of order) {
      const r = await run(side, name);
      samples[name][side].push(r.wall);
      samples[name][`${side}Cpu`].push(r.cpu);
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rows = names.map((name) => {
  const w = median(samples[name].with);
  const wo = median(samples[name].without);
  const wc = median(samples[name].withCpu);
  const woc = median(samples[name].withoutCpu);
  const cpuRatio = wc / woc;
  // paired: the median of the per-round ratios (each round runs both sides back to back)
  const pairedCpu = median(samples[name].withCpu.map((x, i) => x / samples[name].withoutCpu[i]));
  return { pairedCpu, name, units: UNITS[name], without: wo, with: w, ratio: w / wo, withoutCpu: woc, withCpu: wc, cpuRatio, target: target(name), ok: cpuRatio <= target(name) };
});

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const load = (await import('node:os')).loadavg()[0];
console.log(`\nWASM Memory overhead: medians of ${ROUNDS} interleaved runs per side (Chromium ${sides.with.context.browser()?.version() ?? ''}, ${DIST}; load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);
console.log('cpu = CPU time of the page main thread (CDP ThreadTime), ratio of medians (the verdict) and median of per-round ratios (paired);');
console.log('wall = performance.now() in the page: noisy when the machine is busy.\n');
console.log(`${pad('workload', 56)}${lpad('units', 7)}${lpad('cpu w/o', 9)}${lpad('cpu with', 9)}${lpad('ratio', 8)}${lpad('paired', 8)}${lpad('wall w/o', 10)}${lpad('wall with', 10)}${lpad('ratio', 8)}${lpad('target', 8)}  verdict`);
for (const r of rows) {
  console.log(`${pad(r.name, 56)}${lpad(r.units, 7)}${lpad(r.withoutCpu.toFixed(1), 9)}${lpad(r.withCpu.toFixed(1), 9)}${lpad(r.cpuRatio.toFixed(3) + 'x', 8)}${lpad(r.pairedCpu.toFixed(3) + 'x', 8)}${lpad(r.without.toFixed(1), 10)}${lpad(r.with.toFixed(1), 10)}${lpad(r.ratio.toFixed(3) + 'x', 8)}${lpad('<=' + r.target.toFixed(2), 8)}  ${r.ok ? 'ok' : 'MISSED'}`);
}
console.log(JSON.stringify({ rounds: ROUNDS, loadAverage: load, results: rows.map((r) => ({ name: r.name, units: r.units, withoutCpuMs: +r.withoutCpu.toFixed(3), withCpuMs: +r.withCpu.toFixed(3), cpuRatio: +r.cpuRatio.toFixed(4), pairedCpuRatio: +r.pairedCpu.toFixed(4), withoutWallMs: +r.without.toFixed(3), withWallMs: +r.with.toFixed(3), wallRatio: +r.ratio.toFixed(4), target: r.target })) }));

await sides.with.context.close();
await sides.without.context.close();
server.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
if (CHECK && rows.some((r) => !r.ok)) process.exit(1);
