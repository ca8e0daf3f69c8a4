/**
 * Command-line parsing (pure): argv in, a typed command out, or a UsageError.
 * Built on Node's util.parseArgs in strict mode, so unknown flags are errors.
 */
import { parseArgs } from 'node:util';
import type { Severity } from '../shared/analyzer-api';
import { UsageError, messageOf } from './errors';
import { MAX_CYCLES, MIN_CYCLES } from './cycles';

export const DEFAULT_DURATION_SEC = 15;
export const DEFAULT_OUT = 'wasm-memory-trace.json';
export const DEFAULT_FAIL_ON: Severity = 'warning';
export const DEFAULT_NAV_TIMEOUT_SEC = 30;

export type HelpTopic = 'main' | 'record' | 'analyze';

export interface RecordCommand {
  kind: 'record';
  url: string;
  durationSec: number;
  out: string;
  script: string | null;
  failOn: Severity;
  json: boolean;
  navTimeoutSec: number;
  /** Expose the page's gc() and force collections before the recording ends. */
  gc: boolean;
  /** Page errors (uncaught exceptions, unhandled rejections, failed wasm) do not exit 2. */
  allowPageErrors: boolean;
  /** An out-of-memory incident does not exit 1 by itself. */
  allowOutOfMemory: boolean;
  /** Count the heap inside wasm (default); false with --no-allocations. */
  allocations: boolean;
  /** Extra Chromium command-line flags. */
  chromiumArgs: string[];
  /**
   * Load-act-repeat: run the actions script this many times, each cycle followed by forced
   * collections, a settle and a cycle mark; the per-cycle trend is judged (src/cli/cycles.ts).
   * Null without --repeat.
   */
  repeat: number | null;
}

export interface AnalyzeCommand {
  kind: 'analyze';
  file: string;
  failOn: Severity;
  json: boolean;
  /** An out-of-memory incident does not exit 1 by itself. */
  allowOutOfMemory: boolean;
}

export type Command = { kind: 'help'; topic: HelpTopic } | { kind: 'version' } | RecordCommand | AnalyzeCommand;

export const HELP: Record<HelpTopic, string> = {
  main: `Usage: wasm-memory <command> [options]

Find WebAssembly memory leaks from the command line (CI-friendly).

Commands:
  record <url>          Record a page in headless Chromium with the WASM Memory extension,
                        write the trace, print the analysis
  analyze <trace.json>  Analyze a recorded or exported trace
  help [command]        Show help for a command

Options:
  -h, --help            Show help
  -v, --version         Show the version

Exit codes: 0 no leak, 1 leak (an active alert at or above --fail-on, default warning) or an
out-of-memory incident (see --allow-out-of-memory), 2 usage or environment error, or (record) the page had errors (see --allow-page-errors).`,
  record: `Usage: wasm-memory record <url> [options]

Launches headless Chromium (CHROMIUM_PATH, else the usual install locations) with the built
WASM Memory extension, records <url> through the same pipeline as the DevTools panel, writes
the trace JSON, prints a summary and the alerts.

Options:
  -d, --duration <seconds>   Keep recording this long after the page loaded and the actions
                             script (if any) returned (default ${DEFAULT_DURATION_SEC}; 0 allowed)
  -o, --out <trace.json>     Where to write the trace (default ${DEFAULT_OUT})
  -s, --script <actions.mjs> ES module whose default export drives the page:
                               export default async function ({ page, mark, wait, log, url }) {...}
      --fail-on <severity>   Lowest alert severity that counts as a leak: info | warning | error
                             (default ${DEFAULT_FAIL_ON})
      --timeout <seconds>    Navigation timeout (default ${DEFAULT_NAV_TIMEOUT_SEC})
      --gc                   Run Chromium with --js-flags=--expose-gc and force garbage
                             collections before the recording ends, so memory the page dropped
                             is reported collected, not replaced (also enables ctx.gc())
      --allow-page-errors    Page errors (uncaught exceptions, unhandled rejections, failed
                             WebAssembly compilations/instantiations) are printed but do not
                             exit 2: the exit code is the leak verdict's
      --allow-out-of-memory  An out-of-memory incident (a memory that could not grow) is
                             reported but does not exit 1 by itself
      --no-allocations       Do not count the heap inside WebAssembly (modules are compiled
                             unchanged; no used bytes, live allocations or allocation sites),
                             like switching off "Track allocations" in the panel
      --chromium-arg=<--flag>  Extra Chromium flag, e.g. --chromium-arg=--lang=de (repeatable)
      --repeat <N>           Load-act-repeat: run the --script's default export N times (at
                             least ${MIN_CYCLES}; 5 or more recommended). After each cycle: forced garbage
                             collections (implies --gc), the page's events settled, and a mark
                             "wasm-memory: cycle i/N". The trend of committed bytes, used bytes,
                             class live counts and registry fields over the cycles is fitted
                             (cycle 1 is warm-up); a slope whose 99 % lower bound is above the
                             noise floor is a "Leaks X per cycle" alert. --duration defaults to 0
      --json                 Print the machine-readable report instead of the human one
  -h, --help                 Show this help

Exit codes: 0 no leak, 1 leak or out-of-memory incident, 2 usage or environment error.`,
  analyze: `Usage: wasm-memory analyze <trace.json> [options]

Runs the WASM Memory analyzer (the same wasm as the panel) on a trace recorded by
\`wasm-memory record\` or exported from the DevTools panel.

Options:
      --json                 Print the machine-readable report instead of the human one
      --fail-on <severity>   Lowest alert severity that counts as a leak: info | warning | error
                             (default ${DEFAULT_FAIL_ON})
      --allow-out-of-memory  An out-of-memory incident is reported but does not exit 1 by itself
  -h, --help                 Show this help

Exit codes: 0 no leak, 1 leak or out-of-memory incident, 2 usage or environment error.`,
};

const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

function parseSeverity(value: string | undefined, command: string): Severity {
  if (value === undefined) return DEFAULT_FAIL_ON;
  const hit = SEVERITIES.find((s) => s === value);
  if (!hit) {
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}; got "${value}"`, command);
  }
  return hit;
}

function parseSeconds(value: string | undefined, flag: string, fallback: number, command: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${flag} must be a number of seconds >= 0; got "${value}"`, command);
  }
  return n;
}

/** Validates the URL to record: absolute http(s) only (content scripts do not run on file:). */
export function parseRecordUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: "${raw}" (give a full http:// or https:// URL)`, 'record');
  }
  if (url.protocol === 'file:') {
    throw new UsageError(
      `cannot record a file: URL ("${raw}"): the extension does not run on file pages; serve the folder over http (e.g. npx http-server) and record that URL`,
      'record',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`only http:// and https:// URLs can be recorded; got "${raw}"`, 'record');
  }
  return url.href;
}

/** Runs parseArgs, turning its errors (unknown flag, missing value) into UsageErrors. */
function guarded<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(messageOf(err), command);
  }
}

function parseRecord(args: string[]): Command {
  const command = 'record';
  const { values, positionals } = guarded(command, () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        duration: { type: 'string', short: 'd' },
        out: { type: 'string', short: 'o' },
        script: { type: 'string', short: 's' },
        'fail-on': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        gc: { type: 'boolean' },
        'allow-page-errors': { type: 'boolean' },
        'allow-out-of-memory': { type: 'boolean' },
        'no-allocations': { type: 'boolean' },
        'chromium-arg': { type: 'string', multiple: true },
        repeat: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return { kind: 'help', topic: 'record' };
  let repeat: number | null = null;
  if (values.repeat !== undefined) {
    const n = Number(values.repeat);
    if (values.repeat.trim() === '' || !Number.isInteger(n) || n < MIN_CYCLES || n > MAX_CYCLES) {
      throw new UsageError(
        `--repeat must be a whole number of cycles from ${MIN_CYCLES} to ${MAX_CYCLES} (a trend needs at least ${MIN_CYCLES}); got "${values.repeat}"`,
        command,
      );
    }
    if (values.script === undefined) {
      throw new UsageError('--repeat needs --script <actions.mjs>: its default export is the cycle that is repeated', command);
    }
    repeat = n;
  }
  const chromiumArgs = values['chromium-arg'] ?? [];
  const badFlag = chromiumArgs.find((a) => !a.startsWith('--'));
  if (badFlag !== undefined) {
    throw new UsageError(
      `--chromium-arg must be a Chromium flag starting with "--"; got "${badFlag}" (write --chromium-arg=--flag)`,
      command,
    );
  }
  if (positionals.length === 0) throw new UsageError('record needs a URL', 'record');
  if (positionals.length > 1) {
    throw new UsageError(`record takes one URL; got ${positionals.length} arguments: ${positionals.join(' ')}`, 'record');
  }
  const out = values.out ?? DEFAULT_OUT;
  if (out === '') throw new UsageError('--out must not be empty', 'record');
  if (values.script === '') throw new UsageError('--script must not be empty', 'record');
  return {
    kind: 'record',
    url: parseRecordUrl(positionals[0] ?? ''),
    durationSec: parseSeconds(values.duration, '--duration', repeat === null ? DEFAULT_DURATION_SEC : 0, 'record'),
    out,
    script: values.script ?? null,
    failOn: parseSeverity(values['fail-on'], 'record'),
    json: values.json ?? false,
    navTimeoutSec: parseSeconds(values.timeout, '--timeout', DEFAULT_NAV_TIMEOUT_SEC, 'record'),
    gc: (values.gc ?? false) || repeat !== null,
    allowPageErrors: values['allow-page-errors'] ?? false,
    allowOutOfMemory: values['allow-out-of-memory'] ?? false,
    allocations: !(values['no-allocations'] ?? false),
    chromiumArgs,
    repeat,
  };
}

function parseAnalyze(args: string[]): Command {
  const command = 'analyze';
  const { values, positionals } = guarded(command, () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        'fail-on': { type: 'string' },
        'allow-out-of-memory': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return { kind: 'help', topic: 'analyze' };
  if (positionals.length === 0) throw new UsageError('analyze needs a trace file', 'analyze');
  if (positionals.length > 1) {
    throw new UsageError(`analyze takes one trace file; got ${positionals.length} arguments: ${positionals.join(' ')}`, 'analyze');
  }
  return {
    kind: 'analyze',
    file: positionals[0] ?? '',
    failOn: parseSeverity(values['fail-on'], 'analyze'),
    json: values.json ?? false,
    allowOutOfMemory: values['allow-out-of-memory'] ?? false,
  };
}

/** argv without the node and script entries (process.argv.slice(2)). */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      throw new UsageError('no command given (record or analyze)', 'main');
    case '-h':
    case '--help':
      return { kind: 'help', topic: 'main' };
    case '-v':
    case '--version':
      return { kind: 'version' };
    case 'help': {
      const topic = rest[0];
      if (topic === undefined) return { kind: 'help', topic: 'main' };
      if (topic === 'record' || topic === 'analyze') return { kind: 'help', topic };
      throw new UsageError(`no help for unknown command "${topic}"`, 'main');
    }
    case 'record':
      return parseRecord(rest);
    case 'analyze':
      return parseAnalyze(rest);
    default:
      throw new UsageError(first.startsWith('-') ? `unknown option "${first}" before the command` : `unknown command "${first}"`, 'main');
  }
}
