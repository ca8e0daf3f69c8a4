/**
 * The panel's chart (issue 15), with the built extension, a real page's wasm and the real
 * analyzer: a zoom or pan stays put while data streams and "Follow live" brings the chart back;
 * drag, wheel and keyboard zoom; marks and growth events drawn; the legend's values now with
 * nothing hovered; the height follows the panel's; the used-bytes line of a heap counted inside
 * wasm; selecting an alert highlights its evidence and zooms to it, on the chart's clock.
 *
 * What is drawn on the canvas is read from the chart's data-* attributes (Chart.tsx): the
 * x scale's range (data-view-min/max, set when uPlot sets its scale), the session's extent,
 * follow-live, and the count of marks, growth ticks and evidence points drawn.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { openRelayPanel, WASM_PAGE } from './relay-page';

/** The relay page and its panel; `grow` waits until the panel shows the new size. */
async function setup(context: import('@playwright/test').BrowserContext, openPanel: (p: Page) => Promise<Page>, baseURL?: string) {
  const { page, panel, liveRow: row, grow: growPages } = await openRelayPanel(context, openPanel, baseURL);
  const grow = async (n: number) => {
    const before = Number(await row.getByTestId('memory-current').getAttribute('data-value'));
    await growPages(n);
    await expect(row.getByTestId('memory-current')).toHaveAttribute('data-value', String(before + n * WASM_PAGE));
  };
  return { page, panel, row, grow, chart: panel.getByTestId('chart') };
}

const num = async (chart: Locator, name: string) => Number(await chart.getAttribute(`data-${name}`));
const view = async (chart: Locator) => ({ min: await num(chart, 'view-min'), max: await num(chart, 'view-max') });

/** Wait until the session spans at least `ms` (the page's sampler keeps stamping the memory). */
async function spanAtLeast(chart: Locator, ms: number) {
  await expect
    .poll(async () => (await num(chart, 'extent-max')) - (await num(chart, 'extent-min')), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(ms);
}

test('a keyboard zoom stays put while new points arrive; Follow live brings the chart back to the latest', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const { panel, grow, chart } = await setup(context, openPanel, baseURL);
  const follow = panel.getByTestId('follow-live');
  await expect(chart).toHaveAttribute('data-follow', 'true');
  await expect(follow).toHaveAttribute('aria-pressed', 'true');
  await spanAtLeast(chart, 1500);
  // Following live, the chart shows the whole session.
  await expect.poll(async () => (await view(chart)).max).toBe(await num(chart, 'extent-max'));

  // Focus the chart with the keyboard and zoom in: a fixed window, half as wide.
  await chart.focus();
  await expect(chart).toBeFocused();
  const live = await view(chart);
  await panel.keyboard.press('+');
  await expect(chart).toHaveAttribute('data-follow', 'false');
  await expect(follow).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => (await view(chart)).max - (await view(chart)).min).toBeLessThan(live.max - live.min);
  const zoomed = await view(chart);
  expect(zoomed.max - zoomed.min).toBeCloseTo((live.max - live.min) / 2, -1);

  // New points arrive: the session grows past the window, the window stays exactly where it was.
  const extentBefore = await num(chart, 'extent-max');
  await grow(2);
  await expect.poll(() => num(chart, 'extent-max')).toBeGreaterThan(extentBefore);
  await grow(1);
  expect(await view(chart)).toEqual(zoomed);

  // Arrows pan, clamped to the data; - zooms out again.
  await panel.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await view(chart)).min).toBeLessThan(zoomed.min);
  const panned = await view(chart);
  expect(panned.max - panned.min).toBeCloseTo(zoomed.max - zoomed.min, 3);
  expect(panned.min).toBeGreaterThanOrEqual(await num(chart, 'extent-min'));
  await panel.keyboard.press('-');
  await expect.poll(async () => (await view(chart)).max - (await view(chart)).min).toBeGreaterThan(panned.max - panned.min);

  // "Follow live": the whole session again, and it keeps following.
  await follow.click();
  await expect(chart).toHaveAttribute('data-follow', 'true');
  await expect(follow).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await view(chart)).max).toBe(await num(chart, 'extent-max'));
  const latest = await num(chart, 'extent-max');
  await grow(1);
  await expect.poll(() => num(chart, 'extent-max')).toBeGreaterThan(latest);
  await expect.poll(async () => (await view(chart)).max).toBe(await num(chart, 'extent-max'));

  // End (or L, or Home) on the focused chart also goes back to live.
  await chart.focus();
  await panel.keyboard.press('+');
  await expect(chart).toHaveAttribute('data-follow', 'false');
  await panel.keyboard.press('End');
  await expect(chart).toHaveAttribute('data-follow', 'true');
});

test('drag and wheel zoom; a double click goes back to live', async ({ context, openPanel, baseURL }) => {
  const { panel, chart } = await setup(context, openPanel, baseURL);
  await spanAtLeast(chart, 2000);
  const over = chart.locator('.u-over');
  const box = await over.boundingBox();
  if (!box) throw new Error('no plot area');
  // Drag across the middle half of the plot: that half becomes the window. (The live window
  // moves on while the mouse moves: the drag's half is judged by its width and its start.)
  const y = box.y + box.height / 2;
  await panel.mouse.move(box.x + box.width * 0.25, y, { steps: 4 });
  // uPlot reads the pointer's position on an animation frame: let it see where the drag starts.
  await panel.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(undefined)))));
  const live = await view(chart);
  await panel.mouse.down();
  await panel.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
  await panel.mouse.move(box.x + box.width * 0.75, y, { steps: 4 });
  await panel.mouse.up();
  await expect(chart).toHaveAttribute('data-follow', 'false');
  const dragged = await view(chart);
  const w = live.max - live.min;
  // (Where the drag starts is not asserted: while points stream in, uPlot may take the start from
  // its cursor as of the previous frame, up to the plot's left edge. The window is the drag's.)
  expect(dragged.min).toBeGreaterThanOrEqual(live.min);
  expect(dragged.max - dragged.min).toBeGreaterThan(w * 0.3);
  expect(dragged.max - dragged.min).toBeLessThan(w * 0.85);

  // The wheel zooms in around the pointer.
  await panel.mouse.move(box.x + box.width * 0.5, y);
  await panel.mouse.wheel(0, -300);
  await expect.poll(async () => (await view(chart)).max - (await view(chart)).min).toBeLessThan(dragged.max - dragged.min);

  await over.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(chart).toHaveAttribute('data-follow', 'true');
});

test('the legend shows the values now with nothing hovered; marks and growth events are drawn on the chart', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const { panel, grow, chart } = await setup(context, openPanel, baseURL);
  await grow(3);
  // Nothing hovered (the pointer is away from the chart): the memory's committed bytes now.
  await panel.mouse.move(0, 0);
  const rows = chart.locator('.u-legend .u-series');
  await expect(rows.nth(1).locator('.u-value')).toHaveText('256 KiB');
  await expect(rows.nth(0).locator('.u-value')).toContainText('now ');
  await grow(1);
  await expect(rows.nth(1).locator('.u-value')).toHaveText('320 KiB');
  // No heap counted on this page: no used line, and the chart says so.
  await expect(chart).toHaveAttribute('data-used-lines', '0');
  await expect(panel.getByTestId('chart-used-unknown')).toHaveAttribute('data-value', '1');
  // Growth events: one tick each (4 growths, far apart in pixels at this scale, or merged per pixel).
  await expect.poll(() => num(chart, 'growth-drawn')).toBeGreaterThanOrEqual(1);

  // A mark: a line on the chart.
  await expect(chart).toHaveAttribute('data-marks-drawn', '0');
  await panel.getByTestId('mark-label').fill('after open');
  await panel.getByTestId('add-mark').click();
  await expect(panel.getByTestId('mark')).toHaveCount(1);
  await expect(chart).toHaveAttribute('data-marks-drawn', '1');
});

test("the chart's height follows the panel's", async ({ context, openPanel, baseURL }) => {
  const { panel, chart } = await setup(context, openPanel, baseURL);
  const over = chart.locator('.u-over');
  await panel.setViewportSize({ width: 1000, height: 500 });
  await expect(chart).toHaveAttribute('data-height', '200');
  const small = (await over.boundingBox())?.height ?? 0;
  await panel.setViewportSize({ width: 1000, height: 1000 });
  await expect(chart).toHaveAttribute('data-height', '400');
  await expect.poll(async () => (await over.boundingBox())?.height ?? 0).toBeGreaterThan(small + 150);
});

test('selecting an alert highlights its evidence on the chart, zoomed to it, on the chart’s clock', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const { panel, grow, chart } = await setup(context, openPanel, baseURL);
  await panel.getByTestId('budget-page').fill('256 KiB');
  await panel.getByTestId('budget-apply').click();
  await grow(3); // 256 KiB: at the budget
  const alert = panel.locator('[data-testid=alert][data-kind=budget]').first();
  await expect(alert).toBeVisible();
  await expect(alert).toHaveAttribute('data-selected', 'false');
  await expect(chart).toHaveAttribute('data-selected-alert', '');
  const id = await alert.getAttribute('data-id');

  // Keyboard: Enter on the alert opens and selects it.
  await alert.getByTestId('alert-title').focus();
  await panel.keyboard.press('Enter');
  await expect(alert).toHaveAttribute('data-selected', 'true');
  await expect(alert.getByTestId('alert-show')).toHaveAttribute('aria-pressed', 'true');
  await expect(chart).toHaveAttribute('data-selected-alert', id ?? '');
  await expect(chart).toHaveAttribute('data-follow', 'false');
  await expect(panel.getByTestId('chart-evidence')).toContainText('page:bytes');
  // The chart shows the evidence: its span is inside the window, its points drawn (bytes: dots).
  const from = await num(chart, 'evidence-from');
  const to = await num(chart, 'evidence-to');
  await expect.poll(async () => (await view(chart)).min).toBeLessThanOrEqual(from);
  expect((await view(chart)).max).toBeGreaterThanOrEqual(to);
  await expect.poll(() => num(chart, 'evidence-points')).toBeGreaterThan(0);

  // The evidence reads on the chart's clock (elapsed since the session started), the wall clock
  // in its tooltip.
  const span = alert.getByTestId('alert-evidence-span');
  await expect(span).toHaveText(/^page:bytes: (\d+m )?\d+(\.\d)?s – (\d+m )?\d+(\.\d)?s$/);
  await expect(span).toHaveAttribute('title', /^\d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3}$/);

  // "Show on chart" toggles it off: nothing highlighted, the window stays where it is.
  const kept = await view(chart);
  await alert.getByTestId('alert-show').click();
  await expect(alert).toHaveAttribute('data-selected', 'false');
  await expect(chart).toHaveAttribute('data-selected-alert', '');
  await expect(chart).toHaveAttribute('data-evidence-points', '0');
  expect(await view(chart)).toEqual(kept);
  // ... and on again.
  await alert.getByTestId('alert-show').click();
  await expect(chart).toHaveAttribute('data-selected-alert', id ?? '');
});

test('sql.js: the heap counted inside wasm is a used-bytes line, its legend value the Used cell’s', async ({ page, openPanel }) => {
  test.setTimeout(90_000);
  await page.goto('/e2e/pages/third-party/sqljs-leaky.html?n=20');
  await page.waitForFunction(() => document.title === 'done');
  const panel = await openPanel(page);
  const chart = panel.getByTestId('chart');
  await expect.poll(() => num(chart, 'used-lines'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  const used = panel.locator('[data-testid=memory-used][data-state=counted][data-tracking=inside-wasm]');
  await expect(used).toHaveCount(1);
  const legend = chart.locator('.u-legend .u-series.used-series');
  await expect(legend).toHaveCount(1);
  await expect(legend.locator('.u-label')).toContainText(' used');
  await expect(legend.locator('.u-label')).not.toContainText('JS-boundary');
  await expect(legend.locator('.u-label span')).toHaveAttribute('title', /Live bytes of the heap, counted inside wasm$/);
  await panel.mouse.move(0, 0);
  // Both from the same report: the same figure.
  await expect(async () => {
    expect(await legend.locator('.u-value').textContent()).toBe(await used.textContent());
  }).toPass();
});
