/**
 * Scale, with the real extension: a page that floods it (bench/pages/flood.html) keeps the
 * panel's DOM bounded and the panel responsive, and what the bounded buffers could not keep is
 * shown, not lost silently. Figures of the same floods: bench/flood.mjs.
 */
import type { Page } from '@playwright/test';
import type { PanelAutomation } from '../src/shared/panel-automation';
import { expect, test } from './fixtures';

interface FloodPage {
  flood: { throwaway(n: number): Promise<number>; grows(n: number, depth?: number): Promise<number> };
}

const api = (panel: Page) =>
  panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel: PanelAutomation }).wasmMemoryPanel.eventCount());

/** ms from a click on `selector` to the next animation frame (the frame that shows its effect). */
function clickRoundTrip(panel: Page, selector: string): Promise<number> {
  return panel.evaluate(
    (sel) =>
      new Promise<number>((resolve) => {
        const el = document.querySelector(sel) as HTMLElement;
        const t0 = performance.now();
        el.click();
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }),
    selector,
  );
}

test.use({ chromiumArgs: ['--js-flags=--expose-gc'] });

test('3,000 throwaway memories: one fold row, a bounded DOM, a responsive panel', async ({ context, openPanel, baseURL }) => {
  test.setTimeout(180_000);
  const page = await context.newPage();
  await page.goto(`${baseURL}/bench/pages/flood.html`);
  const panel = await openPanel(page);
  await page.bringToFront(); // the page's timers run at full speed, as beside docked DevTools
  expect(await page.evaluate(() => (window as unknown as FloodPage).flood.throwaway(3000))).toBe(3000);

  // Every memory reached the panel, and every one is collected: they fold into one row.
  const fold = panel.locator('[data-testid=collected-fold]');
  await expect(fold).toHaveAttribute('data-value', '3000', { timeout: 90_000 });
  await panel.bringToFront(); // a visible panel: animation frames run
  const toggle = panel.locator('[data-testid=collected-toggle]');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(toggle).toHaveText(/3,000 collected memories/);
  await expect(panel.locator('[data-testid=memory-row]')).toHaveCount(0);
  const nodes = () => panel.evaluate(() => document.getElementsByTagName('*').length);
  expect(await nodes()).toBeLessThan(1000);
  // The chart draws no line per collected memory: they count in the total only.
  await expect(panel.locator('[data-testid=chart]')).toHaveAttribute('data-series', '0');
  await expect(panel.locator('[data-testid=chart]')).toHaveAttribute('data-memories', '3000');

  // Unfolded, the table renders only the rows in view; the DOM stays bounded.
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const table = panel.locator('[data-testid=memories-table]');
  await expect(table).toHaveAttribute('data-rows', '3001');
  const rendered = await panel.locator('[data-testid=memory-row]').count();
  expect(rendered).toBeGreaterThan(10);
  expect(rendered).toBeLessThan(60);
  expect(await nodes()).toBeLessThan(3000);

  // Keyboard: the table's box takes focus and End scrolls to the last memory.
  const box = panel.locator('.virtual', { has: table });
  await box.focus();
  await panel.keyboard.press('End');
  const last = await panel.evaluate(() => {
    const r = (globalThis as unknown as { wasmMemoryPanel: PanelAutomation }).wasmMemoryPanel.report();
    return r.memories.filter((m) => m.collected).at(-1)?.key ?? '';
  });
  await expect(panel.locator(`[data-testid=memory-row][data-key="${last}"]`)).toHaveCount(1);
  // The header stays in view (sticky) while the rows scroll.
  const headerTop = await panel.evaluate(() => {
    const box = document.querySelector('.virtual') as HTMLElement;
    const th = box.querySelector('thead th') as HTMLElement;
    return th.getBoundingClientRect().top - box.getBoundingClientRect().top;
  });
  expect(Math.abs(headerTop)).toBeLessThan(2);
  expect(await panel.locator('[data-testid=memory-row]').count()).toBeLessThan(60);

  // Responsive: folding and unfolding 3,000 rows is one frame away (median of 5).
  await panel.keyboard.press('Home');
  await expect(toggle).toBeVisible();
  const trips: number[] = [];
  for (let i = 0; i < 5; i++) trips.push(await clickRoundTrip(panel, '[data-testid=collected-toggle]'));
  trips.sort((a, b) => a - b);
  expect(trips[2]).toBeLessThan(100);
});

test('a flood bigger than the background keeps: the panel opened afterwards shows what is missing', async ({
  context,
  openPanel,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const page = await context.newPage();
  await page.goto(`${baseURL}/bench/pages/flood.html`);
  // 5,000 grows with ~3.8 KB stacks (about 20 MB) before any panel exists: more than the
  // router's recent lane keeps per tab (BUFFER_BYTES.routerRecent, 12 MiB).
  expect(await page.evaluate(() => (window as unknown as FloodPage).flood.grows(5000, 40))).toBe(5000);
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  const dropped = panel.locator('[data-testid=dropped]');
  await expect(dropped).toBeVisible();
  const missing = Number(await dropped.getAttribute('data-value'));
  expect(missing).toBeGreaterThan(1000);
  const got = await panel.evaluate(() => {
    const t = (globalThis as unknown as { wasmMemoryPanel: PanelAutomation }).wasmMemoryPanel.exportTrace();
    return {
      dropped: t.dropped,
      grows: t.events.filter((e) => e.t === 'grow' && e.via === 'js').length,
      memories: t.events.filter((e) => e.t === 'memory').length,
    };
  });
  // The export says the same, and what was kept is the newest grows plus every definition.
  expect(got.dropped).toBe(missing);
  expect(got.grows).toBeGreaterThan(1000);
  expect(got.grows + missing).toBeGreaterThanOrEqual(5000);
  expect(got.memories).toBe(50);
  expect(await api(panel)).toBeGreaterThan(1000);
});
