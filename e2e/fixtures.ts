/**
 * Shared e2e fixtures: Debian's Chromium with the BUILT extension (dist/) loaded.
 *
 *   test('x', async ({ context, extensionId, openPanel }) => { ... })
 *
 * - `context`: a fresh persistent context per test (extensions need one).
 * - `launchBare()`: a context WITHOUT the extension, for with/without comparisons.
 * - `openPanel(page)`: opens the panel as an ordinary extension tab bound to `page`'s tab.
 * - `stopServiceWorker()`: stops the MV3 worker over CDP, as Chrome does after ~30 s idle.
 */
import { test as base, chromium, expect, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import quietFlags from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

export const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a machine with no network (shared with the CLI, demo, bench). */
export const QUIET_ARGS: readonly string[] = quietFlags;

export async function launchWithExtension(dist = DIST, extraArgs: string[] = []): Promise<{ context: BrowserContext; dir: string }> {
  if (!existsSync(join(dist, 'manifest.json'))) {
    throw new Error(`extension not built: ${dist}/manifest.json missing (run npm run build)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET_ARGS, ...extraArgs, `--disable-extensions-except=${dist}`, `--load-extension=${dist}`],
  });
  await waitForContentScripts(await serviceWorkerOf(context));
  return { context, dir };
}

export async function launchBare(extraArgs: string[] = []): Promise<{ context: BrowserContext; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-e2e-bare-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET_ARGS, ...extraArgs],
  });
  return { context, dir };
}

export async function serviceWorkerOf(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
}

/** Chrome's tab id of `page` (asked of the service worker while `page` is the active tab). */
export async function tabIdOf(context: BrowserContext, page: Page): Promise<number> {
  await page.bringToFront();
  const sw = await serviceWorkerOf(context);
  const url = page.url();
  const id = await sw.evaluate(async (u: string) => {
    const tabs = await chrome.tabs.query({});
    const hit = tabs.find((t) => t.url === u && t.active) ?? tabs.find((t) => t.url === u);
    if (hit?.id !== undefined) return hit.id;
    // Without the "tabs" permission tab.url is hidden: take the active tab (just brought to front).
    const [active] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return active?.id ?? -1;
  }, url);
  if (id < 0) throw new Error(`no tab found for ${url}`);
  return id;
}

interface Fixtures {
  /** Extra Chromium flags for `context`, e.g. `test.use({ chromiumArgs: ['--js-flags=--expose-gc'] })`. */
  chromiumArgs: string[];
  context: BrowserContext;
  extensionId: string;
  /** Open the panel as a tab bound to `page`. */
  openPanel: (page: Page) => Promise<Page>;
  /** Stop the extension's service worker (as Chrome does when idle). */
  stopServiceWorker: () => Promise<void>;
}

export const test = base.extend<Fixtures>({
  chromiumArgs: [[], { option: true }],
  context: async ({ chromiumArgs }, use) => {
    // launchWithExtension waits for the content scripts' registration, which the service worker
    // starts at the end of its top-level script, after adding its webRequest listener (header
    // policies): a page loaded after it has its headers seen, as in any install.
    const { context, dir } = await launchWithExtension(DIST, chromiumArgs);
    await use(context);
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  },
  extensionId: async ({ context }, use) => {
    const sw = await serviceWorkerOf(context);
    await use(new URL(sw.url()).host);
  },
  openPanel: async ({ context, extensionId }, use) => {
    await use(async (page: Page) => {
      const tabId = await tabIdOf(context, page);
      const panel = await context.newPage();
      await panel.goto(`chrome-extension://${extensionId}/src/devtools-panel/panel.html?tabId=${tabId}`);
      return panel;
    });
  },
  stopServiceWorker: async ({ context }, use) => {
    await use(async () => {
      const anyPage = context.pages()[0] ?? (await context.newPage());
      const cdp = await context.newCDPSession(anyPage);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
    });
  },
});

export { expect };
