/**
 * Foundation e2e: the whole pipe, page to panel, with the built extension in Chromium.
 *
 *   injected (finds memories, samples bytes) -> content script (validates, relays)
 *   -> service worker (routes per tab) -> panel (renders) <- analyzer (stats, alerts)
 *
 * Every assertion reads what the PANEL shows (or exports), and every number it shows must equal
 * what the page itself knows, so removing or breaking any one layer fails these tests.
 */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import type { Report } from '../src/shared/analyzer-api';
import type { PageEvent, Trace } from '../src/shared/protocol';
import { existsSync, rmSync } from 'node:fs';
import { expect, launchBare, test } from './fixtures';

const PAGE = 65536;
const LEAK_KINDS = ['memory-replaced', 'memory-floor-rising'];
const SAMPLES = ['sales-2025.csv', 'inventory.csv', 'access.log', 'field-notes.txt'];
/** Files the leak test opens, cycling through SAMPLES (each open is a new engine). */
const LEAK_OPENS = 5;

/** What e2e/pages/foundation/grow.html puts on window. */
interface GrowPage {
  ready: Promise<number>;
  growPages(pages: number): number;
  memoryBytes(): number;
}

/** The panel's test API (globalThis.wasmMemoryPanel), as far as these tests use it. */
interface PanelApi {
  exportTrace(): Trace;
  report(): Report;
  eventCount(): number;
  connected(): boolean;
}

async function numberAttr(locator: Locator): Promise<number> {
  const v = await locator.getAttribute('data-value');
  if (v === null) throw new Error('no data-value');
  return Number(v);
}

function panelReport(panel: Page): Promise<Report> {
  return panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel: PanelApi }).wasmMemoryPanel.report());
}

/** Sum of `memory-current` over the panel's memory rows. */
async function panelTotal(panel: Page): Promise<number> {
  const values = await panel
    .locator('[data-testid=memory-row] [data-testid=memory-current]')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
  return values.reduce((a, b) => a + b, 0);
}

/** Pixels of roughly colour `rgb` on a canvas (anti-aliased line pixels included). */
function seriesPixels(canvas: Element, rgb: number[]): number {
  const c = canvas as HTMLCanvasElement;
  const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
  if (!data) return 0;
  const [r, g, b] = rgb as [number, number, number];
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (
      Math.abs((data[i] as number) - r) < 48 &&
      Math.abs((data[i + 1] as number) - g) < 48 &&
      Math.abs((data[i + 2] as number) - b) < 48 &&
      (data[i + 3] as number) > 128
    )
      n++;
  }
  return n;
}

/** Bytes of every sample of `key` in a trace, in order. */
function sampledBytes(events: PageEvent[], key: string): number[] {
  return events.flatMap((e) => {
    if (e.t !== 'sample') return [];
    const i = e.keys.indexOf(key);
    return i < 0 ? [] : [e.bytes[i] as number];
  });
}

test.beforeAll(() => {
  if (!existsSync('demo/dist/engine.wasm') || !existsSync('demo/dist/samples')) {
    throw new Error('the demo is not built (demo/dist/engine.wasm, demo/dist/samples): run npm run build (or npm run build:demo)');
  }
});

test('memory grown inside wasm: the panel tab shows it growing, charts it, and exports its samples', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/foundation/grow.html`);
  expect(await page.evaluate(() => (window as unknown as GrowPage).ready)).toBe(2 * PAGE);

  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row).toHaveCount(1);
  const key = await row.getAttribute('data-key');
  expect(key).toBeTruthy();
  const current = row.locator('[data-testid=memory-current]');
  const growths = row.locator('[data-testid=memory-growths]');
  await expect(current).toHaveAttribute('data-value', String(2 * PAGE));
  await expect(row.locator('[data-testid=memory-owner]')).toContainText('grow.html');

  // Grow three times with the in-wasm memory.grow instruction; after each, the panel must show
  // exactly the page's new size and one more growth.
  let pages = 2;
  for (const [i, n] of [1, 3, 2].entries()) {
    const before = await page.evaluate((k) => (window as unknown as GrowPage).growPages(k), n);
    expect(before).toBe(pages);
    pages += n;
    expect(await page.evaluate(() => (window as unknown as GrowPage).memoryBytes())).toBe(pages * PAGE);
    await expect(current).toHaveAttribute('data-value', String(pages * PAGE));
    await expect(growths).toHaveAttribute('data-value', String(i + 1));
  }
  await expect(row.locator('[data-testid=memory-peak]')).toHaveAttribute('data-value', String(8 * PAGE));

  // The chart holds this memory's points and DREW its line: pixels of the series' colour (read
  // from uPlot's legend marker) on uPlot's canvas.
  const chart = panel.locator('[data-testid=chart]');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('data-series', '1');
  await expect.poll(() => chart.getAttribute('data-points').then(Number)).toBeGreaterThanOrEqual(4);
  const marker = panel.locator('.u-legend .u-series .u-marker').nth(1);
  const color = (await marker.evaluate((e) => getComputedStyle(e).borderTopColor)).match(/\d+/g)?.slice(0, 3).map(Number) ?? [];
  expect(color).toHaveLength(3);
  await expect.poll(() => chart.locator('canvas').evaluate(seriesPixels, color)).toBeGreaterThan(50);

  // Export: a real download whose JSON holds this memory's samples, growing 2 -> 8 pages.
  const [download] = await Promise.all([panel.waitForEvent('download'), panel.locator('[data-testid=export-trace]').click()]);
  const path = await download.path();
  const trace = JSON.parse(await readFile(path, 'utf8')) as Trace;
  expect(trace.format).toBe('wasm-memory-trace');
  expect(trace.page.url).toContain('/e2e/pages/foundation/grow.html');
  expect(trace.events.some((e) => e.t === 'memory' && e.key === key && e.bytes === 2 * PAGE)).toBe(true);
  const bytes = sampledBytes(trace.events, key as string);
  expect(bytes.length).toBeGreaterThanOrEqual(4);
  expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  for (const p of [2, 3, 6, 8]) expect(bytes).toContain(p * PAGE);
});

test('the demo leaks: each opened file adds an engine memory, totals climb, and the panel flags the leak', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/demo/`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');

  const rows = panel.locator('[data-testid=memory-row]');
  const totals: number[] = [];
  for (let i = 0; i < LEAK_OPENS; i++) {
    const file = SAMPLES[i % SAMPLES.length] as string;
    await page.locator(`[data-testid=open-sample][data-file="${file}"]`).click();
    await expect(page.locator('[data-testid=open-count]')).toHaveAttribute('data-value', String(i + 1));
    const pageBytes = await numberAttr(page.locator('[data-testid=engine-bytes]'));
    // One memory per engine, and the panel's bytes equal the page's own count of its engines' memory.
    await expect(rows).toHaveCount(i + 1);
    await expect.poll(() => panelTotal(panel)).toBe(pageBytes);
    totals.push(pageBytes);
  }
  for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThan(totals[i - 1] as number);
  for (const owner of await rows.locator('[data-testid=memory-owner]').allTextContents()) expect(owner).toContain('engine.wasm');
  // Each engine grew its memory inside wasm while indexing its file.
  for (const g of await rows
    .locator('[data-testid=memory-growths]')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))) {
    expect(g).toBeGreaterThanOrEqual(1);
  }

  // The analyzer names the leak. One leak, one line: the superseded engines of the demo's module are one group, its members
  // inside (listed once the group is opened). `memory-replaced` waits until a newer engine has
  // lived 10 s (analyzer-rs replaced_grace_ms) while the old one is still alive.
  const group = panel.locator('[data-testid=alert-group][data-kind=memory-replaced]');
  await expect(group).toHaveCount(1, { timeout: 30_000 });
  await expect(group).toHaveAttribute('data-members', String(LEAK_OPENS - 1), { timeout: 30_000 });
  await expect(group.getByTestId('alert-group-title')).toContainText(`and ${LEAK_OPENS - 2} more like it (`);
  // Every superseded engine is flagged as replaced, and the current one is not.
  const replaced = panel.locator('[data-testid=alert][data-kind=memory-replaced][data-state=active]');
  await expect(replaced).toHaveCount(0);
  await group.getByTestId('alert-group-title').click();
  await expect(replaced).toHaveCount(LEAK_OPENS - 1);
  await expect(replaced.first()).toBeVisible();
  const { memories } = await panelReport(panel);
  const newest = memories.reduce((a, b) => (b.firstSeen > a.firstSeen ? b : a));
  const flagged = await replaced.evaluateAll((els) => els.map((e) => e.getAttribute('data-subject')));
  expect(flagged.sort()).toEqual(
    memories
      .filter((m) => m !== newest)
      .map((m) => m.key)
      .sort(),
  );

  // The app's own registry (page API, push form) arrived too.
  await expect(
    panel.locator('[data-testid=registry-row][data-name=doc-viewer] [data-testid=registry-field][data-field=openDocuments]'),
  ).toHaveAttribute('data-value', String(LEAK_OPENS));
});

test('the demo fixed: old engines are collected and no leak is flagged', async ({ context, openPanel, baseURL }) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/demo/?fixed=1`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');

  for (const [i, file] of SAMPLES.entries()) {
    await page.locator(`[data-testid=open-sample][data-file="${file}"]`).click();
    await expect(page.locator('[data-testid=open-count]')).toHaveAttribute('data-value', String(i + 1));
    await expect(panel.locator('[data-testid=memory-row]')).toHaveCount(i + 1);
  }
  await expect(page.locator('[data-testid=engine-count]')).toHaveAttribute('data-value', '1');

  // The old engines are unreachable; a full GC lets the page side see them go.
  const cdp = await context.newCDPSession(page);
  await expect
    .poll(async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await panelReport(panel)).memories.filter((m) => m.collected).length;
    })
    .toBe(SAMPLES.length - 1);
  await cdp.detach();
  // Collected memories can never be flagged later, and the one live engine has no newer
  // sibling, so "no leak alert" checked now stays true.
  const report = await panelReport(panel);
  expect(report.memories.filter((m) => !m.collected)).toHaveLength(1);
  expect(report.alerts.filter((a) => LEAK_KINDS.includes(a.kind) && a.state === 'active')).toEqual([]);
  await expect(panel.locator('[data-testid=alert][data-state=active]')).toHaveCount(0);
});

test('the demo works on its own, without the extension (the registry push is harmless)', async ({ baseURL }) => {
  const { context, dir } = await launchBare();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseURL}/demo/`);
    await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
    await page.locator('[data-testid=open-sample][data-file="sales-2025.csv"]').click();
    await page.locator('[data-testid=open-sample][data-file="field-notes.txt"]').click();
    await expect(page.locator('[data-testid=open-count]')).toHaveAttribute('data-value', '2');
    await expect(page.locator('[data-testid=engine-count]')).toHaveAttribute('data-value', '2');
    // Two engines, each grown past its initial 17 pages (1.06 MiB) while indexing its file.
    expect(await numberAttr(page.locator('[data-testid=engine-bytes]'))).toBeGreaterThan(2 * 17 * PAGE);
    await expect(page.locator('[data-testid=documents] tbody tr')).toHaveCount(2);
    // The engine really indexed the file: a search through its trigram index.
    await page.locator('input[name=q]').fill('the river');
    await page.locator('[data-testid=search-form] button').click();
    await expect(page.locator('[data-testid=search-result]')).toHaveText(/^[1-9]\d* matches$/);
    await expect(page.locator('[data-testid=error]')).toBeHidden();
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
