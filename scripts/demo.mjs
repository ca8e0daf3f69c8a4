// `npm run demo` (after `npm run build`): runs the bundled demo (demo/) in Chromium with the
// built extension loaded, headless, and shows what the WASM Memory panel sees.
//
//   1. serves the repository on a free port (scripts/serve.mjs),
//   2. launches Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with dist/ loaded,
//   3. opens the demo, and the panel as a tab bound to the demo's tab,
//   4. opens sample files one after another (each one a new engine that is never freed),
//   5. waits until the panel shows every engine's memory and the leak alert,
//   6. writes out/demo-panel.png (the panel, 1280x800) and out/demo-trace.json (the panel's
//      exported trace) and prints a summary. Exits non-zero, saying why, if any step fails.
//
// Options:
//   --opens N             files to open (default 6)
//   --fixed               run the demo's fixed mode instead (?fixed=1): no leak alert expected
//   --update-screenshot   also copy the panel screenshot to docs/screenshot.png (README)
//   --out DIR             output folder (default out/)
//   --timeout SECONDS     how long to wait for each condition (default 30)
import { chromium } from 'playwright';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './serve.mjs';
/** Flags that keep Chromium quiet on a machine with no network (shared with e2e, CLI, bench). */
import QUIET_ARGS from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from './extension-ready.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SAMPLES = ['sales-2025.csv', 'inventory.csv', 'access.log', 'field-notes.txt'];
/** Alert kinds that name this demo's leak (see src/shared/analyzer-api.ts). */
const LEAK_KINDS = ['memory-replaced', 'memory-floor-rising'];

class DemoError extends Error {}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      opens: { type: 'string', default: '6' },
      fixed: { type: 'boolean', default: false },
      'update-screenshot': { type: 'boolean', default: false },
      out: { type: 'string', default: join(root, 'out') },
      timeout: { type: 'string', default: '30' },
    },
  });
  const opens = Number(values.opens);
  const timeoutS = Number(values.timeout);
  if (!Number.isInteger(opens) || opens < 2) throw new DemoError('--opens must be an integer >= 2');
  if (!(timeoutS > 0)) throw new DemoError('--timeout must be a positive number of seconds');
  return { opens, fixed: values.fixed, updateScreenshot: values['update-screenshot'], out: resolve(values.out), timeout: timeoutS * 1000 };
}

/** Runs `step`, turning a timeout or failure into a DemoError that says what we waited for. */
async function step(what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DemoError) throw e;
    throw new DemoError(`${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main() {
  const opts = parseOptions();
  const dist = resolve(process.env.WASM_MEMORY_DIST ?? join(root, 'dist'));
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(join(dist, 'manifest.json')))
    throw new DemoError(`the extension is not built (${dist}/manifest.json missing): run npm run build`);
  if (!existsSync(join(root, 'demo/dist/engine.wasm')))
    throw new DemoError('the demo engine is not built (demo/dist/engine.wasm missing): run npm run build');
  if (!existsSync(chromiumPath)) throw new DemoError(`no Chromium at ${chromiumPath}: install it (scripts/setup.sh) or set CHROMIUM_PATH`);

  const server = await startServer(0);
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const profile = mkdtempSync(join(tmpdir(), 'wasm-memory-demo-'));
  let context;
  try {
    context = await step('launching Chromium with the extension', () =>
      chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        viewport: { width: 1280, height: 800 },
        args: [...QUIET_ARGS, `--disable-extensions-except=${dist}`, `--load-extension=${dist}`],
      }),
    );
    const sw = await step(
      'waiting for the extension service worker',
      async () => context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: opts.timeout })),
    );
    await step('waiting for the extension to register its content scripts', () => waitForContentScripts(sw));
    const extensionId = new URL(sw.url()).host;

    const demoUrl = `http://127.0.0.1:${port}/demo/${opts.fixed ? '?fixed=1' : ''}`;
    const demo = context.pages()[0] ?? (await context.newPage());
    await step(`opening ${demoUrl}`, async () => {
      await demo.goto(demoUrl);
      await demo.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: opts.timeout });
    });
    await demo.bringToFront();
    const tabId = await step('finding the demo tab id', () =>
      sw.evaluate(async (url) => {
        const tabs = await chrome.tabs.query({});
        const hit = tabs.find((t) => t.url === url && t.active) ?? tabs.find((t) => t.url === url);
        if (hit?.id !== undefined) return hit.id;
        // Without the "tabs" permission tab.url is hidden: take the active tab (just brought to front).
        const [active] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
        return active?.id ?? -1;
      }, demo.url()),
    );
    if (tabId < 0) throw new DemoError('the service worker does not see the demo tab');

    const panel = await context.newPage();
    await step('opening the panel and waiting for it to connect', async () => {
      await panel.goto(`chrome-extension://${extensionId}/src/devtools-panel/panel.html?tabId=${tabId}`);
      await panel.locator('[data-testid=status][data-state=connected]').waitFor({ state: 'attached', timeout: opts.timeout });
    });

    const totals = [];
    for (let i = 0; i < opts.opens; i++) {
      const file = SAMPLES[i % SAMPLES.length];
      await step(`opening ${file} in the demo`, async () => {
        await demo.locator(`[data-testid=open-sample][data-file="${file}"]`).click({ timeout: opts.timeout });
        await demo.locator(`[data-testid=open-count][data-value="${i + 1}"]`).waitFor({ state: 'attached', timeout: opts.timeout });
      });
      const pageBytes = Number(await demo.locator('[data-testid=engine-bytes]').getAttribute('data-value'));
      // The panel must see every engine (leaky mode) and the bytes the page itself reports.
      await step(`waiting for the panel to show ${i + 1} engine memories, the live ones totalling at least ${mib(pageBytes)}`, () =>
        panel.waitForFunction(
          ({ rows, bytes }) => {
            const all = [...document.querySelectorAll('[data-testid=memory-row]')];
            const live = all.filter((r) => !r.classList.contains('collected'));
            const sum = live.reduce(
              (s, r) => s + Number(r.querySelector('[data-testid=memory-current]')?.getAttribute('data-value') ?? 0),
              0,
            );
            return all.length >= rows && sum >= bytes;
          },
          { rows: i + 1, bytes: pageBytes },
          { timeout: opts.timeout, polling: 100 },
        ),
      );
      totals.push(pageBytes);
    }

    // One alert line, or one line for a group of alerts of one pattern (its members listed when opened).
    const alerts = panel.locator(
      LEAK_KINDS.map((k) => `[data-testid=alert][data-kind=${k}][data-state=active], [data-testid=alert-group][data-kind=${k}]`).join(', '),
    );
    if (!opts.fixed) {
      await step(`waiting for the leak alert (${LEAK_KINDS.join(' or ')})`, () =>
        alerts.first().waitFor({ state: 'attached', timeout: opts.timeout }),
      );
      // The analyzer flags an old engine once a newer one has lived 10 s beside it: wait until
      // every superseded engine is flagged (one group of that many), so the screenshot shows the
      // whole leak, then open the group.
      await step(`waiting for all ${opts.opens - 1} superseded engines to be flagged`, () =>
        panel
          .locator(`[data-testid=alert-group][data-kind=memory-replaced][data-members="${opts.opens - 1}"]`)
          .waitFor({ state: 'attached', timeout: opts.timeout }),
      );
      await panel.locator('[data-testid=alert-group][data-kind=memory-replaced] [data-testid=alert-group-title]').click();
    } else {
      // The fixed app dropped its old engines: a full GC (as the browser would run eventually)
      // lets the page side report them collected.
      const cdp = await context.newCDPSession(demo);
      await step(`waiting for the ${opts.opens - 1} dropped engines to be collected`, () =>
        (async () => {
          const deadline = Date.now() + opts.timeout;
          for (;;) {
            await cdp.send('HeapProfiler.collectGarbage');
            const collected = await panel.locator('[data-testid=memory-row].collected').count();
            if (collected >= opts.opens - 1) return;
            if (Date.now() > deadline) throw new Error(`only ${collected} collected`);
            await panel.waitForTimeout(250);
          }
        })(),
      );
      await cdp.detach();
    }

    mkdirSync(opts.out, { recursive: true });
    const png = join(opts.out, 'demo-panel.png');
    const tracePath = join(opts.out, 'demo-trace.json');
    await panel.bringToFront();
    await panel.setViewportSize({ width: 1280, height: 800 });
    await step('waiting for the chart', () => panel.locator('[data-testid=chart]').waitFor({ state: 'visible', timeout: opts.timeout }));
    // Let the chart draw its latest data (uPlot draws on an animation frame).
    await panel.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(undefined)))));
    await panel.screenshot({ path: png });
    const { trace, report } = await step('exporting the trace', () =>
      panel.evaluate(() => {
        const api = /** @type {any} */ (globalThis).wasmMemoryPanel;
        if (!api) throw new Error('globalThis.wasmMemoryPanel is missing in the panel');
        return { trace: api.exportTrace(), report: api.report() };
      }),
    );
    writeFileSync(tracePath, JSON.stringify(trace, null, 1) + '\n');
    if (opts.updateScreenshot) {
      mkdirSync(join(root, 'docs'), { recursive: true });
      copyFileSync(png, join(root, 'docs', 'screenshot.png'));
    }

    const memories = report.memories ?? [];
    const live = memories.filter((m) => !m.collected);
    const peak = memories.reduce((s, m) => Math.max(s, m.peakBytes), 0);
    const activeAlerts = (report.alerts ?? []).filter((a) => a.state === 'active');
    const samples = trace.events.filter((e) => e.t === 'sample').length;
    console.log(`WASM Memory demo (${opts.fixed ? 'fixed' : 'leaky'} mode): opened ${opts.opens} files`);
    console.log(`  page's engine memory after each open: ${totals.map(mib).join(' -> ')}`);
    console.log(
      `  memories seen: ${memories.length} (${live.length} live), largest peak ${mib(peak)}, total now ${mib(live.reduce((s, m) => s + m.currentBytes, 0))}`,
    );
    console.log(`  alerts: ${activeAlerts.length ? '' : 'none'}`);
    for (const a of activeAlerts) console.log(`    [${a.severity}] ${a.kind} ${a.subject}: ${a.title}`);
    console.log(`  trace: ${trace.events.length} events (${samples} samples) -> ${relative(process.cwd(), tracePath)}`);
    console.log(`  screenshot: ${relative(process.cwd(), png)}${opts.updateScreenshot ? ' (copied to docs/screenshot.png)' : ''}`);
    console.log('To explore it yourself: `node scripts/serve.mjs`, load dist/ as an unpacked extension (chrome://extensions,');
    console.log('Developer mode), open http://127.0.0.1:4173/demo/ and the WASM Memory panel in DevTools.');
  } finally {
    await context?.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  if (!(e instanceof DemoError) && e instanceof Error && e.stack) console.error(e.stack);
  process.exit(1);
});
