/**
 * A recording session: headless Chromium with the built extension, one page under test and
 * the extension's panel opened as a tab bound to that page (the panel-as-tab mode the e2e
 * tests use). Events travel injected -> content -> background -> panel exactly as in
 * DevTools; the trace comes from the panel's automation API (`wasmMemoryPanel`).
 *
 * Used by `wasm-memory record` and by the Playwright helper (wasm-memory/testing).
 */
import { chromium, type BrowserContext, type Page } from 'playwright';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SETTINGS_KEYS, type PageErrorEvent, type Trace } from '../shared/protocol';
import { UsageError, messageOf } from './errors';
import type { PanelAutomation } from '../shared/panel-automation';
import quietFlags from '../shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../../scripts/extension-ready.mjs';

type PanelGlobal = { wasmMemoryPanel?: PanelAutomation };

/** Flags that keep Chromium quiet on a machine with no network (shared with e2e, demo, bench). */
export const QUIET_ARGS: readonly string[] = quietFlags;

export const PANEL_PATH = 'src/devtools-panel/panel.html';
/** Label of the mark `settle()` sends through the pipeline and waits to see come back. */
export const END_MARK = 'wasm-memory: end of recording';

export interface LaunchOptions {
  chromiumPath: string;
  extensionDir: string;
  /** Extra Chromium flags. */
  args?: string[];
  /** How long to wait for the extension and the panel to come up (ms). Default 20 s. */
  startTimeoutMs?: number;
  /**
   * Let Playwright kill Chromium on SIGINT/SIGTERM/SIGHUP (default true). The CLI sets false
   * and cleans up itself (closing Chromium and deleting the temporary profile).
   */
  handleSignals?: boolean;
  /**
   * Count the heap inside wasm (the panel's "Track allocations" switch), default true. Stored
   * through the extension's service worker before any page loads, so the content script hands
   * it to the page at its handshake.
   */
  allocationTracking?: boolean;
}

/** First line of a (Playwright) error message, which are often long call logs. */
function firstLine(err: unknown): string {
  return messageOf(err).split('\n')[0]?.trim() ?? '';
}

/** Realm given to page errors seen only through Playwright's `pageerror` (see pageErrorsSeen). */
export const MAIN_FRAME_REALM = 'main-frame';

/** Marks with `label` in the panel's trace (run in the panel). */
function countMarks(label: string): number {
  const api = (globalThis as PanelGlobal).wasmMemoryPanel;
  if (!api) return 0;
  let n = 0;
  for (const e of api.exportTrace().events) if (e.t === 'mark' && e.label === label) n++;
  return n;
}

/** Rounds in a row that must agree before `collectGarbage` calls the collected state final. */
export const STABLE_ROUNDS = 3;

/** What the collected state looks like after a GC (see `collectGarbage`): compared between rounds. */
function collectedDigest(): string {
  const api = (globalThis as PanelGlobal).wasmMemoryPanel;
  if (!api) return '';
  const r = api.report();
  const classes = r.classes.map((c) => `${c.className}:${c.created}/${c.freed}/${c.reclaimed}/${c.live}/${c.orphaned ?? '-'}`).sort();
  const collected = r.memories
    .filter((m) => m.collected)
    .map((m) => m.key)
    .sort();
  return JSON.stringify([classes, collected]);
}

export class WasmMemorySession {
  private closed = false;
  /** Uncaught exceptions Playwright saw in the page (main frame), in order. */
  private readonly playwrightErrors: Array<{ time: number; message: string }> = [];

  private constructor(
    readonly context: BrowserContext,
    /** The page under test. */
    readonly page: Page,
    /** The extension panel, bound to `page`'s tab. */
    readonly panel: Page,
    readonly extensionId: string,
    readonly tabId: number,
    private readonly profileDir: string,
    private readonly startTimeoutMs: number,
  ) {
    page.on('pageerror', (e) => {
      if (this.playwrightErrors.length < 1000) this.playwrightErrors.push({ time: Date.now(), message: e.message });
    });
  }

  /**
   * Page errors Playwright saw (`pageerror`: the main frame's uncaught exceptions) that the
   * trace's own `page-error` events do not already report, as events to add to it. The
   * extension normally reports them itself (src/injected/core/page-errors.ts); this catches a
   * page where it could not.
   */
  pageErrorsSeen(trace: Trace): PageErrorEvent[] {
    const known: string[] = [];
    for (const e of trace.events) if (e.t === 'page-error' && e.kind !== 'wasm') known.push(e.message);
    const out: PageErrorEvent[] = [];
    for (const { time, message } of this.playwrightErrors) {
      // The browser's event says "Uncaught Error: boom" where Playwright says "boom".
      if (message !== '' && known.some((k) => k === message || k.endsWith(`: ${message}`) || k.endsWith(` ${message}`))) continue;
      out.push({ t: 'page-error', time, realm: MAIN_FRAME_REALM, kind: 'error', message: message.slice(0, 512) });
    }
    return out;
  }

  static async launch(opts: LaunchOptions): Promise<WasmMemorySession> {
    const startTimeout = opts.startTimeoutMs ?? 20_000;
    const profileDir = mkdtempSync(join(tmpdir(), 'wasm-memory-record-'));
    let context: BrowserContext;
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: opts.chromiumPath,
        headless: true,
        handleSIGINT: opts.handleSignals ?? true,
        handleSIGTERM: opts.handleSignals ?? true,
        handleSIGHUP: opts.handleSignals ?? true,
        args: [
          ...QUIET_ARGS,
          `--disable-extensions-except=${opts.extensionDir}`,
          `--load-extension=${opts.extensionDir}`,
          ...(opts.args ?? []),
        ],
      });
    } catch (err) {
      rmSync(profileDir, { recursive: true, force: true });
      throw new UsageError(`could not start Chromium at ${opts.chromiumPath}: ${firstLine(err)}`);
    }
    try {
      let sw = context.serviceWorkers()[0];
      if (sw === undefined) {
        try {
          sw = await context.waitForEvent('serviceworker', { timeout: startTimeout });
        } catch (err) {
          throw new UsageError(
            `the extension in ${opts.extensionDir} did not start (no service worker within ${startTimeout / 1000} s: ${firstLine(err)}); rebuild it with npm run build`,
          );
        }
      }
      const extensionId = new URL(sw.url()).host;
      await waitForContentScripts(sw);
      await sw.evaluate(({ key, on }) => chrome.storage.local.set({ [key]: on }), {
        key: PAGE_SETTINGS_KEYS.allocationTracking,
        on: opts.allocationTracking ?? true,
      });
      const page = context.pages()[0] ?? (await context.newPage());
      await page.bringToFront();
      const url = page.url();
      // The only tab so far, brought to front: the active tab of the focused window. (Its URL
      // is about:blank, which the extension cannot read without the "tabs" permission.)
      const tabId = await sw.evaluate(async (u: string) => {
        const tabs = await chrome.tabs.query({});
        const active = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
        const hit = tabs.find((t) => t.url === u && t.active) ?? active[0] ?? (tabs.length === 1 ? tabs[0] : undefined);
        return hit?.id ?? -1;
      }, url);
      if (tabId < 0) throw new UsageError(`internal error: no Chrome tab found for the page under test (${url})`);

      const panel = await context.newPage();
      await panel.goto(`chrome-extension://${extensionId}/${PANEL_PATH}?tabId=${tabId}`);
      try {
        // The automation API exists and the panel's port to the service worker is up, so no
        // early event of the page is missed. `connected()` only turns true once the page has
        // sent events, so the port state is read from the panel's status badge
        // (data-state "waiting" or "connected"); without a badge, the API alone is enough and
        // goto() still checks that events arrive.
        await panel.waitForFunction(
          () => {
            if ((globalThis as PanelGlobal).wasmMemoryPanel === undefined) return false;
            const badge = document.querySelector('[data-testid="status"]');
            return badge === null || badge.getAttribute('data-state') !== 'disconnected';
          },
          null,
          { timeout: startTimeout, polling: 50 },
        );
      } catch (err) {
        throw new UsageError(
          `the WASM Memory panel did not connect within ${startTimeout / 1000} s (${firstLine(err)}); is ${opts.extensionDir} a complete, up-to-date build? (npm run build)`,
        );
      }
      await page.bringToFront();
      return new WasmMemorySession(context, page, panel, extensionId, tabId, profileDir, startTimeout);
    } catch (err) {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Navigates the page under test (which starts a new session in the panel) and waits until
   * the page's first events reached the panel. An unreachable URL or an HTTP error status is
   * a UsageError carrying the network error.
   */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    let response;
    try {
      response = await this.page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    } catch (err) {
      throw new UsageError(`URL unreachable: ${url}: ${firstLine(err).replace(/^page\.goto: /, '')}`);
    }
    if (response !== null && response.status() >= 400) {
      throw new UsageError(`URL unreachable: ${url}: HTTP ${response.status()} ${response.statusText()}`.trim());
    }
    try {
      await this.panel.waitForFunction(() => (globalThis as PanelGlobal).wasmMemoryPanel?.connected() === true, null, {
        timeout: this.startTimeoutMs,
        polling: 50,
      });
    } catch (err) {
      throw new UsageError(
        `no events from ${url} reached the WASM Memory panel within ${this.startTimeoutMs / 1000} s (${firstLine(err)}): the extension's scripts did not run on the page`,
      );
    }
  }

  /** Adds a mark to the recording (through the panel, as its Mark button does). */
  async mark(label: string): Promise<void> {
    if (typeof label !== 'string' || label === '') throw new UsageError('mark(label): label must be a non-empty string');
    await this.panel.evaluate((l: string) => {
      const api = (globalThis as PanelGlobal).wasmMemoryPanel;
      if (!api) throw new Error('wasmMemoryPanel is not available in the panel');
      api.mark(l);
    }, label);
  }

  /**
   * Waits until everything the page sent before now has reached the panel: sends a mark
   * through panel -> background -> content -> page and waits for it to come back in the
   * trace (the pipeline is ordered). Returns false if it did not come back in time.
   */
  async settle(timeoutMs = 10_000): Promise<boolean> {
    // Every settle sends the same label: wait for one MORE of them than were there before, not
    // for any (an earlier round's mark would end the wait at once, before this round's events).
    const before = await this.panel.evaluate(countMarks, END_MARK);
    await this.mark(END_MARK);
    try {
      await this.panel.waitForFunction(
        ({ label, before }: { label: string; before: number }) => {
          const api = (globalThis as PanelGlobal).wasmMemoryPanel;
          if (!api) return false;
          let n = 0;
          for (const e of api.exportTrace().events) if (e.t === 'mark' && e.label === label) n++;
          return n > before;
        },
        { label: END_MARK, before },
        { timeout: timeoutMs, polling: 100 },
      );
      return true;
    } catch (err) {
      if (this.panel.isClosed()) throw new UsageError(`the panel closed while recording: ${firstLine(err)}`);
      return false;
    }
  }

  /**
   * Runs a full garbage collection in the page (needs Chromium started with
   * --js-flags=--expose-gc). FinalizationRegistry callbacks, which report memories collected,
   * run as tasks afterwards; settle() after this lets them through.
   */
  async forceGc(finalizerWaitMs = 0): Promise<void> {
    const exposed = await this.page.evaluate(async (waitMs: number) => {
      const gc: unknown = (globalThis as { gc?: unknown }).gc;
      if (typeof gc !== 'function') return false;
      if (waitMs <= 0) {
        Reflect.apply(gc, undefined, []);
        return true;
      }
      // A finalization callback of our own: once it ran, this collection's cleanup tasks
      // have started (bounded: a page whose event loop is blocked does not hang us).
      let ran!: () => void;
      const finalized = new Promise<void>((resolve) => (ran = resolve));
      const registry = new FinalizationRegistry<() => void>((done) => done());
      ((): void => void registry.register({}, ran))();
      Reflect.apply(gc, undefined, []);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([finalized, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      void registry; // kept alive until its callback ran
      return true;
    }, finalizerWaitMs);
    if (!exposed) throw new UsageError('gc() is not exposed in the page: run with --gc');
  }

  /**
   * Forces garbage collections until what was collected is stable, and returns once the page
   * side has reported it (true), or false after `timeoutMs`.
   *
   * After a collection, FinalizationRegistry callbacks (ours: `collected`; the page's
   * wasm-bindgen registry: `reclaimed`) run as later tasks, one registry per task, and the
   * trackers send their counters at the next sampling tick. So each round is: a collection,
   * then waiting in the page for a finalization callback of its own to have run (bounded),
   * then a round-trip mark (the page runs a sampling tick before recording a mark, so the mark
   * comes back after the counters of that moment). Rounds repeat until STABLE_ROUNDS rounds in
   * a row show the same collected memories and class counters in the panel. One unchanged
   * round is not enough: an object can outlive a collection by one round (a creation stack
   * captured by the wasm-bindgen tracker holds it until the class's next event formats it), and
   * finalization callbacks run one registry per task, so ours may run before the page's.
   */
  async collectGarbage(timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let previous: string | null = null;
    let same = 0;
    while (Date.now() < deadline) {
      await this.forceGc(Math.min(deadline - Date.now(), 2_000));
      if (!(await this.settle(Math.max(1, deadline - Date.now())))) return false;
      const digest = await this.panel.evaluate(collectedDigest);
      same = digest === previous ? same + 1 : 0;
      if (same >= STABLE_ROUNDS - 1) return true;
      previous = digest;
    }
    return false;
  }

  /** The current session's trace, as the panel's Export button would save it. */
  async exportTrace(): Promise<Trace> {
    return this.panel.evaluate(() => {
      const api = (globalThis as PanelGlobal).wasmMemoryPanel;
      if (!api) throw new Error('wasmMemoryPanel is not available in the panel');
      return api.exportTrace();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.context.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }
}
