/**
 * Per-site instrumentation (options "Sites", the popup's switch): where a site is off, nothing of
 * the extension runs in its pages — the MAIN-world hook posts no handshake and the page's memory
 * reaches no analyzer; turned on again from the popup, a reload records it. Real extension, real
 * chrome.scripting registrations.
 */
import type { BrowserContext, Page, Worker } from '@playwright/test';
import { expect, serviceWorkerOf, tabIdOf, test } from './fixtures';

const PROBE = '/e2e/pages/sites/probe.html';

/** Handshake messages of the extension's page side seen by the page, once its load is over. */
async function handshakes(page: Page): Promise<number> {
  await page.waitForFunction(() => document.title === 'done');
  return page.evaluate(() => (window as unknown as { seen: number }).seen);
}

/** The matches / excludeMatches (sorted) Chrome has registered for the MAIN-world hook. */
async function mainWorldRegistration(sw: Worker): Promise<{ matches: string[]; exclude: string[] } | null> {
  return sw.evaluate(async () => {
    const r = (await chrome.scripting.getRegisteredContentScripts()).find((s) => s.world === 'MAIN');
    return r ? { matches: r.matches ?? [], exclude: [...(r.excludeMatches ?? [])].sort() } : null;
  });
}

async function memoriesSeen(context: BrowserContext, tabId: number): Promise<number | null> {
  const sw = await serviceWorkerOf(context);
  return sw.evaluate(async (id) => {
    const key = `wasmMemory.tab.${id}`;
    const s = (await chrome.storage.session.get(key))[key] as { memories: number } | undefined;
    return s ? s.memories : null;
  }, tabId);
}

test('every site is instrumented by default, and the popup says so', async ({ context, page, extensionId }) => {
  expect(await mainWorldRegistration(await serviceWorkerOf(context))).toEqual({ matches: ['<all_urls>'], exclude: [] });
  await page.goto(PROBE);
  expect(await handshakes(page)).toBeGreaterThan(0);
  const tabId = await tabIdOf(context, page);
  await expect.poll(() => memoriesSeen(context, tabId)).toBe(1);
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extensionId}/src/popup/popup.html?tabId=${tabId}`);
  await expect(popup.getByTestId('popup-site')).toHaveAttribute('data-on', 'true');
  await expect(popup.getByTestId('popup-site')).toContainText('Recording WebAssembly on 127.0.0.1');
});

test('a site turned off in the options runs nothing of the extension; the popup turns it back on for the next load', async ({
  context,
  page,
  extensionId,
}) => {
  const sw = await serviceWorkerOf(context);
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/src/options/options.html`);
  await options.getByTestId('opt-sites-except').check();
  // a wrong line is refused with its number, and nothing is saved
  await options.getByTestId('opt-sites').fill('example.org\nlocalhost:8080');
  await options.getByTestId('opt-save').click();
  await expect(options.getByTestId('opt-msg')).toHaveText(/^Sites, line 2: .*every port/);
  expect((await mainWorldRegistration(sw))?.exclude).toEqual([]);
  await options.getByTestId('opt-sites').fill('127.0.0.1\n*.example.org');
  await options.getByTestId('opt-save').click();
  await expect(options.getByTestId('opt-msg')).toHaveText('Saved.');
  await expect
    .poll(() => mainWorldRegistration(sw))
    .toEqual({ matches: ['<all_urls>'], exclude: ['*://*.example.org/*', '*://127.0.0.1/*'] });

  await page.goto(PROBE);
  expect(await handshakes(page)).toBe(0);
  const tabId = await tabIdOf(context, page);
  // the relay is not there either: nothing in the tab answers the extension
  const answered = await sw.evaluate(
    (id) =>
      chrome.tabs.sendMessage(id, { kind: 'probe' }).then(
        () => true,
        () => false,
      ),
    tabId,
  );
  expect(answered).toBe(false);

  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extensionId}/src/popup/popup.html?tabId=${tabId}`);
  await expect(popup.getByTestId('popup-site')).toHaveAttribute('data-on', 'false');
  await popup.getByTestId('popup-site-toggle').click();
  await expect(popup.getByTestId('popup-site')).toHaveAttribute('data-on', 'true');
  await expect.poll(() => mainWorldRegistration(sw)).toEqual({ matches: ['<all_urls>'], exclude: ['*://*.example.org/*'] });
  await popup.getByTestId('popup-site-reload').click();
  await page.waitForFunction(() => document.title === 'done' && (window as unknown as { seen: number }).seen > 0);
  await expect.poll(() => memoriesSeen(context, tabId)).toBe(1);
});
