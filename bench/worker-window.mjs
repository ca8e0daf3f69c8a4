// How often is a page's worker started before the extension knows the page's header policies?
// (src/shared/worker-policy.ts. Until the content script has the service worker's verdict, the
// page side decides from the page's <meta> policies alone: this page has none, so every worker
// must be instrumented; under the first rule of 2026-12 they were not, and the table in
// bench/RESULTS.md measured that window. A worker reported `worker-skipped` here is a regression.)
//
//   node bench/worker-window.mjs [--loads 10]
//
// bench/pages/worker-window.html starts a worker in its first inline script, in timers of
// 0..256 ms, in an inline module, at the end of <body>, at DOMContentLoaded and at load. Each
// worker is seen either as a worker realm (instrumented) or as a `worker-skipped` event, in the
// trace of the panel (opened as a tab bound to the page's tab, as the CLI does). Two cases: the service worker
// awake (a page loaded just before), and stopped (CDP ServiceWorker.stopAllWorkers, as Chrome
// does after ~30 s idle) right before the load.
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };

const args = process.argv.slice(2);
const i = args.indexOf('--loads');
const LOADS = i >= 0 ? Number(args[i + 1]) : 10;
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(join(DIST, 'manifest.json'))) throw new Error(`extension not built: ${DIST} (run npm run build)`);

const server = await startServer(0);
const url = `http://127.0.0.1:${server.address().port}/bench/pages/worker-window.html`;
const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-ww-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: CHROMIUM,
  headless: true,
  args: [...QUIET, `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
});
const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
await sw.evaluate(() => true);
const extensionId = new URL(sw.url()).host;
const page = await context.newPage();
await page.goto('about:blank');
await page.bringToFront();
const tabId = await sw.evaluate(async () => (await globalThis.chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0].id);
const panel = await context.newPage();
await panel.goto(`chrome-extension://${extensionId}/src/devtools-panel/panel.html?tabId=${tabId}`);
await panel.waitForFunction(() => globalThis.wasmMemoryPanel !== undefined);

async function stopServiceWorker() {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

/** One load: label -> 'instrumented' | 'skipped', and the start time of each (ms since navigation). */
let loads = 0;
async function load() {
  const at = `${url}?load=${loads++}`;
  await page.goto(at);
  const expected = 15;
  let got;
  for (;;) {
    const starts = await page.evaluate(() => window.__starts);
    const events = await panel.evaluate(() => globalThis.wasmMemoryPanel.exportTrace().events);
    got = { starts, events };
    const seen = events.filter((e) => (e.t === 'realm' && e.kind === 'worker') || e.t === 'worker-skipped').length;
    if (starts.length === expected && seen === expected && events.some((e) => e.t === 'realm' && e.url === at)) break;
    await page.waitForTimeout(50); // bench polling, not a test
  }
  const out = {};
  for (const s of got.starts) {
    const at = `?at=${s.label}`;
    const skipped = got.events.find((e) => e.t === 'worker-skipped' && e.url.endsWith(at));
    const realm = got.events.find((e) => e.t === 'realm' && e.kind === 'worker' && e.url.endsWith(at));
    if (!skipped && !realm) throw new Error(`worker ${s.label}: neither instrumented nor skipped`);
    out[s.label] = { t: s.t, state: skipped ? `skipped:${skipped.reason}` : 'instrumented' };
  }
  return out;
}

const results = { awake: [], stopped: [] };
try {
  await load(); // warm-up: caches, the service worker's first start
  for (let n = 0; n < LOADS; n++) {
    results.awake.push(await load());
    await stopServiceWorker();
    results.stopped.push(await load());
  }
} finally {
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
};
for (const [name, loads] of Object.entries(results)) {
  console.log(
    `service worker ${name} (${loads.length} loads): started at (median ms since navigation start) -> not instrumented in N loads`,
  );
  for (const label of Object.keys(loads[0])) {
    const skipped = loads.filter((l) => l[label].state !== 'instrumented');
    const reasons = [...new Set(skipped.map((l) => l[label].state))].join(',');
    console.log(
      `  ${label.padEnd(18)} ${median(loads.map((l) => l[label].t))
        .toFixed(1)
        .padStart(7)} ms  ${skipped.length}/${loads.length}${reasons ? ` (${reasons})` : ''}`,
    );
  }
  // The window: latest start of a skipped worker, earliest start of an instrumented one.
  const lastSkipped = loads.map((l) =>
    Math.max(
      -1,
      ...Object.values(l)
        .filter((x) => x.state !== 'instrumented')
        .map((x) => x.t),
    ),
  );
  const firstInstrumented = loads.map((l) =>
    Math.min(
      ...Object.values(l)
        .filter((x) => x.state === 'instrumented')
        .map((x) => x.t),
    ),
  );
  if (lastSkipped.every((t) => t < 0)) console.log('  every worker instrumented in every load');
  else
    console.log(
      `  verdict known between ${median(lastSkipped).toFixed(1)} and ${median(firstInstrumented).toFixed(1)} ms after navigation start (medians)`,
    );
}
