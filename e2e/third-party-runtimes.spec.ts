/**
 * "Never break a page": two large real runtimes must load and work with the extension exactly
 * as without it.
 * - pyodide 314.0.8 (CPython on Emscripten, dynamic linking: it puts wasm exports in its
 *   function table and passes them as imports of side modules);
 * - wasm-vips 0.0.19 (libvips on Emscripten with pthreads: workers, a shared memory, served
 *   cross-origin isolated by scripts/serve.mjs).
 * Each page (e2e/pages/third-party/pyodide.html, vips.html) does real work and reports it as
 * `pageResult`; the result must be identical with and without the extension, with no page
 * errors, and the extension must really have seen the page's WebAssembly (not vacuous).
 * The packages are devDependencies, served from node_modules.
 */
import type { BrowserContext } from '@playwright/test';
import { rmSync } from 'node:fs';
import type { PageEvent } from '../src/shared/protocol';
import { captureInjected, injectedEvents } from './capture';
import { expect, launchBare, test } from './fixtures';

const PAGES = '/e2e/pages/third-party';

interface Run {
  result: unknown;
  pageErrors: string[];
  events: PageEvent[];
}

async function runPage(context: BrowserContext, file: string, timeout: number, withExtension: boolean): Promise<Run> {
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  if (withExtension) await captureInjected(page);
  await page.goto(`${PAGES}/${file}`);
  const captured = async (): Promise<PageEvent[]> => (withExtension ? injectedEvents(page) : []);
  try {
    await page.waitForFunction(() => document.title === 'done', null, { timeout });
  } catch {
    // Say why: what the page threw, and the errors the extension reported.
    const reported = (await captured()).filter((e) => e.t === 'page-error');
    throw new Error(
      `${file} did not finish within ${timeout / 1000} s ${withExtension ? 'with' : 'without'} the extension; pageerror: ${JSON.stringify(pageErrors)}; page-error events: ${JSON.stringify(reported)}`,
    );
  }
  const result = await page.evaluate(() => (globalThis as unknown as { pageResult: unknown }).pageResult);
  const events = await captured();
  await page.close();
  return { result, pageErrors, events };
}

async function withAndWithout(context: BrowserContext, file: string, timeout: number): Promise<{ withExt: Run; without: Run }> {
  const withExt = await runPage(context, file, timeout, true);
  const { context: bare, dir } = await launchBare();
  try {
    return { withExt, without: await runPage(bare, file, timeout, false) };
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The package as the test server serves it (node_modules), at the expected version. */
async function requirePackage(name: string, version: string): Promise<void> {
  const base = test.info().project.use.baseURL ?? 'http://127.0.0.1:4173';
  const res = await fetch(`${base}/node_modules/${name}/package.json`);
  if (!res.ok) throw new Error(`${name} is not installed: add "${name}": "${version}" to devDependencies (npm install)`);
  const got = ((await res.json()) as { version?: unknown }).version;
  expect(got, `${name} version served from node_modules`).toBe(version);
}

test('pyodide 314.0.8 runs Python with the extension exactly as without it', async ({ context }) => {
  test.setTimeout(300_000);
  await requirePackage('pyodide', '314.0.8');
  const { withExt, without } = await withAndWithout(context, 'pyodide.html', 90_000);
  // Not vacuous: natively it works and computes what Python computes.
  expect(without.result).toMatchObject({
    ok: true,
    version: '314.0.8',
    python: { primes: 46, sum: 4227, fib30: 832040, bigint: String(2n ** 200n) },
    fromJs: [0, 2, 4, 6, 8],
  });
  expect(without.pageErrors).toEqual([]);
  // The extension saw pyodide's WebAssembly (its main module and memory)...
  expect(withExt.events.filter((e) => e.t === 'instance').length).toBeGreaterThan(0);
  expect(withExt.events.filter((e) => e.t === 'memory').length).toBeGreaterThan(0);
  // ...and changed nothing: same output, no page errors (in Playwright's view and in ours).
  expect(withExt.result).toEqual(without.result);
  expect(withExt.pageErrors).toEqual([]);
  expect(withExt.events.filter((e) => e.t === 'page-error')).toEqual([]);
});

test('wasm-vips 0.0.19 (pthreads, cross-origin isolated) resizes an image with the extension exactly as without it', async ({
  context,
}) => {
  test.setTimeout(300_000);
  await requirePackage('wasm-vips', '0.0.19');
  const { withExt, without } = await withAndWithout(context, 'vips.html', 60_000);
  expect(without.result).toMatchObject({
    ok: true,
    crossOriginIsolated: true,
    version: expect.stringMatching(/^8\./),
    source: [320, 200],
    resized: [160, 100, 1],
    decoded: [160, 100],
    pngBytes: true,
  });
  expect(without.pageErrors).toEqual([]);
  expect(withExt.events.filter((e) => e.t === 'memory').length).toBeGreaterThan(0);
  expect(withExt.result).toEqual(without.result);
  expect(withExt.pageErrors).toEqual([]);
  expect(withExt.events.filter((e) => e.t === 'page-error')).toEqual([]);
});
