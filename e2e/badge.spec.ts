/**
 * Leak alerts while browsing, with NO DevTools and no panel open: the background analyzer host
 * (offscreen document + Worker) counts a tab's alerts, the toolbar badge shows them, the popup
 * lists them, notifications are sent when enabled. Real extension, real third-party wasm
 * (@silvia-odwyer/photon 0.3.11: old wasm-bindgen glue, objects dropped without free()).
 */
import type { BrowserContext, Page, Worker } from '@playwright/test';
import type { TabStatus } from '../src/shared/tab-status';
import type { SampleEvent } from '../src/shared/protocol';
import { captureInjected, injectedEvents } from './capture';
import { expect, tabIdOf, test } from './fixtures';

const PAGES = '/e2e/pages/third-party';
/** >= the analyzer's neverFreedMin (10). */
const N = 12;

/** The service worker now running (after a stop, the one that replaced it). */
async function liveWorker(context: BrowserContext): Promise<Worker> {
  for (;;) {
    for (const w of context.serviceWorkers().slice().reverse()) {
      try {
        await w.evaluate(() => 1);
        return w;
      } catch {
        // stopped: try the next, or wait for a new one
      }
    }
    await context.waitForEvent('serviceworker', { timeout: 10_000 });
  }
}

async function badge(context: BrowserContext, tabId: number): Promise<{ text: string; title: string }> {
  const sw = await liveWorker(context);
  return sw.evaluate(
    async (id) => ({ text: await chrome.action.getBadgeText({ tabId: id }), title: await chrome.action.getTitle({ tabId: id }) }),
    tabId,
  );
}

async function status(context: BrowserContext, tabId: number): Promise<TabStatus | null> {
  const sw = await liveWorker(context);
  return sw.evaluate(async (id) => {
    const key = `wasmMemory.tab.${id}`;
    return ((await chrome.storage.session.get(key))[key] as TabStatus | undefined) ?? null;
  }, tabId);
}

/**
 * `photon-leaky` keeps what it leaks (?keep=1): the leak is the live count rising, and no wrapper
 * is ever collected, so no `bindgen-orphaned` alert joins the badge's count at a GC's whim.
 */
async function load(page: Page, name: string): Promise<number> {
  await page.goto(`${PAGES}/${name}.html?n=${N}${name === 'photon-leaky' ? '&keep=1' : ''}`);
  await page.waitForFunction(() => document.title === 'done');
  return Date.now();
}

const LEAKS = ['bindgen-live-growth:PhotonImage', 'bindgen-live-growth:Rgba'];

test('a leaky third-party page raises the badge within 5 s of the evidence, with no DevTools open', async ({ context, page }) => {
  await page.goto('/e2e/pages/blank.html');
  const tabId = await tabIdOf(context, page);
  const evidenceAt = await load(page, 'photon-leaky');
  await expect.poll(async () => (await badge(context, tabId)).text, { timeout: 5000, intervals: [100] }).toBe('2');
  expect(Date.now() - evidenceAt).toBeLessThanOrEqual(5000);
  const b = await badge(context, tabId);
  expect(b.title).toContain('2 leak alerts');
  expect(b.title).toContain('Rgba');
  const s = await status(context, tabId);
  expect(
    s?.alerts
      .filter((a) => a.severity !== 'info')
      .map((a) => a.id)
      .sort(),
  ).toEqual(LEAKS);
  // coloured by the worst severity
  const worst = s?.alerts.some((a) => a.severity === 'error') ? 'error' : 'warning';
  const color = await (await liveWorker(context)).evaluate((id) => chrome.action.getBadgeBackgroundColor({ tabId: id }), tabId);
  expect(color).toEqual(worst === 'error' ? [197, 34, 31, 255] : [176, 96, 0, 255]);
});

test('a clean page leaves the badge empty', async ({ context, page }) => {
  await page.goto('/e2e/pages/blank.html');
  const tabId = await tabIdOf(context, page);
  const doneAt = await load(page, 'photon-clean');
  // Wait for a status the host computed well after the page finished its work.
  await expect.poll(async () => (await status(context, tabId))?.updatedAt ?? 0, { timeout: 15_000 }).toBeGreaterThan(doneAt + 3000);
  const s = await status(context, tabId);
  expect(s?.memories).toBeGreaterThan(0);
  expect(s?.alerts.filter((a) => a.severity !== 'info')).toEqual([]);
  expect(await badge(context, tabId)).toEqual({ text: '', title: 'WASM Memory: no leak alerts on this page' });
});

test('the badge stays right across a service-worker stop, and navigation resets it', async ({ context, page, stopServiceWorker }) => {
  await page.goto('/e2e/pages/blank.html');
  const tabId = await tabIdOf(context, page);
  await load(page, 'photon-leaky');
  await expect.poll(async () => (await badge(context, tabId)).text).toBe('2');
  const before = await status(context, tabId);
  await stopServiceWorker();
  // The page's heartbeat and the host's port restart the worker; the host kept its analyzers,
  // so the next status (computed after the restart) still counts the same two alerts.
  await expect
    .poll(async () => (await status(context, tabId))?.updatedAt ?? 0, { timeout: 15_000 })
    .toBeGreaterThan((before?.updatedAt ?? 0) + 1500);
  const after = await status(context, tabId);
  expect(after?.alerts.map((a) => a.id).sort()).toEqual(before?.alerts.map((a) => a.id).sort());
  expect(after?.events).toBeGreaterThanOrEqual(before?.events ?? Infinity);
  expect((await badge(context, tabId)).text).toBe('2');
  // navigation: a new document, nothing leaked yet
  await page.goto('/e2e/pages/blank.html');
  await expect.poll(async () => (await badge(context, tabId)).text).toBe('');
  await expect.poll(async () => (await status(context, tabId))?.alerts.length ?? 0).toBe(0);
});

test('the popup lists the tab’s alerts and a memory summary, and exports the trace', async ({ context, page, extensionId }) => {
  await page.goto('/e2e/pages/blank.html');
  const tabId = await tabIdOf(context, page);
  await load(page, 'photon-leaky');
  await expect.poll(async () => (await badge(context, tabId)).text).toBe('2');
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extensionId}/src/popup/popup.html?tabId=${tabId}`);
  const items = popup.locator('[data-testid=popup-alert]');
  await expect(items).toHaveCount(2);
  expect((await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort()).toEqual(LEAKS);
  await expect(popup.locator('[data-testid=popup-heading]')).toHaveText('2 leak alerts on this page');
  const subjects = (await popup.locator('[data-testid=popup-alert-subject]').allTextContents()).sort();
  expect(subjects).toEqual(['PhotonImage', 'Rgba']);
  await expect(items.first()).toContainText('since');
  const total = Number(await popup.locator('[data-testid=popup-total]').getAttribute('data-value'));
  const peak = Number(await popup.locator('[data-testid=popup-peak]').getAttribute('data-value'));
  expect(total).toBeGreaterThan(0);
  expect(peak).toBeGreaterThanOrEqual(total);
  const download = popup.waitForEvent('download');
  await popup.locator('[data-testid=popup-export]').click();
  const file = await download;
  const trace = JSON.parse(await (await import('node:fs/promises')).readFile((await file.path()) ?? '', 'utf8')) as {
    format: string;
    events: Array<{ t: string; className?: string }>;
  };
  expect(trace.format).toBe('wasm-memory-trace');
  expect(trace.events.some((e) => e.t === 'bindgen' && e.className === 'Rgba')).toBe(true);
});

test('a notification is sent once per new alert when enabled (rate-limited per tab)', async ({ context, page }) => {
  const sw = await liveWorker(context);
  await sw.evaluate(() =>
    chrome.storage.sync.set({
      'wasmMemory.settings.v1': { notifications: { enabled: true, backgroundTabs: false, minIntervalMs: 60_000 } },
    }),
  );
  await page.goto('/e2e/pages/blank.html');
  const tabId = await tabIdOf(context, page);
  await load(page, 'photon-leaky');
  const ours = async () => {
    const w = await liveWorker(context);
    return w.evaluate(
      async (id) => Object.keys(await chrome.notifications.getAll()).filter((k) => k.startsWith(`wasm-memory:${id}:`)),
      tabId,
    );
  };
  await expect.poll(ours, { timeout: 10_000 }).toHaveLength(1);
  // Two alerts arrived together: one notification (the rate limit), and no more on later updates.
  const seenAt = Date.now();
  await expect.poll(async () => (await status(context, tabId))?.updatedAt ?? 0, { timeout: 15_000 }).toBeGreaterThan(seenAt + 2500);
  expect(await ours()).toHaveLength(1);
  expect((await ours())[0]).toMatch(/^wasm-memory:\d+:bindgen-live-growth:(Rgba|PhotonImage)$/);
});

test('the panel, opened later, shows the alerts the badge counted (one analyzer state per tab)', async ({ context, page, openPanel }) => {
  await page.goto('/e2e/pages/blank.html');
  const tabId = await tabIdOf(context, page);
  await load(page, 'photon-leaky');
  await expect.poll(async () => (await badge(context, tabId)).text).toBe('2');
  const panel = await openPanel(page);
  const shown = panel.locator('[data-testid=alert][data-state=active]');
  await expect(shown).toHaveCount(2);
  const panelAlerts = await shown.evaluateAll((els) =>
    els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-subject')}`).sort(),
  );
  const s = await status(context, tabId);
  expect(panelAlerts).toEqual(
    s?.alerts
      .filter((a) => a.state === 'active')
      .map((a) => a.id)
      .sort(),
  );
});

test('the sampling rate from the options reaches the page: busy samples 250 ms apart instead of 100 ms', async ({ context, page }) => {
  const sw = await liveWorker(context);
  await sw.evaluate(() => chrome.storage.sync.set({ 'wasmMemory.settings.v1': { sampleIntervalMs: 250 } }));
  await captureInjected(page);
  await page.goto('/e2e/pages/foundation/grow.html');
  await page.evaluate(() => (globalThis as unknown as { ready: Promise<unknown> }).ready);
  // Keep the memory changing (busy) for a while: the ticker stays at its fast rate.
  const samples = async () => (await injectedEvents(page)).filter((e): e is SampleEvent => e.t === 'sample');
  await expect
    .poll(
      async () => {
        await page.evaluate(() => (globalThis as unknown as { growPages: (n: number) => void }).growPages(1));
        return (await samples()).length;
      },
      { timeout: 20_000, intervals: [200] },
    )
    .toBeGreaterThanOrEqual(16);
  // The page's module may start before the content script's `ack` brings the setting (its
  // first samples then come at the default rate): judge the last ten gaps.
  const times = (await samples()).map((e) => e.time).slice(-11);
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
  // Ticks of the 250 ms timer: not the default 100 ms, nor the 1 s idle rate (timers may fire
  // late on a loaded machine, never early by much; the median says which timer it was).
  gaps.sort((a, b) => a - b);
  expect(gaps[0]).toBeGreaterThan(200);
  expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(600);
});
