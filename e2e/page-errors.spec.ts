/**
 * Page errors (src/injected/core/page-errors.ts): uncaught exceptions, unhandled rejections
 * and failed WebAssembly, from windows and workers, reported as `page-error` events; resource
 * load failures and handled rejections are not; an error flood is capped per realm (100, then a
 * cumulative `skipped` count); and the page sees its own events exactly as without us.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { rmSync } from 'node:fs';
import type { PageErrorEvent } from '../src/shared/protocol';
import { countPageErrors, summarizePageErrors } from '../src/shared/page-errors';
import { captureInjected, injectedEvents } from './capture';
import { expect, launchBare, test } from './fixtures';

const captured = injectedEvents;

async function pageSeen(context: BrowserContext, capture: boolean): Promise<{ page: Page; seen: unknown }> {
  const page = await context.newPage();
  if (capture) await captureInjected(page);
  await page.goto('/e2e/pages/injected/page-errors.html?flood=120');
  await page.waitForFunction(() => document.title === 'done');
  return { page, seen: await page.evaluate(() => (globalThis as unknown as { pageSeen: unknown }).pageSeen) };
}

test('uncaught exceptions, unhandled rejections and worker errors are reported; a flood is capped; the page sees the same', async ({
  context,
}) => {
  const { page, seen } = await pageSeen(context, true);
  // 1 timer error + 1 rejection + 120 microtask errors in the window, 1 error in the worker.
  await expect.poll(async () => countPageErrors(await captured(page))).toBe(123);
  const errors = (await captured(page)).filter((e): e is PageErrorEvent => e.t === 'page-error');
  const windowRealm = (await captured(page)).find((e) => e.t === 'realm' && e.kind === 'window');
  const mine = errors.filter((e) => windowRealm?.t === 'realm' && e.realm === windowRealm.realm);
  expect(mine.filter((e) => e.skipped === undefined)).toHaveLength(100);
  expect(mine.filter((e) => e.skipped !== undefined).at(-1)).toMatchObject({
    kind: 'error',
    message: 'Uncaught TypeError: flood 119',
    skipped: 22,
  });
  expect(mine).toContainEqual(
    expect.objectContaining({
      kind: 'error',
      message: 'Uncaught Error: boom in a timer',
      source: expect.stringMatching(/page-errors\.html\?flood=120:\d+:\d+$/),
    }),
  );
  expect(mine).toContainEqual(
    expect.objectContaining({ kind: 'rejection', message: 'Uncaught (in promise) RangeError: nobody handles this' }),
  );
  const fromWorker = errors.filter((e) => !mine.includes(e));
  expect(fromWorker).toEqual([expect.objectContaining({ kind: 'error', message: 'Uncaught Error: boom in a worker' })]);
  // Not reported: the image that failed to load, the handled rejection.
  expect(errors.some((e) => /no-such-image|handled/.test(e.message))).toBe(false);

  const { context: bare, dir } = await launchBare();
  try {
    const without = await pageSeen(bare, false);
    expect(seen).toEqual(without.seen);
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Needs the WebAssembly hooks to call `wasmFailed` from their rejection callbacks
// (src/injected/core/wasm-hooks.ts, observeFresh's onRejected; see core/page-errors.ts).
test('WebAssembly compilations and instantiations that fail, even when handled, are reported; a later instance in the realm recovers them; the page sees the same', async ({
  context,
}) => {
  const run = async (ctx: BrowserContext, capture: boolean) => {
    const page = await ctx.newPage();
    if (capture) await captureInjected(page);
    await page.goto('/e2e/pages/injected/page-errors-wasm.html');
    await page.waitForFunction(() => document.title === 'done');
    return { page, result: await page.evaluate(() => (globalThis as unknown as { pageResult: Record<string, string> }).pageResult) };
  };
  const withExt = await run(context, true);
  await expect.poll(async () => (await captured(withExt.page)).filter((e) => e.t === 'page-error').length).toBe(4);
  const errors = (await captured(withExt.page)).filter((e): e is PageErrorEvent => e.t === 'page-error');
  // the page then instantiates a module that works: it recovered, so none counts against it
  await expect.poll(async () => summarizePageErrors(await captured(withExt.page))).toMatchObject({ total: 0, recovered: 4 });
  expect(errors.map((e) => [e.kind, e.source])).toEqual([
    ['wasm', 'WebAssembly.compile'],
    ['wasm', 'WebAssembly.instantiate'],
    ['wasm', 'WebAssembly.instantiate'],
    ['wasm', 'WebAssembly.instantiateStreaming'],
  ]);
  const r = withExt.result;
  expect(errors.map((e) => e.message)).toEqual([
    r.compileBad,
    r.instantiateBytesMissingImport,
    r.instantiateModuleMissingImport,
    r.streamingWrongType,
  ]);
  expect(r.works).toBe('ok');
  const { context: bare, dir } = await launchBare();
  try {
    expect(withExt.result).toEqual((await run(bare, false)).result);
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
