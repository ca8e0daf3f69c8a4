/**
 * A page that replaces built-ins with functions that throw (issue 16, "page-replaced builtins"):
 * its first script (e2e/pages/hostile/poison.js) turns every method of Array, Map, Set, WeakMap,
 * WeakSet, Promise, JSON, the array/map/set iterators and Function.prototype.call/apply/bind into
 * a tripwire that records its caller's stack and throws "tampered". The page (and its worker,
 * poisoned the same way) then uses WebAssembly every way the extension hooks: sync and async
 * compile/instantiate, streaming, memories grown by JS and in wasm, a Rust module with an
 * allocator, wasm-bindgen-shaped objects.
 *
 * The page's own code never calls a replaced method, so without the extension nothing trips (the
 * control run). With it: no tripwire is hit, the page sees no error, the extension logs no
 * internal failure, and nothing is lost: every memory reaches the panel at its final size, with
 * its growth, and `dropped` stays 0.
 *
 * The page is never evaluated in (Playwright's own main-world helpers would trip): it shows what
 * it saw as text, read through locators, which run in Playwright's isolated world.
 */
import type { BrowserContext, ConsoleMessage, Page } from '@playwright/test';
import { rmSync } from 'node:fs';
import type { GrowEvent, MemoryEvent, PageEvent, RealmEvent, Trace } from '../src/shared/protocol';
import '../e2e/pages/wasm-fixtures.js';
import { expect, launchBare, test } from './fixtures';

const URL_PATH = '/e2e/pages/hostile/builtins.html';

interface Fixtures {
  exportedMemory(o: { name: string; initial: number; maximum?: number; extraExports?: string[] }): Uint8Array;
}
/** The wasm-bindgen-shaped module: a memory and the class's `__wbg_thing_free` export. */
const THING_WASM = (globalThis as unknown as { wasmFixtures: Fixtures }).wasmFixtures.exportedMemory({
  name: 'mem0',
  initial: 1,
  maximum: 16,
  extraExports: ['__wbg_thing_free'],
});

interface PageResult {
  memories: Array<{ label: string; bytes: number }>;
  /** What compileStreaming(a promise) did, in each realm. */
  promiseSource: { window: string; worker: string };
  bindgen: { created: number; freed: number };
}

interface Seen {
  result: PageResult;
  /** "window|worker <name>" per tripwire hit. */
  tripNames: string[];
  /** The same with the stacks of the callers. */
  trips: string;
  errors: string;
  /** Console messages of type error, and any message of the extension's own ([wasm-memory] ...). */
  console: string[];
}

/** Load the hostile page in `context` and collect what it saw (window and worker). */
async function runPage(context: BrowserContext, page: Page): Promise<Seen> {
  await context.route('**/e2e/pages/hostile/thing.wasm', (route) =>
    route.fulfill({ body: Buffer.from(THING_WASM), contentType: 'application/wasm' }),
  );
  const consoleSeen: string[] = [];
  const onConsole = (where: string) => (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.text().includes('[wasm-memory]')) consoleSeen.push(`${where} ${m.type()}: ${m.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('worker', (w) => w.on('console', onConsole('worker')));
  page.on('pageerror', (e) => consoleSeen.push(`pageerror: ${e.message}`));
  await page.goto(URL_PATH);
  const status = page.locator('#status');
  await expect(status).not.toHaveText('loading', { timeout: 30_000 });
  const statusText = (await status.textContent()) ?? '';
  const trips = (await page.locator('#trips').textContent()) ?? '';
  const tripNames = ((await page.locator('#trip-names').textContent()) ?? '').split('\n').filter((l) => l !== '');
  const errors = (await page.locator('#errors').textContent()) ?? '';
  expect(statusText, `the page's own run failed; trips:\n${trips}\nerrors:\n${errors}`).toBe('done');
  const result = JSON.parse((await page.locator('#result').textContent()) ?? '') as PageResult;
  return { result, tripNames, trips, errors, console: consoleSeen };
}

/** Each memory's last known size in the trace (memory event, then grows and samples). */
function finalSizes(events: PageEvent[]): Map<string, { bytes: number; realm: string; grows: number }> {
  const out = new Map<string, { bytes: number; realm: string; grows: number }>();
  for (const e of events) {
    if (e.t === 'memory') out.set(e.key, { bytes: e.bytes, realm: e.key.split(':')[0]!, grows: 0 });
    else if (e.t === 'grow') {
      const m = out.get(e.key);
      if (m) {
        m.bytes = e.toBytes;
        m.grows++;
      }
    } else if (e.t === 'sample') {
      e.keys.forEach((k, i) => {
        const m = out.get(k);
        if (m) m.bytes = e.bytes[i]!;
      });
    }
  }
  return out;
}

/** The panel's trace so far (null until its automation API is up). */
const traceOf = (panel: Page): Promise<Trace | null> =>
  panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel?: { exportTrace(): Trace } }).wasmMemoryPanel?.exportTrace() ?? null);

const PAGE = 65536;
const PROMISE_SOURCE_TRIPS = ['window Promise.prototype.then', 'worker Promise.prototype.then'];
const TAMPERED = 'rejected: Error: tampered: Promise.prototype.then';
/** A stack frame of the extension: its injected bundle, or our blob: copy of it in a worker. */
const OURS = /chrome-extension:|blob:/;

test('a page that makes built-in methods throw: the extension trips nothing, raises nothing and loses nothing', async ({
  context,
  openPanel,
}) => {
  test.setTimeout(90_000);
  // Control: the same page without the extension trips nothing and sees no error.
  const bare = await launchBare();
  let control: Seen;
  try {
    control = await runPage(bare.context, await bare.context.newPage());
  } finally {
    await bare.context.close();
    rmSync(bare.dir, { recursive: true, force: true });
  }
  // Chromium itself calls the page's `then` of a promise given as a streaming source (and so
  // rejects); the page's own code calls nothing replaced.
  expect(control.tripNames, control.trips).toEqual(PROMISE_SOURCE_TRIPS);
  expect(control.result.promiseSource).toEqual({ window: TAMPERED, worker: TAMPERED });
  expect(control.errors).toBe('');
  expect(control.console).toEqual([]);

  const page = await context.newPage();
  const seen = await runPage(context, page);
  // The page saw the same WebAssembly as without the extension.
  expect(seen.result).toEqual(control.result);
  const labels = seen.result.memories.map((m) => m.label);
  expect(labels).toEqual(expect.arrayContaining(['window sync', 'window engine', 'window bindgen', 'worker sync', 'worker engine']));

  const panel = await openPanel(page);
  let trace: Trace | undefined;
  const windowSizes = seen.result.memories.filter((m) => m.label.startsWith('window ')).map((m) => m.bytes);
  const workerSizes = seen.result.memories.filter((m) => m.label.startsWith('worker ')).map((m) => m.bytes);
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  // Every memory at its final size, per realm (the window's and the worker's).
  const sizesByKind = (t: Trace) => {
    const realms = new Map(t.events.filter((e): e is RealmEvent => e.t === 'realm').map((e) => [e.realm, e.kind]));
    const by: Record<string, number[]> = { window: [], worker: [] };
    for (const m of finalSizes(t.events).values()) by[realms.get(m.realm) ?? '?']?.push(m.bytes);
    return { window: sorted(by.window!), worker: sorted(by.worker!) };
  };
  await expect
    .poll(
      async () => {
        trace = (await traceOf(panel)) ?? undefined;
        return trace ? sizesByKind(trace) : null;
      },
      { timeout: 30_000 },
    )
    .toEqual({ window: sorted(windowSizes), worker: sorted(workerSizes) });
  const t = trace!;
  expect(t.dropped).toBe(0);
  expect(t.events.filter((e) => e.t === 'link')).toEqual([]);

  // The growth itself: by JS and inside wasm, in both realms.
  const grows = t.events.filter((e): e is GrowEvent => e.t === 'grow');
  const memories = t.events.filter((e): e is MemoryEvent => e.t === 'memory');
  expect(memories.length).toBe(seen.result.memories.length);
  expect(grows.some((g) => g.via === 'js' && g.toBytes - g.fromBytes === PAGE)).toBe(true);
  expect(grows.some((g) => g.via === 'wasm' && g.toBytes - g.fromBytes === 2 * PAGE)).toBe(true);
  // The allocator's heap, counted inside wasm, in the window and in the worker.
  const heaps = t.events.filter((e) => e.t === 'heap' && e.tracking === 'inside-wasm');
  expect(heaps.length).toBeGreaterThanOrEqual(2);
  expect(t.events.some((e) => e.t === 'alloc')).toBe(true);
  // The wasm-bindgen-shaped class: every object made and every free() counted.
  await expect
    .poll(async () => {
      const tr = await traceOf(panel);
      const b = tr?.events.filter((e) => e.t === 'bindgen' && e.className === 'Thing').pop();
      return b?.t === 'bindgen' ? { created: b.created, freed: b.freed } : null;
    })
    .toEqual(seen.result.bindgen);

  // Nothing of the extension called a replaced method (the page saw the same calls as without
  // it, none from our code), raised an error or failed inside.
  expect(seen.tripNames, seen.trips).toEqual(control.tripNames);
  expect(seen.trips.split('\n').filter((l) => OURS.test(l))).toEqual([]);
  expect(seen.errors).toBe('');
  expect(seen.console).toEqual([]);
  // Still nothing more after the extension's later ticks and flushes (the panel saw them above).
  expect(await page.locator('#trip-names').textContent()).toBe(control.tripNames.join('\n') + '\n');
  expect(await page.locator('#errors').textContent()).toBe('');
});
