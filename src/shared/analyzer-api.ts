/**
 * What the analyzer (analyzer-rs compiled to wasm, behind src/analyzer/) offers to its users:
 * the panel and the command line. Types only; the implementation is src/analyzer/analyzer.ts.
 */
import type { AllocationTracking, PageEvent, RealmKind } from './protocol';

export type Severity = 'info' | 'warning' | 'error';

export type AlertKind =
  | 'bindgen-live-growth' // a wasm-bindgen class whose live count keeps rising
  | 'bindgen-forgot-free' // objects reclaimed only by the GC finalizer, never freed
  | 'memory-floor-rising' // committed memory whose floor rises from cycle to cycle
  | 'memory-replaced' // a memory / engine replaced while the old one stays alive
  | 'registry-growth' // registry counts or bytes growing without bound
  | 'fragmentation' // used memory far below committed memory
  | 'budget' // over a configured budget level
  | 'bindgen-orphaned' // objects whose JS wrapper was collected while never freed in wasm: leaked
  | 'memory-headroom' // committed bytes past a level of the memory's limit (no configuration)
  | 'out-of-memory'; // a memory could not grow: one incident of failed attempts

export interface AlertEvidence {
  /** Series the alert is about, e.g. 'memory:<key>:bytes', 'class:<name>:live'. */
  series: string;
  fromTime: number;
  toTime: number;
  /** The points that triggered it (time, value), bounded. */
  points: Array<[number, number]>;
}

export interface Alert {
  /** Stable across updates of the same finding. */
  id: string;
  kind: AlertKind;
  severity: Severity;
  /** What it is about: a class name, memory key or registry name. */
  subject: string;
  /** One line for humans. */
  title: string;
  detail: string;
  recommendation: string;
  evidence: AlertEvidence;
  state: 'active' | 'resolved';
  raisedAt: number;
  updatedAt: number;
  /** Present on `out-of-memory` alerts: the incident's attempts and what they ran into. */
  incident?: OutOfMemoryIncident;
}

/** Failed growth attempts a few milliseconds apart (a retry ladder): one incident. */
export interface OutOfMemoryIncident {
  /** Memory key. */
  memory: string;
  /** 1-based number among the memory's incidents. */
  number: number;
  /** The limit the growth ran into: the declared maximum, else the engine's limit. */
  limitBytes: number;
  /** Declared maximum, or null (the limit is the engine's). */
  maxBytes: number | null;
  /** An attempt asked for less than the limit left: the browser refused, not the limit. */
  browserRefused: boolean;
  /** The memory grew after the incident. */
  recovered: boolean;
  /** Attempts beyond those listed. */
  moreAttempts: number;
  /** JS stack of the failing call, when known. */
  stack: string | null;
  attempts: Array<{ time: number; via: 'js' | 'malloc'; requestedBytes: number; committedBytes: number }>;
}

export interface MemoryStats {
  key: string;
  owner: string;
  currentBytes: number;
  peakBytes: number;
  growthEvents: number;
  firstSeen: number;
  lastSeen: number;
  /** True when the memory was collected (unreachable) on the page. */
  collected: boolean;
  /** Declared maximum in bytes, or null when it has none (or it is not known). */
  maxBytes: number | null;
  /** The most it can commit: `maxBytes`, else the engine's limit for its index type (4 GiB for wasm32). */
  limitBytes: number;
  /**
   * The allocator's live bytes (incl. its per-chunk overhead), when counted. What they cover is
   * `tracking`: the whole heap (`inside-wasm`) or only allocations that crossed the JS boundary
   * (`js-boundary`, a part: label it so, e.g. "used (JS-boundary allocations only)"). Absent
   * when not counted, or counted inside wasm without sizes (`liveAllocations` only).
   */
  usedBytes?: number;
  /** Live allocations, counted like `usedBytes`. */
  liveAllocations?: number;
  /**
   * How this memory's heap is counted: from its latest allocator stats when there are any, else
   * from the page's heap status for it, else `none`.
   */
  tracking: AllocationTracking;
  /** Allocator recognised (e.g. `dlmalloc`), or null. */
  allocator: string | null;
  /**
   * Why the heap is not (fully) counted: the page's reason for `none` (no allocator recognised,
   * shared memory...), a fixed sentence for `js-boundary`; null when counted inside wasm or
   * unknown.
   */
  trackingReason: string | null;
  /** Allocation sites from the memory's latest `sites` snapshot, most live bytes first ([] if none). */
  sites: AllocationSite[];
  /**
   * The realm the memory lives in, from the realm's first event: its kind (top-level window,
   * frame, dedicated worker) and the URL of its document or worker script (for a worker, the
   * page's own script URL). Absent when the trace has no realm event for it.
   */
  realm?: { kind: RealmKind; url: string };
  /**
   * URL of the module whose instance exports or imports the memory (the Response URL of a
   * streamed module, else the script that compiled it). Absent when unknown.
   */
  moduleUrl?: string;
}

/** One allocation site of a memory's heap (sampled: `bytes` and `count` are estimates). */
export interface AllocationSite {
  /** Estimated live bytes allocated here. */
  bytes: number;
  /** Estimated live allocations made here. */
  count: number;
  /** Live samples behind the estimate. */
  samples: number;
  /** The stack, innermost frame first. */
  frames: string[];
  /** Its first meaningful frame (not allocator plumbing): how alerts and reports name the site. */
  frame: string;
}

export interface ClassStats {
  className: string;
  module: string | null;
  created: number;
  freed: number;
  reclaimed: number;
  live: number;
  /**
   * Objects whose JS wrapper was collected while their pointer was never released (a lower
   * bound, counted among `live`); absent when the page does not watch the class object by object.
   */
  orphaned?: number;
  /** Creation sites of live objects whose stack was captured, most objects first: see `liveSampled`. */
  liveStacks: Array<{ stack: string; count: number }>;
  /**
   * Live objects whose creation site is known (over every site, listed or not). Equal to `live`:
   * the sites' counts are exact; below it, they are a sample (scale them up to estimate).
   * Absent when the page side did not say (older traces): the counts are sampled objects.
   */
  liveSampled?: number;
  /** Creation stacks of sampled orphaned objects (counts are sampled objects). */
  orphanStacks: Array<{ stack: string; count: number }>;
}

export interface RegistryStats {
  name: string;
  memory?: string;
  stats: Record<string, number>;
}

/** Chart data for one memory: columnar, downsampled keeping peaks (min/max per bucket). */
export interface MemorySeries {
  key: string;
  /** Committed bytes. */
  times: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /**
   * The allocator's live bytes, bucketed the same way, and what they cover: the whole heap
   * (`inside-wasm`) or only allocations that crossed the JS boundary (`js-boundary`, a part:
   * label it so). Null when no live bytes are known (not counted, or counted without sizes).
   * A change of what is counted starts the series afresh: the two are never on one line.
   */
  used: UsedSeries | null;
  /** Times of growth events in the range, one per bucket (the first growth in it), ascending. */
  growth: Float64Array;
}

export interface UsedSeries {
  tracking: 'inside-wasm' | 'js-boundary';
  times: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

export interface Mark {
  time: number;
  label: string;
}

export interface Diff {
  from: Mark;
  to: Mark;
  memories: Array<{ key: string; fromBytes: number; toBytes: number; delta: number }>;
  classes: Array<{ className: string; fromLive: number; toLive: number; delta: number }>;
  registries: Array<{ name: string; field: string; from: number; to: number; delta: number }>;
}

export interface AnalyzerConfig {
  /** Budget per page in bytes (all memories), or null for none. */
  pageBudgetBytes: number | null;
  /** Budget per memory in bytes, or null for none. */
  memoryBudgetBytes: number | null;
  /** Warning levels as fractions of a budget, ascending, e.g. [0.6, 0.75, 0.85, 0.95]. */
  budgetLevels: number[];
  /** Heuristic thresholds (documented in analyzer-rs/README.md); omitted ones keep defaults. */
  thresholds?: Partial<AnalyzerThresholds>;
}

/** Tunables of the leak heuristics. Times are event-time milliseconds, sizes bytes. */
export interface AnalyzerThresholds {
  /** A series unchanged this long is resting (a cycle floor). Default 1000. */
  restMs: number;
  /** Rising rest levels needed for floor / live-count / registry growth. Default 4. */
  floorCycles: number;
  /** Smallest rise of a memory floor that counts. Default 1 MiB. */
  floorMinStepBytes: number;
  /** A finding stays active at least this long after its last evidence. Default 30000. */
  holdMs: number;
  /** Window length for series that never rest. Default 3000. */
  windowMs: number;
  /** Rising window minima needed. Default 6. */
  windowCycles: number;
  /** Smallest rise of a class live count between floors. Default 1. */
  classMinStep: number;
  /** Smallest total rise of a class live count over rising windows. Default 10. */
  classWindowMinRise: number;
  /** Smallest rise of a registry field between floors. Default 1. */
  registryMinStep: number;
  /** Marks with rising values needed for the marks-based variants. Default 4. */
  markCycles: number;
  /** An idle, uncollected memory superseded this long ago counts as replaced. Default 10000. */
  replacedGraceMs: number;
  /** Smallest replaced memory that counts. Default 1 MiB. */
  replacedMinBytes: number;
  /** Fragmentation: smallest committed size considered. Default 64 MiB. */
  fragMinCommittedBytes: number;
  /** Fragmentation: used / committed at or below this. Default 0.25. */
  fragMaxRatio: number;
  /** Fragmentation: committed - used at least this. Default 48 MiB. */
  fragMinWastedBytes: number;
  /** Fragmentation: sustained this long. Default 5000. */
  fragMinMs: number;
  /** Alerts are evaluated at most this often while ingesting (event time). Default 1000. */
  evalIntervalMs: number;
  /** Forgot-to-free turns into an error at this many reclaimed objects. Default 100. */
  forgotFreeErrorCount: number;
  /** A class with this many live objects and none ever freed or reclaimed is flagged (0: off). Default 10. */
  neverFreedMin: number;
}

export interface Report {
  memories: MemoryStats[];
  classes: ClassStats[];
  registries: RegistryStats[];
  alerts: Alert[];
  marks: Mark[];
  /** Events ingested so far. */
  eventCount: number;
  /** Input records the analyzer rejected (malformed), if it counts them. */
  badRecords?: number;
}

export interface AnalyzerApi {
  /** Feed events in arrival order. Never throws on bad data: bad events are counted and skipped. */
  ingest(events: readonly PageEvent[]): void;
  /** Chart series for all memories in [fromTime, toTime] (whole range if omitted), at most maxPoints buckets each. */
  series(maxPoints: number, fromTime?: number, toTime?: number): MemorySeries[];
  report(): Report;
  diff(fromMarkIndex: number, toMarkIndex: number): Diff | null;
  configure(config: Partial<AnalyzerConfig>): void;
  /** Forget everything (new page session). */
  reset(): void;
  /** Release the wasm instance. */
  dispose(): void;
}
