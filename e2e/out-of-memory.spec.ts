/**
 * Out of memory, end to end (built extension, real wasm, the panel as a tab): a memory's
 * headroom against its declared maximum is judged with no configuration, level by level; a grow
 * that fails (from JS, in a retry ladder, or inside wasm where the allocator returns NULL) is an
 * `out-of-memory` incident with its attempts, limit and stack; the demo engine linked with a
 * 4 MiB maximum runs out of memory and the panel shows it.
 */
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { JsonReport } from '../src/cli/report';
import type { Alert, Report } from '../src/shared/analyzer-api';
import { expect, test } from './fixtures';
import { runCli } from './cli-run';

const PAGE = 65536;

interface PanelApi {
  report(): Report;
}

function report(panel: Page): Promise<Report> {
  return panel.evaluate(() => (globalThis as unknown as { wasmMemoryPanel: PanelApi }).wasmMemoryPanel.report());
}

async function alertsOf(panel: Page, kind: Alert['kind']): Promise<Alert[]> {
  return (await report(panel)).alerts.filter((a) => a.kind === kind);
}

/** The level in a headroom title, "Memory k past 75% of its limit (...)" -> 75. */
function levelOf(title: string): number {
  const m = / past (\d+)% of its limit /.exec(title);
  return m ? Number(m[1]) : NaN;
}

test('a memory growing toward its declared maximum raises each headroom level once, in order', async ({ context, openPanel, baseURL }) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/oom/limits.html`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
  const row = panel.locator('[data-testid=memory-row]');
  await expect(row).toHaveCount(1);
  // The maximum comes from the module's bytes; the bar starts at 10 %.
  await expect(row.locator('[data-testid=memory-headroom]')).toHaveAttribute('data-limit', String(100 * PAGE));
  expect(await alertsOf(panel, 'memory-headroom')).toEqual([]);

  const seen: Array<{ level: number; severity: string }> = [];
  let raisedAt: number | null = null;
  const steps: Array<[pages: number, level: number, severity: string]> = [
    [50, 0, ''],
    [61, 60, 'info'],
    [70, 60, 'info'],
    [76, 75, 'warning'],
    [86, 85, 'warning'],
    [96, 95, 'error'],
    [99, 95, 'error'],
  ];
  for (const [pages, level, severity] of steps) {
    await page.evaluate((p) => (window as unknown as { growTo(p: number): number }).growTo(p), pages);
    await expect(row.locator('[data-testid=memory-current]')).toHaveAttribute('data-value', String(pages * PAGE));
    if (level === 0) {
      expect(await alertsOf(panel, 'memory-headroom')).toEqual([]);
      continue;
    }
    await expect
      .poll(async () => (await alertsOf(panel, 'memory-headroom')).map((a) => [levelOf(a.title), a.severity, a.state]))
      .toEqual([[level, severity, 'active']]);
    const [alert] = await alertsOf(panel, 'memory-headroom');
    raisedAt ??= alert!.raisedAt;
    expect(alert!.raisedAt).toBe(raisedAt); // one alert, raised once, updated level by level
    if (seen.at(-1)?.level !== level) seen.push({ level, severity });
  }
  expect(seen).toEqual([
    { level: 60, severity: 'info' },
    { level: 75, severity: 'warning' },
    { level: 85, severity: 'warning' },
    { level: 95, severity: 'error' },
  ]);
  const bar = row.locator('[data-testid=memory-headroom]');
  await expect(bar).toHaveAttribute('data-level', 'error');
  await expect(bar).toContainText('99% of 6.25 MiB');
  const [mem] = (await report(panel)).memories;
  expect([mem?.maxBytes, mem?.limitBytes]).toEqual([100 * PAGE, 100 * PAGE]);
});

test('a grow that fails from JS, alone or in a retry ladder, is one out-of-memory incident with its details', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/e2e/pages/oom/limits.html`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');

  // The page gets the engine's own error, unchanged.
  const caught = await page.evaluate(() => (window as unknown as { growPastTheMaximum(): string }).growPastTheMaximum());
  expect(caught).toBe('RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded');
  const single = panel.locator('[data-testid=alert][data-kind=out-of-memory]');
  await expect(single).toHaveCount(1);
  await expect(single).toHaveAttribute('data-severity', 'error');
  await expect(single.locator('[data-testid=alert-title]')).toContainText('Grow by 640 KiB failed at 6 MiB (limit 6.25 MiB)');
  const [first] = await alertsOf(panel, 'out-of-memory');
  expect(first?.incident).toMatchObject({
    limitBytes: 100 * PAGE,
    maxBytes: 100 * PAGE,
    browserRefused: false,
    attempts: [{ via: 'js', requestedBytes: 10 * PAGE, committedBytes: 96 * PAGE }],
  });
  expect(first?.incident?.stack).toContain('growPastTheMaximum');

  // The ladder: four attempts in a few milliseconds, one incident.
  const ladder = await page.evaluate(() =>
    (window as unknown as { resizeHeapLadder(): { ok: boolean; tried: number[] } }).resizeHeapLadder(),
  );
  expect(ladder).toEqual({ ok: false, tried: [32, 21, 16, 10] });
  await expect(panel.locator('[data-testid=alert][data-kind=out-of-memory]')).toHaveCount(2);
  const incidents = await alertsOf(panel, 'out-of-memory');
  const second = incidents.find((a) => a.id !== first?.id);
  expect(second?.title).toBe('Grow by 640 KiB failed at 6 MiB (limit 6.25 MiB)');
  expect(second?.incident?.attempts.map((a) => a.requestedBytes / PAGE)).toEqual([32, 21, 16, 10]);
  expect(second?.incident?.stack).toContain('emscripten_resize_heap');
  expect(second?.detail).toContain('4 attempts in');
  // The panel lists the attempts of the ladder.
  const body = panel.locator(`[data-testid=alert][data-kind=out-of-memory]`).filter({ hasText: '4 attempts' });
  await body.locator('summary').click();
  await expect(body.locator('[data-testid=incident-attempt]')).toHaveCount(4);
  await expect(body.locator('[data-testid=incident-stack]')).toContainText('emscripten_resize_heap');
});

test('the demo engine linked with a 4 MiB maximum runs out of memory inside wasm, and the panel shows it', async ({
  context,
  openPanel,
  baseURL,
}) => {
  const page = await context.newPage();
  await page.goto(`${baseURL}/demo/?small=1`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');

  // The scripted load: the smallest sample fits in 4 MiB, the next one does not.
  await page.locator('[data-testid=open-sample][data-file="field-notes.txt"]').click();
  await expect(page.locator('[data-testid=open-count]')).toHaveAttribute('data-value', '1');
  await page.locator('[data-testid=open-sample][data-file="inventory.csv"]').click();
  await expect(page.locator('[data-testid=error]')).toContainText('Could not open inventory.csv: unreachable');

  const oom = panel.locator('[data-testid=alert][data-kind=out-of-memory]');
  await expect(oom).toHaveCount(1);
  await expect(oom).toHaveAttribute('data-severity', 'error');
  await expect(oom.locator('[data-testid=alert-title]')).toContainText(/^error\s*Malloc of .+ failed at 4 MiB \(limit 4 MiB\)/);
  const [alert] = await alertsOf(panel, 'out-of-memory');
  expect(alert?.incident?.maxBytes).toBe(4 * 1024 * 1024);
  expect(alert?.incident?.browserRefused).toBe(false);
  expect(alert?.incident?.attempts.every((a) => a.via === 'malloc' && a.committedBytes === 4 * 1024 * 1024)).toBe(true);
  // The JS frames around the wasm call that failed: the demo's open.
  expect(alert?.incident?.stack).toContain('app.js');
  // Headroom of the failed engine's memory: full.
  const full = panel.locator('[data-testid=memory-row] [data-testid=memory-headroom][data-level=error]');
  await expect(full.first()).toContainText('100% of 4 MiB');
});

test('wasm-memory record exits 1 on an out-of-memory incident, shows headroom per memory; --allow-out-of-memory passes', async ({
  baseURL,
}) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-oom-'));
  try {
    const url = `${baseURL}/e2e/pages/oom/limits.html`;
    const script = resolve('e2e/pages/oom/actions.mjs');
    const failing = await runCli(['record', url, '--duration', '1', '--script', script, '--out', join(dir, 'a.json')]);
    expect(failing.stderr).not.toContain('error:');
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('Grow by 1.25 MiB failed at 64 KiB (limit 640 KiB)');
    expect(failing.stdout).toMatch(/headroom 576 KiB of 640 KiB \(10% used, declared maximum\)/);
    expect(failing.stdout).toContain('OUT OF MEMORY: 1 out-of-memory incident (exit 1');

    const allowed = await runCli([
      'record',
      url,
      '--duration',
      '1',
      '--script',
      script,
      '--out',
      join(dir, 'b.json'),
      '--allow-out-of-memory',
      '--json',
    ]);
    expect(allowed.code).toBe(0);
    const report = JSON.parse(allowed.stdout) as JsonReport;
    expect(report.verdict).toMatchObject({ exitCode: 0, outOfMemory: 1, outOfMemoryFails: false });
    const mem = report.memories.find((m) => m.maxBytes === 10 * PAGE);
    expect(mem?.limitBytes).toBe(10 * PAGE);
    const grower = report.memories.find((m) => m.maxBytes === 100 * PAGE);
    expect(grower?.limitBytes).toBe(100 * PAGE);
    const oom = report.alerts.find((a) => a.kind === 'out-of-memory');
    expect(oom?.incident?.attempts).toMatchObject([{ via: 'js', requestedBytes: 20 * PAGE, committedBytes: PAGE }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.describe('a browser that grants less than the declared maximum', () => {
  // V8's own cap on a memory's pages, far below the page's declared maximum of 1000 pages
  test.use({ chromiumArgs: ['--js-flags=--wasm-max-mem-pages=160'] });

  test('the incident says the browser refused the growth, below the declared maximum', async ({ context, openPanel, baseURL }) => {
    const page = await context.newPage();
    await page.goto(`${baseURL}/e2e/pages/oom/limits.html`);
    await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
    const panel = await openPanel(page);
    await expect(panel.locator('[data-testid=status]')).toHaveAttribute('data-state', 'connected');
    expect(await page.evaluate(() => (window as unknown as { growBelowTheMaximum(): string }).growBelowTheMaximum())).toBe('RangeError');
    const oom = panel.locator('[data-testid=alert][data-kind=out-of-memory]');
    await expect(oom).toHaveCount(1);
    await expect(oom.locator('[data-testid=alert-title]')).toContainText('Grow by 6.25 MiB failed at 6 MiB (limit 62.5 MiB)');
    const [alert] = await alertsOf(panel, 'out-of-memory');
    expect(alert?.incident).toMatchObject({ browserRefused: true, maxBytes: 1000 * PAGE, limitBytes: 1000 * PAGE });
    expect(alert?.detail).toContain('The browser refused it');
    await expect(oom).toHaveAttribute('data-state', 'active');
  });
});
