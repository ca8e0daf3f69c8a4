/**
 * Actions scripts for `record --script`: an ES module whose default export drives the page.
 *
 *   export default async function ({ page, mark, wait, log, gc, url }) {
 *     await page.click('#load');
 *     await mark('after first load');
 *   }
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright';
import { UsageError, messageOf } from './errors';
import { cycleMarkLabel } from './cycles';

export interface ActionsContext {
  /** The Playwright Page being recorded (already navigated to `url`). */
  page: Page;
  /** The URL given on the command line. */
  url: string;
  /** Adds a mark to the trace (as the panel's Mark button does). */
  mark(label: string): Promise<void>;
  /** Waits `ms` milliseconds while recording continues. */
  wait(ms: number): Promise<void>;
  /** Prints a line to stderr, prefixed with the script's name. */
  log(...parts: unknown[]): void;
  /** Forces a garbage collection in the page (needs `record --gc`). */
  gc(): Promise<void>;
}

export type ActionsFunction = (ctx: ActionsContext) => unknown;

/** Checks the loaded module's shape; pure so it can be unit-tested. */
export function actionsFromModule(mod: unknown, file: string): ActionsFunction {
  const fn: unknown = typeof mod === 'object' && mod !== null && 'default' in mod ? mod.default : undefined;
  if (typeof fn !== 'function') {
    throw new UsageError(
      `actions script ${file} must \`export default async function (ctx) { ... }\`; its default export is ${fn === undefined ? 'missing' : typeof fn}`,
    );
  }
  return (ctx: ActionsContext): unknown => Reflect.apply(fn, undefined, [ctx]);
}

/** Imports the actions script (before Chromium starts, so a bad script fails fast). */
export async function loadActions(file: string, cwd: string): Promise<ActionsFunction> {
  const abs = resolve(cwd, file);
  if (!existsSync(abs)) throw new UsageError(`actions script not found: ${abs}`);
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (err) {
    throw new UsageError(`actions script ${file} failed to load: ${messageOf(err)}`);
  }
  return actionsFromModule(mod, file);
}

export async function runActions(fn: ActionsFunction, ctx: ActionsContext, file: string): Promise<void> {
  try {
    await fn(ctx);
  } catch (err) {
    throw new UsageError(`actions script ${file} failed: ${messageOf(err)}`);
  }
}

export function wait(ms: number): Promise<void> {
  if (!Number.isFinite(ms) || ms < 0) return Promise.reject(new UsageError(`wait(ms): expected a number >= 0, got ${String(ms)}`));
  return new Promise((done) => setTimeout(done, ms));
}

/** What a load-act-repeat run needs from a recording session (WasmMemorySession). */
export interface CycleDriver {
  /** Runs one cycle (the actions script, or the Playwright helper's callback). */
  cycle(i: number): Promise<unknown>;
  /** Forces collections until what they collect is stable and reported; false on timeout. */
  collectGarbage(): Promise<boolean>;
  /** Lets everything the page sent so far reach the recorder; false on timeout. */
  settle(): Promise<boolean>;
  mark(label: string): Promise<void>;
  log(line: string): void;
}

/**
 * Load-act-repeat: runs `n` cycles; after each, forces garbage collections, lets the page's
 * events settle, and adds the mark `wasm-memory: cycle i/n` (src/cli/cycles.ts reads the
 * values at those marks), then settles again so the mark itself is in the recording.
 */
export async function runCycles(n: number, d: CycleDriver): Promise<void> {
  for (let i = 1; i <= n; i++) {
    d.log(`cycle ${i}/${n}`);
    await d.cycle(i);
    if (!(await d.collectGarbage())) {
      d.log(`warning: after cycle ${i}, what the forced garbage collections collected did not settle in time`);
    }
    await d.mark(cycleMarkLabel(i, n));
    if (!(await d.settle())) d.log(`warning: the mark of cycle ${i} did not come back through the extension in time`);
  }
}
