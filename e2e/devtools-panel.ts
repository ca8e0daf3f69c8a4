/**
 * The REAL DevTools window, for e2e: Chromium with the packaged extension (dist/), DevTools
 * opened on a page, the "WASM Memory" panel shown, and its frame (bound through
 * chrome.devtools.inspectedWindow.tabId, not a ?tabId= parameter).
 *
 * Playwright hides devtools:// targets, so this uses puppeteer-core (handleDevToolsAsPage).
 * The panel's tab sits in DevTools' overflow menu, so it is shown the way DevTools itself does:
 * InspectorFrontendAPI.showPanel(<extension origin + panel title without spaces>).
 */
import { expect } from '@playwright/test';
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core';
import { CHROMIUM, DIST, QUIET_ARGS } from './fixtures';
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const PANEL_TITLE = 'WASM Memory';

/** DevTools' frontend global (devtools_app.html) that shows a panel by id. */
interface DevToolsFrontend {
  InspectorFrontendAPI: { showPanel(id: string): void };
}

/** Chromium with the extension, its content scripts registered; returns the extension's origin. */
export async function launchForDevTools(): Promise<{ browser: Browser; extensionOrigin: string }> {
  const browser = await puppeteer.launch({
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
  return { browser, extensionOrigin };
}

/** Open DevTools on `page` and show the WASM Memory panel; returns the panel's frame. */
export async function openDevToolsPanel(page: Page, extensionOrigin: string): Promise<{ devtools: Page; panel: Frame }> {
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
  return { devtools, panel: findPanel() as Frame };
}

export interface RealPanel {
  browser: Browser;
  /** The inspected page. */
  page: Page;
  /** The DevTools window's page. */
  devtools: Page;
  /** The extension panel's frame inside it. */
  panel: Frame;
  extensionOrigin: string;
}

/** Launch Chromium with dist/, open `url`, wait for `ready` (a page expression), open DevTools and show the panel. */
export async function openRealPanel(url: string, ready: (page: Page) => Promise<unknown>): Promise<RealPanel> {
  const { browser, extensionOrigin } = await launchForDevTools();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await ready(page);
    const { devtools, panel } = await openDevToolsPanel(page, extensionOrigin);
    return { browser, page, devtools, panel, extensionOrigin };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
