/**
 * What `analyze` and `record` print: the machine-readable JSON report (--json) and the human
 * report. Pure functions of the analyzer's Report plus a little context.
 */
import type { PageLinkSummary } from '../shared/page-link';
import type { WorkerSkipSummary } from '../shared/worker-skips';
import type { Alert, ClassStats, Report, Severity } from '../shared/analyzer-api';
import { sortAlerts } from '../shared/alerts';
import { formatBytes } from '../shared/bytes';
import type { AllocationTracking, RealmKind } from '../shared/protocol';
import { failingAlerts, exitCodeFor, outOfMemoryAlerts, type VerdictOptions } from './verdict';
import { formatPerCycle, sparkline, type CycleTrend, type SeriesKind } from './cycles';

/** Context about the trace that was analyzed. */
export interface TraceInfo {
  /** Trace file path as given on the command line (or written by record). */
  file: string;
  /** Page URL the trace was recorded on. */
  url: string;
  createdAt: string;
  generator: string;
  events: number;
  /** Events the page side dropped while recording, refused as malformed, or lost on the way. */
  dropped: number;
  /** Events the recorder left out of the trace (session cap). */
  omitted: number;
  /** Events the analyzer refused as malformed. */
  ingestFailures: number;
  /** The page channel: documents silent at the end, channels replaced, events lost (link events). */
  pageLink: PageLinkSummary;
  /** The page's workers that could not be instrumented, and why (worker-skipped events). */
  workerSkips: WorkerSkipSummary;
}

/** The --json output. Stable field names; documented in docs/CLI.md. */
export interface JsonReport {
  tool: 'wasm-memory';
  version: string;
  trace: TraceInfo;
  /** `outOfMemory`: out-of-memory incidents (active or resolved); they fail the run unless allowed. */
  verdict: { failOn: Severity; leak: boolean; exitCode: number; failingAlerts: number; outOfMemory: number; outOfMemoryFails: boolean };
  alerts: Array<{
    id: string;
    kind: Alert['kind'];
    severity: Severity;
    subject: string;
    state: Alert['state'];
    title: string;
    detail: string;
    recommendation: string;
    raisedAt: number;
    updatedAt: number;
    evidence: Alert['evidence'];
    /** out-of-memory alerts: the incident's attempts, limit and stack. */
    incident?: Alert['incident'];
  }>;
  /** The analyzer's class counters without their stacks (`orphaned`: a lower bound; absent when not watched). */
  classes: Array<Omit<ClassStats, 'liveStacks' | 'orphanStacks'>>;
  memories: Array<{
    key: string;
    owner: string;
    /** The realm it lives in: kind (window, frame, worker) and document or worker-script URL; null when unknown. */
    realm: { kind: RealmKind; url: string } | null;
    /** URL of the module whose instance exports or imports it; null when unknown. */
    moduleUrl: string | null;
    currentBytes: number;
    peakBytes: number;
    growthEvents: number;
    collected: boolean;
    /** Declared maximum in bytes, or null (its limit is then the engine's). */
    maxBytes: number | null;
    /** The most it can commit: maxBytes, else the engine's limit for its index type. */
    limitBytes: number;
    /** The allocator's live bytes, or null when the heap is not counted; what they cover is `allocationTracking.mode`. */
    usedBytes: number | null;
    /** Live allocations, counted like usedBytes. */
    liveAllocations: number | null;
    /** Allocator recognised (e.g. dlmalloc), or null. */
    allocator: string | null;
    /** inside-wasm: the whole heap; js-boundary: only allocations that crossed the JS boundary; none: not counted. */
    allocationTracking: { mode: AllocationTracking; reason: string | null };
  }>;
  /** Every memory's allocation sites (latest snapshot), most estimated live bytes first. */
  allocationSites: Array<{
    memory: string;
    /** Estimated live bytes allocated at the site (sampled). */
    bytes: number;
    /** Estimated live allocations made there (sampled). */
    count: number;
    /** The stack, innermost frame first. */
    frames: string[];
    /** Its first meaningful frame (not allocator plumbing): how alerts name the site. */
    frame: string;
  }>;
  registries: Array<{ name: string; memory?: string; stats: Record<string, number> }>;
  marks: Array<{ time: number; label: string }>;
  /**
   * Load-act-repeat (`record --repeat`): per series, the values after each cycle and the fit
   * (slope per cycle, its one-sided 99 % bounds, t, degrees of freedom; null below 3 cycles),
   * the noise floor, and whether it leaks. Absent when the trace has no cycle marks.
   */
  cycles?: {
    count: number;
    series: Array<{
      kind: SeriesKind;
      name: string;
      values: number[];
      slopePerCycle: number | null;
      lower: number | null;
      upper: number | null;
      t: number | null;
      df: number | null;
      noiseFloor: number;
      leak: boolean;
    }>;
  };
}

export function toJsonReport(
  report: Report,
  info: TraceInfo,
  failOn: Severity,
  version: string,
  cycles?: CycleTrend | null,
  options: VerdictOptions = {},
): JsonReport {
  const failing = failingAlerts(report, failOn, options);
  const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);
  return {
    ...(cycles
      ? {
          cycles: {
            count: cycles.cycles,
            series: cycles.series.map((s) => ({
              kind: s.kind,
              name: s.name,
              values: [...s.values],
              slopePerCycle: finite(s.fit?.slope),
              lower: finite(s.fit?.lower),
              upper: finite(s.fit?.upper),
              t: s.fit === null ? null : Number.isFinite(s.fit.t) ? s.fit.t : null,
              df: s.fit?.df ?? null,
              noiseFloor: s.floor,
              leak: s.leak,
            })),
          },
        }
      : {}),
    tool: 'wasm-memory',
    version,
    trace: info,
    verdict: {
      failOn,
      leak: failing.length > 0,
      exitCode: exitCodeFor(report, failOn, options),
      failingAlerts: failing.length,
      outOfMemory: outOfMemoryAlerts(report).length,
      outOfMemoryFails: options.outOfMemory ?? true,
    },
    alerts: sortAlerts(report.alerts).map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      subject: a.subject,
      state: a.state,
      title: a.title,
      detail: a.detail,
      recommendation: a.recommendation,
      raisedAt: a.raisedAt,
      updatedAt: a.updatedAt,
      evidence: a.evidence,
      ...(a.incident === undefined ? {} : { incident: a.incident }),
    })),
    classes: report.classes.map((c) => ({
      className: c.className,
      module: c.module,
      created: c.created,
      freed: c.freed,
      reclaimed: c.reclaimed,
      live: c.live,
      ...(c.orphaned !== undefined ? { orphaned: c.orphaned } : {}),
    })),
    memories: report.memories.map((m) => ({
      key: m.key,
      owner: m.owner,
      realm: m.realm === undefined ? null : { kind: m.realm.kind, url: m.realm.url },
      moduleUrl: m.moduleUrl ?? null,
      currentBytes: m.currentBytes,
      peakBytes: m.peakBytes,
      growthEvents: m.growthEvents,
      collected: m.collected,
      maxBytes: m.maxBytes ?? null,
      limitBytes: m.limitBytes,
      usedBytes: m.usedBytes ?? null,
      liveAllocations: m.liveAllocations ?? null,
      allocator: m.allocator ?? null,
      allocationTracking: { mode: m.tracking ?? 'none', reason: m.trackingReason ?? null },
    })),
    allocationSites: report.memories
      .flatMap((m) =>
        (m.sites ?? []).map((s) => ({ memory: m.key, bytes: s.bytes, count: s.count, frames: [...s.frames], frame: s.frame })),
      )
      .sort((a, b) => b.bytes - a.bytes),
    registries: report.registries.map((r) => ({
      name: r.name,
      ...(r.memory === undefined ? {} : { memory: r.memory }),
      stats: { ...r.stats },
    })),
    marks: report.marks.map((m) => ({ time: m.time, label: m.label })),
  };
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}

/** Allocation sites listed by the human report. */
export const TOP_SITES = 10;

/**
 * The heap part of a memory's line. "used" is the allocator's live bytes, qualified when only
 * a part of the heap was counted; a heap not counted says why, when the page said.
 */
function heapText(m: JsonReport['memories'][number]): string {
  const { mode, reason } = m.allocationTracking;
  if (m.usedBytes === null) {
    if (mode === 'none') return reason ? `  heap not counted (${reason})` : '';
    if (m.liveAllocations === null) return '';
    // Counted inside wasm without sizes: counts are whole, bytes unknown.
    return `  ${m.liveAllocations} live allocations (bytes not known)${m.allocator ? `, ${m.allocator}` : ''}`;
  }
  const label = mode === 'inside-wasm' ? 'used' : 'used (JS-boundary allocations only)';
  const allocs = m.liveAllocations === null ? '' : ` in ${m.liveAllocations} allocations`;
  const allocator = m.allocator ? `, ${m.allocator}` : '';
  return `  ${label} ${formatBytes(m.usedBytes)}${allocs}${allocator}`;
}

/** "  (worker <url>)", "  (frame <url>)": the realm of a memory outside the top-level window. */
function realmText(m: JsonReport['memories'][number]): string {
  if (m.realm === null || m.realm.kind === 'window') return '';
  return `  (${m.realm.kind} ${m.realm.url})`;
}

function seriesName(s: NonNullable<JsonReport['cycles']>['series'][number]): string {
  return s.kind === 'class' ? `class ${s.name}` : s.kind === 'registry' ? `registry ${s.name}` : s.name;
}

/** "headroom 256 KiB of 6.25 MiB (96% used, declared maximum)": how far from its limit a memory is. */
export function headroomText(m: Pick<JsonReport['memories'][number], 'currentBytes' | 'maxBytes' | 'limitBytes'>): string {
  if (!(m.limitBytes > 0)) return '';
  const pct = Math.floor((m.currentBytes / m.limitBytes) * 100);
  const source = m.maxBytes !== null ? 'declared maximum' : 'engine limit';
  return `  headroom ${formatBytes(Math.max(0, m.limitBytes - m.currentBytes))} of ${formatBytes(m.limitBytes)} (${pct}% used, ${source})`;
}

/** The human report. */
export function formatHuman(r: JsonReport): string {
  const out: string[] = [];
  const t = r.trace;
  out.push(`WASM Memory report for ${t.url || '(unknown page)'}`);
  const omitted = t.omitted > 0 ? `, ${t.omitted} omitted by the recorder` : '';
  const rejected = t.ingestFailures > 0 ? `, ${t.ingestFailures} rejected by the analyzer` : '';
  out.push(`  trace: ${t.file} (${t.events} events, ${t.dropped} dropped${omitted}${rejected})`);
  if (t.dropped > 0 || t.omitted > 0) out.push('  warning: events were lost while recording; counts may be low');
  const link = t.pageLink;
  if (link.reconnects > 0 || link.lost > 0) {
    out.push(`  warning: the channel to the page died and was replaced ${link.reconnects} time(s); ${link.lost} events lost on the way`);
  }
  for (const s of link.silent)
    out.push(
      s.worker
        ? `  warning: the worker ${s.url} went silent and stayed so (busy, hung, or gone without terminate()): nothing was recorded from it after that`
        : `  warning: the page side of ${s.url} went silent and stayed so: nothing was recorded from it after that`,
    );
  for (const n of link.notVisible)
    out.push(`  warning: not visible: ${n.frame ? 'a frame' : 'the page'} (${n.url}) never connected: nothing in it was recorded`);
  for (const w of t.workerSkips.workers) out.push(`  warning: worker not instrumented: ${w.url || '(no URL string)'}: ${w.text}`);
  if (t.workerSkips.more > 0) out.push(`  warning: ${t.workerSkips.more} more kinds of workers not instrumented`);

  out.push('');
  out.push(`Memories (${r.memories.length})`);
  if (r.memories.length === 0) out.push('  none seen');
  for (const m of r.memories) {
    const used = heapText(m);
    out.push(
      `  ${m.key}  current ${formatBytes(m.currentBytes)}  peak ${formatBytes(m.peakBytes)}${used}${headroomText(m)}  grew ${m.growthEvents}x${m.collected ? '  (collected)' : ''}${m.owner ? `  ${m.owner}` : ''}${m.moduleUrl && m.moduleUrl !== m.owner ? `  module ${m.moduleUrl}` : ''}${realmText(m)}`,
    );
  }

  if (r.cycles !== undefined) {
    const c = r.cycles;
    out.push('');
    out.push(`Per-cycle trend (${c.count} cycles; values after each cycle, fitted from cycle 1 on: cycle 1 is warm-up)`);
    const width = Math.max(...c.series.map((s) => seriesName(s).length));
    for (const s of c.series) {
      const per = (v: number) => formatPerCycle(s.kind, v);
      const last = s.values[s.values.length - 1] ?? 0;
      const fit =
        s.slopePerCycle === null
          ? 'too few cycles to fit'
          : `${s.slopePerCycle >= 0 ? '+' : ''}${per(s.slopePerCycle)}/cycle (99 % ${per(s.lower ?? 0)} .. ${per(s.upper ?? 0)})${s.leak ? '  LEAK' : ''}`;
      out.push(`  ${seriesName(s).padEnd(width)}  ${sparkline(s.values)}  now ${per(last)}  ${fit}`);
    }
  }

  if (r.allocationSites.length > 0) {
    const shown = r.allocationSites.slice(0, TOP_SITES);
    out.push('');
    out.push(`Top allocation sites (${shown.length} of ${r.allocationSites.length}; sampled estimates of live bytes)`);
    for (const s of shown) out.push(`  ~${formatBytes(s.bytes)}  ~${Math.round(s.count)} allocations  ${s.frame}  (${s.memory})`);
  }

  if (r.classes.length > 0) {
    out.push('');
    out.push(`wasm-bindgen classes (${r.classes.length})`);
    for (const c of r.classes) {
      const orphaned = c.orphaned !== undefined ? `  orphaned (at least) ${c.orphaned}` : '';
      out.push(`  ${c.className}  created ${c.created}  freed ${c.freed}  reclaimed ${c.reclaimed}  live ${c.live}${orphaned}`);
    }
  }

  if (r.registries.length > 0) {
    out.push('');
    out.push(`Registries (${r.registries.length})`);
    for (const g of r.registries) {
      const stats = Object.entries(g.stats)
        .map(([k, v]) => `${k} ${v}`)
        .join('  ');
      out.push(`  ${g.name}  ${stats}`);
    }
  }

  if (r.marks.length > 0) {
    out.push('');
    out.push(`Marks (${r.marks.length})`);
    const t0 = r.marks[0]?.time ?? 0;
    for (const m of r.marks) out.push(`  +${((m.time - t0) / 1000).toFixed(2)} s  ${m.label}`);
  }

  const active = r.alerts.filter((a) => a.state === 'active').length;
  out.push('');
  out.push(`Alerts (${active} active, ${r.alerts.length - active} resolved)`);
  if (r.alerts.length === 0) out.push('  none');
  for (const a of r.alerts) {
    const tag = a.state === 'active' ? a.severity.toUpperCase() : `resolved ${a.severity}`;
    out.push(`  [${tag}] ${a.kind}  ${a.subject}`);
    out.push(`    ${a.title}`);
    if (a.detail) out.push(indent(a.detail, '    '));
    if (a.recommendation) out.push(indent(`Fix: ${a.recommendation}`, '    '));
  }

  out.push('');
  const v = r.verdict;
  const oom = v.outOfMemory === 1 ? '1 out-of-memory incident' : `${v.outOfMemory} out-of-memory incidents`;
  if (v.outOfMemory > 0 && v.outOfMemoryFails) {
    out.push(`OUT OF MEMORY: ${oom} (exit 1; --allow-out-of-memory to judge leaks only)`);
  } else {
    if (v.outOfMemory > 0) out.push(`note: ${oom}, allowed by --allow-out-of-memory`);
    out.push(
      v.leak
        ? `LEAK: ${v.failingAlerts} active alert${v.failingAlerts === 1 ? '' : 's'} at severity ${v.failOn} or above (exit 1)`
        : `OK: no active alert at severity ${v.failOn} or above (exit 0)`,
    );
  }
  return out.join('\n');
}
