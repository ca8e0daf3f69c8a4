/**
 * The REAL DevTools window with the extension's panel shown (puppeteer-core: Playwright hides
 * devtools:// targets). The panel's tab sits in DevTools' overflow menu, so it is shown the way
 * DevTools itself does: InspectorFrontendAPI.showPanel(<extension origin + panel title without
 * spaces>). Used by devtools-smoke.spec.ts and panel-views.spec.ts.
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
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    enableExtensions: [DIST],
    handleDevToolsAsPage: true,
    args: ['--no-sandbox', ...QUIET_ARGS],
  });
  try {
    const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'));
    // (URL.origin is "null" for chrome-extension: URLs in Node, so build it from the host.)
    const extensionOrigin = `chrome-extension://${new URL(worker.url()).host}`;
    // A fresh profile: the service worker registers the content scripts at start-up.
    const sw = await worker.worker();
    if (!sw) throw new Error('no handle on the extension service worker');
    await waitForContentScripts(sw);

    const page = await browser.newPage();
    await page.goto(url);
    await ready(page);

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
    return { browser, page, devtools, panel: findPanel() as Frame, extensionOrigin };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
