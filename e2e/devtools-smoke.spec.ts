/**
 * Smoke test through the REAL DevTools window: the packaged extension (dist/) in Chromium,
 * DevTools opened on a page, the "WASM Memory" panel shown (./devtools-panel.ts), and that panel
 * (bound through chrome.devtools.inspectedWindow.tabId, not a ?tabId= parameter) rendering the
 * page's memory.
 */
import { test, expect } from '@playwright/test';
import type { Browser, Frame, Page } from 'puppeteer-core';
import { launchForDevTools, openDevToolsPanel } from './devtools-panel';

const PAGE = 65536;

/** What e2e/pages/foundation/grow.html puts on window. */
interface GrowPage {
  ready: Promise<number>;
  growPages(pages: number): number;
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
  const launched = await launchForDevTools();
  browser = launched.browser;
  const page: Page = await browser.newPage();
  await page.goto(`${baseURL}/e2e/pages/foundation/grow.html`);
  expect(await page.evaluate(() => (window as unknown as GrowPage).ready)).toBe(2 * PAGE);

  const { panel, devtools } = await openDevToolsPanel(page, launched.extensionOrigin);
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
