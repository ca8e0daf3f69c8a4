/**
 * The one wire protocol of WASM Memory.
 *
 * Every message that crosses a boundary (page -> content script -> service worker -> panel,
 * and the recorded trace file) is typed here. The page side is untrusted: everything that
 * arrives from it goes through `validatePageEvent` (see ./validate.ts) before it is used.
 *
 * Bump PROTOCOL_VERSION when a message changes shape in a way an older peer would misread
 * (a renamed or retyped field, a changed meaning). Adding an optional field or a new event
 * type that old peers can ignore does not need a bump. The handshake refuses a peer whose
 * version differs, so the panel can tell the user to reload the page.
 */
export const PROTOCOL_VERSION = 1;

/** Tag on every window.postMessage of ours, so the content script ignores the page's own. */
export const PAGE_SOURCE = 'wasm-memory-injected';
export const CONTENT_SOURCE = 'wasm-memory-content';

/** Port names (chrome.runtime.connect) used between the extension's contexts. */
export const PORT_CONTENT = 'wasm-memory:content';
export const PORT_PANEL = 'wasm-memory:panel';

/** Bounds applied to untrusted page data. */
export const LIMITS = {
  /** Longest string kept from the page (labels, URLs, class names); longer ones are cut. */
  maxString: 512,
  /** Longest stack kept (characters). */
  maxStack: 4096,
  /** Most events in one batch; the rest of an oversized batch is dropped and counted. */
  maxBatch: 2000,
  /** Most memories sampled in one `sample` event. */
  maxSampleEntries: 256,
  /** Most numeric fields in one registry stats record. */
  maxRegistryFields: 32,
  /** Most creation stacks kept per class on the page side. */
  maxStacksPerClass: 32,
  /** Most allocation sites in one `sites` event. */
  maxSites: 64,
  /** Most frames kept per allocation site. */
  maxSiteFrames: 24,
  /** Most export names listed in one module event (the page side lists at most this many). */
  maxExportNames: 256,
  /** Most memories listed in one instance event. */
  maxInstanceMemories: 64,
  /**
   * Most `page-error` events one realm sends one by one; beyond, the page side only counts
   * (`skipped`, see PageErrorEvent) so an error loop cannot flood the pipeline.
   */
  maxPageErrorsPerRealm: 100,
  /** Most distinct `worker-skipped` events one realm sends (same reason and URL: sent once). */
  maxWorkerSkips: 64,
} as const;

/** Milliseconds since the Unix epoch (performance.timeOrigin + performance.now()). */
export type EpochMs = number;

/**
 * Identifies one JS realm (a frame's window or a worker). Random per realm, so keys built
 * from it are unique within a tab without coordination.
 */
export type RealmId = string;

/** `${realm}:${n}`: a memory, module or instance, unique within the tab. */
export type ObjectKey = string;

// The closed lists of values below are the single source for both the types and the checks in
// ./validate.ts: add a value here and the validator accepts it.

/**
 * What a realm is: `window`, a top-level document; `frame`, a frame's document (not the
 * top-level one; traces before it say `window` for frames too); `worker`, a dedicated worker
 * started through the Worker hook. Shared and service workers are not instrumented.
 */
export const REALM_KINDS = ['window', 'worker', 'frame'] as const;
export type RealmKind = (typeof REALM_KINDS)[number];

/**
 * How we first saw a memory:
 * - 'constructor': new WebAssembly.Memory(...)
 * - 'export': found in instance.exports (any export name)
 * - 'import': passed in the import object and not seen before
 */
export const MEMORY_ORIGINS = ['constructor', 'export', 'import'] as const;
export type MemoryOrigin = (typeof MEMORY_ORIGINS)[number];

/** How an instance came to be. */
export const INSTANTIATE_VIAS = ['instantiate', 'instantiateStreaming', 'Instance'] as const;
export type InstantiateVia = (typeof INSTANTIATE_VIAS)[number];

/** What kind of toolchain produced an instance, as far as its exports tell. */
export const TOOLCHAINS = ['wasm-bindgen', 'emscripten', 'unknown'] as const;
export type Toolchain = (typeof TOOLCHAINS)[number];

/** How a growth was seen: 'js': Memory.prototype.grow was called; 'wasm': seen by sampling. */
export const GROW_VIAS = ['js', 'wasm'] as const;
export type GrowVia = (typeof GROW_VIAS)[number];

/**
 * How a failed growth was seen (GrowFailedEvent): 'js': Memory.prototype.grow threw (a
 * RangeError); 'malloc': the module's allocator, counted inside wasm, returned NULL for a request
 * (its own `memory.grow` having returned -1 inside wasm).
 */
export const GROW_FAILURE_VIAS = ['js', 'malloc'] as const;
export type GrowFailureVia = (typeof GROW_FAILURE_VIAS)[number];

/** Index (address) types of a memory: wasm32 and memory64. */
export const ADDRESS_TYPES = ['i32', 'i64'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

/** Every page event discriminant (`PageEvent['t']`), in the order of the union below. */
export const PAGE_EVENT_TYPES = [
  'realm',
  'module',
  'memory',
  'instance',
  'sample',
  'grow',
  'grow-failed',
  'collected',
  'bindgen',
  'alloc',
  'heap',
  'sites',
  'registry',
  'mark',
  'page-error',
  'link',
  'worker-skipped',
] as const;

// ---------------------------------------------------------------------------------------
// Page events: produced by src/injected, relayed unchanged (after validation), stored in
// traces, ingested by the analyzer. `t` is the discriminant; `time` is EpochMs.
// ---------------------------------------------------------------------------------------

/** First event of a realm: who is talking. */
export interface RealmEvent {
  t: 'realm';
  time: EpochMs;
  realm: RealmId;
  kind: RealmKind;
  /** URL of the frame document or the worker script. */
  url: string;
  /** The realm that started this one (a worker's parent), if any. */
  parent?: RealmId;
}

/** A module compiled (any path). */
export interface ModuleEvent {
  t: 'module';
  time: EpochMs;
  key: ObjectKey;
  /** Where the bytes came from: the Response URL for streaming paths, else the calling script's URL. */
  url: string;
  byteLength: number;
  /** Names of the module's exports (bounded). */
  exports: string[];
}

/** A memory discovered. */
export interface MemoryEvent {
  t: 'memory';
  time: EpochMs;
  key: ObjectKey;
  origin: MemoryOrigin;
  shared: boolean;
  /** Bytes committed when discovered. */
  bytes: number;
  /** Declared maximum in bytes, or null if unbounded / unknown. */
  maxBytes: number | null;
  /** Index type; absent: 'i32' (and in traces written before it existed). */
  address?: AddressType;
  /** Module or script URL that owns it. */
  owner: string;
  /** Export name if it was found as an export. */
  exportName?: string;
  /** Module key of the instance that exported/imported it, if known. */
  module?: ObjectKey;
  /** JS stack where it was created / instantiated (bounded). */
  stack?: string;
}

/** An instance created. */
export interface InstanceEvent {
  t: 'instance';
  time: EpochMs;
  key: ObjectKey;
  module: ObjectKey;
  via: InstantiateVia;
  /** Memories this instance exports or imports. */
  memories: ObjectKey[];
  /** What kind of toolchain produced it, as far as the exports tell. */
  toolchain: Toolchain;
  /** True when the instance owns no memory (e.g. Emscripten helper modules). */
  helper: boolean;
}

/**
 * Periodic sample of committed bytes. Compact: parallel arrays, one entry per live memory
 * of this realm. Sampling is how growth by the in-wasm `memory.grow` instruction is seen.
 */
export interface SampleEvent {
  t: 'sample';
  time: EpochMs;
  keys: ObjectKey[];
  bytes: number[];
}

/** A growth, seen either by the JS `grow()` call or by a sample that changed. */
export interface GrowEvent {
  t: 'grow';
  time: EpochMs;
  key: ObjectKey;
  fromBytes: number;
  toBytes: number;
  /** 'js': Memory.prototype.grow was called (stack attached); 'wasm': seen by sampling. */
  via: GrowVia;
  stack?: string;
}

/**
 * A growth that failed: one attempt. A retry ladder (Emscripten's resize tries 20 %, 10 %, 5 %
 * overgrowth, then the exact size) is one event per attempt; the analyzer groups attempts a few
 * milliseconds apart into one incident.
 */
export interface GrowFailedEvent {
  t: 'grow-failed';
  time: EpochMs;
  /** The memory. */
  key: ObjectKey;
  via: GrowFailureVia;
  /** Bytes asked for: the `grow` delta (pages x 65536), or the size asked of the allocator. */
  requestedBytes: number;
  /** Committed bytes when it failed. */
  committedBytes: number;
  /** The memory's declared maximum in bytes, null if none or unknown. */
  maxBytes: number | null;
  /** JS stack of the failing call (for 'malloc': the JS frames around the wasm call). */
  stack?: string;
}

/** A memory or instance that became unreachable (seen by our FinalizationRegistry). */
export interface CollectedEvent {
  t: 'collected';
  time: EpochMs;
  key: ObjectKey;
}

/**
 * wasm-bindgen class counters. Cumulative totals (not deltas), so a lost batch never skews
 * counts and the latest event for a class is its truth.
 */
export interface BindgenEvent {
  t: 'bindgen';
  time: EpochMs;
  /** Module (instance owner) the class belongs to. */
  module: ObjectKey | null;
  className: string;
  created: number;
  /** free() or Symbol.dispose. */
  freed: number;
  /** Reclaimed by the GC finalizer without free(): "forgot to free". */
  reclaimed: number;
  /** created - freed - reclaimed, as counted on the page. */
  live: number;
  /**
   * Creation sites of live objects whose stack was captured (the most populous, at most
   * LIMITS.maxStacksPerClass): `count` is how many of those objects were made there.
   */
  liveStacks?: Array<{ stack: string; count: number }>;
  /**
   * Live objects whose creation stack is known, over every site (also those beyond the listed
   * ones). Equal to `live`: every live object is counted at its site, the counts are exact;
   * below it, they are a sample. Absent in traces written before it existed.
   */
  liveSampled?: number;
  /**
   * Objects whose JS wrapper was garbage-collected while their wasm pointer was never released:
   * leaked for good (nothing can free them any more). A lower bound, counted among `live`
   * (docs/GLUE-VERSIONS.md, "Orphans"). Absent when the class's objects are not watched one by
   * one (classes counted from their registry's register() calls; traces written before it existed).
   */
  orphaned?: number;
  /** Creation stacks of sampled orphaned objects (count: sampled objects, not all orphans). */
  orphanStacks?: Array<{ stack: string; count: number }>;
}

/**
 * How a memory's heap is counted:
 * - `inside-wasm`: the module's own allocator entry points were rewritten to count every
 *   allocation, including those made by wasm code itself (src/injected/core/wasm-rewrite.ts);
 * - `js-boundary`: only allocations that crossed the JS boundary (traces written before
 *   trace version 2): a PART of the heap, never to be read as the whole;
 * - `none`: not counted (see the reason).
 */
export const ALLOCATION_TRACKING = ['inside-wasm', 'js-boundary', 'none'] as const;
export type AllocationTracking = (typeof ALLOCATION_TRACKING)[number];

/** How bytes are known at free(): the allocator's chunk header, or not at all (counts only). */
export const HEAP_SIZES = ['chunk-header', 'none'] as const;
export type HeapSizes = (typeof HEAP_SIZES)[number];

/**
 * Heap stats of one memory's allocator (cumulative, so a lost batch never skews them).
 * `liveBytes` includes the allocator's per-chunk overhead (header and padding) when
 * `sizes` is `chunk-header`.
 */
export interface AllocEvent {
  t: 'alloc';
  time: EpochMs;
  /** Memory the allocator lives in. */
  memory: ObjectKey;
  liveBytes: number;
  liveAllocations: number;
  totalAllocations: number;
  totalFrees: number;
  /** Absent in traces before version 2: `js-boundary`. */
  tracking?: Exclude<AllocationTracking, 'none'>;
  /** Allocator recognised (e.g. `dlmalloc`), when counted inside wasm. */
  allocator?: string;
  sizes?: HeapSizes;
}

/**
 * Once per instance that owns or imports a memory: whether its heap is counted, and if not,
 * why (no allocator recognised, shared memory, memory64, too large, switched off...).
 */
export interface HeapStatusEvent {
  t: 'heap';
  time: EpochMs;
  memory: ObjectKey;
  /** The module whose allocator it is. */
  module: ObjectKey;
  tracking: AllocationTracking;
  allocator: string | null;
  /** How the allocator was found (export names, name section, code fingerprint...). */
  foundBy: string | null;
  reason: string | null;
}

/**
 * Allocation sites of one memory's heap, from sampled allocations (about one per `interval`
 * bytes allocated; docs/ALLOCATION-SITES.md). `bytes` / `count` ESTIMATE the live bytes and
 * live allocations made at each site (each sample stands for the bytes between samples);
 * `samples` is how many live samples back the estimate. A cumulative snapshot: the latest
 * event of a memory is its truth.
 */
export interface SitesEvent {
  t: 'sites';
  time: EpochMs;
  memory: ObjectKey;
  /** Mean bytes allocated between two samples when this snapshot was taken. */
  interval: number;
  sites: Array<{ bytes: number; count: number; samples: number; frames: string[] }>;
}

/** App registry stats reported through the page API (pushed or pulled). */
export interface RegistryEvent {
  t: 'registry';
  time: EpochMs;
  name: string;
  /** Memory the registry lives in, if the app said or we could tell. */
  memory?: ObjectKey;
  stats: Record<string, number>;
}

/** A user mark (panel button, CLI actions script, or the page API). */
export interface MarkEvent {
  t: 'mark';
  time: EpochMs;
  label: string;
}

/**
 * What failed on the page (see PageErrorEvent): `error`, an uncaught exception (the realm's
 * `error` event); `rejection`, an unhandled promise rejection (`unhandledrejection`); `wasm`, a
 * WebAssembly compilation or instantiation that failed (handled or not).
 */
export const PAGE_ERROR_KINDS = ['error', 'rejection', 'wasm'] as const;
export type PageErrorKind = (typeof PAGE_ERROR_KINDS)[number];

/**
 * The page failed: it did not finish loading cleanly, whatever its memory did. Reported by
 * src/injected/core/page-errors.ts. At most LIMITS.maxPageErrorsPerRealm are sent one by one;
 * after that the realm sends, at most once per sampling tick, its latest error with `skipped`:
 * the cumulative number of errors not sent one by one. Count them with `countPageErrors`
 * (src/shared/page-errors.ts).
 */
export interface PageErrorEvent {
  t: 'page-error';
  time: EpochMs;
  /** Realm (frame or worker) the error happened in. */
  realm: RealmId;
  kind: PageErrorKind;
  /** The error's text, e.g. `Uncaught TypeError: x is not a function` (bounded). */
  message: string;
  /** Where: `url:line:column` for errors; the WebAssembly call (`instantiate`) for 'wasm'. */
  source?: string;
  /** Set only on the summary events sent beyond the per-realm cap (cumulative). */
  skipped?: number;
}

/**
 * The channel between a document's injected script and its content script (written by the
 * content script, src/content/relay.ts):
 * - `silent`: the page side stopped answering (no batch, no reply to a ping, for
 *   LINK_SILENT_MS twice); nothing from that document is recorded until it comes back;
 * - `resumed`: the same channel answered again;
 * - `reconnected`: a new handshake replaced a dead channel (the page had closed or blocked it);
 *   `reconnects` counts them for this document;
 * - `gap`: batches were lost on the way (`lost` events, known from the sender's count);
 * - `unreachable`: the page side of this document never connected (LINK_UNREACHABLE_MS after
 *   the content script started): nothing of it is recorded, it is NOT VISIBLE. Seen where the
 *   document's listeners were erased before the handshake (an `about:blank` frame its parent
 *   `document.open()`s and writes at once), or where the injected script could not run;
 *   `resumed` follows (same `url`) if it connects later.
 */
export const LINK_STATES = ['silent', 'resumed', 'reconnected', 'gap', 'unreachable'] as const;
export type LinkState = (typeof LINK_STATES)[number];

export interface LinkEvent {
  t: 'link';
  time: EpochMs;
  state: LinkState;
  /** The document's URL (bounded). */
  url: string;
  /** Handshakes that replaced a dead channel so far (`reconnected`). */
  reconnects?: number;
  /** Events lost in this gap (`gap`). */
  lost?: number;
  /** `unreachable` (and the `resumed` after it): the document is a frame's, not the tab's top
   *  document; its `url` is the one it started with (document.open() may change it later). */
  frame?: boolean;
  /** `silent` / `resumed` of a dedicated worker (`url`: its script), written by the realm that
   *  started it: the worker had live memories, so it reports at least once a second, and said
   *  nothing for WORKER_SILENT_MS (busy in one long task, hung, or gone without terminate() or
   *  close(): crashed, or killed by the browser). Nothing is recorded from it meanwhile. */
  worker?: boolean;
}

/** How long a worker with live memories may say nothing before its parent calls it silent. */
export const WORKER_SILENT_MS = 5000;

/**
 * Why a page's dedicated worker was started as the page asked, without our core in it
 * (src/injected/core/worker.ts; texts for people in src/shared/worker-policy.ts):
 * - `csp` / `csp-report-only`: a Content-Security-Policy (enforced / report-only) of the page has
 *   `directive`, which would apply inside our blob: bootstrap (a blob: worker inherits the page's
 *   policies; the page's own worker script runs under its own response's), or would refuse or
 *   report it;
 * - `trusted-types`: the page's policies restrict Trusted Types (`directive`); inherited by a
 *   blob: worker, they would make the page's own `importScripts(string)` throw;
 * - `policy-remembered`: started before the page's header verdict arrived, on a site whose header
 *   policies ruled our bootstrap out on an earlier load (src/shared/strict-sites.ts);
 * - `csp-violation`: a policy of the page already refused one of our blob: workers;
 * - `url`: the script is not a same-origin URL given as a string or URL (data:, cross-origin,
 *   other objects);
 * - `options`: the options could not be copied faithfully (accessors, unknown type);
 * - `blob-unreadable`: the page's blob: script could not be read;
 * - `no-source`: our own script's text was not available;
 * - `refused`: constructing our bootstrap threw.
 */
export const WORKER_SKIP_REASONS = [
  'csp',
  'csp-report-only',
  'trusted-types',
  'policy-remembered',
  'csp-violation',
  'url',
  'options',
  'blob-unreadable',
  'no-source',
  'refused',
] as const;
export type WorkerSkipReason = (typeof WORKER_SKIP_REASONS)[number];

/**
 * A dedicated worker the page started that we could not instrument (its memories are not seen).
 * Sent once per realm, reason, directive and URL (at most LIMITS.maxWorkerSkips per realm).
 */
export interface WorkerSkippedEvent {
  t: 'worker-skipped';
  time: EpochMs;
  /** The realm that started the worker. */
  realm: RealmId;
  /** The worker's script URL as resolved, or '' when the page gave no URL string (bounded). */
  url: string;
  reason: WorkerSkipReason;
  /** The policy directive behind `csp`, `csp-report-only` and `trusted-types` (bounded). */
  directive?: string;
}

/** A policy of the page that rules our blob: bootstrap out (see WorkerSkipReason). */
export type PolicySkipReason = 'csp' | 'csp-report-only' | 'trusted-types' | 'policy-remembered';

/**
 * May our core start a page's dedicated worker from a blob: bootstrap, as far as the page's
 * policies say? Computed from the response headers by the service worker and from <meta> by the
 * page side (src/shared/worker-policy.ts). `unknown`: the service worker saw no response headers
 * for this document (about:blank, srcdoc, blob:, data:; a response served by a service worker; a
 * service worker restarted in between); the page side then decides as it does before any verdict
 * arrives: from its <meta> policies and the first violation (src/injected/core/worker.ts).
 */
export type WorkerPolicyVerdict =
  { instrument: true } | { instrument: false; reason: PolicySkipReason; directive?: string } | { instrument: 'unknown' };

export type PageEvent =
  | WorkerSkippedEvent
  | LinkEvent
  | RealmEvent
  | ModuleEvent
  | MemoryEvent
  | InstanceEvent
  | SampleEvent
  | GrowEvent
  | GrowFailedEvent
  | CollectedEvent
  | BindgenEvent
  | AllocEvent
  | HeapStatusEvent
  | SitesEvent
  | RegistryEvent
  | MarkEvent
  | PageErrorEvent;

export type PageEventType = PageEvent['t'];

// PAGE_EVENT_TYPES lists exactly the union's discriminants: a compile error here means one of
// them was added to or removed from only one of the two.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type PageEventTypesComplete = Holds<Same<(typeof PAGE_EVENT_TYPES)[number], PageEventType>>;

// ---------------------------------------------------------------------------------------
// Messages between the extension's contexts.
// ---------------------------------------------------------------------------------------

/** injected -> content (over a private MessagePort after the handshake). */
export interface PageBatchMessage {
  kind: 'batch';
  v: number;
  events: PageEvent[];
  /** Events the page side had to drop because its queue was full (cumulative). */
  dropped: number;
  /** Events this realm sent before this batch (cumulative): the receiver sees lost batches. */
  sent?: number;
}

/** content -> background (runtime Port PORT_CONTENT). */
export type ContentToBackground =
  /** `doc`: random id of this content-script instance (one per document and frame), so a
   *  reconnect after a service-worker restart is told apart from a navigation. `lostAt`: when
   *  this content script's previous connection to the service worker dropped (it had one): what
   *  it sent before went to a worker that is gone; what it queued since is sent now.
   *  `policies`: the content script has no WorkerPolicyVerdict yet and asks for one (answered
   *  with a `policies` message, once per document: the service worker forgets it then). */
  | { kind: 'hello'; v: number; url: string; doc?: string; lostAt?: EpochMs; policies?: true }
  | { kind: 'batch'; v: number; events: PageEvent[]; dropped: number };

/** panel -> background (runtime Port PORT_PANEL). */
export type PanelToBackground =
  /** `resume`: what the panel already holds (background session and next sequence number),
   *  so a re-subscribe replays only the missing part of the backlog. */
  | { kind: 'subscribe'; v: number; tabId: number; resume?: { session: string; seq: number } }
  | { kind: 'mark'; v: number; tabId: number; label: string };

/** background -> panel. */
export type BackgroundToPanel =
  /** `session`: the background's id for the tab's current recording (changes on navigation
   *  and on a service-worker restart); `doc`/`url`: the top document, when known.
   *  `historyLostBefore`: this service worker started while the top document was already
   *  recorded: the events it sent before this time went to the previous worker and are not in
   *  this backlog (its definitions are re-sent); a panel that did not hold them lacks them. */
  | { kind: 'welcome'; v: number; tabId: number; session?: string; doc?: string; url?: string; historyLostBefore?: EpochMs }
  /** `seq`: sequence number of events[0] within `session` (for de-duplication on resume). */
  | { kind: 'events'; v: number; tabId: number; events: PageEvent[]; dropped: number; session?: string; seq?: number }
  /** The inspected page navigated / reloaded: a new session starts. `doc` is the new top
   *  document's id: a panel already holding that document keeps its data (worker restart). */
  | { kind: 'navigated'; v: number; tabId: number; url: string; session?: string; doc?: string; historyLostBefore?: EpochMs }
  | { kind: 'version-mismatch'; v: number; expected: number; got: number }
  /** The inspected tab was closed: nothing more will come; what was recorded stays. */
  | { kind: 'tab-closed'; v: number; tabId: number };

/**
 * background -> content: a mark typed in the panel, forwarded to the page clock; the verdict on
 * blob: worker bootstraps from the frame's response headers (src/background/header-policies.ts).
 */
export type BackgroundToContent =
  { kind: 'mark'; v: number; label: string } | { kind: 'policies'; v: number; verdict: WorkerPolicyVerdict };

/**
 * The user's settings that change what the injected script does to the page, read by the
 * content script from chrome.storage.local (PAGE_SETTINGS_KEYS) at document_start. They take
 * effect from the handshake on, so in practice on the next load.
 */
export interface PageSettings {
  /** Count the heap inside wasm (rewrite allocators); default true. */
  allocationTracking: boolean;
  /**
   * Sampling interval (ms) while the page's WebAssembly is busy (the options page's "sampling
   * rate", chrome.storage.sync); absent: 100 ms. 100-1000.
   */
  sampleIntervalMs?: number;
}

export const DEFAULT_PAGE_SETTINGS: PageSettings = { allocationTracking: true };

/** chrome.storage.local keys of PageSettings (panel toggle, CLI `record --no-allocations`). */
export const PAGE_SETTINGS_KEYS = { allocationTracking: 'wasmMemory.allocationTracking' } as const;

/**
 * content -> injected: the handshake reply on the page's port; `settings` absent: defaults.
 * `policies`: the verdict of the document's response headers on worker bootstraps; the content
 * script sends the ack only once it has it. Absent (as before the ack) or `unknown`: the page's
 * <meta> policies and the violation net decide alone (src/injected/core/worker.ts).
 */
export type ContentAck = { kind: 'ack'; v: number; settings?: PageSettings; policies?: WorkerPolicyVerdict };

/** content -> injected over the MessagePort. */
export type ContentToPage = { kind: 'mark'; v: number; label: string } | { kind: 'ping'; v: number };

/** injected -> content over the MessagePort, besides batches: the answer to a `ping`. */
export type PagePong = { kind: 'pong'; v: number };

/**
 * content -> injected: the channel went silent, start a new handshake. An `Event` of this type
 * dispatched on the window (no payload): the injected script listens for it once connected, so
 * that it need not look at the page's own window messages.
 */
export const REHANDSHAKE_EVENT = 'wasm-memory:rehandshake';

/**
 * The strict-document hint (src/injected/strict-hint.iife.ts), on documents remembered in
 * src/shared/strict-sites.ts, sets this private global, then dispatches STRICT_HINT_EVENT on the
 * window: the injected bundle takes (reads and deletes) the mark at its start if the hint ran
 * first, else from inside that dispatch. Both run before any script of the page.
 */
export const STRICT_HINT_GLOBAL = '__wasmMemoryStrictSite';
export const STRICT_HINT_EVENT = 'wasm-memory:strict-site';

/** How long the page side may say nothing before it is pinged, and then before it is called silent. */
export const LINK_SILENT_MS = 2000;

/** How long after the content script starts the page side may take to connect before the
 *  document is called `unreachable` (not visible). The handshake normally takes milliseconds. */
export const LINK_UNREACHABLE_MS = 4000;

// ---------------------------------------------------------------------------------------
// Trace file (export / import / CLI). Documented in docs/TRACE-FORMAT.md.
// ---------------------------------------------------------------------------------------

export const TRACE_FORMAT = 'wasm-memory-trace';
/**
 * 2: new event types `heap` and `sites` (version-1 readers refuse an unknown `t`), and `alloc`
 * figures may be the whole heap (`tracking: 'inside-wasm'`). Version-1 files are still read:
 * their alloc events are read as `js-boundary` (see parseTrace).
 * Version 2 also added the `page-error` event type.
 * 3: the `link` event type (the page channel went silent, resumed, reconnected, or lost batches).
 * Optional event fields added later do not bump it (readers drop unknown fields): `bindgen`
 * events' `orphaned` and `orphanStacks`; files without them have no orphan figure.
 * 4: new event type `grow-failed` (failed growth attempts: out of memory), and the optional
 * `address` of a memory event. Files of versions 1 to 3 are still read (they have neither).
 * 5: new event type `worker-skipped` (a page's worker we could not instrument, and why), the
 * `link` state `unreachable` (a document whose page side never connected: not visible) and the
 * link event's optional `frame`. Older files are still read (they have none of these).
 * 6: the `worker-skipped` reason `policy-remembered`. Older files are still read.
 */
export const TRACE_VERSION = 6;

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: number;
  /** ISO 8601 time the trace was written. */
  createdAt: string;
  /** Tool and version that wrote it. */
  generator: string;
  page: { url: string; title?: string };
  /** Events in arrival order. */
  events: PageEvent[];
  /** Events the page side dropped while recording (should be 0). */
  dropped: number;
  /**
   * Events the recorder received but did not keep because its per-session cap was hit
   * (absent or 0: the trace is complete). Optional, additive: older readers ignore it.
   */
  omitted?: number;
}
