/**
 * Relay e2e: page (injected core) -> content script -> service worker -> panel tab, in
 * Chromium with the built extension. Each test reads what the PANEL shows or exports, so
 * removing the content script, the worker's routing or the panel fails it.
 */
import type { Page } from '@playwright/test';
import type { PageEvent, Trace } from '../src/shared/protocol';
import { expect, test } from './fixtures';

const PAGE = 65536;
const URL_PATH = '/e2e/pages/panel/relay.html';

interface RelayPage {
  ready: Promise<number>;
  growPages(n: number): number;
  memoryBytes(): number;
  forge(): void;
  forgedAck: boolean;
  pushRegistry(name: string, stats: Record<string, number>): void;
  makeNamedClass(name: string, count: number): Promise<string>;
  __pwned?: number;
}

interface PanelApi {
  exportTrace(): Trace;
  eventCount(): number;
  connected(): boolean;
}

type PanelGlobal = { wasmMemoryPanel: PanelApi };
const panelApi = {
  eventCount: (panel: Page) => panel.evaluate(() => (globalThis as unknown as PanelGlobal).wasmMemoryPanel.eventCount()),
  exportTrace: (panel: Page) => panel.evaluate(() => (globalThis as unknown as PanelGlobal).wasmMemoryPanel.exportTrace()),
};

async function openRelayPage(page: Page, baseURL: string | undefined, query = ''): Promise<void> {
  await page.goto(`${baseURL}${URL_PATH}${query}`);
  expect(await page.evaluate(() => (window as unknown as RelayPage).ready)).toBe(PAGE);
}

function grow(page: Page, n: number): Promise<number> {
  return page.evaluate((k) => (window as unknown as RelayPage).growPages(k), n);
}

test('events reach the panel and keep flowing after the service worker is stopped, without double counting', async ({
  context,
  openPanel,
  stopServiceWorker,
  baseURL,
}) => {
  const page = await context.newPage();
  await openRelayPage(page, baseURL);
  const panel = await openPanel(page);
  const status = panel.locator('[data-testid=status]');
  await expect(status).toHaveAttribute('data-state', 'connected');
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row).toHaveCount(1);
  const current = row.locator('[data-testid=memory-current]');
  await expect(current).toHaveAttribute('data-value', String(PAGE));
  await grow(page, 1);
  await expect(current).toHaveAttribute('data-value', String(2 * PAGE));
  await expect(status).toHaveAttribute('data-reconnects', '0');

  await stopServiceWorker();
  // The panel saw its port drop and reconnected (which restarted the worker).
  await expect.poll(() => status.getAttribute('data-reconnects').then(Number)).toBeGreaterThanOrEqual(1);
  const countAfterStop = await panelApi.eventCount(panel);

  // The page side reconnected too: new growth reaches the panel through the new worker.
  await grow(page, 2);
  await expect(current).toHaveAttribute('data-value', String(4 * PAGE));
  await expect(row.locator('[data-testid=memory-growths]')).toHaveAttribute('data-value', '2');
  await expect(row.locator('[data-testid=memory-peak]')).toHaveAttribute('data-value', String(4 * PAGE));
  await expect(status).toHaveAttribute('data-state', 'connected');
  expect(await panelApi.eventCount(panel)).toBeGreaterThan(countAfterStop);

  // The session survived the restart: one trace from 1 to 4 pages, no event twice.
  const trace = await panelApi.exportTrace(panel);
  const memories = trace.events.filter((e: PageEvent) => e.t === 'memory');
  expect(memories.length).toBe(1);
  const lines = trace.events.map((e: PageEvent) => JSON.stringify(e));
  expect(new Set(lines).size).toBe(lines.length);
  // It was open across the restart and holds the whole history: nothing is said missing.
  await expect(panel.getByTestId('history-lost')).toHaveCount(0);
  const sampled = trace.events.flatMap((e: PageEvent) => (e.t === 'sample' ? e.bytes : []));
  for (const p of [1, 2, 4]) expect(sampled).toContain(p * PAGE);
});

test('a hostile page cannot inject: its forged handshake gets no ack and its junk never reaches the panel', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await openRelayPage(page, baseURL);
  const panel = await openPanel(page);
  const rows = panel.locator('[data-testid=memory-row]');
  await expect(rows).toHaveCount(1);
  const realKey = await rows.getAttribute('data-key');

  await page.evaluate(() => (window as unknown as RelayPage).forge());
  // Later real data has made it through: anything the forgery could have sent would be there by now.
  await grow(page, 1);
  await expect(rows.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));

  await expect(rows).toHaveCount(1);
  expect(await rows.getAttribute('data-key')).toBe(realKey);
  await expect(panel.locator('[data-key="forged:1"]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as RelayPage).forgedAck)).toBe(false);
  const trace = await panelApi.exportTrace(panel);
  expect(JSON.stringify(trace)).not.toContain('forged');
  expect(await page.evaluate(() => (window as unknown as RelayPage).__pwned)).toBeUndefined();
});

test('page strings are shown as text only, and bounded', async ({ context, openPanel, baseURL }) => {
  const page = await context.newPage();
  await openRelayPage(page, baseURL);
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  const evil = '<img src=x onerror="window.__pwned=1">';
  await page.evaluate((name) => (window as unknown as RelayPage).pushRegistry(name, { entries: 3 }), evil);
  const long = 'L'.repeat(5000);
  await page.evaluate((name) => (window as unknown as RelayPage).pushRegistry(name, { entries: 1 }), long);
  const row = panel.locator('[data-testid=registry-row]').filter({ hasText: '<img' });
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').first()).toHaveText(evil);
  await expect(row.locator('[data-testid=registry-field][data-field=entries]')).toHaveAttribute('data-value', '3');
  await expect(panel.locator('img')).toHaveCount(0);
  expect(await panel.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  // The second (long-named) registry is pushed after the first: wait for its row, not only the first.
  const registryRows = panel.locator('[data-testid=registry-row]');
  await expect(registryRows).toHaveCount(2);
  const names = await registryRows.evaluateAll((els) => els.map((e) => e.getAttribute('data-name') ?? ''));
  for (const n of names) expect(n.length).toBeLessThanOrEqual(512);

  // A wasm-bindgen class whose name is markup: its row shows the name as text.
  const evilClass = '<img src=x onerror="window.__pwned=2">';
  expect(await page.evaluate(([name, n]) => (window as unknown as RelayPage).makeNamedClass(name, n), [evilClass, 3] as const)).toBe(
    evilClass,
  );
  const classRow = panel.locator('[data-testid=class-row]').filter({ hasText: '<img' });
  await expect(classRow).toHaveCount(1);
  await expect(classRow).toHaveAttribute('data-class', evilClass);
  await expect(classRow.locator('[data-testid=class-live]')).toHaveAttribute('data-value', '3');
  await expect(classRow.locator('td').first()).toContainText(evilClass);
  await expect(panel.locator('img')).toHaveCount(0);
  expect(await panel.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});

test('a panel opened late gets the history; a navigation starts a new session', async ({ context, openPanel, baseURL }) => {
  const page = await context.newPage();
  await openRelayPage(page, baseURL);
  await grow(page, 2);
  expect(await page.evaluate(() => (window as unknown as RelayPage).memoryBytes())).toBe(3 * PAGE);

  const panel = await openPanel(page);
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row).toHaveCount(1);
  const firstKey = await row.getAttribute('data-key');
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(3 * PAGE));
  await expect(row.locator('[data-testid=memory-growths]')).toHaveAttribute('data-value', '1');
  // the worker kept everything: nothing is said missing
  await expect(panel.getByTestId('history-lost')).toHaveCount(0);

  // Same tab, another document.
  await openRelayPage(page, baseURL, '?second=1');
  await expect.poll(() => panelApi.exportTrace(panel).then((t) => t.page.url)).toContain('?second=1');
  await expect(row).toHaveCount(1);
  await expect(row).not.toHaveAttribute('data-key', firstKey ?? '');
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(PAGE));
  await expect(row.locator('[data-testid=memory-growths]')).toHaveAttribute('data-value', '0');
  const trace = await panelApi.exportTrace(panel);
  expect(JSON.stringify(trace.events)).not.toContain(firstKey ?? 'none');
});

test('a panel opened after a service-worker stop still knows what the page defined before it', async ({
  context,
  openPanel,
  stopServiceWorker,
  baseURL,
}) => {
  const page = await context.newPage();
  await openRelayPage(page, baseURL);
  await grow(page, 1);
  // The worker stops (as after 30 s idle) and loses its backlog; the content script reconnects.
  const beforeStop = Date.now();
  await stopServiceWorker();
  const afterStop = Date.now();
  const panel = await openPanel(page);
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row).toHaveCount(1);
  // What it lacks is said, with the time the page lost the previous worker.
  const lost = panel.getByTestId('history-lost');
  await expect(lost).toContainText(/^History before \d\d:\d\d:\d\d\.\d{3} is missing: the extension's service worker restarted/);
  const lostBefore = Number(await lost.getAttribute('data-value'));
  expect(lostBefore).toBeGreaterThanOrEqual(beforeStop - 50);
  expect(lostBefore).toBeLessThanOrEqual(afterStop + 1000);
  // The memory's definition (owner) came from the content script's replay, not from history.
  await expect(row.locator('[data-testid=memory-owner]')).toContainText('relay.html');
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));
  const trace = await panelApi.exportTrace(panel);
  expect(trace.events.filter((e: PageEvent) => e.t === 'memory').length).toBe(1);
});

test('a panel bound to a blank tab records the page that tab then navigates to (the CLI flow)', async ({ context, openPanel, baseURL }) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/blank.html`);
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).not.toHaveAttribute('data-state', 'disconnected');
  await openRelayPage(page, baseURL);
  await grow(page, 1);
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  expect(await panel.evaluate(() => (globalThis as unknown as PanelGlobal).wasmMemoryPanel.connected())).toBe(true);
  const trace = await panelApi.exportTrace(panel);
  expect(trace.page.url).toContain('/e2e/pages/panel/relay.html');
  expect(trace.events.every((e: PageEvent) => e.t !== 'realm' || e.url.includes('relay.html'))).toBe(true);
});

test('every frame is relayed; an iframe reloading is not a navigation of the tab; a removed frame takes its memory with it', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/panel/frames.html`);
  expect(await page.evaluate(() => (window as unknown as RelayPage).ready)).toBe(PAGE);
  const child = page.frame({ url: /relay\.html\?frame=child/ });
  if (!child) throw new Error('no child frame');
  expect(await child.evaluate(() => (window as unknown as RelayPage).ready)).toBe(PAGE);
  const panel = await openPanel(page);
  const rows = panel.locator('[data-testid=memory-row]');
  await expect(rows).toHaveCount(2);
  await child.evaluate(() => (window as unknown as RelayPage).growPages(2));
  await page.evaluate(() => (window as unknown as RelayPage).growPages(1));
  const currents = () =>
    rows
      .locator('[data-testid=memory-current]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))).sort((a, b) => a - b));
  await expect.poll(currents).toEqual([2 * PAGE, 3 * PAGE]);
  await expect(panel.locator('[data-testid=memory-owner]').filter({ hasText: 'frame=child' })).toHaveCount(1);

  // The iframe reloads: a new document in frame != 0. The tab's session goes on; the old
  // document's memory is gone with it, and marked so.
  await page.evaluate(() => (document.getElementById('child') as HTMLIFrameElement).contentWindow?.location.reload());
  await expect(rows).toHaveCount(3);
  await expect(panel.locator('[data-testid=memory-row].collected')).toHaveCount(1);
  // The iframe is removed: its memory is marked gone too; the top frame's stays live.
  await page.evaluate(() => document.getElementById('child')?.remove());
  await expect(panel.locator('[data-testid=memory-row].collected')).toHaveCount(2);
  await expect(panel.locator('[data-testid=memory-row]:not(.collected) [data-testid=memory-current]')).toHaveAttribute(
    'data-value',
    String(2 * PAGE),
  );
  const trace = await panelApi.exportTrace(panel);
  expect(trace.page.url).toContain('/e2e/pages/panel/frames.html');
  expect(trace.events.filter((e: PageEvent) => e.t === 'memory').length).toBe(3);
  expect(new Set(trace.events.flatMap((e: PageEvent) => (e.t === 'collected' ? [e.key] : []))).size).toBe(2);
});
