/**
 * The `wasm-memory` command: dispatch, output and exit codes. Side effects go through `Deps`
 * so the commands can be tested without a real analyzer or browser where that makes sense.
 */
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { serializeTrace } from '../shared/trace';
import { formatPageError, summarizePageErrors, type PageErrorSummary } from '../shared/page-errors';
import type { Severity } from '../shared/analyzer-api';
import { loadActions, runActions, runCycles, wait, type ActionsFunction } from './actions';
import { analyzeTrace, analyzeTraceText, type Analysis, type AnalyzerFactory } from './analyze';
import { MAX_TRACE_CHARS, readTrace, tooLargeError } from '../shared/trace-stream';
import type { ParseTraceResult } from '../shared/trace';
import { HELP, parseCommand, type AnalyzeCommand, type RecordCommand } from './args';
import { EXIT_OK, EXIT_USAGE, UsageError, messageOf } from './errors';
import { locateAnalyzer, locateChromium, locateExtension, nodeFs, packageVersion, pathOps } from './locate';
import { findPackageRoot } from './paths';
import { formatHuman, toJsonReport } from './report';
import { WasmMemorySession } from './session';

export interface Output {
  /** Results (the report). */
  out(text: string): void;
  /** Progress, warnings and errors. */
  err(text: string): void;
}

export interface Deps {
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  cwd: string;
  /** Folder of the running CLI module; the package root is found above it. */
  moduleDir: string;
  createAnalyzer: AnalyzerFactory;
  io: Output;
  /**
   * Registers `cleanup` to run on Ctrl-C / SIGTERM while Chromium is up (then the process
   * exits 130); returns the function that unregisters it. Optional: tests leave it out.
   */
  onInterrupt?: (cleanup: () => Promise<void>) => () => void;
}

function printAnalysis(
  analysis: Analysis,
  failOn: Severity,
  json: boolean,
  version: string,
  io: Output,
  pageErrors?: PageErrorSummary,
  allowOutOfMemory = false,
): number {
  const report = toJsonReport(analysis.report, analysis.info, failOn, version, analysis.cycles, { outOfMemory: !allowOutOfMemory });
  const out =
    pageErrors === undefined
      ? report
      : {
          ...report,
          pageErrors: {
            count: pageErrors.total,
            first: pageErrors.first.map(({ kind, message, source }) =>
              source === undefined ? { kind, message } : { kind, message, source },
            ),
          },
        };
  io.out(json ? JSON.stringify(out, null, 2) : formatHuman(report));
  return report.verdict.exitCode;
}

/** Page errors shown on stderr before the report. */
const PAGE_ERRORS_SHOWN = 10;

async function runAnalyze(cmd: AnalyzeCommand, deps: Deps): Promise<number> {
  const file = resolve(deps.cwd, cmd.file);
  if (!existsSync(file)) throw new UsageError(`trace file not found: ${file}`);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new UsageError(`cannot read trace file ${file}: ${messageOf(err)}`);
  }
  // streamed, never one string: V8 strings end near 512 MiB (trace-stream.ts)
  if (size > MAX_TRACE_CHARS) throw new UsageError(`${cmd.file}: not a valid trace: ${tooLargeError(size)}`);
  let parsed: ParseTraceResult;
  try {
    parsed = await readTrace(createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>, {
      pause: () => Promise.resolve(),
    });
  } catch (err) {
    throw new UsageError(`cannot read trace file ${file}: ${messageOf(err)}`);
  }
  if (!parsed.ok) throw new UsageError(`${cmd.file}: not a valid trace: ${parsed.error}`);
  const located = locateAnalyzer(deps.moduleDir);
  const analysis = await analyzeTrace(parsed.trace, cmd.file, located.wasm, deps.createAnalyzer);
  return printAnalysis(analysis, cmd.failOn, cmd.json, located.version, deps.io, undefined, cmd.allowOutOfMemory);
}

async function runRecord(cmd: RecordCommand, deps: Deps): Promise<number> {
  const io = deps.io;
  // Everything that can be checked before Chromium starts is checked first.
  const chromiumPath = locateChromium(deps.env, deps.platform);
  const dist = locateExtension(findPackageRoot(deps.moduleDir, nodeFs, pathOps), deps.env);
  const located = locateAnalyzer(deps.moduleDir);
  const actions: ActionsFunction | null = cmd.script === null ? null : await loadActions(cmd.script, deps.cwd);
  const scriptName = cmd.script === null ? '' : basename(cmd.script);
  const outFile = resolve(deps.cwd, cmd.out);
  try {
    mkdirSync(dirname(outFile), { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create the folder for --out ${outFile}: ${messageOf(err)}`);
  }

  io.err(`wasm-memory: recording ${cmd.url} (Chromium: ${chromiumPath})`);
  const session = await WasmMemorySession.launch({
    chromiumPath,
    extensionDir: dist,
    args: [...(cmd.gc ? ['--js-flags=--expose-gc'] : []), ...cmd.chromiumArgs],
    handleSignals: deps.onInterrupt === undefined,
    allocationTracking: cmd.allocations,
  });
  const unregister = deps.onInterrupt?.(async () => {
    io.err('wasm-memory: interrupted; closing Chromium (no trace written)');
    await session.close();
  });
  let text: string;
  let pageErrors: PageErrorSummary;
  try {
    await session.goto(cmd.url, cmd.navTimeoutSec * 1000);
    if (actions !== null && cmd.script !== null) {
      const ctx = {
        page: session.page,
        url: cmd.url,
        mark: (label: string) => session.mark(label),
        wait,
        log: (...parts: unknown[]) =>
          io.err(`[${scriptName}] ${parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}`),
        gc: () => (cmd.gc ? session.forceGc() : Promise.reject(new UsageError('ctx.gc() needs record --gc'))),
      };
      if (cmd.repeat === null) {
        io.err(`wasm-memory: running actions script ${cmd.script}`);
        await runActions(actions, ctx, cmd.script);
      } else {
        const script = cmd.script;
        await runCycles(cmd.repeat, {
          cycle: () => runActions(actions, ctx, script),
          collectGarbage: () => session.collectGarbage(),
          settle: () => session.settle(),
          mark: (label) => session.mark(label),
          log: (line) => io.err(`wasm-memory: ${line}`),
        });
      }
    }
    if (cmd.durationSec > 0) {
      io.err(`wasm-memory: recording for ${cmd.durationSec} s`);
      await wait(cmd.durationSec * 1000);
    }
    if (cmd.gc && !(await session.collectGarbage())) {
      io.err(
        'wasm-memory: warning: after the forced garbage collections, what was collected did not settle in time; collected counts may be incomplete',
      );
    }
    if (!(await session.settle())) {
      io.err('wasm-memory: warning: the final mark did not come back through the extension in time; the trace may miss the last events');
    }
    const trace = await session.exportTrace();
    const unseen = session.pageErrorsSeen(trace);
    if (unseen.length > 0) trace.events.push(...unseen);
    pageErrors = summarizePageErrors(trace.events, PAGE_ERRORS_SHOWN);
    text = serializeTrace(trace);
  } finally {
    unregister?.();
    await session.close();
  }
  try {
    writeFileSync(outFile, text);
  } catch (err) {
    throw new UsageError(`cannot write the trace to ${outFile}: ${messageOf(err)}`);
  }
  io.err(`wasm-memory: trace written to ${outFile}`);
  const analysis = await analyzeTraceText(text, cmd.out, located.wasm, deps.createAnalyzer);
  if (analysis.trace.events.length === 0) {
    io.err('wasm-memory: warning: no events were recorded (does the page use WebAssembly?)');
  }
  for (const e of pageErrors.first) io.err(`page error: ${formatPageError(e)}`);
  if (pageErrors.total > pageErrors.first.length)
    io.err(`page error: ... and ${pageErrors.total - pageErrors.first.length} more (all in the trace)`);
  const verdict = printAnalysis(analysis, cmd.failOn, cmd.json, located.version, io, pageErrors, cmd.allowOutOfMemory);
  if (pageErrors.total === 0) return verdict;
  const what = `the page had ${pageErrors.total} error${pageErrors.total === 1 ? '' : 's'} while recording (uncaught exceptions, unhandled rejections or failed WebAssembly compilations/instantiations, printed above)`;
  if (cmd.allowPageErrors) {
    io.err(`wasm-memory: warning: ${what}; allowed by --allow-page-errors`);
    return verdict;
  }
  io.err(
    `wasm-memory: error: ${what}: it did not load cleanly, so its memory was not checked as it runs for users. Fix them, or pass --allow-page-errors to judge the recording anyway`,
  );
  return EXIT_USAGE;
}

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  try {
    const cmd = parseCommand(argv);
    switch (cmd.kind) {
      case 'help':
        deps.io.out(HELP[cmd.topic]);
        return EXIT_OK;
      case 'version':
        deps.io.out(packageVersion(findPackageRoot(deps.moduleDir, nodeFs, pathOps)));
        return EXIT_OK;
      case 'analyze':
        return await runAnalyze(cmd, deps);
      case 'record':
        return await runRecord(cmd, deps);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      deps.io.err(`wasm-memory: error: ${err.message}`);
      if (err.helpFor !== null) {
        deps.io.err(err.helpFor === 'main' ? 'Run wasm-memory --help for usage.' : `Run wasm-memory ${err.helpFor} --help for usage.`);
      }
      return EXIT_USAGE;
    }
    deps.io.err(`wasm-memory: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT_USAGE;
  }
}
