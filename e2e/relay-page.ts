/**
 * e2e/pages/panel/relay.html (one memory of one page, grown by the in-wasm memory.grow) with the
 * panel opened as a tab bound to it and connected, its one memory row listed.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures';

export const WASM_PAGE = 65536;

interface RelayPage {
  ready: Promise<number>;
  growPages(n: number): number;
}

export async function openRelayPanel(context: BrowserContext, openPanel: (p: Page) => Promise<Page>, baseURL: string | undefined) {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/panel/relay.html`);
  expect(await page.evaluate(() => (window as unknown as RelayPage).ready)).toBe(WASM_PAGE);
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  const liveRow = panel.locator('[data-testid=memory-row]');
  await expect(liveRow).toHaveCount(1);
  /** Grow the page's memory by `n` pages (returns its size before, in pages). */
  const grow = (n: number) => page.evaluate((k) => (window as unknown as RelayPage).growPages(k), n);
  return { page, panel, liveRow, grow };
}
