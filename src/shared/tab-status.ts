/**
 * Leak alerts while browsing (no DevTools open): what the background analyzer host says about a
 * tab, the messages that carry it, and the pure rules that turn it into a badge, a tooltip and
 * notifications. No chrome.*: the service worker (src/background/action.ts), the popup and the
 * panel apply these, and tab-status.test.ts tests them.
 *
 * Wire (all extension-internal, PROTOCOL_VERSION of ./protocol.ts):
 *   service worker -> host (Port PORT_HOST):  BackgroundToPanel messages of EVERY tab, plus
 *                                              `tab-removed` and `configure`;
 *   host -> service worker:                   `subscribe-all` (with a resume point per tab, after
 *                                              a worker restart) and `tab-status`;
 *   popup / panel -> host (runtime.sendMessage): `host-export` → a Trace (or an error).
 */
import type { Alert, AnalyzerConfig, Report, Severity } from './analyzer-api';
import type { BackgroundToPanel } from './protocol';

/** The analyzer host's port to the service worker (src/background/host/offscreen.ts). */
export const PORT_HOST = 'wasm-memory:host';

/** chrome.storage.session key of a tab's latest status. */
export function statusKey(tabId: number): string {
  return `wasmMemory.tab.${tabId}`;
}

/** chrome.storage.session key of the alert ids already notified for a tab's session. */
export function notifiedKey(tabId: number): string {
  return `wasmMemory.notified.${tabId}`;
}

/** One tab as the background analyzer sees it. Alerts are the analyzer's own objects. */
export interface TabStatus {
  tabId: number;
  url: string;
  /** The top document the alerts are about (a navigation changes it). */
  doc: string | null;
  /** The analyzer's alerts, active and resolved, every severity (the badge counts the active
   *  ones at warning or above; src/shared/alerts.ts sorts them for display). */
  alerts: Alert[];
  /** Events the analyzer has ingested for this document. */
  events: number;
  /** WebAssembly memories seen that are not collected. */
  memories: number;
  /** Committed bytes of those memories now (their sum). */
  totalBytes: number;
  /** Largest `totalBytes` the host computed for this document (it computes it at most once a
   *  second, after new events): the peak of the total at those checks. */
  peakBytes: number;
  /** Wall-clock time of this status (ms since the epoch). */
  updatedAt: number;
}

export type BackgroundToHost =
  | BackgroundToPanel
  | { kind: 'tab-removed'; v: number; tabId: number }
  | { kind: 'configure'; v: number; config: AnalyzerConfig }
  /**
   * Several of these, coalesced by the service worker, as the JSON text of a BackgroundToHost[].
   * Sent straight to the host's Worker over the MessagePort of a HostChannel when there is one,
   * so the batches never cross the extension's one main thread, which the DevTools panel shares
   * (bench/flood.mjs: the panel's stalls under a flood of big events); else over the runtime
   * port, and the offscreen document hands the one string to its Worker.
   */
  | { kind: 'host-batch'; v: number; json: string };

/**
 * The offscreen document's offer of a direct line to its Worker, once per runtime port: a
 * MessagePort whose other end the Worker holds, posted to the service worker's global scope
 * (navigator.serviceWorker), and the same `id` sent on the runtime port, so the service worker
 * pairs the two whichever arrives first. Host batches then go over the MessagePort.
 */
export interface HostChannel {
  kind: 'host-channel';
  v: number;
  id: string;
}

export interface ResumePoint {
  tabId: number;
  session: string;
  seq: number;
}

export type HostToBackground =
  { kind: 'subscribe-all'; v: number; resume: ResumePoint[] } | { kind: 'tab-status'; v: number; status: TabStatus } | HostChannel;

/** runtime.sendMessage to the host (popup, panel). */
export interface HostExportRequest {
  kind: 'host-export';
  tabId: number;
}

/** runtime.sendMessage from the service worker when it starts: the host reconnects its port. */
export interface HostWake {
  kind: 'host-wake';
}

/** runtime.sendMessage from a tab's panel to the host: the budgets set in the panel. */
export interface HostConfigureRequest {
  kind: 'host-configure';
  tabId: number;
  config: AnalyzerConfig;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** The alerts the badge counts: active, at warning or above. */
export function badgeAlerts(status: TabStatus | null): Alert[] {
  if (!status) return [];
  return status.alerts.filter((a) => a.state === 'active' && RANK[a.severity] >= RANK.warning);
}

/** The worst severity among `alerts`, or null when there are none. */
export function worstSeverity(alerts: readonly Alert[]): Severity | null {
  let worst: Severity | null = null;
  for (const a of alerts) if (worst === null || RANK[a.severity] > RANK[worst]) worst = a.severity;
  return worst;
}

export const BADGE_COLORS: Record<'warning' | 'error', string> = { warning: '#b06000', error: '#c5221f' };

export interface BadgeState {
  /** '' hides the badge. */
  text: string;
  color: string | null;
  title: string;
}

const TITLE = 'WASM Memory';

/** The toolbar badge and tooltip for a tab. */
export function badgeFor(status: TabStatus | null): BadgeState {
  const alerts = badgeAlerts(status);
  if (alerts.length === 0) {
    const seen = status && status.memories > 0 ? `: no leak alerts on this page` : '';
    return { text: '', color: null, title: `${TITLE}${seen}` };
  }
  const worst = worstSeverity(alerts) === 'error' ? 'error' : 'warning';
  const text = alerts.length > 99 ? '99+' : String(alerts.length);
  const lines = alerts.slice(0, 5).map((a) => `• ${a.severity}: ${a.title}`);
  if (alerts.length > 5) lines.push(`• … and ${alerts.length - 5} more`);
  const noun = alerts.length === 1 ? 'leak alert' : 'leak alerts';
  return { text, color: BADGE_COLORS[worst], title: `${TITLE}: ${alerts.length} ${noun}\n${lines.join('\n')}` };
}

/** Sum of committed bytes of the memories still alive, and how many there are. */
export function memoryTotal(report: Report): { totalBytes: number; memories: number } {
  let totalBytes = 0;
  let memories = 0;
  for (const m of report.memories) {
    if (m.collected) continue;
    totalBytes += m.currentBytes;
    memories++;
  }
  return { totalBytes, memories };
}

/** A tab's status from the analyzer's report. */
export function statusFromReport(
  report: Report,
  tab: { tabId: number; url: string; doc: string | null; previousPeak: number },
  now: number,
): TabStatus {
  const { totalBytes, memories } = memoryTotal(report);
  return {
    tabId: tab.tabId,
    url: tab.url,
    doc: tab.doc,
    alerts: report.alerts,
    events: report.eventCount,
    memories,
    totalBytes,
    peakBytes: Math.max(tab.previousPeak, totalBytes),
    updatedAt: now,
  };
}

export interface NotifySettings {
  enabled: boolean;
  /** Also for tabs that are not the active tab of their window. */
  backgroundTabs: boolean;
  /** At most one notification per tab this often (ms). */
  minIntervalMs: number;
}

export interface NotifyState {
  /** Alert ids already notified (or skipped by the rate limit) in this tab's document. */
  notified: string[];
  /** The document they belong to; another document starts afresh. */
  doc: string | null;
  lastAt: number;
}

export const EMPTY_NOTIFY_STATE: NotifyState = { notified: [], doc: null, lastAt: 0 };

/** Most alert ids remembered per tab. */
const MAX_NOTIFIED = 256;

/**
 * Which new alert (if any) to notify about now, and the state to store. Each new badge alert is
 * considered once: when the rate limit is closed, or notifications are off, or the tab is in the
 * background without the opt-in, it is marked seen and never notified later (no burst of stale
 * notifications when a limit reopens).
 */
export function decideNotification(
  status: TabStatus,
  prev: NotifyState,
  settings: NotifySettings,
  tabActive: boolean,
  now: number,
): { notify: Alert | null; state: NotifyState } {
  const sameDoc = prev.doc === status.doc;
  const seen = new Set(sameDoc ? prev.notified : []);
  const fresh = badgeAlerts(status).filter((a) => !seen.has(a.id));
  const lastAt = sameDoc ? prev.lastAt : 0;
  if (fresh.length === 0) return { notify: null, state: { notified: [...seen], doc: status.doc, lastAt } };
  for (const a of fresh) seen.add(a.id);
  const notified = [...seen].slice(-MAX_NOTIFIED);
  const allowed = settings.enabled && (tabActive || settings.backgroundTabs) && now - lastAt >= settings.minIntervalMs;
  if (!allowed) return { notify: null, state: { notified, doc: status.doc, lastAt } };
  const worst = fresh.reduce((w, a) => (RANK[a.severity] > RANK[w.severity] ? a : w));
  return { notify: worst, state: { notified, doc: status.doc, lastAt: now } };
}

/** Parse a stored NotifyState; anything malformed: empty. */
export function parseNotifyState(x: unknown): NotifyState {
  if (typeof x !== 'object' || x === null) return { ...EMPTY_NOTIFY_STATE, notified: [] };
  const o = x as Record<string, unknown>;
  const notified = Array.isArray(o.notified) ? o.notified.filter((s): s is string => typeof s === 'string') : [];
  const doc = typeof o.doc === 'string' ? o.doc : null;
  const lastAt = typeof o.lastAt === 'number' && Number.isFinite(o.lastAt) ? o.lastAt : 0;
  return { notified, doc, lastAt };
}

/** "since when" for the popup: how long ago, in words. */
export function since(time: number, now: number): string {
  const s = Math.max(0, Math.round((now - time) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min ago`;
}
