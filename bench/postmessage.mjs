// The page's own window.postMessage throughput with the extension, against without it (target:
// at least 90 %). The content script listens to window messages for the handshake; it must leave
// the page's messages alone (reading `data` would deserialize each one again in its world).
//
//   node bench/postmessage.mjs [--pairs 7] [--messages 20000]
//
// Paired runs: each pair runs both browsers on the same page, in alternating order; the ratio
// of each pair is with/without, and the median of the pairs is reported.
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const PAIRS = opt('pairs', 7);
const MESSAGES = opt('messages', 20_000);
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(join(DIST, 'manifest.json'))) throw new Error(`extension not built: ${DIST} (run npm run build)`);

const server = await startServer(0);
const url = `http://127.0.0.1:${server.address().port}/bench/pages/postmessage.html${process.env.PMQ ?? ''}`;
const dirs = [];
async function launch(withExtension) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-pm-'));
  dirs.push(dir);
  const ext = withExtension ? [`--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`] : [];
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: [...QUIET, ...ext] });
  if (withExtension) await waitForContentScripts(context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker')));
  return context;
}

async function measure(context) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'ready');
  await page.evaluate((n) => globalThis.run(n), 2000); // warm-up
  const r = await page.evaluate((n) => globalThis.run(n), MESSAGES);
  await page.close();
  return r.perSecond;
}

const withExt = await launch(true);
const bare = await launch(false);
const ratios = [];
try {
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? [withExt, bare] : [bare, withExt];
    const [a, b] = [await measure(order[0]), await measure(order[1])];
    const [w, o] = i % 2 === 0 ? [a, b] : [b, a];
    ratios.push(w / o);
    console.log(`pair ${i + 1}: with ${w.toFixed(0)}/s, without ${o.toFixed(0)}/s, ratio ${(w / o).toFixed(3)}`);
  }
} finally {
  await withExt.close();
  await bare.close();
  server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
const sorted = [...ratios].sort((x, y) => x - y);
console.log(
  `postMessage throughput with the extension: median ${(sorted[Math.floor(sorted.length / 2)] * 100).toFixed(1)} % of without (${PAIRS} pairs, ${MESSAGES} messages each; target >= 90 %)`,
);
