/**
 * Strict pages: a page's own dedicated worker under Content-Security-Policy headers (enforced
 * and report-only), Trusted Types and <meta> policies works exactly as without the extension (same
 * result, no securitypolicyviolation in the page, no report at the site's endpoint); where our
 * blob: bootstrap is not allowed the worker is not instrumented and the panel (and `wasm-memory
 * record`) says so and why; where it is allowed, the worker's memory is counted as before.
 *
 * Pages: e2e/pages/csp/, served with the headers each test asks for (scripts/serve.mjs
 * `?serve-headers=`); reports go to that server's /__reports/<key>.
 */
import type { APIRequestContext, BrowserContext, Page } from '@playwright/test';
import { rmSync } from 'node:fs';
import { expect, launchBare, serviceWorkerOf, test } from './fixtures';
import { runCli } from './cli-run';

const BASE = `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;

interface Run {
  ok: boolean;
  bytes?: number;
  helper?: boolean;
  location?: string;
  error?: string;
  threw?: string;
}
interface Violation {
  blockedURI: string;
  directive: string;
  disposition: string;
}
interface Report {
  contentType: string;
  body: string;
}

let keys = 0;
/** A fresh report key, so each test reads only its own reports. */
function reportKey(): string {
  return `csp-${process.pid}-${Date.now()}-${keys++}`;
}

/** The test page, served with `headers` (a policy may name `{report}`: the report endpoint). */
function pageUrl(headers: Record<string, string>, key: string, extra = ''): string {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) h[k] = v.replaceAll('{report}', `/__reports/${key}`);
  return `${BASE}/e2e/pages/csp/page.html?serve-headers=${encodeURIComponent(JSON.stringify(h))}${extra}`;
}

async function reports(request: APIRequestContext, key: string): Promise<Report[]> {
  return (await (await request.get(`${BASE}/__reports/${key}`)).json()) as Report[];
}

/**
 * Load `url` in `context`, run the page's worker, then make the page's marker violation and wait
 * for its report: reports are sent as they happen, so one our worker start caused would be there
 * by then. Returns what the page saw and the reports the endpoint got.
 */
async function runPage(
  context: BrowserContext,
  request: APIRequestContext,
  url: string,
  key: string | null,
  handshake?: (page: Page) => Promise<void>,
): Promise<{ page: Page; run: Run; violations: Violation[]; reports: Report[] }> {
  const page = await context.newPage();
  await page.goto(url);
  if (handshake) await handshake(page);
  const run = await page.evaluate(() => (window as unknown as { runWorker(): Promise<Run> }).runWorker());
  await page.evaluate(() => (window as unknown as { markerViolation(): void }).markerViolation());
  let got: Report[] = [];
  if (key !== null)
    await expect.poll(async () => (got = await reports(request, key)).some((r) => r.body.includes('marker.png'))).toBe(true);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __page: { violations: unknown[] } }).__page.violations.length))
    .toBeGreaterThan(0);
  const violations = await page.evaluate(() => (window as unknown as { __page: { violations: Violation[] } }).__page.violations);
  return { page, run, violations, reports: got };
}

/**
 * Wait until the page side has done its handshake with the content script, which carries the
 * verdict of the page's header policies (a worker started before it is decided by the <meta>
 * policies alone: see bench/worker-window.mjs and the tests of that below): the panel, bound to
 * the page's tab, has the page's first events.
 */
function handshakeVia(openPanel: (page: Page) => Promise<Page>, panels: Page[]) {
  return async (page: Page) => {
    const panel = await openPanel(page);
    panels.push(panel);
    const url = page.url();
    await expect
      .poll(() =>
        panel.evaluate(
          (u) =>
            (
              globalThis as unknown as { wasmMemoryPanel?: { exportTrace(): { events: Array<{ t: string; url?: string }> } } }
            ).wasmMemoryPanel
              ?.exportTrace()
              .events.some((e) => e.t === 'realm' && e.url === u) ?? false,
          url,
        ),
      )
      .toBe(true);
  };
}

/** The same page without the extension (its own report key: the reports must match too). */
async function runBare(
  request: APIRequestContext,
  headers: Record<string, string>,
  extra = '',
): Promise<{ run: Run; violations: Violation[]; reports: Report[] }> {
  const { context, dir } = await launchBare();
  try {
    const key = reportKey();
    const r = await runPage(context, request, pageUrl(headers, key, extra), key);
    return { run: r.run, violations: r.violations, reports: r.reports };
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reports without the marker's: what the page's worker start caused. */
function notMarker(rs: Report[]): string[] {
  return rs.filter((r) => !r.body.includes('marker.png')).map((r) => r.body);
}

/** The panel's list of workers not instrumented: [reason, directive, text] per entry. */
async function skipsInPanel(panel: Page): Promise<Array<{ reason: string; directive: string; text: string }>> {
  return panel.locator('[data-testid="worker-skip"]').evaluateAll((els) =>
    els.map((e) => ({
      reason: e.getAttribute('data-reason') ?? '',
      directive: e.getAttribute('data-directive') ?? '',
      text: e.textContent ?? '',
    })),
  );
}

const WORKER_RESULT = { ok: true, bytes: 4 * 65536, helper: true, location: `${BASE}/e2e/pages/csp/worker.js` };

test.describe("strict pages: the page's own worker", () => {
  // Policies that rule our bootstrap out: the page's worker must work exactly as without the
  // extension (same result, same violations in the page, same reports at the endpoint: only the
  // page's own marker), and the panel must say it is not instrumented, and why.
  const RULED_OUT = [
    {
      title: "header `worker-src 'self'`",
      headers: { 'Content-Security-Policy': "worker-src 'self'; img-src 'self'; report-uri {report}" },
      extra: '',
      disposition: 'enforce',
      skip: { reason: 'csp', directive: 'worker-src' },
      text: 'Content-Security-Policy (worker-src)',
    },
    {
      title: "header Content-Security-Policy-Report-Only `worker-src 'self'`",
      headers: { 'Content-Security-Policy-Report-Only': "worker-src 'self'; img-src 'self'; report-uri {report}" },
      extra: '',
      disposition: 'report',
      skip: { reason: 'csp-report-only', directive: 'worker-src' },
      text: 'Content-Security-Policy-Report-Only (worker-src)',
    },
    {
      title: 'Trusted Types enforced, the page passing a TrustedScriptURL of its own policy',
      headers: { 'Content-Security-Policy': "require-trusted-types-for 'script'; trusted-types page; img-src 'self'; report-uri {report}" },
      extra: '&trusted',
      disposition: 'enforce',
      skip: { reason: 'trusted-types', directive: 'require-trusted-types-for' },
      text: 'Trusted Types (require-trusted-types-for)',
    },
  ] as const;
  for (const c of RULED_OUT) {
    test(`${c.title}: the worker works as without the extension, nothing is reported, the panel says it is not instrumented`, async ({
      context,
      request,
      openPanel,
    }) => {
      const key = reportKey();
      const panels: Page[] = [];
      const withExt = await runPage(context, request, pageUrl(c.headers, key, c.extra), key, handshakeVia(openPanel, panels));
      expect(withExt.run).toEqual(WORKER_RESULT);
      expect(withExt.violations).toEqual([
        { blockedURI: 'http://127.0.0.1:9/marker.png', directive: 'img-src', disposition: c.disposition },
      ]);
      expect(notMarker(withExt.reports)).toEqual([]);
      const bare = await runBare(request, c.headers, c.extra);
      expect(withExt.run).toEqual(bare.run);
      expect(withExt.violations).toEqual(bare.violations);
      expect(withExt.reports.length).toBe(bare.reports.length);

      const panel = panels[0]!;
      await expect(panel.getByTestId('worker-skip')).toHaveCount(1);
      const [skip] = await skipsInPanel(panel);
      expect(skip).toMatchObject(c.skip);
      expect(skip!.text).toContain('/e2e/pages/csp/worker.js');
      expect(skip!.text).toContain(c.text);
    });
  }

  test("a header CSP that allows our bootstrap (`worker-src 'self' blob:`): the worker is instrumented, its memory counted", async ({
    context,
    request,
    openPanel,
  }) => {
    const headers = { 'Content-Security-Policy': "worker-src 'self' blob:; img-src 'self'; report-uri {report}" };
    const key = reportKey();
    const panels: Page[] = [];
    const withExt = await runPage(context, request, pageUrl(headers, key), key, handshakeVia(openPanel, panels));
    expect(withExt.run).toEqual(WORKER_RESULT);
    expect(withExt.violations).toHaveLength(1);
    expect(notMarker(withExt.reports)).toEqual([]);

    const panel = panels[0]!;
    const row = panel.locator('[data-testid="memory-row"]', { has: panel.getByTestId('memory-realm-kind') });
    await expect(row.getByTestId('memory-current')).toHaveAttribute('data-value', String(4 * 65536));
    await expect(row.getByTestId('memory-owner')).toContainText('/e2e/pages/csp/worker.js');
    await expect(panel.getByTestId('worker-skips')).toHaveCount(0);
  });

  test("a <meta> `worker-src 'self'`: the worker works, no violation, the panel says why", async ({ context, openPanel }) => {
    const page = await context.newPage();
    await page.goto(`${BASE}/e2e/pages/csp/meta.html`);
    const panels: Page[] = [];
    await handshakeVia(openPanel, panels)(page);
    expect(await page.evaluate(() => (window as unknown as { runWorker(): Promise<Run> }).runWorker())).toEqual(WORKER_RESULT);
    expect(await page.evaluate(() => (window as unknown as { __page: { violations: unknown[] } }).__page.violations)).toEqual([]);
    const panel = panels[0]!;
    await expect(panel.getByTestId('worker-skip')).toHaveCount(1);
    expect((await skipsInPanel(panel))[0]).toMatchObject({ reason: 'csp', directive: 'worker-src' });
  });

  // Before the verdict (the handshake) the page's <meta> policies and the violation net decide
  // alone, as before header policies were read: a worker the page starts from its first script
  // is instrumented unless a <meta> policy rules it out (docs/TRANSPARENCY.md).
  test("no policy, the worker started by the page's first script (before the verdict): instrumented, its memory counted", async ({
    context,
    openPanel,
  }) => {
    const page = await context.newPage();
    await page.goto(`${BASE}/e2e/pages/csp/page.html?early`);
    await expect.poll(() => page.evaluate(() => (window as unknown as { __page: { runs: Run[] } }).__page.runs)).toEqual([WORKER_RESULT]);
    expect(await page.evaluate(() => (window as unknown as { __page: { violations: unknown[] } }).__page.violations)).toEqual([]);
    const panel = await openPanel(page);
    const row = panel.locator('[data-testid="memory-row"]', { has: panel.getByTestId('memory-realm-kind') });
    await expect(row.getByTestId('memory-current')).toHaveAttribute('data-value', String(4 * 65536));
    await expect(row.getByTestId('memory-owner')).toContainText('/e2e/pages/csp/worker.js');
    await expect(panel.getByTestId('worker-skips')).toHaveCount(0);
  });

  test("a <meta> `worker-src 'self'`, the worker started before the verdict: not instrumented, no violation, the panel says why", async ({
    context,
    openPanel,
  }) => {
    const page = await context.newPage();
    await page.goto(`${BASE}/e2e/pages/csp/meta.html?early`);
    await expect.poll(() => page.evaluate(() => (window as unknown as { __page: { runs: Run[] } }).__page.runs)).toEqual([WORKER_RESULT]);
    expect(await page.evaluate(() => (window as unknown as { __page: { violations: unknown[] } }).__page.violations)).toEqual([]);
    const panel = await openPanel(page);
    await expect(panel.getByTestId('worker-skip')).toHaveCount(1);
    expect((await skipsInPanel(panel))[0]).toMatchObject({ reason: 'csp', directive: 'worker-src' });
  });

  // A header policy is known to the page side only with the handshake; from the second load of a
  // document whose headers ruled the bootstrap out, the hint in front of the bundle says so from
  // the first script on (src/shared/strict-sites.ts).
  test("a header `worker-src 'self'`, the worker started by the page's first script: from the document's second load on, it works, nothing is reported, the panel says why", async ({
    context,
    request,
    openPanel,
  }) => {
    const headers = { 'Content-Security-Policy': "worker-src 'self'; img-src 'self'; report-uri {report}" };
    const sw = await serviceWorkerOf(context);
    const strictRegistered = () =>
      sw.evaluate(async () =>
        (await chrome.scripting.getRegisteredContentScripts()).some(
          (r) => r.id === 'wasm-memory-strict-hint' && (r.matches ?? []).some((m) => m.includes('/e2e/pages/csp/page.html')),
        ),
      );
    expect(await strictRegistered()).toBe(false);
    // first load: the service worker sees the document's response headers and remembers it
    const first = await context.newPage();
    await first.goto(pageUrl(headers, reportKey(), '&early'));
    await expect.poll(strictRegistered).toBe(true);
    await first.close();

    const key = reportKey();
    const page = await context.newPage();
    await page.goto(pageUrl(headers, key, '&early'));
    await expect.poll(() => page.evaluate(() => (window as unknown as { __page: { runs: Run[] } }).__page.runs)).toEqual([WORKER_RESULT]);
    await page.evaluate(() => (window as unknown as { markerViolation(): void }).markerViolation());
    await expect.poll(async () => (await reports(request, key)).some((r) => r.body.includes('marker.png'))).toBe(true);
    expect(notMarker(await reports(request, key))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __page: { violations: Violation[] } }).__page.violations)).toEqual([
      { blockedURI: 'http://127.0.0.1:9/marker.png', directive: 'img-src', disposition: 'enforce' },
    ]);
    const panel = await openPanel(page);
    await expect(panel.getByTestId('worker-skip')).toHaveCount(1);
    const [skip] = await skipsInPanel(panel);
    expect(skip).toMatchObject({ reason: 'policy-remembered' });
    expect(skip!.text).toContain('/e2e/pages/csp/worker.js');
    expect(skip!.text).toContain('on an earlier load');

    // the same document served without the policy is forgotten again
    const open = await context.newPage();
    await open.goto(`${BASE}/e2e/pages/csp/page.html`);
    await expect.poll(strictRegistered).toBe(false);
  });

  test("`wasm-memory record` on a header `worker-src 'self'` page says the worker was not instrumented, and why", async ({ request }) => {
    const key = reportKey();
    const url = pageUrl({ 'Content-Security-Policy': "worker-src 'self'; report-uri {report}" }, key);
    const r = await runCli(['record', url, '--duration', '0', '--script', 'e2e/pages/csp/actions.mjs', '--out', `/tmp/${key}.json`]);
    rmSync(`/tmp/${key}.json`, { force: true });
    expect(r.stderr).toContain(`worker: ${4 * 65536} bytes`);
    expect(r.stdout).toContain(`worker not instrumented: ${BASE}/e2e/pages/csp/worker.js: the page's Content-Security-Policy (worker-src)`);
    expect(r.code).toBe(0);
    expect(await reports(request, key)).toEqual([]);
  });
});
