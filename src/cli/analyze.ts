/**
 * `analyze`: trace text -> analyzer (the analyzer-rs wasm, run in Node) -> report.
 * `record` goes through `analyzeTraceText` too, on the very text it wrote, so the two agree.
 */
import { summarizePageLink } from '../shared/page-link';
import { summarizeWorkerSkips } from '../shared/worker-skips';
import type { AnalyzerApi, Report } from '../shared/analyzer-api';
import type { Trace } from '../shared/protocol';
import { parseTrace } from '../shared/trace';
import { UsageError, messageOf } from './errors';
import type { TraceInfo } from './report';
import { cycleAlerts, cycleTrend, type CycleTrend } from './cycles';

/** Builds an analyzer from the wasm bytes (src/analyzer/analyzer.ts's createAnalyzer). */
export type AnalyzerFactory = (wasm: Uint8Array) => Promise<AnalyzerApi & { ingestFailures: number }>;

export interface Analysis {
  trace: Trace;
  /** The analyzer's report, plus the per-cycle trend's alerts of a load-act-repeat recording. */
  report: Report;
  info: TraceInfo;
  /** The per-cycle trend when the trace has cycle marks (`record --repeat`), else null. */
  cycles: CycleTrend | null;
}

/** Events fed to the analyzer per ingest call (bounded batches, like the panel's live feed). */
const INGEST_CHUNK = 5000;

export async function analyzeTrace(trace: Trace, file: string, wasm: Uint8Array, createAnalyzer: AnalyzerFactory): Promise<Analysis> {
  let analyzer: Awaited<ReturnType<AnalyzerFactory>>;
  try {
    analyzer = await createAnalyzer(wasm);
  } catch (err) {
    throw new UsageError(`the analyzer wasm could not be loaded (${messageOf(err)}); rebuild it with npm run build`);
  }
  try {
    for (let i = 0; i < trace.events.length; i += INGEST_CHUNK) {
      analyzer.ingest(trace.events.slice(i, i + INGEST_CHUNK));
    }
    const analyzed = analyzer.report();
    const cycles = cycleTrend(trace.events);
    const report = cycles === null ? analyzed : { ...analyzed, alerts: [...analyzed.alerts, ...cycleAlerts(cycles)] };
    return {
      trace,
      report,
      cycles,
      info: {
        file,
        url: trace.page.url,
        createdAt: trace.createdAt,
        generator: trace.generator,
        events: trace.events.length,
        dropped: trace.dropped,
        omitted: trace.omitted ?? 0,
        ingestFailures: analyzer.ingestFailures,
        pageLink: summarizePageLink(trace.events),
        workerSkips: summarizeWorkerSkips(trace.events),
      },
    };
  } finally {
    analyzer.dispose();
  }
}

/** Parses `text` (untrusted) and analyzes it; a malformed trace is a UsageError naming the file. */
export async function analyzeTraceText(text: string, file: string, wasm: Uint8Array, createAnalyzer: AnalyzerFactory): Promise<Analysis> {
  const parsed = parseTrace(text);
  if (!parsed.ok) throw new UsageError(`${file}: not a valid trace: ${parsed.error}`);
  return analyzeTrace(parsed.trace, file, wasm, createAnalyzer);
}
