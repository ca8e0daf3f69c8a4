/**
 * The background analyzer host's state, free of chrome.* and of the Worker API (tested in
 * tabs.test.ts with the real analyzer wasm): one PanelSession (the panel's own de-duplication by
 * session + sequence number and definition identity) and one analyzer per tab, fed with every
 * tab's relayed events. After new events it recomputes the tab's TabStatus at most once per
 * `statusIntervalMs` and hands it to `send`.
 *
 * Memory per tab is bounded by the analyzer's fixed-size series (analyzer-rs) and by the
 * session's byte bound for export (`maxBytesPerTab`, estimated by src/shared/event-bytes.ts;
 * beyond it events are analysed but only counted as `omitted`, as in the panel).
 */
import type { AnalyzerApi, AnalyzerConfig } from '../../shared/analyzer-api';
import { PROTOCOL_VERSION, type BackgroundToPanel, type Trace } from '../../shared/protocol';
import { statusFromReport, type BackgroundToHost, type ResumePoint, type TabStatus } from '../../shared/tab-status';
import { PanelSession } from '../../devtools-panel/session';
import { BUFFER_BYTES } from '../../shared/event-bytes';

export interface HostDeps {
  makeAnalyzer(): Promise<AnalyzerApi>;
  send(status: TabStatus): void;
  now(): number;
  log(msg: string, err?: unknown): void;
}

export interface HostOptions {
  /** Estimated bytes of events kept per tab for "Export trace" (beyond: analysed, counted as omitted). */
  maxBytesPerTab: number;
  /** A tab's status is recomputed at most this often (ms). */
  statusIntervalMs: number;
  /** A recomputed status that differs only in figures (bytes, event count) is sent at most this
   *  often (ms); one whose alerts or memory count changed is sent at once. */
  quietIntervalMs: number;
  /** Statuses are sent at most at this rate in bytes (of their JSON): after one of B bytes, the
   *  tab's next waits B / rate. Each status crosses the extension's main thread twice (the
   *  offscreen document's port, then chrome.storage's change event to an open panel, with the
   *  old value), and a flood of memories makes one hundreds of KB: bench/flood.mjs. */
  statusBytesPerSecond: number;
  generator: string;
}

export const DEFAULT_HOST_OPTIONS: HostOptions = {
  maxBytesPerTab: BUFFER_BYTES.hostSession,
  statusIntervalMs: 1000,
  quietIntervalMs: 5000,
  statusBytesPerSecond: 128 * 1024,
  generator: 'wasm-memory-background',
};

interface HostTab {
  session: PanelSession;
  analyzer: AnalyzerApi | null;
  /** Messages that arrived while the analyzer was being created. */
  pending: BackgroundToPanel[];
  peak: number;
  dirty: boolean;
  lastStatusAt: number;
  failed: string | null;
  /** Budgets set for this tab in its DevTools panel (they override the options' defaults). */
  config: AnalyzerConfig | null;
  /** What the last status sent said about alerts and memories, and when it was sent. */
  lastKey: string;
  lastSentAt: number;
  /** No status before this time (statusBytesPerSecond). */
  nextSendAt: number;
}

/**
 * What makes a status worth sending at once: which alerts there are, their state and severity,
 * and the memory count. Not their titles: a rising count in a title ("… rose to 37") would send
 * every tab's status each second, and each costs the service worker a storage write and badge
 * calls (bench/background.mjs: most of the background analysis' CPU). Titles and figures follow
 * with the next quiet-interval status.
 */
function statusKey(s: TabStatus): string {
  return `${s.doc}|${s.memories}|${s.alerts.map((a) => `${a.id}:${a.state}:${a.severity}`).join(',')}`;
}

export class HostTabs {
  private readonly tabs = new Map<number, HostTab>();
  private readonly opts: HostOptions;
  private config: AnalyzerConfig | null = null;

  constructor(
    private readonly deps: HostDeps,
    opts: Partial<HostOptions> = {},
  ) {
    this.opts = { ...DEFAULT_HOST_OPTIONS, ...opts };
  }

  /** Where each tab's session stands, for `subscribe-all` after a service-worker restart. */
  resumePoints(): ResumePoint[] {
    const out: ResumePoint[] = [];
    for (const [tabId, t] of this.tabs) {
      const r = t.session.resume();
      if (r) out.push({ tabId, session: r.session, seq: r.seq });
    }
    return out;
  }

  tabIds(): number[] {
    return [...this.tabs.keys()];
  }

  handle(msg: BackgroundToHost): void {
    if (msg.v !== PROTOCOL_VERSION) return;
    if (msg.kind === 'host-batch') {
      let messages: unknown;
      try {
        messages = JSON.parse(msg.json);
      } catch (e) {
        this.deps.log('host batch not JSON (dropped)', e);
        return;
      }
      if (!Array.isArray(messages)) return;
      // written by our own service worker (index.ts) from BackgroundToHost values
      for (const m of messages as BackgroundToHost[]) if (m.kind !== 'host-batch') this.handle(m);
      return;
    }
    if (msg.kind === 'configure') {
      this.config = msg.config;
      for (const t of this.tabs.values()) {
        if (t.config) continue;
        this.safely(t, () => t.analyzer?.configure(msg.config));
        t.dirty = true;
      }
      return;
    }
    if (msg.kind === 'version-mismatch') return;
    if (msg.kind === 'tab-removed') {
      const t = this.tabs.get(msg.tabId);
      t?.analyzer?.dispose();
      this.tabs.delete(msg.tabId);
      return;
    }
    const t = this.tab(msg.tabId);
    if (!t.analyzer) {
      if (t.failed === null) t.pending.push(msg);
      return;
    }
    this.apply(t, msg);
  }

  private tab(tabId: number): HostTab {
    let t = this.tabs.get(tabId);
    if (t) return t;
    const tab: HostTab = {
      session: new PanelSession(tabId, this.opts.maxBytesPerTab),
      analyzer: null,
      pending: [],
      peak: 0,
      dirty: true,
      lastStatusAt: -Infinity,
      failed: null,
      config: null,
      lastKey: '',
      lastSentAt: -Infinity,
      nextSendAt: -Infinity,
    };
    t = tab;
    this.tabs.set(tabId, tab);
    this.deps.makeAnalyzer().then(
      (a) => {
        if (this.tabs.get(tabId) !== tab) {
          a.dispose();
          return;
        }
        tab.analyzer = a;
        const config = tab.config ?? this.config;
        if (config) a.configure(config);
        const pending = tab.pending;
        tab.pending = [];
        for (const m of pending) this.apply(tab, m);
      },
      (e: unknown) => {
        tab.failed = e instanceof Error ? e.message : String(e);
        tab.pending = [];
        this.deps.log(`analyzer for tab ${tabId} failed to start`, e);
      },
    );
    return t;
  }

  private apply(t: HostTab, msg: BackgroundToPanel): void {
    const u = t.session.handle(msg);
    if (u.kind === 'reset') {
      t.peak = 0;
      this.safely(t, () => {
        t.analyzer?.reset();
        const config = t.config ?? this.config;
        if (config) t.analyzer?.configure(config);
      });
      t.dirty = true;
      t.lastStatusAt = -Infinity; // a navigation clears the badge at once
      t.lastKey = '';
    } else if (u.kind === 'events') {
      this.safely(t, () => t.analyzer?.ingest(u.events));
      t.dirty = true;
    }
  }

  private safely(t: HostTab, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      t.failed = e instanceof Error ? e.message : String(e);
      this.deps.log('analyzer call failed', e);
    }
  }

  /** Budgets from the tab's DevTools panel: its analyzer (the one the panel shows) uses them. */
  configureTab(tabId: number, config: AnalyzerConfig): void {
    const t = this.tab(tabId);
    t.config = config;
    this.safely(t, () => t.analyzer?.configure(config));
    t.dirty = true;
    t.lastStatusAt = -Infinity;
    t.lastKey = '';
  }

  /** Send the status of every tab that changed and whose interval has passed. Call often. */
  flush(): void {
    const now = this.deps.now();
    for (const [tabId, t] of this.tabs) {
      if (!t.dirty || !t.analyzer || now - t.lastStatusAt < this.opts.statusIntervalMs || now < t.nextSendAt) continue;
      const status = this.status(tabId, t, now);
      if (!status) continue;
      const key = statusKey(status);
      if (key === t.lastKey && now - t.lastSentAt < this.opts.quietIntervalMs) {
        t.dirty = true; // figures changed: sent with the next quiet-interval status
        continue;
      }
      t.lastKey = key;
      t.lastSentAt = now;
      t.nextSendAt = now + (1000 * JSON.stringify(status).length) / this.opts.statusBytesPerSecond;
      this.deps.send(status);
    }
  }

  private status(tabId: number, t: HostTab, now: number): TabStatus | null {
    if (!t.analyzer) return null;
    t.dirty = false;
    t.lastStatusAt = now;
    try {
      const s = statusFromReport(t.analyzer.report(), { tabId, url: t.session.url, doc: t.session.doc ?? null, previousPeak: t.peak }, now);
      t.peak = s.peakBytes;
      return s;
    } catch (e) {
      this.deps.log('analyzer report failed', e);
      return null;
    }
  }

  /** The tab's session as a trace file (what "Export trace" saves), or null for an unknown tab. */
  trace(tabId: number, date: Date): Trace | null {
    const t = this.tabs.get(tabId);
    return t ? t.session.toTrace(date, this.opts.generator) : null;
  }

  dispose(): void {
    for (const t of this.tabs.values()) t.analyzer?.dispose();
    this.tabs.clear();
  }
}
