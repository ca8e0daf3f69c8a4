/**
 * Leaks that span workers and cycles, through the real `wasm-memory` command (cli/ built by npm
 * run build) and the Playwright helper, against the built extension in Debian's Chromium:
 * - a watchdog that restarts its engine worker every 2 s, terminating the old worker (correct)
 *   or not (the leak), and a pool of busy workers of one script (must stay quiet);
 * - load-act-repeat (`record --repeat N`) on the demo app (leaky and fixed) and on the sql.js
 *   package pages (leaky and clean) driven by an actions script.
 * Pages: e2e/pages/cycles/ and e2e/pages/third-party/, served by playwright.config.ts.
 */
import { test, expect } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrace } from '../src/shared/trace';
import type { JsonReport } from '../src/cli/report';
import { expectNoWasmLeak, launchWasmMemory } from '../testing/index';
import { runCli } from './cli-run';

const BASE = `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;
const WATCHDOG = `${BASE}/e2e/pages/cycles/watchdog.html`;
const POOL = `${BASE}/e2e/pages/cycles/worker-pool.html`;
const ENGINE_WORKER = `${BASE}/e2e/pages/cycles/engine-worker.js`;
/**
 * Six engine workers, 2 s apart (the last at 10 s); an old engine counts as replaced once its
 * successor has existed for 10 s (replacedGraceMs): 14 s of recording covers it, with room for a
 * slow worker start.
 */
const WATCHDOG_DURATION = '14';

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasm-memory-cycles-e2e-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const activeReplaced = (r: JsonReport) => r.alerts.filter((a) => a.kind === 'memory-replaced' && a.state === 'active');

test.describe('engine workers restarted by a watchdog', () => {
  test('never terminated (workers from one page blob: URL): exit 1, every old engine flagged, owners name the page blob URL', async () => {
    const out = join(dir, 'watchdog-leaky.json');
    const rec = await runCli(['record', `${WATCHDOG}?terminate=0&blob=1`, '--gc', '--duration', WATCHDOG_DURATION, '--out', out, '--json']);
    expect(rec.code, rec.stderr).toBe(1);
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.memories).toHaveLength(6);
    expect(report.memories.filter((m) => m.collected)).toHaveLength(0);
    // Every memory lives in a worker started from the page's one blob: URL, and names it as its
    // owner: not the extension's bootstrap, not our copy of the script (one per worker).
    const owners = new Set(report.memories.map((m) => m.owner));
    expect([...owners]).toHaveLength(1);
    const pageBlob = [...owners][0] ?? '';
    expect(pageBlob).toMatch(/^blob:http:\/\/127\.0\.0\.1:\d+\//);
    for (const m of report.memories) {
      expect(m.realm).toEqual({ kind: 'worker', url: pageBlob });
      // The module was compiled from bytes by the page's script: named by that script too.
      expect(m.moduleUrl).toBe(pageBlob);
    }
    const trace = parseTrace(readFileSync(out, 'utf8'));
    if (!trace.ok) throw new Error(trace.error);
    const workerRealms = trace.trace.events.filter((e) => e.t === 'realm' && e.kind === 'worker');
    expect(workerRealms).toHaveLength(6);
    // The five superseded engines; never the newest (memories are listed in discovery order).
    const newest = report.memories[report.memories.length - 1]!;
    const replaced = activeReplaced(report);
    expect(replaced).toHaveLength(5);
    expect(replaced.map((a) => a.subject)).not.toContain(newest.key);
    expect(replaced.every((a) => a.severity === 'error')).toBe(true);
    expect(replaced[0]?.detail).toContain('never terminated');
    expect(replaced[0]?.detail).toContain(pageBlob);
    const human = await runCli(['analyze', out]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`(worker ${pageBlob})`);
  });

  test('terminated: exit 0, 5 memories collected and 1 live', async () => {
    const out = join(dir, 'watchdog-clean.json');
    const rec = await runCli(['record', `${WATCHDOG}?terminate=1`, '--gc', '--duration', WATCHDOG_DURATION, '--out', out, '--json']);
    expect(rec.code, `${rec.stdout}\n${rec.stderr}`).toBe(0);
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.memories).toHaveLength(6);
    expect(report.memories.filter((m) => m.collected)).toHaveLength(5);
    expect(report.memories.every((m) => m.owner === ENGINE_WORKER)).toBe(true);
    expect(report.memories.every((m) => m.realm?.kind === 'worker' && m.realm.url === ENGINE_WORKER)).toBe(true);
    expect(report.memories.every((m) => m.moduleUrl === ENGINE_WORKER)).toBe(true);
    expect(report.alerts.filter((a) => a.state === 'active')).toEqual([]);
  });

  test('a pool of busy workers of one script, grown one by one: exit 0, no alert', async () => {
    const rec = await runCli(['record', POOL, '--gc', '--duration', WATCHDOG_DURATION, '--out', join(dir, 'pool.json'), '--json']);
    expect(rec.code, `${rec.stdout}\n${rec.stderr}`).toBe(0);
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.memories).toHaveLength(4);
    expect(report.memories.filter((m) => m.collected)).toHaveLength(0);
    expect(report.alerts).toEqual([]);
  });
});

test.describe('load-act-repeat: record --repeat', () => {
  test('usage: --repeat needs --script and at least 3 cycles (exit 2)', async () => {
    const noScript = await runCli(['record', `${BASE}/demo/`, '--repeat', '5']);
    expect(noScript.code).toBe(2);
    expect(noScript.stderr).toContain('--repeat needs --script');
    const few = await runCli(['record', `${BASE}/demo/`, '--script', 'e2e/pages/cycles/demo-cycle.mjs', '--repeat', '2']);
    expect(few.code).toBe(2);
    expect(few.stderr).toContain('--repeat must be a whole number of cycles from 3');
  });

  const DEMO_CYCLE = 'e2e/pages/cycles/demo-cycle.mjs';

  test('the demo, leaky: exit 1, "Leaks X per cycle" of committed memory and of its registry', async () => {
    const out = join(dir, 'demo-repeat-leaky.json');
    const rec = await runCli(['record', `${BASE}/demo/`, '--script', DEMO_CYCLE, '--repeat', '5', '--out', out, '--json']);
    expect(rec.code, rec.stderr).toBe(1);
    expect(rec.stderr).toContain('wasm-memory: cycle 5/5');
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.marks.filter((m) => m.label.startsWith('wasm-memory: cycle ')).map((m) => m.label)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `wasm-memory: cycle ${i}/5`),
    );
    expect(report.cycles?.count).toBe(5);
    const committed = report.cycles?.series.find((s) => s.kind === 'committed');
    expect(committed?.leak).toBe(true);
    expect(committed?.slopePerCycle ?? 0).toBeGreaterThan(64 * 1024);
    const perCycle = report.alerts.filter((a) => a.id.includes(':cycles:') && a.state === 'active');
    expect(perCycle.map((a) => a.id)).toEqual(
      expect.arrayContaining([
        'memory-floor-rising:cycles:committed:committed',
        'registry-growth:cycles:registry:doc-viewer openDocuments',
      ]),
    );
    expect(perCycle[0]?.title).toMatch(/^Leaks [\d.]+ (KiB|MiB) per cycle/);
    // The human report (analyze of the saved trace) draws the trend and says why it fails.
    const human = await runCli(['analyze', out]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('Per-cycle trend (5 cycles');
    expect(human.stdout).toMatch(/ {2}committed +[▁▂▃▄▅▆▇█]{5} {2}now .* {2}LEAK/);
  });

  test('the demo, fixed: exit 0, a flat trend', async () => {
    const rec = await runCli([
      'record',
      `${BASE}/demo/?fixed=1`,
      '--script',
      DEMO_CYCLE,
      '--repeat',
      '5',
      '--out',
      join(dir, 'demo-repeat-fixed.json'),
      '--json',
    ]);
    expect(rec.code, `${rec.stdout}\n${rec.stderr}`).toBe(0);
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.cycles?.count).toBe(5);
    expect(report.cycles?.series.every((s) => !s.leak)).toBe(true);
    const committed = report.cycles?.series.find((s) => s.kind === 'committed');
    expect(new Set(committed?.values.slice(1)).size, JSON.stringify(committed)).toBe(1);
  });

  const SQLJS_CYCLE = 'e2e/pages/cycles/sqljs-cycle.mjs';

  test('sql.js (third-party package), statements never freed: exit 1, used heap bytes leak about 1.25 MiB per cycle', async () => {
    const rec = await runCli([
      'record',
      `${BASE}/e2e/pages/third-party/sqljs-leaky.html`,
      '--script',
      SQLJS_CYCLE,
      '--repeat',
      '5',
      '--out',
      join(dir, 'sqljs-repeat-leaky.json'),
      '--json',
    ]);
    expect(rec.code, rec.stderr).toBe(1);
    expect(rec.stderr).toContain('[sqljs-cycle.mjs] report 5: 6553600 bytes left allocated');
    const report = JSON.parse(rec.stdout) as JsonReport;
    const used = report.cycles?.series.find((s) => s.kind === 'used');
    expect(used?.leak).toBe(true);
    // 20 blobs of 64 KiB per report, plus the allocator's chunk overhead and the statements.
    expect(used?.slopePerCycle ?? 0).toBeGreaterThan(1.25 * 1024 * 1024);
    expect(used?.slopePerCycle ?? 0).toBeLessThan(1.5 * 1024 * 1024);
    expect(report.alerts.some((a) => a.id === 'memory-floor-rising:cycles:used:used' && a.state === 'active')).toBe(true);
  });

  test('sql.js, every statement freed: exit 0, no per-cycle growth', async () => {
    const rec = await runCli([
      'record',
      `${BASE}/e2e/pages/third-party/sqljs-clean.html`,
      '--script',
      SQLJS_CYCLE,
      '--repeat',
      '5',
      '--out',
      join(dir, 'sqljs-repeat-clean.json'),
      '--json',
    ]);
    expect(rec.code, `${rec.stdout}\n${rec.stderr}`).toBe(0);
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.cycles?.series.find((s) => s.kind === 'used')?.leak).toBe(false);
    expect(report.cycles?.series.every((s) => !s.leak)).toBe(true);
  });
});

test.describe('Playwright helper: expectNoWasmLeak(page, cycle, { repeat })', () => {
  test('throws "Leaks X per cycle" on the leaky sql.js page and passes on the clean one', async () => {
    const cycle = async (page: import('playwright').Page) => {
      await page.waitForFunction(() => document.title === 'done');
      await page.evaluate(() => (globalThis as unknown as { runReport(): unknown }).runReport());
    };
    const leaky = await launchWasmMemory({ gc: true });
    try {
      await leaky.goto(`${BASE}/e2e/pages/third-party/sqljs-leaky.html`);
      const err = await expectNoWasmLeak(leaky.page, cycle, { repeat: 4 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AssertionError');
      expect((err as Error).message).toMatch(/Leaks 1\.\d+ MiB per cycle: used heap bytes/);
    } finally {
      await leaky.close();
    }
    const clean = await launchWasmMemory({ gc: true });
    try {
      await clean.goto(`${BASE}/e2e/pages/third-party/sqljs-clean.html`);
      const { cycles } = await expectNoWasmLeak(clean.page, cycle, { repeat: 4 });
      expect(cycles.cycles).toBe(4);
      expect(cycles.series.find((s) => s.kind === 'used')?.leak).toBe(false);
    } finally {
      await clean.close();
    }
  });
});
