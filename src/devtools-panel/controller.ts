/**
 * The panel's state machine, without DOM or chrome.*: the live session (PanelSession),
 * the live analyzer it feeds, an optional imported trace with its own analyzer, budget
 * settings, and a throttled "view changed" signal for the UI. All analysis is the
 * analyzer's (AnalyzerApi); this only moves events and asks it for report()/series().
 */
import type { Alert, AnalyzerApi, AnalyzerConfig, Diff, MemorySeries, Report } from '../shared/analyzer-api';
import { DEFAULT_PAGE_SETTINGS, type BackgroundToPanel, type PageSettings, type Trace } from '../shared/protocol';
import { parseTrace } from '../shared/trace';
import { countPageErrors } from '../shared/page-errors';
import type { LinkState } from './connection';
import { PanelSession } from './session';
import { SiteMarks, type SiteDelta } from './sites-diff';

export type StatusState = 'connected' | 'waiting' | 'disconnected';

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
  /** Page-side drops (live). */
  dropped: number;
  /** Errors the page had: uncaught exceptions, unhandled rejections, failed WebAssembly
   *  (live session, or the imported trace's when one is shown). */
  pageErrors: number;
  versionMismatch: { expected: number; got: number } | null;
  mode: 'live' | 'import';
  imported: ImportedInfo | null;
  importError: string | null;
  analyzerError: string | null;
  /** Report and chart series of what is shown (live or imported). */
  report: Report | null;
  series: MemorySeries[];
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
const INGEST_CHUNK = 5000;

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
  private analyzerError: string | null = null;
  private pageSettings: PageSettings = { ...DEFAULT_PAGE_SETTINGS };
  private settingsError: string | null = null;
  private config: AnalyzerConfig = { ...DEFAULT_CONFIG, budgetLevels: [...DEFAULT_CONFIG.budgetLevels] };
  private chartPoints = 600;
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
      case 'reset':
        this.liveSites.reset();
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
        series = a.series(this.chartPoints);
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
    const status: StatusState = this.link === 'disconnected' ? 'disconnected' : s.received > 0 ? 'connected' : 'waiting';
    return {
      status,
      reconnects: Math.max(0, this.connects - 1),
      url: s.url,
      received: s.received,
      omitted: s.omitted,
      dropped: s.dropped,
      pageErrors: this.imported ? this.imported.info.pageErrors : s.pageErrors.total,
      versionMismatch: this.versionMismatch,
      mode: this.imported ? 'import' : 'live',
      imported: this.imported ? this.imported.info : null,
      importError: this.importError,
      analyzerError: this.analyzerError,
      report,
      series,
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

  /** Read a trace file; on success show it instead of the live view. Never loses live data. */
  async importText(name: string, text: string): Promise<boolean> {
    const r = parseTrace(text);
    if (!r.ok) {
      this.importError = `${name}: ${r.error}`;
      this.changed();
      return false;
    }
    let analyzer: AnalyzerApi;
    const sites = new SiteMarks();
    sites.ingest(r.trace.events);
    try {
      analyzer = await this.deps.makeAnalyzer();
      analyzer.configure(this.config);
      for (let i = 0; i < r.trace.events.length; i += INGEST_CHUNK) {
        analyzer.ingest(r.trace.events.slice(i, i + INGEST_CHUNK));
      }
    } catch (e) {
      this.importError = `${name}: the analyzer could not read it (${e instanceof Error ? e.message : String(e)})`;
      this.changed();
      return false;
    }
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
      },
    };
    this.importError = null;
    this.changed();
    return true;
  }

  /** The file could not even be read (permissions, I/O). */
  importFailed(name: string, reason: string): void {
    this.importError = `${name}: could not read the file (${reason})`;
    this.changed();
  }

  backToLive(): void {
    if (!this.imported) return;
    this.imported.analyzer.dispose();
    this.imported = null;
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
