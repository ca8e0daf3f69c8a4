/**
 * Issue 15 in the REAL DevTools panel (./devtools-panel.ts): the session's segments across a
 * reload (kept, selectable from the keyboard, exportable, marked on the chart), pause / resume
 * losing nothing, clear, acknowledging and dismissing alerts (the toolbar's count), and the empty
 * state on a page with no WebAssembly. The closed-tab state is tested with the panel opened as a
 * tab (closing the inspected tab closes its DevTools window, and the panel with it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'puppeteer-core';
import type { PageEvent, Trace } from '../src/shared/protocol';
import { parseTrace } from '../src/shared/trace';
import { NO_WASM_TEXT } from '../src/devtools-panel/sections/SessionState';
import { launchForDevTools, openDevToolsPanel } from './devtools-panel';
import { expect, test } from './fixtures';

const PAGE = 65536;

interface GrowPage {
  ready: Promise<number>;
  growPages(pages: number): number;
}

let browser: Browser | undefined;
let downloads: string | undefined;

test.afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (downloads) rmSync(downloads, { recursive: true, force: true });
  downloads = undefined;
});

/** Chromium with the extension, a page at `path`, and the real DevTools panel on it. */
async function open(baseURL: string | undefined, path: string): Promise<{ page: Page; panel: Frame; devtools: Page }> {
  const launched = await launchForDevTools();
  browser = launched.browser;
  const page = await browser.newPage();
  await page.goto(`${baseURL}${path}`);
  const { panel, devtools } = await openDevToolsPanel(page, launched.extensionOrigin);
  await panel.waitForSelector('[data-testid=status][data-state=connected]');
  return { page, panel, devtools };
}

async function openGrowPage(baseURL: string | undefined) {
  const o = await open(baseURL, '/e2e/pages/foundation/grow.html');
  expect(await o.page.evaluate(() => (window as unknown as GrowPage).ready)).toBe(2 * PAGE);
  await expect.poll(() => currents(o.panel)).toEqual([2 * PAGE]);
  return o;
}

const grow = (page: Page, n: number) => page.evaluate((k) => (window as unknown as GrowPage).growPages(k), n);

function currents(panel: Frame): Promise<number[]> {
  return panel.evaluate(() =>
    [...document.querySelectorAll('[data-testid=memory-row] [data-testid=memory-current]')].map((e) =>
      Number(e.getAttribute('data-value')),
    ),
  );
}

/** `data-value` (or another attribute) of the first element matching `selector`; null if none. */
function attr(panel: Frame, selector: string, name = 'data-value'): Promise<string | null> {
  return panel.evaluate((s, n) => document.querySelector(s)?.getAttribute(n) ?? null, selector, name);
}

const num = async (panel: Frame, selector: string) => Number(await attr(panel, selector));

/** Events the panel received, from its automation API (contract 4). */
const eventCount = (panel: Frame) => panel.evaluate(() => globalThis.wasmMemoryPanel?.eventCount() ?? -1);

/** Click the export button and read the file Chromium saved. */
async function exportFile(panel: Frame): Promise<Trace> {
  if (!browser) throw new Error('no browser');
  downloads ??= mkdtempSync(join(tmpdir(), 'wasm-memory-session-'));
  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allowAndName', downloadPath: downloads, eventsEnabled: true });
  const done = new Promise<string>((resolve, reject) => {
    cdp.on('Browser.downloadProgress', (e) => {
      if (e.state === 'completed') resolve(e.guid);
      else if (e.state === 'canceled') reject(new Error('download canceled'));
    });
  });
  await panel.click('[data-testid=export-trace]');
  const guid = await done;
  await cdp.detach();
  const parsed = parseTrace(readFileSync(join(downloads, guid), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.trace;
}

const sampled = (events: PageEvent[]) => events.flatMap((e) => (e.t === 'sample' ? e.bytes : []));

test('a reload starts a new segment: the earlier one stays selectable (keyboard too), exportable, and marked on the chart', async ({
  baseURL,
}) => {
  const { page, panel, devtools } = await openGrowPage(baseURL);
  expect(await grow(page, 3)).toBe(2);
  await expect.poll(() => currents(panel)).toEqual([5 * PAGE]);
  // No picker while the session has one segment.
  expect(await panel.$('[data-testid=segment-picker]')).toBeNull();

  await page.reload();
  expect(await page.evaluate(() => (window as unknown as GrowPage).ready)).toBe(2 * PAGE);
  await panel.waitForSelector('[data-testid=segment-picker]');
  await expect.poll(() => currents(panel)).toEqual([2 * PAGE]);
  const options = await panel.$$eval('[data-testid=segment-picker] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(options).toEqual(['current', '1', 'all']);

  // The earlier segment, chosen from the keyboard: its memory as it was before the reload.
  await panel.focus('[data-testid=segment-picker]');
  await devtools.keyboard.press('ArrowDown');
  await panel.waitForSelector('[data-testid=segment-banner][data-selection="1"]');
  await expect.poll(() => currents(panel)).toEqual([5 * PAGE]);
  expect(await attr(panel, '[data-testid=export-trace]', 'data-testid')).toBe('export-trace');
  expect(await panel.$eval('[data-testid=export-trace]', (b) => b.textContent)).toBe('Export segment #1');
  const first = await exportFile(panel);
  expect(first.page.url).toContain('/e2e/pages/foundation/grow.html');
  expect(sampled(first.events)).toContain(5 * PAGE);

  // All segments: one chart with a marker where the reload's document starts; one trace.
  await panel.select('[data-testid=segment-picker]', 'all');
  await panel.waitForSelector('[data-testid=segment-banner][data-selection=all]');
  await expect.poll(async () => (await attr(panel, '[data-testid=chart]', 'data-segment-starts'))?.split(' ').length).toBe(1);
  await expect.poll(() => attr(panel, '[data-testid=chart]', 'data-segments-drawn')).toBe('1');
  const all = await exportFile(panel);
  const collected = all.events.filter((e) => e.t === 'collected');
  expect(collected.length).toBeGreaterThan(0); // the first document's memory ends at the boundary
  expect(sampled(all.events)).toContain(5 * PAGE);
  expect(all.events.filter((e) => e.t === 'realm').length).toBe(2);

  // Back to the current page load: its own view, and the automation API's export is its own.
  await panel.click('[data-testid=segment-back]');
  await panel.waitForSelector('[data-testid=segment-banner]', { hidden: true });
  await expect.poll(() => currents(panel)).toEqual([2 * PAGE]);
  const current = await panel.evaluate(() => globalThis.wasmMemoryPanel?.exportTrace().events.filter((e) => e.t === 'realm').length);
  expect(current).toBe(1);
});

test('pause holds the view while events keep coming; resume shows all of them; clear empties', async ({ baseURL }) => {
  const { page, panel } = await openGrowPage(baseURL);
  await panel.click('[data-testid=pause]');
  await panel.waitForSelector('[data-testid=state-paused]');
  const shownAtPause = await num(panel, '[data-testid=event-count]');
  expect(await grow(page, 1)).toBe(2);
  expect(await grow(page, 2)).toBe(3);
  // Received and counted while paused, not shown.
  await expect.poll(() => num(panel, '[data-testid=paused-events]')).toBeGreaterThan(0);
  await expect.poll(() => panel.evaluate(() => globalThis.wasmMemoryPanel?.report().memories[0]?.currentBytes)).toBe(5 * PAGE);
  expect(await currents(panel)).toEqual([2 * PAGE]);
  expect(await num(panel, '[data-testid=event-count]')).toBe(shownAtPause);

  await panel.click('[data-testid=resume]');
  await panel.waitForSelector('[data-testid=state-paused]', { hidden: true });
  await expect.poll(() => currents(panel)).toEqual([5 * PAGE]);
  // Nothing lost: the count shown is every event the panel received.
  await expect
    .poll(async () => {
      const shown = await num(panel, '[data-testid=event-count]');
      const total = await eventCount(panel);
      return shown === total && shown > shownAtPause;
    })
    .toBe(true);

  // Clear: the record starts again; the live memory stays listed, from its next sample.
  const before = await eventCount(panel);
  const clearedAt = Date.now();
  await panel.click('[data-testid=clear]');
  await expect.poll(async () => (await eventCount(panel)) < before).toBe(true);
  const kept = await panel.evaluate(() => globalThis.wasmMemoryPanel?.exportTrace().events ?? []);
  expect(kept.some((e) => e.t === 'memory')).toBe(true);
  expect(kept.filter((e) => e.t === 'sample' && e.time < clearedAt - 1000)).toEqual([]);
  expect(await grow(page, 1)).toBe(5);
  await expect.poll(() => currents(panel)).toEqual([6 * PAGE]);
});

test('acknowledging and dismissing alerts changes the toolbar count; a dismissed alert can be shown and restored', async ({ baseURL }) => {
  const { page, panel, devtools } = await openGrowPage(baseURL);
  expect(await attr(panel, '[data-testid=alert-count]')).toBe('0');
  // A page budget of 128 KiB: 2 pages = 100 % of it, so the background analyzer raises an alert.
  await panel.focus('[data-testid=budget-page]');
  await devtools.keyboard.type('128 KiB');
  await devtools.keyboard.press('Enter');
  await expect.poll(() => panel.evaluate(() => localStorage.getItem('wasm-memory:budgets:v1'))).toContain('131072');
  expect(await grow(page, 1)).toBe(2); // something new to analyse
  await expect.poll(() => num(panel, '[data-testid=alert-count]')).toBeGreaterThan(0);
  const n = await num(panel, '[data-testid=alert-count]');
  const line = '[data-testid=alert][data-kind=budget][data-state=active]';
  await panel.waitForSelector(line);
  expect(await attr(panel, '[data-testid=alert-count]', 'aria-label')).toMatch(
    new RegExp(`^${n} alerts?, worst severity (info|warning|error)$`),
  );

  await panel.click(`${line} [data-testid=alert-acknowledge]`);
  await expect.poll(() => num(panel, '[data-testid=alert-count]')).toBe(n - 1);
  expect(await attr(panel, `${line}[data-decision=acknowledged]`, 'data-kind')).toBe('budget'); // still listed, dimmed
  await panel.click(`${line}[data-decision=acknowledged] [data-testid=alert-unacknowledge]`);
  await expect.poll(() => num(panel, '[data-testid=alert-count]')).toBe(n);

  const listed = (await panel.$$(line)).length;
  await panel.click(`${line} [data-testid=alert-dismiss]`);
  await expect.poll(() => num(panel, '[data-testid=alert-count]')).toBe(n - 1);
  await expect.poll(async () => (await panel.$$(line)).length).toBe(listed - 1);
  expect(await panel.$eval('[data-testid=dismissed-toggle]', (b) => b.textContent)).toBe('1 dismissed, show');
  await panel.click('[data-testid=dismissed-toggle]');
  await panel.click('[data-testid=dismissed-alerts] [data-testid=alert-restore]');
  await expect.poll(() => num(panel, '[data-testid=alert-count]')).toBe(n);
  expect(await panel.$('[data-testid=dismissed-toggle]')).toBeNull();
});

test('a page with no WebAssembly says so, and how to record one that was already open', async ({ baseURL }) => {
  const { panel } = await open(baseURL, '/e2e/pages/blank.html');
  await panel.waitForSelector('[data-testid=state-empty]');
  expect(await panel.$eval('[data-testid=state-empty]', (e) => e.textContent)).toBe(NO_WASM_TEXT);
  expect(NO_WASM_TEXT).toBe('No WebAssembly seen on this page yet. It is recorded from page load: reload if the page was already open.');
  expect(await attr(panel, '[data-testid=alert-count]')).toBe('0');
});

test('the inspected tab closes: the panel says so in plain words', async ({ context, openPanel, baseURL }) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/foundation/grow.html`);
  expect(await page.evaluate(() => (window as unknown as GrowPage).ready)).toBe(2 * PAGE);
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  await expect(panel.locator('[data-testid=state-closed]')).toHaveCount(0);
  await page.close();
  await expect(panel.locator('[data-testid=state-closed]')).toContainText('Tab closed: the inspected tab is gone and recording has ended.');
  await expect(panel.locator('[data-testid=memory-row]')).toHaveCount(1);
});

test('a worker with a memory that stops reporting is called silent, until it speaks again', async ({ baseURL }) => {
  const { page, panel } = await open(baseURL, '/e2e/pages/panel/busy-worker.html');
  expect(await page.evaluate(() => (window as unknown as { ready: Promise<boolean> }).ready)).toBe(true);
  // its memory is on the panel: the worker reports (its sampler's heartbeat) every second
  await expect.poll(() => currents(panel)).toEqual([PAGE]);
  expect(await panel.$('[data-testid=worker-silent]')).toBeNull();
  // one synchronous task of 9 s in the worker: nothing from it for longer than WORKER_SILENT_MS
  const answered = page.evaluate(() => (window as unknown as { busy(ms: number): Promise<number> }).busy(9000));
  await panel.waitForSelector('[data-testid=worker-silent]', { timeout: 15_000 });
  expect(await panel.$eval('[data-testid=worker-silent]', (e) => e.textContent)).toContain('/e2e/pages/panel/busy-worker.js');
  expect(await answered).toBe(PAGE);
  // it reports again: no longer silent
  await panel.waitForSelector('[data-testid=worker-silent]', { hidden: true, timeout: 15_000 });
});
