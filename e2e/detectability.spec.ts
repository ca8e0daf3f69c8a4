/**
 * A site cannot tell the extension is installed by fetching one of its files: nothing is
 * web-accessible (the injected script reads its own source for the workers it instruments,
 * src/injected/core/self-source.ts), and workers are still instrumented.
 */
import { expect, test } from './fixtures';

test('no extension file can be fetched by a page; workers are still instrumented', async ({ page, context, extensionId, openPanel }) => {
  await page.goto('/e2e/pages/blank.html');
  const urls = [`chrome-extension://${extensionId}/src/injected/index.iife.js`, `chrome-extension://${extensionId}/manifest.json`];
  for (const url of urls) {
    const r = await page.evaluate(async (u) => {
      try {
        const res = await fetch(u);
        return `fetched ${res.status}`;
      } catch (e) {
        return `refused: ${(e as Error).name}`;
      }
    }, url);
    expect(r, url).toBe('refused: TypeError');
  }
  const sw = context.serviceWorkers()[0]!;
  expect(await sw.evaluate(() => chrome.runtime.getManifest().web_accessible_resources ?? [])).toEqual([]);

  // a worker's memory is still seen: the worker ran our bundle (its own source) first
  const panel = await openPanel(page);
  await page.evaluate(() => {
    const src = `const m = new WebAssembly.Memory({ initial: 2 }); self.keep = m; postMessage('ok');`;
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    (globalThis as unknown as { keepWorker: Worker }).keepWorker = w;
  });
  await expect(panel.locator('[data-testid=memory-row] [data-testid=memory-current][data-value="131072"]')).toHaveCount(1);
});
