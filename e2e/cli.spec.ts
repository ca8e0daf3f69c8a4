/**
 * The real `wasm-memory` command (cli/wasm-memory.mjs -> cli/dist/, built by npm run build),
 * spawned as a user would, against the built extension and Debian's Chromium; and the
 * Playwright helper (testing/). Pages: e2e/pages/cli/ (leaky: a new engine per file, old ones
 * kept; clean: one engine reused), served by playwright.config.ts's web server.
 */
import { test, expect } from '@playwright/test';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrace } from '../src/shared/trace';
import type { JsonReport } from '../src/cli/report';
import { launchWasmMemory } from '../testing/index';
import { runCli } from './cli-run';

const BASE = `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;
const LEAKY = `${BASE}/e2e/pages/cli/leaky.html`;
const CLEAN = `${BASE}/e2e/pages/cli/clean.html`;
/**
 * Recording time after load. The analyzer calls an engine "replaced" once its successor has
 * existed for 10 s (replacedGraceMs), so the leaky recording must outlast that.
 */
const LEAKY_DURATION = '11';
const CLEAN_DURATION = '3';

/** A local port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasm-memory-cli-e2e-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test.describe('usage and environment errors exit 2 with a clear message', () => {
  test('bad arguments', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('wasm-memory: error: no command given');
    const flag = await runCli(['analyze', '--bogus', 'x.json']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--bogus'/);
    expect(flag.stderr).toContain('Run wasm-memory analyze --help for usage.');
    const dur = await runCli(['record', LEAKY, '--duration', 'soon']);
    expect(dur.code).toBe(2);
    expect(dur.stderr).toContain('--duration must be a number of seconds >= 0; got "soon"');
    const help = await runCli(['record', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: wasm-memory record <url>');
  });

  test('missing and malformed trace files', async () => {
    const missing = await runCli(['analyze', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`trace file not found: ${join(dir, 'nope.json')}`);

    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, '{ "format": ');
    const r1 = await runCli(['analyze', notJson]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/not-json\.json: not a valid trace: not valid JSON/);

    const badEvent = join(dir, 'bad-event.json');
    writeFileSync(
      badEvent,
      JSON.stringify({
        format: 'wasm-memory-trace',
        version: 1,
        createdAt: '',
        generator: 't',
        page: { url: 'http://x/' },
        dropped: 0,
        events: [{ t: 'grow', time: 1, key: 'r:1', fromBytes: -1, toBytes: 2, via: 'wasm' }],
      }),
    );
    const r2 = await runCli(['analyze', badEvent]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/bad-event\.json: not a valid trace: events\[0\]\.fromBytes/);
  });

  test('Chromium not found, extension not built', async () => {
    const noChrome = await runCli(['record', LEAKY, '--out', join(dir, 'x.json')], { CHROMIUM_PATH: '/nonexistent' });
    expect(noChrome.code).toBe(2);
    expect(noChrome.stderr).toContain('Chromium not found: CHROMIUM_PATH=/nonexistent does not exist');
    const noExt = await runCli(['record', LEAKY, '--out', join(dir, 'x.json')], { WASM_MEMORY_DIST: join(dir, 'no-dist') });
    expect(noExt.code).toBe(2);
    expect(noExt.stderr).toContain(`extension not built: ${join(dir, 'no-dist', 'manifest.json')} is missing (run npm run build)`);
  });

  test('unreachable URL and HTTP errors', async () => {
    const port = await closedPort();
    const refused = await runCli(['record', `http://127.0.0.1:${port}/`, '--duration', '0', '--out', join(dir, 'u.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`URL unreachable: http://127.0.0.1:${port}/: net::ERR_CONNECTION_REFUSED`);
    const missing = await runCli(['record', `${BASE}/e2e/pages/cli/no-such-page.html`, '--duration', '0', '--out', join(dir, 'u.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('HTTP 404');
  });
});

test.describe('record and analyze', () => {
  test('a leaky page fails (exit 1) and analyze agrees', async () => {
    const out = join(dir, 'leaky.json');
    const rec = await runCli(['record', LEAKY, '--duration', LEAKY_DURATION, '--out', out]);
    expect(rec.stderr).not.toContain('internal error');
    expect(rec.code, `stdout:\n${rec.stdout}\nstderr:\n${rec.stderr}`).toBe(1);
    expect(rec.stdout).toMatch(/^LEAK: \d+ active alerts? at severity warning or above \(exit 1\)$/m);

    const parsed = parseTrace(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.trace.page.url).toBe(LEAKY);
    expect(parsed.trace.events.filter((e) => e.t === 'memory').length).toBeGreaterThanOrEqual(12);

    const human = await runCli(['analyze', out]);
    expect(human.code).toBe(1);
    const json = await runCli(['analyze', out, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as JsonReport;
    expect(report.verdict).toMatchObject({ leak: true, exitCode: 1, failOn: 'warning' });
    const leaks = report.alerts.filter((a) => a.state === 'active' && a.severity !== 'info');
    expect(leaks.length).toBeGreaterThan(0);
    for (const a of leaks) {
      expect(['memory-floor-rising', 'memory-replaced']).toContain(a.kind);
      expect(a.subject).not.toBe('');
    }
    expect(report.memories.length).toBeGreaterThanOrEqual(12);
    // Every engine grew its 1-page memory to 17 pages (1 MiB file + 1 page).
    expect(report.memories.filter((m) => m.peakBytes === 17 * 65536).length).toBeGreaterThanOrEqual(12);
    // --fail-on error: only error-severity alerts fail.
    const strict = await runCli(['analyze', out, '--fail-on', 'error', '--json']);
    const strictReport = JSON.parse(strict.stdout) as JsonReport;
    expect(strict.code).toBe(strictReport.alerts.some((a) => a.state === 'active' && a.severity === 'error') ? 1 : 0);
  });

  test('a clean page passes (exit 0) and analyze agrees', async () => {
    const out = join(dir, 'clean.json');
    const rec = await runCli(['record', CLEAN, '--duration', CLEAN_DURATION, '--out', out, '--json']);
    expect(rec.code, `stdout:\n${rec.stdout}\nstderr:\n${rec.stderr}`).toBe(0);
    const recReport = JSON.parse(rec.stdout) as JsonReport;
    expect(recReport.verdict).toMatchObject({ leak: false, exitCode: 0 });
    expect(recReport.memories).toHaveLength(1);
    expect(recReport.memories[0]?.peakBytes).toBe(17 * 65536);

    const an = await runCli(['analyze', out, '--json']);
    expect(an.code).toBe(0);
    const anReport = JSON.parse(an.stdout) as JsonReport;
    // record and analyze run the same analyzer on the same text.
    expect(anReport.alerts).toEqual(recReport.alerts);
    expect(anReport.memories).toEqual(recReport.memories);
    const human = await runCli(['analyze', out]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('OK: no active alert at severity warning or above (exit 0)');
  });

  test('an actions script drives the page and adds marks', async () => {
    const out = join(dir, 'scripted.json');
    const rec = await runCli(['record', `${CLEAN}?files=2`, '--duration', '0', '--script', 'e2e/pages/cli/actions.mjs', '--out', out]);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stderr).toContain('[actions.mjs] clicked 3');
    const parsed = parseTrace(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    const marks = parsed.trace.events.flatMap((e) => (e.t === 'mark' ? [e.label] : []));
    expect(marks).toEqual(expect.arrayContaining(['auto loads done', 'after 3 clicks']));
    expect(marks.indexOf('auto loads done')).toBeLessThan(marks.indexOf('after 3 clicks'));

    const failing = join(dir, 'failing.mjs');
    writeFileSync(failing, 'export default async function ({ page }) { await page.click("#nope", { timeout: 200 }); }\n');
    const bad = await runCli(['record', CLEAN, '--duration', '0', '--script', failing, '--out', join(dir, 'f.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/actions script .*failing\.mjs failed: page\.click: Timeout 200ms exceeded[\s\S]*#nope/);
  });
});

test.describe('record --no-allocations', () => {
  const SQLJS = `${BASE}/e2e/pages/third-party/sqljs-leaky.html?n=20`;
  const heaps = (file: string) => {
    const parsed = parseTrace(readFileSync(file, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.trace.events.flatMap((e) => (e.t === 'heap' ? [{ tracking: e.tracking, reason: e.reason }] : []));
  };
  test('the heap is counted inside wasm by default, and not counted (allocation tracking is off) with --no-allocations', async () => {
    // the recording ends once the page has loaded sql.js and opened its database
    const loaded = join(dir, 'sqljs-loaded.mjs');
    writeFileSync(loaded, "export default async function ({ page }) { await page.waitForFunction(() => document.title === 'done'); }\n");
    const on = join(dir, 'sqljs-on.json');
    const recOn = await runCli(['record', SQLJS, '--duration', '0', '--script', loaded, '--out', on]);
    expect([0, 1], `stdout:\n${recOn.stdout}\nstderr:\n${recOn.stderr}`).toContain(recOn.code);
    expect(heaps(on).some((h) => h.tracking === 'inside-wasm')).toBe(true);

    const off = join(dir, 'sqljs-off.json');
    const recOff = await runCli(['record', SQLJS, '--duration', '0', '--script', loaded, '--no-allocations', '--out', off]);
    expect([0, 1], `stdout:\n${recOff.stdout}\nstderr:\n${recOff.stderr}`).toContain(recOff.code);
    const h = heaps(off);
    expect(h.length).toBeGreaterThan(0);
    expect(h.every((x) => x.tracking === 'none' && x.reason === 'allocation tracking is off')).toBe(true);
  });
});

test.describe('pages that fail', () => {
  const BAD_IMPORT = `${BASE}/e2e/pages/cli/bad-import.html`;

  test('a page whose WebAssembly fails to instantiate: exit 2 naming the error; --allow-page-errors: the leak verdict', async () => {
    const out = join(dir, 'bad-import.json');
    const rec = await runCli(['record', BAD_IMPORT, '--duration', '1', '--out', out]);
    expect(rec.code, rec.stderr).toBe(2);
    expect(rec.stderr).toMatch(
      /page error: unhandled rejection: Uncaught \(in promise\) TypeError: WebAssembly\.instantiate\(\): Import #0 "env"/,
    );
    // One failure, seen as the unhandled rejection and (once the WebAssembly hooks report
    // failed instantiations) as a 'wasm' page error too.
    expect(rec.stderr).toMatch(/wasm-memory: error: the page had [12] errors? while recording/);
    expect(rec.stderr).toContain('--allow-page-errors');
    // In the trace, reported by the extension itself (not only by Playwright's pageerror).
    const parsed = parseTrace(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    const errors = parsed.trace.events.filter((e) => e.t === 'page-error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    const rejection = errors.find((e) => e.kind === 'rejection');
    expect(rejection).toMatchObject({ message: expect.stringContaining('Import #0 "env"') });
    expect(rejection?.realm).not.toBe('main-frame');
    expect(errors.filter((e) => e.kind !== 'wasm')).toHaveLength(1);
    // The report still came (the memory is fine), and the JSON report lists the errors.
    const allowed = await runCli([
      'record',
      BAD_IMPORT,
      '--duration',
      '1',
      '--out',
      join(dir, 'bad-import-allowed.json'),
      '--allow-page-errors',
      '--json',
    ]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/page error: unhandled rejection: .*Import #0 "env"/);
    expect(allowed.stderr).toContain('allowed by --allow-page-errors');
    const report = JSON.parse(allowed.stdout) as JsonReport & { pageErrors: { count: number } };
    expect(report.pageErrors.count).toBe(errors.length);
    expect(report.verdict.exitCode).toBe(0);
  });

  test('a page without errors has none in its trace', async () => {
    const out = join(dir, 'clean-no-errors.json');
    const rec = await runCli(['record', `${CLEAN}?files=1&every=50`, '--duration', '0', '--out', out]);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stderr).not.toContain('page error');
    const parsed = parseTrace(readFileSync(out, 'utf8'));
    expect(parsed.ok && parsed.trace.events.filter((e) => e.t === 'page-error')).toEqual([]);
  });
});

test.describe('record --gc waits for the page to report what the collection reclaimed', () => {
  // The race it guards: the forced GC's finalization callbacks run as later tasks and the
  // trackers report their counters at the next sampling tick; ending the recording on a plain
  // round-trip mark counted 125, 126 or 200 of 200 dropped wasm-bindgen objects.
  test('all 200 dropped wasm-bindgen objects are counted reclaimed, with --duration 0, three times', async () => {
    for (let run = 0; run < 3; run++) {
      const out = join(dir, `bindgen-drop-${run}.json`);
      const rec = await runCli([
        'record',
        `${BASE}/e2e/pages/cli/bindgen-drop.html?count=200`,
        '--gc',
        '--duration',
        '0',
        '--out',
        out,
        '--json',
      ]);
      // Exit 1: objects dropped without free() are a finding (bindgen-forgot-free).
      expect(rec.code, rec.stderr).toBe(1);
      const report = JSON.parse(rec.stdout) as JsonReport;
      expect(
        report.classes.map((c) => [c.created, c.freed, c.reclaimed, c.live]),
        `run ${run}`,
      ).toEqual([[200, 0, 200, 0]]);
    }
  });
});

test.describe('the demo app (demo/), driven by an actions script that opens its sample files', () => {
  const DEMO = `${BASE}/demo/`;
  const SCRIPT = 'e2e/pages/cli/demo-actions.mjs';

  test('leaky mode: exit 1, one memory-replaced alert per superseded engine', async () => {
    const out = join(dir, 'demo-leaky.json');
    const rec = await runCli(['record', DEMO, '--script', SCRIPT, '--duration', LEAKY_DURATION, '--out', out, '--json']);
    expect(rec.code, rec.stderr).toBe(1);
    expect(rec.stderr).toContain('[demo-actions.mjs] opened 4 files; engines alive: 4');
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.memories).toHaveLength(4);
    const replaced = report.alerts.filter((a) => a.kind === 'memory-replaced' && a.state === 'active');
    // The three engines opened before the last one are superseded and still alive.
    expect(replaced).toHaveLength(3);
    expect(report.marks.map((m) => m.label)).toEqual(expect.arrayContaining(['opened sales-2025.csv', 'opened field-notes.txt']));
    const again = await runCli(['analyze', out]);
    expect(again.code).toBe(1);
  });

  test('fixed mode with --gc: the dropped engines are collected, exit 0', async () => {
    const out = join(dir, 'demo-fixed.json');
    const rec = await runCli([
      'record',
      `${DEMO}?fixed=1`,
      '--script',
      SCRIPT,
      '--gc',
      '--duration',
      LEAKY_DURATION,
      '--out',
      out,
      '--json',
    ]);
    expect(rec.code, `${rec.stdout}\n${rec.stderr}`).toBe(0);
    expect(rec.stderr).toContain('engines alive: 1');
    const report = JSON.parse(rec.stdout) as JsonReport;
    expect(report.memories).toHaveLength(4);
    expect(report.memories.filter((m) => m.collected)).toHaveLength(3);
    expect((await runCli(['analyze', out])).code).toBe(0);
  });
});

test.describe('Playwright helper (wasm-memory/testing)', () => {
  test('expectNoWasmLeaks throws on the leaky page and passes on the clean one', async () => {
    const leaky = await launchWasmMemory();
    try {
      await leaky.goto(`${LEAKY}?files=12&every=100`);
      await expect(leaky.page.locator('#status')).toHaveText('done 12');
      // The leak alerts need the page's memory trend: poll the analysis until it has them.
      await expect
        .poll(async () => (await leaky.report()).alerts.filter((a) => a.state === 'active' && a.severity !== 'info').length, {
          timeout: 25_000,
          intervals: [1000],
        })
        .toBeGreaterThan(0);
      const err = await leaky.expectNoWasmLeaks().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('AssertionError');
      expect((err as Error).message).toMatch(/expected no WebAssembly leaks .* found \d+:\n {2}\[(warning|error)\] memory-/);
    } finally {
      await leaky.close();
    }

    const clean = await launchWasmMemory({ gc: true });
    try {
      await clean.goto(`${CLEAN}?files=12&every=100`);
      await expect(clean.page.locator('#status')).toHaveText('done 12');
      await clean.mark('done');
      const report = await clean.expectNoWasmLeaks();
      expect(report.memories).toHaveLength(1);
      expect(report.marks.map((m) => m.label)).toContain('done');
    } finally {
      await clean.close();
    }
  });
});
