/**
 * Panel e2e (panel opened as an extension tab bound to the page's tab): chart, export as a
 * file, import (malformed and good, with the live session recording underneath), marks with
 * a diff, budgets. Data comes from a real page through the whole relay and the real analyzer.
 */
import { readFile } from 'node:fs/promises';
import { TRACE_FORMAT, TRACE_VERSION, type PageEvent, type Trace } from '../src/shared/protocol';
import { parseTrace, serializeTrace } from '../src/shared/trace';
import { expect, test } from './fixtures';
import { middleEllipsis } from '../src/devtools-panel/format';
import { openRelayPanel } from './relay-page';

const PAGE = 65536;
const LONG_OWNER = 'https://imported.test/assets/a_really_long_generated_module_name_bg-0123456789abcdef.wasm';

const setup = openRelayPanel;

function file(name: string, text: string) {
  return { name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') };
}

test('the chart has data and Export downloads the session as a versioned trace file', async ({ context, openPanel, baseURL }) => {
  const { panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  await grow(3);
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(4 * PAGE));
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveText('256 KiB');
  const chart = panel.locator('[data-testid=chart]');
  await expect(chart).toHaveAttribute('data-series', '1');
  await expect.poll(() => chart.getAttribute('data-points').then(Number)).toBeGreaterThanOrEqual(2);
  await expect(chart.locator('canvas')).toHaveCount(1);

  const [download] = await Promise.all([panel.waitForEvent('download'), panel.locator('[data-testid=export-trace]').click()]);
  const port = new URL(baseURL ?? '').port;
  expect(download.suggestedFilename()).toMatch(
    new RegExp(`^wasm-memory-trace-127\\.0\\.0\\.1_${port}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ\\.json$`),
  );
  const parsed = parseTrace(await readFile(await download.path(), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error);
  const trace = parsed.trace;
  expect(trace.format).toBe(TRACE_FORMAT);
  expect(trace.version).toBe(TRACE_VERSION);
  expect(trace.generator).toMatch(/^wasm-memory-panel /);
  expect(trace.page.url).toContain('/e2e/pages/panel/relay.html');
  const samples = trace.events.flatMap((e: PageEvent) => (e.t === 'sample' ? e.bytes : []));
  expect(samples).toContain(PAGE);
  expect(samples).toContain(4 * PAGE);
  expect(trace.omitted).toBeUndefined();
});

test('importing a malformed trace says what is wrong and loses nothing', async ({ context, openPanel, baseURL }) => {
  const { panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  const input = panel.locator('[data-testid=import-trace]');
  const error = panel.locator('[data-testid=import-error]');
  const bad: Trace = {
    format: TRACE_FORMAT,
    version: 1,
    createdAt: '',
    generator: 'test',
    page: { url: 'https://t.test/' },
    dropped: 0,
    events: [
      { t: 'realm', time: 1, realm: 'r', kind: 'window', url: 'https://t.test/' },
      { t: 'memory', time: 2, key: 'r:1', origin: 'export', shared: false, bytes: -1, maxBytes: null, owner: 'x' },
    ],
  };
  await input.setInputFiles(file('bad.json', JSON.stringify(bad)));
  await expect(error).toContainText('bad.json: events[1].bytes: expected a non-negative number, got -1');
  await input.setInputFiles(file('notjson.json', '{"format": "wasm-memory-trace", '));
  await expect(error).toContainText('notjson.json: not valid JSON');
  await input.setInputFiles(file('other.json', JSON.stringify({ traceEvents: [] })));
  await expect(error).toContainText('other.json: format: missing; this is not a WASM Memory trace');
  await input.setInputFiles(file('future.json', JSON.stringify({ ...bad, version: 7 })));
  await expect(error).toContainText(`format version 7, newer than this tool reads (${TRACE_VERSION})`);

  // Nothing lost: still the live view, still recording.
  await expect(panel.locator('[data-testid=import-banner]')).toHaveCount(0);
  await expect(liveRow).toHaveCount(1);
  await grow(1);
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
});

test('a big trace streams in: progress is shown, the panel keeps recording live, and the imported view opens', async ({
  context,
  openPanel,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const { panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  // about 30 MB: 300k samples of 4 memories
  const keys = ['big:1', 'big:2', 'big:3', 'big:4'];
  const events: PageEvent[] = [
    { t: 'realm', time: 1, realm: 'big', kind: 'window', url: 'https://big.test/' },
    ...keys.map((key): PageEvent => ({
      t: 'memory',
      time: 2,
      key,
      origin: 'export',
      shared: false,
      bytes: PAGE,
      maxBytes: null,
      owner: 'https://big.test/e.wasm',
    })),
  ];
  const N = 300_000;
  for (let i = 0; i < N; i++) events.push({ t: 'sample', time: 3 + i, keys, bytes: [PAGE, PAGE, PAGE, PAGE + (i % 16) * PAGE] });
  const big: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    createdAt: '',
    generator: 'test',
    page: { url: 'https://big.test/' },
    dropped: 0,
    events,
  };
  const text = serializeTrace(big);
  expect(text.length).toBeGreaterThan(25 * 1024 * 1024);
  await panel.locator('[data-testid=import-trace]').setInputFiles(file('big.json', text));
  // the file is read in slices: the panel shows how far it is, and the input waits its turn
  await expect(panel.getByTestId('import-progress')).toContainText('Reading big.json…');
  await expect(panel.locator('[data-testid=import-trace]')).toBeDisabled();
  const banner = panel.locator('[data-testid=import-banner]');
  await expect(banner).toContainText('big.json', { timeout: 90_000 });
  await expect(banner).toContainText(`${(N + 5).toLocaleString('en-US')} events`);
  await expect(panel.getByTestId('import-progress')).toHaveCount(0);
  await expect(panel.locator('[data-testid=memory-row][data-key="big:4"] [data-testid=memory-peak]')).toHaveAttribute(
    'data-value',
    String(16 * PAGE),
  );
  // live kept recording underneath. (Once in CI the click right after a big import was not
  // taken, with the panel busy drawing it; the click is repeated until the banner goes.)
  await expect(async () => {
    if (await banner.count()) await panel.getByTestId('back-to-live').click({ timeout: 2000 });
    await expect(banner).toHaveCount(0, { timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  await grow(1);
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));
});

test('importing a good trace shows its data, labelled, while live keeps recording; then back to live', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const { panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  const liveKey = await liveRow.getAttribute('data-key');
  const t0 = 1_763_000_000_000;
  const good: Trace = {
    format: TRACE_FORMAT,
    version: 1,
    createdAt: '2026-11-22T00:00:00.000Z',
    generator: 'test',
    page: { url: 'https://imported.test/app' },
    dropped: 0,
    events: [
      { t: 'realm', time: t0, realm: 'imp', kind: 'window', url: 'https://imported.test/app' },
      {
        t: 'memory',
        time: t0 + 1,
        key: 'imp:1',
        origin: 'export',
        shared: false,
        bytes: 16 * PAGE,
        maxBytes: null,
        owner: 'https://imported.test/engine.wasm',
      },
      { t: 'sample', time: t0 + 100, keys: ['imp:1'], bytes: [16 * PAGE] },
      { t: 'grow', time: t0 + 150, key: 'imp:1', fromBytes: 16 * PAGE, toBytes: 80 * PAGE, via: 'wasm' },
      { t: 'sample', time: t0 + 200, keys: ['imp:1'], bytes: [80 * PAGE] },
      { t: 'memory', time: t0 + 250, key: 'imp:2', origin: 'export', shared: false, bytes: 2 * PAGE, maxBytes: null, owner: LONG_OWNER },
      // imp:3 is smaller now than at its peak: the Current and Peak columns must differ.
      {
        t: 'memory',
        time: t0 + 260,
        key: 'imp:3',
        origin: 'export',
        shared: false,
        bytes: 8 * PAGE,
        maxBytes: null,
        owner: 'https://imported.test/shrunk.wasm',
      },
      { t: 'sample', time: t0 + 300, keys: ['imp:1', 'imp:2', 'imp:3'], bytes: [80 * PAGE, 2 * PAGE, 3 * PAGE] },
    ],
  };
  // Keyboard only: Tab reaches "Import trace…", Enter opens the file chooser.
  const importButton = panel.getByTestId('import-trace-button');
  for (let i = 0; i < 60 && !(await importButton.evaluate((b) => b === document.activeElement)); i++) await panel.keyboard.press('Tab');
  await expect(importButton).toBeFocused();
  const [chooser] = await Promise.all([panel.waitForEvent('filechooser'), importButton.press('Enter')]);
  await chooser.setFiles(file('good.json', serializeTrace(good)));
  const banner = panel.locator('[data-testid=import-banner]');
  await expect(banner).toContainText('good.json');
  await expect(banner).toContainText('https://imported.test/app');
  const imported = panel.locator('[data-testid=memory-row][data-key="imp:1"]');
  await expect(imported.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(80 * PAGE));
  // Named by its module file, numbered per file; the key is in the tooltip.
  await expect(imported.getByTestId('memory-name')).toHaveText('engine.wasm #1');
  await expect(imported.getByTestId('memory-name')).toHaveAttribute('title', /^imp:1\n/);
  await expect(imported.locator('[data-testid=memory-current]')).toHaveText('5 MiB');
  await expect(imported.locator('[data-testid=memory-owner]')).toHaveText('https://imported.test/engine.wasm');
  const shrunk = panel.locator('[data-testid=memory-row][data-key="imp:3"]');
  await expect(shrunk.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(3 * PAGE));
  await expect(shrunk.locator('[data-testid=memory-current]')).toHaveText('192 KiB');
  await expect(shrunk.locator('[data-testid=memory-peak]')).toHaveAttribute('data-value', String(8 * PAGE));
  await expect(shrunk.locator('[data-testid=memory-peak]')).toHaveText('512 KiB');
  await expect(panel.locator(`[data-testid=memory-row][data-key="${liveKey}"]`)).toHaveCount(0);
  // The chart legend: memories by name (a long one shortened in the middle), the owner and key
  // in the tooltip, and a Total for 2+ memories.
  const legend = panel.locator('[data-testid=chart] .u-legend');
  await expect(legend.locator(`span[title$="${LONG_OWNER} (imp:2)"]`)).toHaveText(
    middleEllipsis('a_really_long_generated_module_name_bg-0123456789abcdef.wasm #1', 40),
  );
  await expect(legend.locator('span[title$="https://imported.test/engine.wasm (imp:1)"]')).toHaveText('engine.wasm #1');
  await expect(legend.locator('span[title$="https://imported.test/engine.wasm (imp:1)"]')).toHaveAttribute(
    'title',
    'engine.wasm #1\nhttps://imported.test/engine.wasm (imp:1)',
  );
  await expect(legend.locator('.u-series.total-series')).toContainText('Total');

  // Live keeps recording underneath.
  await grow(2);
  await expect
    .poll(() =>
      panel.evaluate(
        () =>
          (
            globalThis as unknown as { wasmMemoryPanel: { report(): { memories: Array<{ currentBytes: number }> } } }
          ).wasmMemoryPanel.report().memories[0]?.currentBytes,
      ),
    )
    .toBe(3 * PAGE);

  await panel.locator('[data-testid=back-to-live]').click();
  await expect(banner).toHaveCount(0);
  await expect(panel.locator('[data-testid=memory-row][data-key="imp:1"]')).toHaveCount(0);
  await expect(panel.locator(`[data-testid=memory-row][data-key="${liveKey}"] [data-testid=memory-current]`)).toHaveAttribute(
    'data-value',
    String(3 * PAGE),
  );
});

test('two marks around a growth give a diff', async ({ context, openPanel, baseURL }) => {
  const { panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  const key = await liveRow.getAttribute('data-key');
  await panel.locator('[data-testid=mark-label]').fill('before');
  await panel.locator('[data-testid=add-mark]').click();
  await expect(panel.locator('[data-testid=mark]')).toHaveCount(1);
  await grow(5);
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(6 * PAGE));
  await panel.locator('[data-testid=mark-label]').fill('after');
  await panel.locator('[data-testid=add-mark]').click();
  await expect(panel.locator('[data-testid=mark]')).toHaveCount(2);
  await expect(panel.locator('[data-testid=mark]').nth(1)).toContainText('after');
  const row = panel.locator(`[data-testid=diff-memory][data-key="${key}"]`);
  await expect(row).toHaveAttribute('data-value', String(5 * PAGE));
  await expect(row).toContainText('+320 KiB');
});

test('a budget set in the panel configures the analyzer and raises a budget alert', async ({ context, openPanel, baseURL }) => {
  const { page, panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  await panel.locator('[data-testid=budget-page]').fill('256 KiB');
  await panel.locator('[data-testid=budget-apply]').click();
  await grow(3); // 4 pages = 256 KiB: 100% of the budget
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(4 * PAGE));
  const alert = panel.locator('[data-testid=alert][data-kind=budget]');
  await expect(alert.first()).toBeVisible();
  await expect(alert.first()).toHaveAttribute('data-state', 'active');
  await expect(alert.first()).toHaveAttribute('data-subject', 'page');
  // One line per alert: the details are collapsed until the title is clicked, and stay open
  // while the panel keeps updating.
  const detail = alert.first().locator('[data-testid=alert-detail]');
  await expect(detail).toBeHidden();
  await alert.first().locator('[data-testid=alert-title]').click();
  await expect(detail).toBeVisible();

  // A roomier budget: the finding is resolved, shown greyed, not removed.
  await panel.locator('[data-testid=budget-page]').fill('64 MiB');
  await panel.locator('[data-testid=budget-apply]').click();
  await grow(1); // something new to analyse
  await expect(alert.first()).toHaveAttribute('data-state', 'resolved');
  await expect(alert.first()).toHaveCSS('opacity', '0.5');
  await expect(detail).toBeVisible(); // re-rendered as resolved, still open

  // The settings persist: a panel opened later starts with them.
  const again = await openPanel(page);
  await expect(again.locator('[data-testid=budget-page]')).toHaveValue('64 MiB');
});

test('classes and registries tables (from an imported trace): counts, live stacks on expand, text only', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const { panel } = await setup(context, openPanel, baseURL);
  const t0 = 1_763_000_000_000;
  const stack = 'Error\n    at new Doc (https://app.test/pkg/app.js:10:5)\n    at <script>alert(1)</script>';
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: 1,
    createdAt: '',
    generator: 'test',
    page: { url: 'https://app.test/' },
    dropped: 0,
    events: [
      { t: 'realm', time: t0, realm: 'a', kind: 'window', url: 'https://app.test/' },
      {
        t: 'bindgen',
        time: t0 + 10,
        module: null,
        className: 'Doc',
        created: 10,
        freed: 4,
        reclaimed: 2,
        live: 4,
        liveStacks: [{ stack, count: 4 }],
      },
      { t: 'bindgen', time: t0 + 20, module: null, className: 'Cursor', created: 3, freed: 3, reclaimed: 0, live: 0 },
      { t: 'registry', time: t0 + 30, name: 'documents', stats: { open: 5, bytes: 3 * 1024 * 1024 } },
    ],
  };
  await panel.locator('[data-testid=import-trace]').setInputFiles(file('classes.json', serializeTrace(trace)));
  await expect(panel.locator('[data-testid=import-banner]')).toBeVisible();
  const doc = panel.locator('[data-testid=class-row][data-class=Doc]');
  await expect(doc.locator('[data-testid=class-created]')).toHaveAttribute('data-value', '10');
  await expect(doc.locator('[data-testid=class-freed]')).toHaveAttribute('data-value', '4');
  await expect(doc.locator('[data-testid=class-reclaimed]')).toHaveAttribute('data-value', '2');
  await expect(doc.locator('[data-testid=class-live]')).toHaveAttribute('data-value', '4');
  await expect(panel.locator('[data-testid=class-row][data-class=Cursor] [data-testid=class-live]')).toHaveAttribute('data-value', '0');
  const stackEl = doc.locator('[data-testid=class-stack]');
  await expect(stackEl).toBeHidden();
  await doc.locator('summary').click();
  await expect(stackEl).toBeVisible();
  await expect(stackEl.locator('pre')).toHaveText(stack);
  await expect(panel.locator('script')).toHaveCount(1); // the panel's own module script only
  const reg = panel.locator('[data-testid=registry-row][data-name=documents]');
  await expect(reg.locator('[data-testid=registry-field][data-field=open]')).toHaveAttribute('data-value', '5');
  await expect(reg.locator('[data-testid=registry-field][data-field=bytes]')).toHaveText('bytes: 3 MiB');
});

test('the inspected tab closes: the panel says so and keeps what was recorded for export', async ({ context, openPanel, baseURL }) => {
  const { page, panel, liveRow, grow } = await setup(context, openPanel, baseURL);
  await grow(1);
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));
  await page.close();
  const status = panel.locator('[data-testid=status]');
  await expect(status).toHaveAttribute('data-state', 'closed');
  await expect(status).toContainText('Tab closed');
  await expect(liveRow.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(2 * PAGE));
  const [download] = await Promise.all([panel.waitForEvent('download'), panel.locator('[data-testid=export-trace]').click()]);
  const parsed = parseTrace(await readFile(await download.path(), 'utf8'));
  expect(parsed.ok && parsed.trace.events.some((e) => e.t === 'sample' && e.bytes.includes(2 * PAGE))).toBe(true);
});
