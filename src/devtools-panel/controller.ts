/**
 * The panel's state machine, without DOM or chrome.*: the live session (PanelSession),
 * the live analyzer it feeds, an optional imported trace with its own analyzer, budget
 * settings, and a throttled "view changed" signal for the UI. All analysis is the
 * analyzer's (AnalyzerApi); this only moves events and asks it for report()/series().
 */
import type { Alert, AnalyzerApi, AnalyzerConfig, Diff, MemorySeries, Report } from '../shared/analyzer-api';
import { DEFAULT_PAGE_SETTINGS, type BackgroundToPanel, type PageEvent, type PageSettings, type Trace } from '../shared/protocol';
import { MAX_TRACE_CHARS, readTrace, tooLargeError } from '../shared/trace-stream';
import { countPageErrors } from '../shared/page-errors';
import { summarizePageLink, type PageLinkSummary } from '../shared/page-link';
import { summarizeWorkerSkips, type WorkerSkipSummary } from '../shared/worker-skips';
import { alertPattern } from '../shared/alerts';
import { BUFFER_BYTES } from '../shared/event-bytes';
import { AlertActions, countUndecided, type AlertCount, type AlertDecision, type DecidedAlert } from './alert-actions';
import type { LinkState } from './connection';
import { aliveAtEnd, joinSegments, SegmentHistory, timeSpan } from './segments';
import { PanelSession, traceOf, type EndedSegment } from './session';
import { SiteMarks, type SiteDelta } from './sites-diff';
import { Trends, type TrendsView } from './trends';
import { ViewPacer } from './view-pacer';

export type StatusState = 'connected' | 'waiting' | 'disconnected' | 'closed';

export interface ImportedInfo {
  name: string;
  url: string;
  events: number;
  createdAt: string;
  generator: string;
  dropped: number;
  omitted: number;
  /** Page errors recorded in the trace (src/shared/page-errors.ts). */
  pageErrors: number;
  pageLink: PageLinkSummary;
  workerSkips: WorkerSkipSummary;
}

/** Which segment of the session the view shows: the current one, an earlier one (its number),
 *  or all of them as one stream. */
export type SegmentSelection = 'current' | 'all' | number;

/** One segment of the session as the picker lists it. */
export interface SegmentInfo {
  number: number;
  url: string;
  /** Page-clock times of its first and last kept events (null: none kept). */
  startedAt: number | null;
  endedAt: number | null;
  received: number;
}

export interface ViewState {
  status: StatusState;
  /** The port to the service worker has been up at least once (so 'disconnected' is a
   *  reconnection, not the first connection). */
  everConnected: boolean;
  /** Reconnections to the service worker so far (it was stopped or restarted). */
  reconnects: number;
  url: string;
  /** Events received in the live session. */
  received: number;
  /** Live-session events not kept for export (cap hit). */
  omitted: number;
  /** Events lost before they reached the panel (live): dropped on the page side, refused, or
   *  evicted from the background's bounded backlog before this panel got them. */
  dropped: number;
  /** Errors the page had: uncaught exceptions, unhandled rejections, failed WebAssembly
   *  (live session, or the imported trace's when one is shown). */
  pageErrors: number;
  /** The page channel's health (live session, or the imported trace's). */
  pageLink: PageLinkSummary;
  /** The page's workers that could not be instrumented (live session, or the imported trace's). */
  workerSkips: WorkerSkipSummary;
  /** Live view: the page's events before this time went to a service worker that restarted
   *  before this panel held them (see PanelSession.historyLostBefore); null: none lost so. */
  historyLostBefore: number | null;
  versionMismatch: { expected: number; got: number } | null;
  mode: 'live' | 'import';
  imported: ImportedInfo | null;
  importError: string | null;
  /** A trace file being read: its name and how far (0..1). */
  importing: { name: string; fraction: number } | null;
  analyzerError: string | null;
  /** Report and chart series of what is shown (live or imported). */
  report: Report | null;
  series: MemorySeries[];
  /** Bumped whenever what is shown starts afresh (a new page session, an imported trace, back
   *  to live): the chart's zoom and the selected alert belong to the previous one. */
  chartEpoch: number;
  /** Sampling interval (mean bytes between samples) of each memory's latest allocation sites
   *  snapshot, by memory key (live or imported, like `report`). */
  siteIntervals: Record<string, number>;
  /** The shown alerts (the report's, or an earlier segment's), each with what the user decided
   *  about it (acknowledged, dismissed), and the toolbar's count of the undecided active ones. */
  alerts: DecidedAlert[];
  alertCount: AlertCount;
  /** The live view is paused: what is shown is as it was then, while events keep arriving
   *  (recorded and analysed; `pausedEvents` of them since). Resume shows them. */
  paused: boolean;
  pausedEvents: number;
  /** The session's segments: the earlier ones (a reload or navigation ended them), oldest
   *  first, and the current one; which one is shown; earlier segments dropped to stay within
   *  the session's bound. */
  segments: SegmentInfo[];
  current: SegmentInfo;
  selection: SegmentSelection;
  droppedSegments: number;
  /** The selected segments are being read into their analyzer. */
  segmentLoading: boolean;
  /** Where each segment after the first starts on the chart (the "all segments" view). */
  segmentStarts: number[];
  /** Class live counts and registry fields over time (live or imported, like `report`): trends.ts. */
  trends: TrendsView;
  config: AnalyzerConfig;
  /** The allocation-tracking switch as stored (applies to the page from its next load). */
  allocationTracking: boolean;
  /** Why the switch could not be read or saved, if it could not. */
  settingsError: string | null;
  revision: number;
}

export interface ControllerDeps {
  tabId: number;
  makeAnalyzer(): Promise<AnalyzerApi>;
  /** Schedule the next view update (requestAnimationFrame with a timer fallback). */
  scheduleFrame(fn: () => void): void;
  /** Pacing of view updates while events stream (view-pacer.ts): a monotonic clock in ms
   *  (default performance.now), a timer (default setTimeout) and what runs after an update's
   *  synchronous consequences (the panel: queueMicrotask, after Preact's render). */
  clock?: () => number;
  schedule?: (fn: () => void, ms: number) => void;
  afterUpdate?: (fn: () => void) => void;
  now(): Date;
  generator: string;
  log(msg: string, err?: unknown): void;
  /** Where budget settings persist between panel sessions (localStorage in the panel). */
  settings?: { load(): unknown; save(config: AnalyzerConfig): void };
  /** Where the page settings live (chrome.storage.local in the panel; the content script reads them). */
  pageSettings?: { load(): Promise<PageSettings>; save(settings: PageSettings): Promise<void> };
  /** Give the event loop a turn during a long import (default: a macrotask). */
  pause?: () => Promise<void>;
  /**
   * The background analyzer host (src/background/host/), which also drives the toolbar badge.
   * When given, the live view's alerts are the host's for this tab (`setHostAlerts`), so the
   * panel and the badge show one analyzer's alerts, and the panel's budgets are sent to it.
   */
  host?: { configure(config: AnalyzerConfig): void };
}

/** Read stored budget settings back; null when they are not a valid AnalyzerConfig. */
export function parseConfig(x: unknown): AnalyzerConfig | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  const bytes = (v: unknown): number | null | undefined =>
    v === null ? null : typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  const page = bytes(o.pageBudgetBytes);
  const mem = bytes(o.memoryBudgetBytes);
  const levels = o.budgetLevels;
  if (page === undefined || mem === undefined || !Array.isArray(levels) || levels.length > 16) return null;
  if (!levels.every((l): l is number => typeof l === 'number' && Number.isFinite(l) && l > 0 && l <= 10)) return null;
  return { pageBudgetBytes: page, memoryBudgetBytes: mem, budgetLevels: [...levels].sort((a, b) => a - b) };
}

export const DEFAULT_CONFIG: AnalyzerConfig = {
  pageBudgetBytes: null,
  memoryBudgetBytes: null,
  budgetLevels: [0.6, 0.75, 0.85, 0.95],
};

/** Events fed to an analyzer per call when importing a trace. */
const INGEST_CHUNK = 1000;
/** Longest stretch of import work before the panel gets a turn, in ms. */
const IMPORT_SLICE_MS = 25;

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The view fields a pause holds still (what was recorded); the rest (connection, settings,
 *  segments, import) stays live. */
type FrozenView = Pick<
  ViewState,
  | 'url'
  | 'received'
  | 'omitted'
  | 'dropped'
  | 'pageErrors'
  | 'pageLink'
  | 'workerSkips'
  | 'historyLostBefore'
  | 'report'
  | 'series'
  | 'siteIntervals'
  | 'alerts'
  | 'alertCount'
  | 'trends'
>;

/** Host alert lists remembered per top document (for the segment that ends with it). */
const MAX_ALERT_DOCS = 8;

/** An earlier segment, or all of them, read into an analyzer of its own. */
interface SegmentView {
  selection: 'all' | number;
  analyzer: AnalyzerApi;
  sites: SiteMarks;
  trends: Trends;
  starts: number[];
  /** All segments: what the current document held when a new one started, to end at the new
   *  one's first event (as joinSegments does). */
  boundary: { keys: string[]; after: number } | null;
  /** Counted once when selected: page errors (of the earlier segments, for 'all'), page link
   *  and skipped workers (of the selected segment; for 'all', the current one's stay live). */
  pageErrors: number;
  pageLink: PageLinkSummary;
  workerSkips: WorkerSkipSummary;
}

export class PanelController {
  readonly session: PanelSession;
  private live: AnalyzerApi | null = null;
  /** Allocation sites at marks of the live session (the analyzer keeps only the latest). */
  private liveSites = new SiteMarks();
  /** Class and registry series of the live session (the tables' sparklines). */
  private liveTrends = new Trends();
  private imported: { analyzer: AnalyzerApi; sites: SiteMarks; trends: Trends; info: ImportedInfo } | null = null;
  private link: LinkState = 'disconnected';
  /** Times the port to the service worker came up (1 + reconnections). */
  private connects = 0;
  private versionMismatch: ViewState['versionMismatch'] = null;
  private importError: string | null = null;
  /** The trace file being read, and how far (0..1). */
  private importing: { name: string; fraction: number } | null = null;
  private analyzerError: string | null = null;
  private pageSettings: PageSettings = { ...DEFAULT_PAGE_SETTINGS };
  private settingsError: string | null = null;
  private config: AnalyzerConfig = { ...DEFAULT_CONFIG, budgetLevels: [...DEFAULT_CONFIG.budgetLevels] };
  private chartPoints = 600;
  /** The chart's window (viewport.ts fetchRange), or null for the whole session. */
  private chartRange: { from: number; to: number; scale: number } | null = null;
  private chartEpoch = 0;
  private readonly pacer: ViewPacer;
  private revision = 0;
  private listeners = new Set<(v: ViewState) => void>();
  private view: ViewState;
  /** The host's alerts for this tab (null: it has no status for the tab yet). */
  private hostAlerts: Alert[] | null = null;
  /** Budgets were set in a panel before (else the host keeps the options page's defaults). */
  private configStored = false;
  /** The document the host's alerts are about (TabStatus.doc; null: not said). */
  private hostAlertsDoc: string | null = null;
  /** The host's latest alerts per top document, for the segment that ends with it. */
  private alertsByDoc = new Map<string, Alert[]>();
  /** Earlier segments of the session (reloads, navigations). */
  private readonly history = new SegmentHistory(BUFFER_BYTES.panelSession);
  private selection: SegmentSelection = 'current';
  private segmentView: SegmentView | null = null;
  /** Bumped by each selection, so a slower earlier one does not land. */
  private selectionToken = 0;
  private segmentLoading = false;
  private readonly alertActions = new AlertActions();
  /** The live view held still, and the events received when it was paused. */
  private pausedAt: { view: FrozenView; received: number } | null = null;

  constructor(private readonly deps: ControllerDeps) {
    this.session = new PanelSession(deps.tabId);
    this.pacer = new ViewPacer(
      {
        now: deps.clock ?? (() => performance.now()),
        scheduleFrame: (fn) => deps.scheduleFrame(fn),
        schedule:
          deps.schedule ??
          ((fn, ms) => {
            setTimeout(fn, ms);
          }),
        ...(deps.afterUpdate ? { afterUpdate: deps.afterUpdate } : {}),
      },
      () => {
        this.view = this.computeView();
        for (const l of this.listeners) l(this.view);
      },
    );
    if (deps.settings) {
      try {
        const stored = parseConfig(deps.settings.load());
        if (stored) {
          this.config = stored;
          this.configStored = true;
        }
      } catch (e) {
        deps.log('stored settings unreadable; using defaults', e);
      }
    }
    this.view = this.computeView();
  }

  /** Create the live analyzer. Call before connecting, so no event waits. */
  async init(): Promise<void> {
    if (this.deps.pageSettings) {
      try {
        this.pageSettings = await this.deps.pageSettings.load();
      } catch (e) {
        this.settingsError = `Settings unreadable: ${e instanceof Error ? e.message : String(e)}`;
        this.deps.log('page settings unreadable', e);
      }
    }
    if (this.configStored) this.deps.host?.configure(this.config);
    try {
      this.live = await this.deps.makeAnalyzer();
      this.live.configure(this.config);
      // Anything that arrived meanwhile (tests may connect first) is in the session.
      if (this.session.events.length > 0) this.live.ingest(this.session.events);
    } catch (e) {
      this.analyzerError = `The analyzer could not start: ${e instanceof Error ? e.message : String(e)}`;
      this.deps.log('analyzer failed to start', e);
    }
    this.changed();
  }

  onView(listener: (v: ViewState) => void): () => void {
    this.listeners.add(listener);
    listener(this.view);
    return () => this.listeners.delete(listener);
  }

  getView(): ViewState {
    return this.view;
  }

  setLink(s: LinkState): void {
    if (s === 'connected' && this.link !== 'connected') this.connects++;
    this.link = s;
    this.changed();
  }

  /** A message from the background. */
  handle(msg: BackgroundToPanel): void {
    const u = this.session.handle(msg);
    switch (u.kind) {
      case 'none':
        if (msg.kind === 'welcome' || msg.kind === 'navigated') this.changed();
        return;
      case 'version-mismatch':
        this.versionMismatch = { expected: u.expected, got: u.got };
        this.changed();
        return;
      case 'closed':
        this.changed();
        return;
      case 'reset':
        if (u.ended) this.segmentEnded(u.ended);
        this.liveSites.reset();
        this.liveTrends.reset();
        if (!this.imported) this.newChartEpoch();
        if (this.live) {
          this.safely(() => {
            this.live?.reset();
            this.live?.configure(this.config);
          });
        }
        this.changed();
        return;
      case 'events':
        this.liveSites.ingest(u.events);
        this.liveTrends.ingest(u.events);
        if (this.live) this.safely(() => this.live?.ingest(u.events));
        this.allSegmentsIngest(u.events);
        // The current segment comes first: earlier ones make room for it.
        this.history.fit(this.session.keptBytes);
        this.dropUnkeptSelection();
        // Paced: a costly view is not recomputed for every batch of a flood (view-pacer.ts).
        this.pacer.events();
        return;
    }
  }

  /** Another document started: keep what the session held of the previous one as a segment. */
  private segmentEnded(ended: EndedSegment): void {
    const alerts = ended.doc !== undefined ? (this.alertsByDoc.get(ended.doc) ?? null) : null;
    this.history.end(ended, alerts, 0);
    if (ended.doc !== undefined) this.alertsByDoc.delete(ended.doc);
    const v = this.segmentView;
    if (v?.selection === 'all') {
      const span = timeSpan(ended.events);
      v.boundary = { keys: aliveAtEnd(ended.events), after: span?.to ?? -Infinity };
      v.pageErrors += countPageErrors(ended.events);
    }
    // A pause holds the ended document's view; the next one starts empty when resumed.
    this.dropUnkeptSelection();
  }

  /** The "all segments" view follows the live events too. */
  private allSegmentsIngest(events: readonly PageEvent[]): void {
    const v = this.segmentView;
    if (v?.selection !== 'all') return;
    let batch = events;
    if (v.boundary) {
      const at = Math.max(v.boundary.after, timeSpan(events)?.from ?? -Infinity);
      const ends: PageEvent[] = v.boundary.keys.map((key) => ({ t: 'collected', time: at, key }));
      batch = [...ends, ...events];
      v.starts = [...v.starts, at];
      v.boundary = null;
    }
    v.sites.ingest(batch);
    v.trends.ingest(batch);
    this.safely(() => v.analyzer.ingest(batch));
  }

  /** The selected earlier segment was dropped (bound): show the current one. */
  private dropUnkeptSelection(): void {
    if (typeof this.selection === 'number' && !this.history.get(this.selection)) void this.selectSegment('current');
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.analyzerError = `Analyzer error: ${e instanceof Error ? e.message : String(e)}`;
      this.deps.log('analyzer call failed', e);
    }
  }

  private shown(): AnalyzerApi | null {
    return this.imported ? this.imported.analyzer : this.segmentView ? this.segmentView.analyzer : this.live;
  }

  private shownSites(): SiteMarks {
    return this.imported ? this.imported.sites : this.segmentView ? this.segmentView.sites : this.liveSites;
  }

  private shownTrends(): Trends {
    return this.imported ? this.imported.trends : this.segmentView ? this.segmentView.trends : this.liveTrends;
  }

  /** The host's alerts for what is shown, when the host gives the alerts (else null). */
  private shownHostAlerts(): Alert[] | null {
    if (!this.deps.host || this.imported) return null;
    const current = this.currentHostAlerts();
    if (this.selection === 'current') return current;
    if (this.selection === 'all') {
      // Every segment's, the later one's copy winning where an id recurs.
      const byId = new Map<string, Alert>();
      for (const seg of this.history.earlier) for (const a of seg.alerts ?? []) byId.set(a.id, a);
      for (const a of current) byId.set(a.id, a);
      return [...byId.values()];
    }
    return this.history.get(this.selection)?.alerts ?? [];
  }

  /** The host's alerts if they are about the current document. */
  private currentHostAlerts(): Alert[] {
    const doc = this.session.doc;
    if (this.hostAlertsDoc !== null && doc !== undefined && this.hostAlertsDoc !== doc) return [];
    return this.hostAlerts ?? [];
  }

  /** What the shown record counts: the current segment's, an earlier one's, or all of them. */
  private recordedCounts(): Omit<FrozenView, 'report' | 'series' | 'siteIntervals' | 'alerts' | 'alertCount' | 'trends'> {
    const s = this.session;
    const v = this.segmentView;
    const seg = typeof this.selection === 'number' ? this.history.get(this.selection) : undefined;
    const live = {
      url: s.url,
      received: s.received,
      omitted: s.omitted,
      dropped: s.lost,
      pageErrors: s.pageErrors.total,
      pageLink: s.pageLink.summary(),
      workerSkips: s.workerSkips.summary(),
      historyLostBefore: s.historyLostBefore,
    };
    if (this.imported) {
      const i = this.imported.info;
      return { ...live, pageErrors: i.pageErrors, pageLink: i.pageLink, workerSkips: i.workerSkips, historyLostBefore: null };
    }
    if (seg && v) {
      const { url, received, omitted, lost, historyLostBefore } = seg;
      return {
        url,
        received,
        omitted,
        dropped: lost,
        pageErrors: v.pageErrors,
        pageLink: v.pageLink,
        workerSkips: v.workerSkips,
        historyLostBefore,
      };
    }
    if (this.selection === 'all' && v) {
      const earlier = this.history.earlier;
      return {
        ...live,
        received: earlier.reduce((n, x) => n + x.received, s.received),
        omitted: earlier.reduce((n, x) => n + x.omitted, s.omitted),
        dropped: earlier.reduce((n, x) => n + x.lost, s.lost),
        pageErrors: v.pageErrors + s.pageErrors.total,
      };
    }
    return live;
  }

  private segmentInfos(): { segments: SegmentInfo[]; current: SegmentInfo } {
    const segments = this.history.earlier.map((s) => ({
      number: s.number,
      url: s.url,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      received: s.received,
    }));
    const span = this.session.keptSpan();
    const current = {
      number: this.history.currentNumber,
      url: this.session.url,
      startedAt: span?.from ?? null,
      endedAt: span?.to ?? null,
      received: this.session.received,
    };
    return { segments, current };
  }

  private computeView(): ViewState {
    const a = this.shown();
    let report: Report | null = null;
    let series: MemorySeries[] = [];
    if (a) {
      try {
        report = a.report();
        const r = this.chartRange;
        series = r ? a.series(Math.round(this.chartPoints * r.scale), r.from, r.to) : a.series(this.chartPoints);
        // One truth with the badge: live alerts are the background analyzer's.
        const hostAlerts = this.shownHostAlerts();
        if (hostAlerts) report = { ...report, alerts: hostAlerts };
      } catch (e) {
        this.analyzerError = `Analyzer error: ${e instanceof Error ? e.message : String(e)}`;
        this.deps.log('analyzer report failed', e);
      }
    }
    const siteIntervals: Record<string, number> = {};
    const sites = this.shownSites();
    for (const m of report?.memories ?? []) {
      const snap = sites.latest(m.key);
      if (snap) siteIntervals[m.key] = snap.interval;
    }
    const s = this.session;
    const status: StatusState = s.closed
      ? 'closed'
      : this.link === 'disconnected'
        ? 'disconnected'
        : s.received > 0
          ? 'connected'
          : 'waiting';
    const alerts = this.alertActions.classify(report?.alerts ?? [], this.patternOf(report));
    const recorded: FrozenView = {
      ...this.recordedCounts(),
      report,
      series,
      siteIntervals,
      alerts,
      alertCount: countUndecided(alerts),
      trends: this.shownTrends(),
    };
    // Paused: the live view holds still (an earlier segment or an import is shown as it is).
    const held = this.pausedAt && !this.imported && this.selection === 'current' ? this.pausedAt.view : recorded;
    const { segments, current } = this.segmentInfos();
    return {
      status,
      everConnected: this.connects > 0,
      reconnects: Math.max(0, this.connects - 1),
      ...held,
      versionMismatch: this.versionMismatch,
      mode: this.imported ? 'import' : 'live',
      imported: this.imported ? this.imported.info : null,
      importError: this.importError,
      importing: this.importing,
      analyzerError: this.analyzerError,
      paused: this.pausedAt !== null,
      pausedEvents: this.pausedAt ? s.received - this.pausedAt.received : 0,
      segments,
      current,
      selection: this.selection,
      droppedSegments: this.history.droppedSegments,
      segmentLoading: this.segmentLoading,
      segmentStarts: this.segmentView && !this.imported ? this.segmentView.starts : [],
      chartEpoch: this.chartEpoch,
      config: this.config,
      allocationTracking: this.pageSettings.allocationTracking,
      settingsError: this.settingsError,
      revision: ++this.revision,
    };
  }

  /** Something changed: recompute the view once, at the next frame. */
  private changed(): void {
    this.pacer.now();
  }

  /** The background analyzer host's latest alerts for this tab (its TabStatus), and the top
   *  document they are about (TabStatus.doc). */
  setHostAlerts(alerts: Alert[] | null, doc: string | null = null): void {
    this.hostAlerts = alerts;
    this.hostAlertsDoc = doc;
    if (doc !== null && alerts) {
      this.alertsByDoc.delete(doc);
      this.alertsByDoc.set(doc, alerts);
      while (this.alertsByDoc.size > MAX_ALERT_DOCS) {
        const oldest = this.alertsByDoc.keys().next();
        if (oldest.done) break;
        this.alertsByDoc.delete(oldest.value);
      }
    }
    this.changed();
  }

  /** Alert patterns (src/shared/alerts.ts) against the memories of `report`. */
  private patternOf(report: Report | null): (a: Alert) => string {
    const byKey = new Map((report?.memories ?? []).map((m) => [m.key, m]));
    return (a) => alertPattern(a, (key) => byKey.get(key));
  }

  // ---- session actions: pause, clear, segments, alert decisions -----------------------

  /** Hold the live view still; events keep arriving, are recorded and analysed. */
  pause(): void {
    // The live view only: an earlier segment or an imported trace does not change.
    if (this.pausedAt || this.imported || this.selection !== 'current') return;
    const v = this.computeView();
    this.pausedAt = {
      view: {
        url: v.url,
        received: v.received,
        omitted: v.omitted,
        dropped: v.dropped,
        pageErrors: v.pageErrors,
        pageLink: v.pageLink,
        workerSkips: v.workerSkips,
        historyLostBefore: v.historyLostBefore,
        report: v.report,
        series: v.series,
        siteIntervals: v.siteIntervals,
        alerts: v.alerts,
        alertCount: v.alertCount,
        // (kept by reference: the sparklines go on moving while the tables hold still)
        trends: v.trends,
      },
      received: this.session.received,
    };
    this.changed();
  }

  /** Show everything that arrived while paused. */
  resume(): void {
    if (!this.pausedAt) return;
    this.pausedAt = null;
    this.changed();
  }

  /**
   * Clear: drop what the panel recorded (every segment's events, the chart, counts) and start
   * the current document's record again from now. Definitions of what is still alive stay, so
   * its memories are listed and charted from their next sample. Ends a pause. The alerts stay:
   * they are the background analyzer's, which drives the toolbar badge, and Clear does not reset
   * it; acknowledge or dismiss them to quiet them here.
   */
  clear(): void {
    const keep = this.session.clear();
    this.history.clear();
    this.pausedAt = null;
    void this.selectSegment('current');
    this.liveSites.reset();
    this.liveSites.ingest(keep);
    this.safely(() => {
      this.live?.reset();
      this.live?.configure(this.config);
      this.live?.ingest(keep);
    });
    this.changed();
  }

  /** Show another segment of the session (earlier ones are read into an analyzer of their own). */
  async selectSegment(selection: SegmentSelection): Promise<void> {
    const token = ++this.selectionToken;
    const drop = () => {
      this.segmentView?.analyzer.dispose();
      this.segmentView = null;
    };
    const seg = typeof selection === 'number' ? this.history.get(selection) : undefined;
    if (selection === 'current' || (typeof selection === 'number' && !seg) || (selection === 'all' && this.history.earlier.length === 0)) {
      drop();
      this.selection = 'current';
      this.segmentLoading = false;
      this.changed();
      return;
    }
    this.segmentLoading = true;
    this.changed();
    const { events, starts } = seg
      ? { events: seg.events, starts: [] }
      : joinSegments([...this.history.earlier, { events: this.session.events }]);
    const sites = new SiteMarks();
    const trends = new Trends();
    let analyzer: AnalyzerApi;
    try {
      analyzer = await this.deps.makeAnalyzer();
      analyzer.configure(this.config);
      await this.ingestSliced(analyzer, sites, trends, events);
    } catch (e) {
      if (token === this.selectionToken) {
        this.segmentLoading = false;
        this.analyzerError = `The analyzer could not read the segment: ${e instanceof Error ? e.message : String(e)}`;
        this.deps.log('segment analysis failed', e);
        this.changed();
      }
      return;
    }
    if (token !== this.selectionToken) {
      analyzer.dispose();
      return;
    }
    drop();
    this.backToLive();
    this.segmentView = {
      selection,
      analyzer,
      sites,
      trends,
      starts,
      boundary: null,
      pageErrors: seg ? countPageErrors(seg.events) : this.history.earlier.reduce((n, x) => n + countPageErrors(x.events), 0),
      pageLink: seg ? summarizePageLink(seg.events) : this.session.pageLink.summary(),
      workerSkips: seg ? summarizeWorkerSkips(seg.events) : this.session.workerSkips.summary(),
    };
    this.selection = selection;
    this.segmentLoading = false;
    this.changed();
  }

  /** Acknowledge or dismiss the patterns of `alerts` (this panel session only). */
  decideAlerts(decision: AlertDecision, alerts: readonly Alert[]): void {
    this.alertActions.decide(decision, alerts, this.patternOf(this.view.report));
    this.changed();
  }

  /** Undo the acknowledgement or dismissal of the patterns of `alerts`. */
  undoAlerts(alerts: readonly Alert[]): void {
    this.alertActions.undo(alerts, this.patternOf(this.view.report));
    this.changed();
  }

  /**
   * The stretch of time the chart shows (viewport.ts `fetchRange`): the analyzer is asked for
   * that window's buckets, `scale` times the chart's width of them; null: the whole session.
   */
  setChartRange(range: { from: number; to: number; scale: number } | null): void {
    const r = range && Number.isFinite(range.from) && Number.isFinite(range.to) && range.scale > 0 ? range : null;
    const same = r === this.chartRange || (r && this.chartRange && r.from === this.chartRange.from && r.to === this.chartRange.to);
    if (same) return;
    this.chartRange = r ? { from: r.from, to: r.to, scale: Math.min(4, r.scale) } : null;
    this.changed();
  }

  /** What is shown starts afresh: the whole of it, in a new chart epoch. */
  private newChartEpoch(): void {
    this.chartRange = null;
    this.chartEpoch++;
  }

  /** The chart's width in pixels: how many buckets to ask the analyzer for. */
  setChartPoints(n: number): void {
    const p = Math.max(50, Math.min(4000, Math.round(n)));
    if (p !== this.chartPoints) {
      this.chartPoints = p;
      this.changed();
    }
  }

  // ---- actions ---------------------------------------------------------------------

  private markSink: ((label: string) => void) | null = null;

  /** Where marks go (the connection to the background, which forwards them to the page). */
  setMarkSink(sink: (label: string) => void): void {
    this.markSink = sink;
  }

  /** Add a mark: stamped by the page's clock and recorded as a `mark` event of the session. */
  mark(label: string): void {
    const text = String(label).slice(0, 512);
    if (this.markSink) this.markSink(text);
    else this.deps.log(`mark "${text}" dropped: not connected`);
  }

  /** The current segment as a trace file (the automation API's, the CLI's). */
  exportTrace(): Trace {
    return this.session.toTrace(this.deps.now(), this.deps.generator);
  }

  /** The selected segment as a trace file: the current one, an earlier one, or all of them as
   *  one stream (what each document still held ended where the next one starts). */
  exportSelected(): Trace {
    const now = this.deps.now();
    const gen = this.deps.generator;
    const seg = typeof this.selection === 'number' ? this.history.get(this.selection) : undefined;
    if (seg) return traceOf(seg, now, gen);
    if (this.selection !== 'all') return this.exportTrace();
    const earlier = this.history.earlier;
    const s = this.session;
    return traceOf(
      {
        url: s.url,
        events: joinSegments([...earlier, { events: s.events }]).events,
        lost: earlier.reduce((n, x) => n + x.lost, s.lost),
        omitted: earlier.reduce((n, x) => n + x.omitted, s.omitted),
      },
      now,
      gen,
    );
  }

  liveReport(): Report {
    if (!this.live) throw new Error(this.analyzerError ?? 'the analyzer is not ready yet');
    return this.live.report();
  }

  diff(fromMark: number, toMark: number): Diff | null {
    const a = this.shown();
    return a ? a.diff(fromMark, toMark) : null;
  }

  /** The allocation-tracking switch: stored for the page's next load. */
  async setAllocationTracking(on: boolean): Promise<void> {
    const before = this.pageSettings;
    this.pageSettings = { ...this.pageSettings, allocationTracking: on };
    this.changed();
    if (!this.deps.pageSettings) return;
    try {
      await this.deps.pageSettings.save(this.pageSettings);
      this.settingsError = null;
    } catch (e) {
      this.pageSettings = before;
      this.settingsError = `Could not save the setting: ${e instanceof Error ? e.message : String(e)}`;
      this.deps.log('could not save page settings', e);
    }
    this.changed();
  }

  /** Allocation sites that changed between two marks of what is shown (sampled estimates). */
  sitesDiff(fromMark: number, toMark: number): SiteDelta[] | null {
    const marks = this.view.report?.marks ?? [];
    const from = marks[fromMark];
    const to = marks[toMark];
    return from && to ? this.shownSites().diff(from, to) : null;
  }

  configure(partial: Partial<AnalyzerConfig>): void {
    this.config = { ...this.config, ...partial };
    try {
      this.deps.settings?.save(this.config);
    } catch (e) {
      this.deps.log('could not save settings', e);
    }
    this.safely(() => {
      this.live?.configure(this.config);
      this.imported?.analyzer.configure(this.config);
    });
    this.deps.host?.configure(this.config);
    this.changed();
  }

  /** Read a trace file's text; on success show it instead of the live view. Never loses live data. */
  importText(name: string, text: string): Promise<boolean> {
    return this.importChunks(name, [text], text.length);
  }

  /**
   * Read a trace file as it streams (a File's decoded chunks): parsed, checked and analyzed in
   * slices of at most `IMPORT_SLICE_MS` of work, so the panel stays responsive on a big file.
   * `size` (bytes or characters) is checked against the limit before anything is read.
   */
  async importChunks(name: string, chunks: AsyncIterable<string> | Iterable<string>, size: number): Promise<boolean> {
    const failed = (error: string): boolean => {
      this.importing = null;
      this.importError = `${name}: ${error}`;
      this.changed();
      return false;
    };
    if (size > MAX_TRACE_CHARS) return failed(tooLargeError(size));
    if (this.importing) return failed('another import is still running');
    this.importing = { name, fraction: 0 };
    this.changed();
    const pause = this.deps.pause;
    const r = await readTrace(chunks, {
      sliceMs: IMPORT_SLICE_MS,
      ...(pause ? { pause } : {}),
      progress: (chars) => this.importProgress(name, size > 0 ? (0.5 * chars) / size : 0),
    });
    if (!r.ok) return failed(r.error);
    let analyzer: AnalyzerApi;
    const sites = new SiteMarks();
    const trends = new Trends();
    try {
      analyzer = await this.deps.makeAnalyzer();
      analyzer.configure(this.config);
      await this.ingestSliced(analyzer, sites, trends, r.trace.events, (f) => this.importProgress(name, 0.5 + 0.5 * f));
    } catch (e) {
      return failed(`the analyzer could not read it (${e instanceof Error ? e.message : String(e)})`);
    }
    this.importing = null;
    this.imported?.analyzer.dispose();
    this.imported = {
      analyzer,
      sites,
      trends,
      info: {
        name,
        url: r.trace.page.url,
        events: r.trace.events.length,
        createdAt: r.trace.createdAt,
        generator: r.trace.generator,
        dropped: r.trace.dropped,
        omitted: r.trace.omitted ?? 0,
        pageErrors: countPageErrors(r.trace.events),
        pageLink: summarizePageLink(r.trace.events),
        workerSkips: summarizeWorkerSkips(r.trace.events),
      },
    };
    this.importError = null;
    this.newChartEpoch();
    this.changed();
    return true;
  }

  /** Feed `events` to an analyzer in slices of at most IMPORT_SLICE_MS of work, giving the
   *  panel a turn between them; `progress` gets the fraction done. */
  private async ingestSliced(
    analyzer: AnalyzerApi,
    sites: SiteMarks,
    trends: Trends,
    events: readonly PageEvent[],
    progress?: (fraction: number) => void,
  ): Promise<void> {
    let began = performance.now();
    for (let i = 0; i < events.length; i += INGEST_CHUNK) {
      const slice = events.slice(i, i + INGEST_CHUNK);
      sites.ingest(slice);
      trends.ingest(slice);
      analyzer.ingest(slice);
      if (performance.now() - began >= IMPORT_SLICE_MS) {
        progress?.(i / events.length);
        await (this.deps.pause ?? nextTask)();
        began = performance.now();
      }
    }
  }

  private importProgress(name: string, fraction: number): void {
    this.importing = { name, fraction: Math.min(1, Math.max(0, fraction)) };
    this.changed();
  }

  /** The file could not even be read (permissions, I/O). */
  importFailed(name: string, reason: string): void {
    this.importing = null;
    this.importError = `${name}: could not read the file (${reason})`;
    this.changed();
  }

  backToLive(): void {
    if (!this.imported) return;
    this.imported.analyzer.dispose();
    this.imported = null;
    this.newChartEpoch();
    this.changed();
  }

  clearImportError(): void {
    this.importError = null;
    this.changed();
  }

  dispose(): void {
    this.imported?.analyzer.dispose();
    this.live?.dispose();
    this.listeners.clear();
  }
}
