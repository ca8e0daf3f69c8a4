/**
 * wasm-memory/testing: assert "no WebAssembly leak" in a project's own Playwright tests.
 *
 *   import { test } from '@playwright/test';
 *   import { launchWasmMemory } from 'wasm-memory/testing';
 *
 *   test('loading files does not leak wasm memory', async () => {
 *     const wm = await launchWasmMemory();
 *     try {
 *       await wm.goto('http://localhost:5173/');
 *       for (let i = 0; i < 5; i++) await wm.page.click('#load');
 *       await wm.mark('after 5 loads');
 *       await wm.expectNoWasmLeaks();
 *     } finally {
 *       await wm.close();
 *     }
 *   });
 *
 * Load-act-repeat: `await expectNoWasmLeak(wm.page, async (page) => { ...one cycle... }, { repeat: 5 })`
 * runs the cycle 5 times, each followed by forced collections (launch with `gc: true`), a
 * settle and a cycle mark, and fails with "Leaks X per cycle" when a per-cycle trend rises
 * (the rule of `wasm-memory record --repeat`, docs/CLI.md).
 *
 * It launches headless Chromium with the package's built extension, records the page through
 * the extension's panel exactly as `wasm-memory record` does, and runs the same analyzer.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright';
import { createAnalyzer } from '../src/analyzer/analyzer';
import type { Report } from '../src/shared/analyzer-api';
import type { Trace } from '../src/shared/protocol';
import { serializeTrace } from '../src/shared/trace';
import { analyzeTraceText, type Analysis } from '../src/cli/analyze';
import { locateAnalyzer, locateChromium, locateExtension, type AnalyzerLocation } from '../src/cli/locate';
import { WasmMemorySession } from '../src/cli/session';
import { runCycles } from '../src/cli/actions';
import { MAX_CYCLES, MIN_CYCLES, type CycleTrend } from '../src/cli/cycles';
import { assertNoWasmLeaks, leakAlerts, type NoLeakOptions } from './assert';

export { assertNoWasmLeaks, leakAlerts, type NoLeakOptions };
export type { Alert, AlertKind, Report, Severity } from '../src/shared/analyzer-api';
export type { Trace } from '../src/shared/protocol';
export type { CycleTrend, CycleSeries, TrendFit } from '../src/cli/cycles';

/** Options of expectNoWasmLeak: the cycle count and what counts as a leak. */
export interface CycleLeakOptions extends NoLeakOptions {
  /** Cycles to run (at least 3; default 5). Cycle 1 is warm-up: only cycles 2.. are judged. */
  repeat?: number;
}

/** What expectNoWasmLeak resolves to when nothing leaks. */
export interface CycleResult {
  report: Report;
  /** The per-cycle series and their fits. */
  cycles: CycleTrend;
}

/** The recorder of each page launchWasmMemory opened (for expectNoWasmLeak(page, ...)). */
const recorders = new WeakMap<Page, WasmMemoryRecorder>();

export interface LaunchWasmMemoryOptions {
  /** Chromium or Chrome binary; default CHROMIUM_PATH, then the usual install locations. */
  chromiumPath?: string;
  /** The built extension; default the package's own dist/. */
  extensionDir?: string;
  /** Extra Chromium flags. */
  args?: string[];
  /**
   * Start Chromium with --js-flags=--expose-gc: `gc()` works, and `expectNoWasmLeaks()` first
   * forces two collections so memory the page dropped counts as collected (as `record --gc`).
   */
  gc?: boolean;
}

export class WasmMemoryRecorder {
  constructor(
    private readonly session: WasmMemorySession,
    private readonly analyzer: AnalyzerLocation,
    private readonly gcExposed: boolean,
  ) {}

  /** The browser context (the extension is loaded in it). */
  get context(): BrowserContext {
    return this.session.context;
  }

  /** The recorded page: drive it as in any Playwright test. */
  get page(): Page {
    return this.session.page;
  }

  /** Navigates the recorded page (a navigation starts a new recording session). */
  goto(url: string, timeoutMs?: number): Promise<void> {
    return this.session.goto(url, timeoutMs);
  }

  /** Adds a mark to the recording. */
  mark(label: string): Promise<void> {
    return this.session.mark(label);
  }

  /** Forces a garbage collection in the page and lets the resulting events through (needs `gc: true`). */
  async gc(): Promise<void> {
    if (!this.gcExposed) throw new Error('gc() needs launchWasmMemory({ gc: true })');
    await this.session.forceGc();
    await this.session.settle();
  }

  /** The trace so far (after waiting for in-flight events to reach the panel). */
  async trace(): Promise<Trace> {
    await this.session.settle();
    return this.session.exportTrace();
  }

  /** Writes the trace so far to `file` (for `wasm-memory analyze` or the panel's Import). */
  async saveTrace(file: string): Promise<Trace> {
    const trace = await this.trace();
    writeFileSync(resolve(file), serializeTrace(trace));
    return trace;
  }

  /** Runs the analyzer on the trace so far (the same code path as `wasm-memory analyze`). */
  async analyze(): Promise<Analysis> {
    const text = serializeTrace(await this.trace());
    return analyzeTraceText(text, '(recording)', this.analyzer.wasm, (wasm) => createAnalyzer(wasm));
  }

  /** The analyzer's report on the trace so far. */
  async report(): Promise<Report> {
    return (await this.analyze()).report;
  }

  /**
   * Throws an AssertionError listing the alerts if the recording so far has an active alert at
   * or above `failOn` (default 'warning'). Resolves to the report otherwise. When launched with
   * `gc: true`, forced collections come first, until what they collect is reported and stable
   * (as `record --gc`).
   */
  async expectNoWasmLeaks(options: NoLeakOptions = {}): Promise<Report> {
    if (this.gcExposed) await this.session.collectGarbage();
    const report = await this.report();
    assertNoWasmLeaks(report, options);
    return report;
  }

  /**
   * Load-act-repeat: runs `cycle` `repeat` times (default 5); after each, forced collections
   * until what they collect is stable, a settle and the mark `wasm-memory: cycle i/N`. Throws an
   * AssertionError if the recording has an active alert at or above `failOn`, including "Leaks
   * X per cycle" for a per-cycle trend (committed bytes, used bytes, class live counts,
   * registry fields) whose 99 % lower bound is above its noise floor. Needs `gc: true`.
   */
  async expectNoWasmLeak(cycle: (page: Page, i: number) => unknown, options: CycleLeakOptions = {}): Promise<CycleResult> {
    if (!this.gcExposed) throw new Error('expectNoWasmLeak needs launchWasmMemory({ gc: true }): each cycle ends with forced collections');
    const repeat = options.repeat ?? 5;
    if (!Number.isInteger(repeat) || repeat < MIN_CYCLES || repeat > MAX_CYCLES) {
      throw new RangeError(`expectNoWasmLeak: repeat must be a whole number from ${MIN_CYCLES} to ${MAX_CYCLES}; got ${String(repeat)}`);
    }
    await runCycles(repeat, {
      cycle: async (i) => cycle(this.page, i),
      collectGarbage: () => this.session.collectGarbage(),
      settle: () => this.session.settle(),
      mark: (label) => this.session.mark(label),
      log: () => undefined,
    });
    const analysis = await this.analyze();
    if (analysis.cycles === null) throw new Error('expectNoWasmLeak: the cycle marks did not reach the recording (the page navigated?)');
    assertNoWasmLeaks(analysis.report, options);
    return { report: analysis.report, cycles: analysis.cycles };
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/**
 * Load-act-repeat on a page opened by launchWasmMemory (its `.page`, or the recorder itself):
 * see WasmMemoryRecorder.expectNoWasmLeak.
 */
export function expectNoWasmLeak(
  page: Page | WasmMemoryRecorder,
  cycle: (page: Page, i: number) => unknown,
  options: CycleLeakOptions = {},
): Promise<CycleResult> {
  const recorder = page instanceof WasmMemoryRecorder ? page : recorders.get(page);
  if (recorder === undefined) throw new Error('expectNoWasmLeak: this page was not opened by launchWasmMemory() (use wm.page)');
  return recorder.expectNoWasmLeak(cycle, options);
}

/**
 * The package's built extension folder (its dist/), e.g. to load the extension in a context of
 * your own: `--disable-extensions-except=<path> --load-extension=<path>`.
 */
export function wasmMemoryExtensionPath(): string {
  return locateExtension(locateAnalyzer(dirname(fileURLToPath(import.meta.url))).root, process.env);
}

/** Launches headless Chromium with the WASM Memory extension, ready to record one page. */
export async function launchWasmMemory(options: LaunchWasmMemoryOptions = {}): Promise<WasmMemoryRecorder> {
  const env = process.env;
  const analyzer = locateAnalyzer(dirname(fileURLToPath(import.meta.url)));
  const chromiumPath = options.chromiumPath ?? locateChromium(env, process.platform);
  const extensionDir = options.extensionDir ?? locateExtension(analyzer.root, env);
  const args = [...(options.gc === true ? ['--js-flags=--expose-gc'] : []), ...(options.args ?? [])];
  const session = await WasmMemorySession.launch({ chromiumPath, extensionDir, args });
  const recorder = new WasmMemoryRecorder(session, analyzer, options.gc === true);
  recorders.set(session.page, recorder);
  return recorder;
}
