// docs/badge-popup.png: the toolbar badge and the popup, from the real extension (dist/) on a
// page that leaks @silvia-odwyer/photon objects (e2e/pages/third-party/photon-leaky.html).
//
//   node scripts/screenshot-badge.mjs [out=docs/badge-popup.png]
//
// The popup is a screenshot of the extension's own popup page, bound to the leaky tab. Headless
// Chromium has no toolbar, so the badge is DRAWN: the extension's icon with the badge text,
// colour and tooltip read from the real per-tab action state (chrome.action.getBadgeText /
// getBadgeBackgroundColor / getTitle in the service worker), in the style of Chrome's badge.
/* global chrome */ // inside sw.evaluate(): the extension service worker's global
import { chromium } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from './serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from './extension-ready.mjs';

const OUT = resolve(process.argv[2] ?? 'docs/badge-popup.png');
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const server = await startServer(0);
const base = `http://127.0.0.1:${server.address().port}`;
const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-shot-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [...QUIET, `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
});
try {
  const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  await waitForContentScripts(sw);
  const id = new URL(sw.url()).host;
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/e2e/pages/third-party/photon-leaky.html?n=12`);
  await page.waitForFunction(() => document.title === 'done');
  await page.bringToFront();
  const tabId = await sw.evaluate(async () => (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0].id);
  let badge = { text: '' };
  for (let i = 0; i < 100 && badge.text === ''; i++) {
    badge = await sw.evaluate(
      async (t) => ({
        text: await chrome.action.getBadgeText({ tabId: t }),
        color: await chrome.action.getBadgeBackgroundColor({ tabId: t }),
        title: await chrome.action.getTitle({ tabId: t }),
      }),
      tabId,
    );
    if (badge.text === '') await new Promise((r) => setTimeout(r, 200));
  }
  if (badge.text === '') throw new Error('the badge never showed: is dist/ built?');
  // Let "since" say a few seconds, as a user would see it.
  const popup = await context.newPage();
  await popup.setViewportSize({ width: 380, height: 600 });
  await popup.goto(`chrome-extension://${id}/src/popup/popup.html?tabId=${tabId}`);
  await popup.locator('[data-testid=popup-alert]').first().waitFor();
  const popupPng = await popup.locator('main').screenshot();
  const icon = readFileSync(join(DIST, 'icons/icon32.png')).toString('base64');
  const [r, g, b] = badge.color;
  const sheet = await context.newPage();
  await sheet.setViewportSize({ width: 420, height: 800 });
  const esc = (t) => t.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  await sheet.setContent(`<!doctype html><html><body style="margin:0;background:#dee1e6;font:12px system-ui,sans-serif">
    <div id="shot" style="display:inline-block;padding:8px 12px 12px">
      <div style="display:flex;align-items:center;justify-content:flex-end;gap:8px;height:40px">
        <span style="color:#5f6368">toolbar (drawn from the real badge state)</span>
        <div style="position:relative;width:32px;height:32px">
          <img src="data:image/png;base64,${icon}" width="32" height="32" title="${esc(badge.title)}">
          <span style="position:absolute;right:-6px;bottom:-3px;min-width:12px;padding:0 3px;height:14px;border-radius:7px;background:rgb(${r},${g},${b});color:#fff;font:bold 10px/14px system-ui,sans-serif;text-align:center">${esc(badge.text)}</span>
        </div>
      </div>
      <div style="margin-top:6px;background:#fff;border-radius:8px;box-shadow:0 2px 8px #0004;overflow:hidden;width:380px">
        <img src="data:image/png;base64,${popupPng.toString('base64')}" style="display:block">
      </div>
    </div></body></html>`);
  await sheet.locator('#shot').screenshot({ path: OUT });
  console.log(`wrote ${OUT}: badge "${badge.text}" rgb(${r},${g},${b}); title: ${badge.title.split('\n')[0]}`);
} finally {
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
