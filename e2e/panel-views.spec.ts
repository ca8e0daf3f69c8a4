/**
 * The panel's views in the REAL DevTools window (./devtools-panel.ts): the classes table (sort,
 * filter, sparklines, creation sites with exact counts), the registries' sparklines, the
 * memories' realm filter, DevTools' theme followed live, every control reachable by keyboard,
 * and docking (a 500 px wide and a 300 px high dock: no horizontal scrolling of the panel, long
 * cells cut with a tooltip, alerts in view). The page is e2e/pages/panel/tables.html: real
 * wasm-bindgen objects (photon) made at two sites, a registry, a worker and a frame.
 */
import { test, expect } from '@playwright/test';
import type { Browser, Frame, Page } from 'puppeteer-core';
import { openRealPanel, type RealPanel } from './devtools-panel';

interface TablesPage {
  ready: Promise<unknown>;
  openDocument(n: number): void;
  pushRegistry(stats: Record<string, number>): void;
}

let browser: Browser | undefined;

test.afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

async function open(baseURL: string | undefined): Promise<RealPanel> {
  const real = await openRealPanel(`${baseURL}/e2e/pages/panel/tables.html`, async (page) => {
    await page.waitForFunction(() => 'ready' in window);
    await page.evaluate(() => (window as unknown as TablesPage).ready);
  });
  browser = real.browser;
  await real.panel.waitForSelector('[data-testid=status][data-state=connected]');
  return real;
}

/** Attribute `name` of every element matching `selector` in the panel. */
function attrs(panel: Frame, selector: string, name: string): Promise<Array<string | null>> {
  return panel.evaluate((sel, n) => [...document.querySelectorAll(sel)].map((e) => e.getAttribute(n)), selector, name);
}

const classRow = (name: string) => `[data-testid=class-row][data-class=${name}]`;

test('classes: creation sites count every live object exactly; sortable, filterable, with a live-count sparkline', async ({ baseURL }) => {
  const { page, panel } = await open(baseURL);
  await expect.poll(() => attrs(panel, `${classRow('PhotonImage')} [data-testid=class-live]`, 'data-value')).toEqual(['70']);

  // The sites: 66 made by openDocument, 4 by openThumbnails, both exact (every live object's stack).
  await panel.click(`${classRow('PhotonImage')} summary`);
  const sites = () =>
    panel.evaluate((sel) => {
      return [...document.querySelectorAll(`${sel} [data-testid=class-stack]`)].map((e) => ({
        count: Number(e.getAttribute('data-count')),
        exact: e.getAttribute('data-exact'),
        label: e.querySelector('.stack-count')?.textContent,
        inner: e.querySelector('pre')?.textContent?.match(/openDocument|openThumbnails/)?.[0],
      }));
    }, classRow('PhotonImage'));
  await expect.poll(sites).toEqual([
    { count: 66, exact: 'true', label: '66 live created at:', inner: 'openDocument' },
    { count: 4, exact: 'true', label: '4 live created at:', inner: 'openThumbnails' },
  ]);

  // Ten more from another call path (the test's script calls openDocument): another site, exact.
  await page.evaluate(() => (window as unknown as TablesPage).openDocument(10));
  await expect.poll(sites).toEqual([
    { count: 66, exact: 'true', label: '66 live created at:', inner: 'openDocument' },
    { count: 10, exact: 'true', label: '10 live created at:', inner: 'openDocument' },
    { count: 4, exact: 'true', label: '4 live created at:', inner: 'openThumbnails' },
  ]);
  const spark = `${classRow('PhotonImage')} [data-testid=class-spark]`;
  await expect.poll(async () => (await attrs(panel, spark, 'data-last'))[0]).toBe('80');
  expect(Number((await attrs(panel, spark, 'data-points'))[0])).toBeGreaterThanOrEqual(2);
  expect(await panel.$eval(`${spark} path`, (p) => p.getAttribute('d')?.startsWith('M'))).toBe(true);

  // Sort: by live, most first, then fewest first; aria-sort says which.
  const order = () => attrs(panel, '[data-testid=class-row]', 'data-class');
  const classes = await order();
  expect(classes).toContain('PhotonImage');
  await panel.click('[data-testid=classes-sort-live] button');
  await expect.poll(async () => (await order())[0]).toBe('PhotonImage');
  expect(await attrs(panel, '[data-testid=classes-sort-live]', 'aria-sort')).toEqual(['descending']);
  await panel.click('[data-testid=classes-sort-live] button');
  expect(await attrs(panel, '[data-testid=classes-sort-live]', 'aria-sort')).toEqual(['ascending']);
  if (classes.length > 1) await expect.poll(async () => (await order()).at(-1)).toBe('PhotonImage');
  await panel.click('[data-testid=classes-sort-className] button');
  await expect.poll(order).toEqual([...classes].sort((a, b) => (a ?? '').localeCompare(b ?? '', 'en')));

  // Filter by name.
  await panel.type('[data-testid=classes-filter]', 'photonim');
  await expect.poll(order).toEqual(['PhotonImage']);
  await panel.$eval('[data-testid=classes-filter]', (e) => {
    (e as HTMLInputElement).value = '';
    e.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect.poll(async () => (await order()).length).toBe(classes.length);
});

test('registries: each field is charted over time', async ({ baseURL }) => {
  const { page, panel } = await open(baseURL);
  const field = (f: string, a: string) => attrs(panel, `[data-testid=registry-row][data-name=documents] [data-field=${f}]`, a);
  await expect.poll(() => field('open', 'data-value')).toEqual(['1']);
  for (const n of [2, 5, 3]) {
    await page.evaluate((k) => (window as unknown as TablesPage).pushRegistry({ open: k, bytes: k * 1024 }), n);
    await expect.poll(() => field('open', 'data-value')).toEqual([String(n)]);
  }
  const spark = (a: string) => attrs(panel, '[data-testid=registry-row][data-name=documents] [data-testid=registry-spark]', a);
  // One sparkline per field (open, bytes), each with the four values it took: highest 5, now 3.
  expect(await spark('data-points')).toEqual(['4', '4']);
  expect(await spark('data-max')).toEqual(['5', String(5 * 1024)]);
  expect(await spark('data-last')).toEqual(['3', String(3 * 1024)]);
  const label = await panel.$eval('[data-testid=registry-spark]', (e) => e.getAttribute('aria-label'));
  expect(label).toBe('documents open over time: now 3, lowest 1, highest 5');
});

test('memories: frames and workers told apart, and the realm filter selects them', async ({ baseURL }) => {
  const { panel } = await open(baseURL);
  const names = () => panel.evaluate(() => [...document.querySelectorAll('[data-testid=memory-name]')].map((e) => e.textContent ?? ''));
  await expect.poll(async () => (await names()).length).toBeGreaterThanOrEqual(3);
  const options = await attrs(panel, '[data-testid=realm-filter] option', 'value');
  expect(options).toEqual(expect.arrayContaining(['', 'kind:window', 'kind:frame', 'kind:worker']));
  await panel.select('[data-testid=realm-filter]', 'kind:worker');
  await expect.poll(names).toEqual([expect.stringMatching(/· worker worker-wasm\.js/)]);
  await panel.select('[data-testid=realm-filter]', 'kind:frame');
  await expect.poll(names).toEqual([expect.stringMatching(/· frame relay\.html/)]);
  await panel.select('[data-testid=realm-filter]', 'kind:window');
  await expect.poll(async () => (await names()).every((n) => !/· (frame|worker) /.test(n))).toBe(true);
  await panel.select('[data-testid=realm-filter]', '');
  await expect.poll(async () => (await names()).length).toBeGreaterThanOrEqual(3);
});

/** Switch DevTools' own theme setting, as its Settings > Appearance > Theme does. */
async function setDevToolsTheme(devtools: Page, theme: 'dark' | 'default'): Promise<void> {
  await devtools.evaluate(async (t) => {
    const url = new URL('core/common/common.js', location.href).href;
    const Common = (await import(url)) as {
      Settings: { Settings: { instance(): { moduleSetting(name: string): { set(v: string): void } } } };
    };
    const settings = Common.Settings.Settings.instance();
    let setting;
    try {
      setting = settings.moduleSetting('ui-theme');
    } catch {
      setting = settings.moduleSetting('uiTheme');
    }
    setting.set(t);
  }, theme);
}

test("the panel follows a switch of DevTools' theme live", async ({ baseURL }) => {
  const { devtools, panel } = await open(baseURL);
  const theme = () => panel.evaluate(() => document.documentElement.dataset.theme ?? null);
  const bg = () => panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await setDevToolsTheme(devtools, 'dark');
  await expect.poll(theme).toBe('dark');
  expect(await bg()).toBe('rgb(32, 33, 36)');
  await setDevToolsTheme(devtools, 'default');
  await expect.poll(theme).toBe('light');
  expect(await bg()).toBe('rgb(255, 255, 255)');
});

test('every control is reachable by keyboard', async ({ baseURL }) => {
  const { devtools, panel } = await open(baseURL);
  await expect.poll(() => attrs(panel, `${classRow('PhotonImage')} [data-testid=class-live]`, 'data-value')).toEqual(['70']);
  await panel.waitForSelector('[data-testid=realm-filter]');
  await panel.waitForSelector('[data-testid=registry-spark]');
  // Every visible control of the panel, tagged so focus can be matched to it.
  const total = await panel.evaluate(() => {
    const controls = [...document.querySelectorAll<HTMLElement>('button, input, select, summary, textarea, a[href], [tabindex]')].filter(
      (e) =>
        e.getClientRects().length > 0 &&
        !(e as HTMLButtonElement).disabled &&
        e.tabIndex !== -1 &&
        // inside a closed <details> (its summary aside): laid out by Chromium, but not shown or focusable
        !(
          e.parentElement?.closest('details:not([open])') &&
          !(e.tagName === 'SUMMARY' && e.parentElement.closest('details:not([open])') === e.parentElement)
        ),
    );
    controls.forEach((e, i) => (e.dataset.kbd = String(i)));
    return controls.length;
  });
  expect(total).toBeGreaterThan(10);
  // Tab from the start of the panel: each control gets the focus (in some order), none is skipped.
  await panel.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.body.tabIndex = -1;
    document.body.focus();
  });
  const reached = new Set<string>();
  for (let i = 0; i < total + 5 && reached.size < total; i++) {
    await devtools.keyboard.press('Tab');
    const k = await panel.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kbd ?? null);
    if (k !== null) reached.add(k);
  }
  const missed = await panel.evaluate(
    (seen) =>
      [...document.querySelectorAll<HTMLElement>('[data-kbd]')]
        .filter((e) => !seen.includes(e.dataset.kbd ?? ''))
        .map((e) => e.outerHTML.slice(0, 80)),
    [...reached],
  );
  expect(missed).toEqual([]);
  // A sort header works from the keyboard.
  await panel.focus('[data-testid=classes-sort-live] button');
  await devtools.keyboard.press('Enter');
  await expect.poll(() => attrs(panel, '[data-testid=classes-sort-live]', 'aria-sort')).toEqual(['descending']);
});

/**
 * Undock DevTools (docked, it shares its window with the inspected page by a split whose
 * DevTools side keeps its own width), then size its window so that the panel's frame is
 * `w` x `h` (the window less DevTools' tab strip).
 */
async function dock(devtools: Page, panel: Frame, w: number, h: number): Promise<void> {
  await devtools.evaluate(async () => {
    const UI = (await import(new URL('ui/legacy/legacy.js', location.href).href)) as {
      DockController: { DockController: { instance(): { setDockSide(side: string): void } } };
    };
    UI.DockController.DockController.instance().setDockSide('undocked');
  });
  // The frame's size after DevTools has laid itself out: the same over two animation frames.
  const settled = async (): Promise<number[]> => {
    let last: number[] = [];
    for (;;) {
      await devtools.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const now = await panel.evaluate(() => [innerWidth, innerHeight]);
      if (now[0] === last[0] && now[1] === last[1]) return now;
      last = now;
    }
  };
  let size = { width: w, height: h };
  for (let i = 0; i < 4; i++) {
    await devtools.setViewport(size);
    const [pw, ph] = (await settled()) as [number, number];
    if (pw === w && ph === h) return;
    size = { width: size.width + (w - pw), height: size.height + (h - ph) };
  }
  throw new Error(`the panel could not be sized ${w}x${h}`);
}

test('docked 500 px wide or 300 px high: no horizontal scrolling, long cells cut with a tooltip, alerts in view', async ({ baseURL }) => {
  const { devtools, panel } = await open(baseURL);
  await expect.poll(() => attrs(panel, `${classRow('PhotonImage')} [data-testid=class-live]`, 'data-value')).toEqual(['70']);
  // 70 images never freed: the background analyzer's alert reaches the panel.
  await panel.waitForSelector('[data-testid=alert], [data-testid=alert-group]');
  const layout = () =>
    panel.evaluate(() => {
      const el = document.documentElement;
      const alert = document.querySelector('[data-testid=alert], [data-testid=alert-group]');
      const frameCell = [...document.querySelectorAll<HTMLElement>('[data-testid=memory-owner]')].find((e) =>
        e.textContent?.includes('a-long-query-string'),
      );
      return {
        width: innerWidth,
        height: innerHeight,
        scrollWidth: el.scrollWidth,
        clientWidth: el.clientWidth,
        alertTop: alert ? alert.getBoundingClientRect().top : -1,
        cut: frameCell ? frameCell.scrollWidth > frameCell.clientWidth : null,
        tooltip: frameCell?.title.includes('a-long-query-string') ?? null,
      };
    });
  for (const [w, h] of [
    [500, 600],
    [900, 300],
  ] as const) {
    await dock(devtools, panel, w, h);
    const l = await layout();
    expect(l.scrollWidth, `${w}x${h}`).toBeLessThanOrEqual(l.clientWidth);
    expect(l.cut, `${w}x${h}: the frame's long URL is cut`).toBe(true);
    expect(l.tooltip).toBe(true);
    // The first alert starts within the panel's visible height (above the fold).
    expect(l.alertTop, `${w}x${h}`).toBeGreaterThanOrEqual(0);
    expect(l.alertTop, `${w}x${h}`).toBeLessThan(l.height - 20);
  }
});
