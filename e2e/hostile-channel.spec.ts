/**
 * A page that closes the channel the extension records through (the port carried by the
 * injected script's `connect` message): the content script notices the silence, asks for a new
 * channel, and recording goes on, with the loss shown; a page that closes every such port shows
 * as silent in the panel, and still works.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const PAGE = 65536;
const grow = (page: Page, n: number) => page.evaluate((k) => (globalThis as unknown as { grow(n: number): number }).grow(k), n);

test('a page that closes our port: silent, then a new channel; recording goes on and the panel says what happened', async ({
  page,
  openPanel,
}) => {
  test.setTimeout(60_000);
  await page.goto('/e2e/pages/hostile/close-connect.html');
  await page.waitForFunction(() => document.title === 'done');
  const panel = await openPanel(page);
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(3 * PAGE));

  await page.evaluate(() => (globalThis as unknown as { closeSeen(): void }).closeSeen());
  await grow(page, 2); // sent on the dead channel: lost
  await expect(panel.getByTestId('page-reconnects')).toHaveAttribute('data-value', '1', { timeout: 30_000 });
  await expect(panel.getByTestId('page-silent')).toHaveCount(0);
  // what was sent on the dead channel is counted as lost, and shown
  await expect.poll(async () => Number(await panel.getByTestId('page-lost').getAttribute('data-value'))).toBeGreaterThan(0);
  // recording goes on: the size the page reached, and growth after the new channel
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(5 * PAGE));
  await grow(page, 1);
  await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(6 * PAGE));
});

test('a page that closes every port: the panel shows the page side as silent, and the page still works', async ({ page, openPanel }) => {
  test.setTimeout(60_000);
  await page.goto('/e2e/pages/hostile/close-connect.html?all=1');
  await page.waitForFunction(() => document.title === 'done');
  const panel = await openPanel(page);
  const silent = panel.getByTestId('page-silent');
  await expect(silent).toBeVisible({ timeout: 30_000 });
  await expect(silent).toContainText('page side silent since');
  await expect(silent).toHaveAttribute('title', /close-connect\.html\?all=1/);
  await expect(panel.getByTestId('page-reconnects')).toHaveCount(0);
  // the page never noticed: its own code runs, and its memory grows
  expect(await grow(page, 1)).toBe(3);
  expect(await page.evaluate(() => (globalThis as unknown as { closedPorts(): number }).closedPorts())).toBeGreaterThan(1);
});
