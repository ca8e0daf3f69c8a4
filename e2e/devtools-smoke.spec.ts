/**
 * Smoke test through the REAL DevTools window: the packaged extension (dist/) in Chromium,
 * DevTools opened on a page, the "WASM Memory" panel shown, and that panel (bound through
 * chrome.devtools.inspectedWindow.tabId, not a ?tabId= parameter) rendering the page's memory.
 *
 * Playwright hides devtools:// targets, so this uses puppeteer-core (handleDevToolsAsPage).
 * The panel's tab sits in DevTools' overflow menu, so it is shown the way DevTools itself does:
 * InspectorFrontendAPI.showPanel(<extension origin + panel title without spaces>).
 */
import { test, expect } from '@playwright/test';
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core';
import { CHROMIUM, DIST, QUIET_ARGS } from './fixtures';
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const PANEL_TITLE = 'WASM Memory';
const PAGE = 65536;

/** What e2e/pages/foundation/grow.html puts on window. */
interface GrowPage {
  ready: Promise<number>;
  growPages(pages: number): number;
}

/** DevTools' frontend global (devtools_app.html) that shows a panel by id. */
interface DevToolsFrontend {
  InspectorFrontendAPI: { showPanel(id: string): void };
}

let browser: Browser | undefined;

test.afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

/** The `data-value` of `[data-testid=memory-current]` in each memory row of the panel frame. */
function panelCurrents(frame: Frame): Promise<number[]> {
  return frame.evaluate(() =>
    [...document.querySelectorAll('[data-testid=memory-row] [data-testid=memory-current]')].map((e) =>
      Number(e.getAttribute('data-value')),
    ),
  );
}

test("the real DevTools window shows the WASM Memory panel rendering the inspected page's memory", async ({ baseURL }) => {
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    enableExtensions: [DIST],
    handleDevToolsAsPage: true,
    args: ['--no-sandbox', ...QUIET_ARGS],
  });
  const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'));
  // (URL.origin is "null" for chrome-extension: URLs in Node, so build it from the host.)
  const extensionOrigin = `chrome-extension://${new URL(worker.url()).host}`;
  // A fresh profile: the service worker registers the content scripts at start-up.
  const sw = await worker.worker();
  if (!sw) throw new Error('no handle on the extension service worker');
  await waitForContentScripts(sw);

  const page: Page = await browser.newPage();
  await page.goto(`${baseURL}/e2e/pages/foundation/grow.html`);
  expect(await page.evaluate(() => (window as unknown as GrowPage).ready)).toBe(2 * PAGE);

  const devtools = await page.openDevTools();
  await devtools.waitForFunction(
    () => typeof (globalThis as unknown as Partial<DevToolsFrontend>).InspectorFrontendAPI?.showPanel === 'function',
  );

  // The extension's devtools page registers the panel a moment after DevTools starts: ask
  // DevTools to show it until the panel's frame exists.
  const panelId = extensionOrigin + PANEL_TITLE.replace(/\s/g, '');
  const panelUrl = `${extensionOrigin}/src/devtools-panel/panel.html`;
  const findPanel = (): Frame | undefined => devtools.frames().find((f) => f.url().startsWith(panelUrl));
  await expect
    .poll(async () => {
      if (!findPanel())
        await devtools.evaluate((id) => (globalThis as unknown as DevToolsFrontend).InspectorFrontendAPI.showPanel(id), panelId);
      return findPanel()?.url();
    })
    .toBeDefined();
  const panel = findPanel() as Frame;
  // Bound by chrome.devtools.inspectedWindow.tabId: no tabId in the URL.
  expect(new URL(panel.url()).searchParams.has('tabId')).toBe(false);

  await panel.waitForSelector('[data-testid=status][data-state=connected]');
  await expect.poll(() => panelCurrents(panel)).toEqual([2 * PAGE]);

  // Live: a growth inside wasm on the inspected page reaches the DevTools panel.
  expect(await page.evaluate(() => (window as unknown as GrowPage).growPages(3))).toBe(2);
  await expect.poll(() => panelCurrents(panel)).toEqual([5 * PAGE]);
  await panel.waitForSelector('[data-testid=chart]', { visible: true });

  // The chart inside DevTools: focused, + zooms it into a fixed window, End follows live again;
  // its height is the DevTools panel's share (viewport.ts chartHeight of the frame's height).
  const chartAttr = (name: string) => panel.$eval('[data-testid=chart]', (el, n) => el.getAttribute(n), name);
  const frameHeight = await panel.evaluate(() => window.innerHeight);
  expect(Number(await chartAttr('data-height'))).toBe(Math.round(Math.min(600, Math.max(140, frameHeight * 0.4))));
  await panel.focus('[data-testid=chart]');
  await devtools.keyboard.press('+');
  await expect.poll(() => chartAttr('data-follow')).toBe('false');
  await devtools.keyboard.press('End');
  await expect.poll(() => chartAttr('data-follow')).toBe('true');
});
