/**
 * Transparency: the conformance page's observations (names, lengths, descriptors, toString,
 * instanceof, subclassing, thrown errors with their stacks, promise ordering, FinalizationRegistry
 * and Worker behaviour, globals) must be identical with and without the extension.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext } from '@playwright/test';
import { expect, launchBare, test } from './fixtures';

// Counts the core's connect messages without changing anything the battery observes.
const CONNECT_COUNTER = `(() => {
  let n = 0;
  addEventListener('message', (ev) => { if (ev.data && ev.data.source === 'wasm-memory-injected' && ev.data.kind === 'connect') n++; });
  Object.defineProperty(Function.prototype, '__connectsSeen', { get: () => n, configurable: true });
})();`;

async function observe(context: BrowserContext, query = ''): Promise<{ obs: unknown; connects: number; registerSwapped: unknown }> {
  await context.addInitScript(CONNECT_COUNTER);
  const page = await context.newPage();
  await page.goto(`/e2e/pages/conformance/index.html${query}`);
  const obs = await page.evaluate(() => (window as unknown as { runConformance(): Promise<unknown> }).runConformance());
  const connects = await page.evaluate(() => (Function.prototype as unknown as { __connectsSeen: number }).__connectsSeen);
  const registerSwapped = await page.evaluate(() => (window as unknown as { __registerSwapped?: boolean }).__registerSwapped);
  await page.close();
  return { obs, connects, registerSwapped };
}

test('WebAssembly, FinalizationRegistry and Worker behave the same with and without the extension', async ({ context }) => {
  test.setTimeout(120_000);
  const withExt = await observe(context);
  const { context: bare, dir } = await launchBare();
  let without: { obs: unknown; connects: number; registerSwapped: unknown };
  try {
    without = await observe(bare);
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // Not vacuous: the hooks were really installed in the extension run, and not in the bare one.
  expect(withExt.connects).toBeGreaterThan(0);
  expect(without.connects).toBe(0);
  // The wasm-bindgen-shaped registry made the trackers hook register() in the extension run only.
  expect(withExt.registerSwapped).toBe(true);
  expect(without.registerSwapped).toBe(false);
  expect(withExt.obs).toEqual(without.obs);
  // And the battery really exercised what it claims (both runs are equal, so check one).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON of observations, checked field by field
  const o = without.obs as Record<string, any>;
  expect(o.functions.Memory.toString).toBe('function Memory() { [native code] }');
  expect(o.exportsGetter).toMatchObject({ name: 'get exports', length: 0, toString: 'function get exports() { [native code] }' });
  expect(o.grow).toMatchObject({ name: 'grow', length: 1, hasPrototype: false, isConstructor: false });
  expect(o.memory.withoutNew.error).toMatchObject({ name: 'TypeError', isTypeError: true });
  expect(o.growJs.beyondMax.error).toMatchObject({ name: 'RangeError' });
  expect(o.ordering.module).toEqual(expect.arrayContaining(['mod:then1', 'mod:then2', 'mod:await', 'm1', 'm2', 'm3', 'qm']));
  expect(o.ordering.bad).toContain('bad:reject1:CompileError');
  expect(o.promises.streaming.ok.instance.instance).toContain('mem0');
  expect(o.workerRun.data).toMatchObject({
    fixtures: 'object',
    fetched: 'hello from worker-data',
    grew: 2,
    firstMessages: ['first', 'go'],
    portsOnFirst: 0,
  });
  expect(o.moduleWorker).toEqual({
    seen: ['early', 'report'],
    fixtures: 'object',
    metaUrl: '/e2e/pages/conformance/module-worker.mjs',
    location: '/e2e/pages/conformance/module-worker.mjs',
    locationIsMeta: true,
  });
  expect(o.workerRun.data.location.values.pathname).toBe('/e2e/pages/conformance/worker.js');
  expect(o.workerRun.data.location.resolved).toMatch(/\/e2e\/pages\/conformance\/worker-data\.txt$/);
  expect(o.workerRun.data.location.request).toBe(o.workerRun.data.location.resolved);
  expect(o.workerRun.data.location.eventSource).toBe(o.workerRun.data.location.resolved);
  expect(o.workerRun.data.location.webSocket).toMatch(/^ws:\/\/.*\/e2e\/pages\/conformance\/no-socket-here$/);
  expect(o.workerRun.data.fetchedFromScriptDirectory).toBe('hello from worker-data');
  expect(o.workerSubclass).toEqual([true, true, 'object']);
  expect(o.frame.crossToString[0]).toBe('function Memory() { [native code] }');
  expect(o.frame.memory.ok).toBe(65536);
  expect(o.patchedGlobals).toEqual({ then: 0, weakMapSet: 0, prepare: 0, push: 0 });
  expect(o.finalizationBindgen.register).toMatchObject({
    name: 'register',
    length: 2,
    hasPrototype: false,
    isConstructor: false,
    toString: 'function register() { [native code] }',
  });
  expect(o.finalizationBindgen.ok.ok).toEqual([null, null, null, true, false].map((v) => (v === null ? undefined : v)));
  for (const k of ['primitive', 'same', 'badToken', 'wrongThis', 'noArgs', 'notConstructor'])
    expect(o.finalizationBindgen[k].error).toMatchObject({ isTypeError: true });
  expect(o.finalizationBindgen.unregister).toMatchObject({
    name: 'unregister',
    length: 1,
    hasPrototype: false,
    isConstructor: false,
    toString: 'function unregister() { [native code] }',
  });
  expect(o.finalizationBindgen.unregisterResults.ok).toEqual([true, false, false]);
  expect(o.finalizationBindgen.unregisterViaReflect.ok).toBe(true);
  for (const k of ['unregisterPrimitive', 'unregisterNoArgs', 'unregisterWrongThis', 'unregisterNotConstructor'])
    expect(o.finalizationBindgen[k].error).toMatchObject({ isTypeError: true });
});

async function observeBoth(context: BrowserContext, query: string) {
  const withExt = await observe(context, query);
  const { context: bare, dir } = await launchBare();
  try {
    return { withExt, without: await observe(bare, query) };
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The trackers (src/injected/trackers) replace the exports of wasm-bindgen and Emscripten-like
// modules with wrapped functions, built with `wrap(original, { apply })` from
// src/injected/core/transparent.ts (a Proxy of the original: name, length, no prototype, not a
// constructor, masked toString). This compares them with the exports they replace.
test("trackers' replacement exports look like the wasm exports they replace", async ({ context }) => {
  test.setTimeout(120_000);
  const { withExt, without } = await observeBoth(context, '?trackers=1');
  expect(withExt.connects).toBeGreaterThan(0);
  const pick = (o: unknown) => (o as { replaceableExports: unknown }).replaceableExports;
  expect(pick(without.obs)).toBeTruthy();
  expect(pick(withExt.obs)).toEqual(pick(without.obs));
});

/** Paths (three levels: module.path, export, role) whose observations differ between a and b. */
function differingChecks(a: unknown, b: unknown, path: string[] = []): string[] {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (path.length >= 3 || !isObj(a) || !isObj(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path.join(' ')];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => differingChecks(a[k], b[k], [...path, k]));
}

// Wasm exported functions as values: in tables (set, grow, get identity), as imports of another
// module (signature checked at link time, re-exported as the same function), and as what
// `ref.func` and element segments produce; for exports named like allocator, free and
// constructor exports (malloc, free, __wbg_foo_free with one and two parameters, foo_new), and
// the 69-byte module that exports only memory, malloc and free, whose malloc goes into a table
// (e2e/pages/conformance/tables.js). A JS stand-in for an export fails these.
test('wasm exports in tables, as imports and from ref.func are the same with and without the extension', async ({ context }) => {
  test.setTimeout(120_000);
  const run = async (ctx: BrowserContext) => {
    await ctx.addInitScript(CONNECT_COUNTER);
    const page = await ctx.newPage();
    await page.goto('/e2e/pages/conformance/tables.html');
    const obs = await page.evaluate(() =>
      (window as unknown as { runTableConformance(): Promise<Record<string, unknown>> }).runTableConformance(),
    );
    const connects = await page.evaluate(() => (Function.prototype as unknown as { __connectsSeen: number }).__connectsSeen);
    await page.close();
    return { obs, connects };
  };
  const withExt = await run(context);
  const { context: bare, dir } = await launchBare();
  let without: Awaited<ReturnType<typeof run>>;
  try {
    without = await run(bare);
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(withExt.connects).toBeGreaterThan(0);
  expect(without.connects).toBe(0);
  // Not vacuous: natively every role works and identities hold.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON of observations, checked field by field
  const o = without.obs as Record<string, any>;
  expect(o.seventyBytes).toMatchObject({ Instance: { set: { ok: 'undefined' }, same: { ok: true }, callFromTable: { ok: 16 } } });
  expect(o['emscripten.Instance'].malloc).toMatchObject({
    tableGet: { ok: true },
    refFunc: { ok: true },
    tableSetGet: { ok: true },
    asImport: { ok: { reexportIsSame: true, callThrough: 16 } },
    asImportWrongSignature: { error: { isLink: true } },
  });
  // First the list of checks that differ (module.path export role), then the full comparison.
  expect(differingChecks(withExt.obs, without.obs)).toEqual([]);
  expect(withExt.obs).toEqual(without.obs);
});
