/**
 * Frames e2e (issue 16, "frames not seen"): a WebAssembly memory in each kind of frame a page
 * can make, with the built extension in Chromium. Each kind either has its memory in the panel's
 * record, attributed to a `frame` realm with the frame's URL, or is listed by the panel as not
 * visible. See e2e/pages/frames/kinds.html for the page.
 */
import type { Page } from '@playwright/test';
import type { PageEvent, Trace } from '../src/shared/protocol';
import { expect, test } from './fixtures';

const PAGE = 65536;

/** Memory size (pages) of each frame of kinds.html, and the URL its realm must report. */
const INSTRUMENTED: Array<{ kind: string; pages: number; url: RegExp }> = [
  { kind: 'data: iframe', pages: 2, url: /^data:text\/html,/ },
  { kind: 'blob: iframe', pages: 3, url: /^blob:http:\/\/127\.0\.0\.1:\d+\// },
  { kind: 'sandboxed srcdoc (allow-scripts only: opaque origin)', pages: 4, url: /^about:srcdoc$/ },
  { kind: 'sandboxed srcdoc with allow-same-origin', pages: 5, url: /^about:srcdoc$/ },
  { kind: 'srcdoc', pages: 6, url: /^about:srcdoc$/ },
  { kind: "about:blank used by its parent's script at once", pages: 8, url: /^about:blank$/ },
];
/** The about:blank frame its parent document.open()s and writes while parsing. */
const WRITTEN_PAGES = 7;

type PanelGlobal = { wasmMemoryPanel: { exportTrace(): Trace } };
const exportTrace = (panel: Page) => panel.evaluate(() => (globalThis as unknown as PanelGlobal).wasmMemoryPanel.exportTrace());

test('each kind of frame is instrumented (its memory in a frame realm) or listed as not visible', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/frames/kinds.html`);
  // every frame's script ran (the page works as without the extension)
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { pagesSeen: number[] }).pagesSeen.slice().sort()))
    .toEqual([2, 3, 4, 5, 6, 7]);
  const panel = await openPanel(page);

  const rows = panel.locator('[data-testid=memory-row]');
  await expect(rows).toHaveCount(INSTRUMENTED.length);
  const currents = await rows
    .locator('[data-testid=memory-current]')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value')) / 65536).sort((a, b) => a - b));
  expect(currents).toEqual(INSTRUMENTED.map((k) => k.pages).sort((a, b) => a - b));

  // The written frame is listed as not visible (its page side never connected), as text.
  const notVisible = panel.getByTestId('not-visible');
  await expect(notVisible).toHaveText('not visible: about:blank frame');
  await expect(notVisible).toHaveAttribute('data-value', '1');
  expect(await notVisible.evaluate((el) => el.childElementCount)).toBe(0);

  const trace = await exportTrace(panel);
  const realms = new Map<string, { kind: string; url: string }>();
  for (const e of trace.events) if (e.t === 'realm') realms.set(e.realm, { kind: e.kind, url: e.url });
  const memories = trace.events.filter((e): e is Extract<PageEvent, { t: 'memory' }> => e.t === 'memory');
  for (const k of INSTRUMENTED) {
    const m = memories.filter((e) => e.bytes === k.pages * PAGE);
    expect(m, k.kind).toHaveLength(1);
    const realm = realms.get(m[0]!.key.slice(0, m[0]!.key.lastIndexOf(':')));
    expect(realm?.kind, k.kind).toBe('frame');
    expect(realm?.url, k.kind).toMatch(k.url);
  }
  expect(memories.some((e) => e.bytes === WRITTEN_PAGES * PAGE)).toBe(false);
  const unreachable = trace.events.filter((e) => e.t === 'link' && e.state === 'unreachable');
  expect(unreachable).toEqual([expect.objectContaining({ t: 'link', state: 'unreachable', url: 'about:blank', frame: true })]);
});
