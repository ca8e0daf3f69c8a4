/**
 * The panel's state machine, without DOM or chrome.*: the live session (PanelSession),
 * the live analyzer it feeds, an optional imported trace with its own analyzer, budget
 * settings, and a throttled "view changed" signal for the UI. All analysis is the
 * analyzer's (AnalyzerApi); this only moves events and asks it for report()/series().
 */
import type { Alert, AnalyzerApi, AnalyzerConfig, Diff, MemorySeries, Report } from '../shared/analyzer-api';
import { DEFAULT_PAGE_SETTINGS, type BackgroundToPanel, type PageSettings, type Trace } from '../shared/protocol';
import { MAX_TRACE_CHARS, readTrace, tooLargeError } from '../shared/trace-stream';
import { countPageErrors } from '../shared/page-errors';
import { summarizePageLink, type PageLinkSummary } from '../shared/page-link';
import { summarizeWorkerSkips, type WorkerSkipSummary } from '../shared/worker-skips';
import type { LinkState } from './connection';
import { PanelSession } from './session';
import { SiteMarks, type SiteDelta } from './sites-diff';

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

export interface ViewState {
  status: StatusState;
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

export class PanelController {
  readonly session: PanelSession;
  private live: AnalyzerApi | null = null;
  /** Allocation sites at marks of the live session (the analyzer keeps only the latest). */
  private liveSites = new SiteMarks();
  private imported: { analyzer: AnalyzerApi; sites: SiteMarks; info: ImportedInfo } | null = null;
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
  private framePending = false;
  private revision = 0;
  private listeners = new Set<(v: ViewState) => void>();
  private view: ViewState;
  /** The host's alerts for this tab (null: it has no status for the tab yet). */
  private hostAlerts: Alert[] | null = null;
  /** Budgets were set in a panel before (else the host keeps the options page's defaults). */
  private configStored = false;

  constructor(private readonly deps: ControllerDeps) {
    this.session = new PanelSession(deps.tabId);
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
        this.liveSites.reset();
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
        if (this.live) this.safely(() => this.live?.ingest(u.events));
        this.changed();
        return;
    }
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
    return this.imported ? this.imported.analyzer : this.live;
  }

  private shownSites(): SiteMarks {
    return this.imported ? this.imported.sites : this.liveSites;
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
        if (!this.imported && this.deps.host) report = { ...report, alerts: this.hostAlerts ?? [] };
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
    return {
      status,
      reconnects: Math.max(0, this.connects - 1),
      url: s.url,
      received: s.received,
      omitted: s.omitted,
      dropped: s.dropped + s.missed,
      pageErrors: this.imported ? this.imported.info.pageErrors : s.pageErrors.total,
      pageLink: this.imported ? this.imported.info.pageLink : s.pageLink.summary(),
      workerSkips: this.imported ? this.imported.info.workerSkips : s.workerSkips.summary(),
      historyLostBefore: this.imported ? null : s.historyLostBefore,
      versionMismatch: this.versionMismatch,
      mode: this.imported ? 'import' : 'live',
      imported: this.imported ? this.imported.info : null,
      importError: this.importError,
      importing: this.importing,
      analyzerError: this.analyzerError,
      report,
      series,
      chartEpoch: this.chartEpoch,
      siteIntervals,
      config: this.config,
      allocationTracking: this.pageSettings.allocationTracking,
      settingsError: this.settingsError,
      revision: ++this.revision,
    };
  }

  /** Something changed: recompute the view once, at the next frame. */
  private changed(): void {
    if (this.framePending) return;
    this.framePending = true;
    this.deps.scheduleFrame(() => {
      this.framePending = false;
      this.view = this.computeView();
      for (const l of this.listeners) l(this.view);
    });
  }

  /** The background analyzer host's latest alerts for this tab (its TabStatus). */
  setHostAlerts(alerts: Alert[] | null): void {
    this.hostAlerts = alerts;
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

  exportTrace(): Trace {
    return this.session.toTrace(this.deps.now(), this.deps.generator);
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
    try {
      analyzer = await this.deps.makeAnalyzer();
      analyzer.configure(this.config);
      const events = r.trace.events;
      let began = performance.now();
      for (let i = 0; i < events.length; i += INGEST_CHUNK) {
        const slice = events.slice(i, i + INGEST_CHUNK);
        sites.ingest(slice);
        analyzer.ingest(slice);
        if (performance.now() - began >= IMPORT_SLICE_MS) {
          this.importProgress(name, 0.5 + (0.5 * i) / events.length);
          await (pause ?? nextTask)();
          began = performance.now();
        }
      }
    } catch (e) {
      return failed(`the analyzer could not read it (${e instanceof Error ? e.message : String(e)})`);
    }
    this.importing = null;
    this.imported?.analyzer.dispose();
    this.imported = {
      analyzer,
      sites,
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
