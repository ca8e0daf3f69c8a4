// Early workers on a strict page, first and second load (src/shared/strict-sites.ts): a page whose
// response header says `worker-src 'self'` starts its worker from its first script, before the
// handshake brings the header verdict. The service worker remembers such a document when its
// headers arrive and registers the hint for it; that registration may or may not land before the
// document's scripts are chosen on that first load. This prints how often the page's worker
// worked (as without the extension) on the first load of a fresh profile, and on the second.
//
//   node bench/strict-first-load.mjs [--profiles 10]
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--profiles');
const PROFILES = i >= 0 ? Number(args[i + 1]) : 10;
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(join(DIST, 'manifest.json'))) throw new Error(`extension not built: ${DIST} (run npm run build)`);

const server = await startServer(0);
const headers = encodeURIComponent(JSON.stringify({ 'Content-Security-Policy': "worker-src 'self'" }));
const url = `http://127.0.0.1:${server.address().port}/e2e/pages/csp/page.html?serve-headers=${headers}&early`;

/** Load the page, wait for its early worker's run: true when it worked. */
async function run(context) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.__page.runs.length > 0, null, { timeout: 20_000 });
  const ok = await page.evaluate(() => window.__page.runs[0].ok === true);
  await page.close();
  return ok;
}

const tally = { first: 0, second: 0 };
for (let p = 0; p < PROFILES; p++) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-strict-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET, `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
  });
  try {
    await waitForContentScripts(context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker')));
    if (await run(context)) tally.first++;
    if (await run(context)) tally.second++;
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
server.close();
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(`strict page, early worker (${PROFILES} fresh profiles, load average ${load}):`);
console.log(`  first load:  the worker worked in ${tally.first} of ${PROFILES}`);
console.log(`  second load: the worker worked in ${tally.second} of ${PROFILES}`);
