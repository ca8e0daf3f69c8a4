/**
 * The heap counted inside wasm, as the panel shows it, on a real package page (sql.js 1.16,
 * Emscripten): "Used" is the allocator's live bytes, allocation sites name the code that allocates, the
 * sites diff between two marks; and the "Track allocations" switch: off (stored in
 * chrome.storage.local, then reload), the heap is "not counted" with the reason, and the page
 * still works.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const PAGE = '/e2e/pages/third-party/sqljs-leaky.html?n=20';

async function load(page: Page): Promise<void> {
  await page.goto(PAGE);
  await page.waitForFunction(() => document.title === 'done');
}

async function runReport(page: Page): Promise<{ actions: number; leakedBytes: number }> {
  return page.evaluate(() => (globalThis as unknown as { runReport: () => { actions: number; leakedBytes: number } }).runReport());
}

/** The Used cell of a heap counted inside wasm with sizes (the sql.js heap). */
const COUNTED = '[data-testid=memory-used][data-state=counted][data-tracking=inside-wasm]';
function countedUsed(panel: Page) {
  return panel.locator(`[data-testid=memory-row] ${COUNTED}`);
}

test('sql.js: Used is counted inside wasm; allocation sites name the code that allocates; the sites diff between two marks', async ({
  page,
  openPanel,
}) => {
  test.setTimeout(90_000);
  await load(page);
  const panel = await openPanel(page);
  await expect(panel.getByTestId('allocation-tracking')).toBeChecked();
  await runReport(page);

  // Used: the allocator's live bytes, with its name and live allocations beside it.
  await expect(countedUsed(panel)).toHaveCount(1);
  const row = panel.locator('[data-testid=memory-row]', { has: panel.locator(COUNTED) });
  await expect.poll(async () => Number(await countedUsed(panel).getAttribute('data-value'))).toBeGreaterThan(20 * 64 * 1024);
  await expect(row.getByTestId('memory-allocator')).toHaveText('dlmalloc');
  await expect.poll(async () => Number(await row.getByTestId('memory-live-allocs').getAttribute('data-value'))).toBeGreaterThanOrEqual(20);
  const key = await row.getAttribute('data-key');

  // Allocation sites of that memory: sampled estimates, the code path that asked for the bytes.
  const sites = panel.locator(`[data-testid=sites-memory][data-key="${key}"]`);
  await expect(sites.getByTestId('sites-note')).toContainText('sampled estimates');
  // The page's runReport binds the blobs (sql.js mallocs them from JS): its site names it. Sampling
  // is a Poisson process over bytes, so one report (1.25 MiB) is sampled with high probability,
  // never certainty: each poll that finds no such site makes one more report.
  const reportSites = sites.getByTestId('site-stack').filter({ hasText: 'runReport' });
  await expect
    .poll(async () => {
      const n = await reportSites.count();
      if (n === 0) await runReport(page);
      return n;
    })
    .toBeGreaterThan(0);
  // the stack opens on click, as text
  await sites.getByTestId('site-frame').first().click();
  await expect(sites.getByTestId('site-stack').first()).toBeVisible();

  // Sites diff: mark, one more report (its blobs stay live), mark; the sites that grew are listed.
  const topBytes = async () => Number(await sites.getByTestId('site-bytes').first().getAttribute('data-value'));
  await panel.getByTestId('mark-label').fill('before');
  await panel.getByTestId('add-mark').click();
  await expect(panel.getByTestId('mark')).toHaveCount(1);
  const before = await topBytes();
  // one more report; again, until a sample shows it
  await expect
    .poll(async () => {
      const now = await topBytes();
      if (now <= before) await runReport(page);
      return now;
    })
    .toBeGreaterThan(before);
  await panel.getByTestId('mark-label').fill('after');
  await panel.getByTestId('add-mark').click();
  await expect(panel.getByTestId('mark')).toHaveCount(2);
  const grown = panel.locator(`[data-testid=diff-site][data-memory="${key}"]`);
  await expect(grown).not.toHaveCount(0);
  expect(Number(await grown.first().getAttribute('data-value'))).toBeGreaterThan(0);
});

test('Track allocations off: after a reload the heap is "not counted" (allocation tracking is off), and the page works', async ({
  page,
  openPanel,
  context,
}) => {
  await load(page);
  const panel = await openPanel(page);
  const toggle = panel.getByTestId('allocation-tracking');
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  // stored where the content script reads it at the next load
  const sw = context.serviceWorkers()[0]!;
  await expect
    .poll(() => sw.evaluate(async () => (await chrome.storage.local.get('wasmMemory.allocationTracking'))['wasmMemory.allocationTracking']))
    .toBe(false);

  await page.reload();
  await page.waitForFunction(() => document.title === 'done');
  const r = await runReport(page);
  expect(r).toMatchObject({ actions: 1, leakedBytes: 20 * 64 * 1024 });

  const notCounted = panel.locator('[data-testid=memory-row] [data-testid=memory-used][data-state=not-counted]');
  await expect(notCounted).not.toHaveCount(0);
  await expect(notCounted.first()).toHaveAttribute('title', 'allocation tracking is off');
  await expect(notCounted.first()).toContainText('not counted');
  await expect(panel.locator('[data-testid=memory-used][data-state=counted]')).toHaveCount(0);
  await expect(panel.locator('[data-testid=sites-memory]')).toHaveCount(0);
  await expect(toggle).not.toBeChecked();
});
