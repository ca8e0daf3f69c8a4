/**
 * The user's settings from the options page, kept in chrome.storage.sync under one key. Pure:
 * parsing with defaults (anything malformed falls back field by field), used by the service
 * worker and the options page.
 */
import type { AnalyzerConfig } from './analyzer-api';
import { isSampleInterval } from './page-settings';
import { DEFAULT_SITE_ACCESS, parseSiteAccess, type SiteAccess } from './site-access';
import type { NotifySettings } from './tab-status';

export const USER_SETTINGS_KEY = 'wasmMemory.settings.v1';

export interface UserSettings {
  /** Budgets and warning levels the background analyzer starts each tab with. */
  budgets: AnalyzerConfig;
  notifications: NotifySettings;
  /** Sampling interval (ms) while a page's WebAssembly is busy: the page side's fastest tick.
   *  Applies to pages loaded after the change. */
  sampleIntervalMs: number;
  /** Which sites are instrumented (src/shared/site-access.ts); applies to pages loaded after the change. */
  sites: SiteAccess;
}

/** The choices the options page offers. */
export const SAMPLE_INTERVALS_MS: readonly number[] = [100, 250, 500, 1000];

export const DEFAULT_USER_SETTINGS: UserSettings = {
  budgets: { pageBudgetBytes: null, memoryBudgetBytes: null, budgetLevels: [0.6, 0.75, 0.85, 0.95] },
  notifications: { enabled: false, backgroundTabs: false, minIntervalMs: 60_000 },
  sampleIntervalMs: 100,
  sites: DEFAULT_SITE_ACCESS,
};

/** Shortest allowed interval between two notifications of one tab. */
export const MIN_NOTIFY_INTERVAL_MS = 10_000;

function bytesOrNull(v: unknown, dflt: number | null): number | null {
  if (v === null) return null;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : dflt;
}

export function parseUserSettings(x: unknown): UserSettings {
  const d = DEFAULT_USER_SETTINGS;
  const o = typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};
  const b = typeof o.budgets === 'object' && o.budgets !== null ? (o.budgets as Record<string, unknown>) : {};
  const n = typeof o.notifications === 'object' && o.notifications !== null ? (o.notifications as Record<string, unknown>) : {};
  const levels =
    Array.isArray(b.budgetLevels) &&
    b.budgetLevels.length > 0 &&
    b.budgetLevels.length <= 16 &&
    b.budgetLevels.every((l): l is number => typeof l === 'number' && Number.isFinite(l) && l > 0 && l <= 10)
      ? [...b.budgetLevels].sort((p, q) => p - q)
      : [...d.budgets.budgetLevels];
  const interval =
    typeof n.minIntervalMs === 'number' && Number.isFinite(n.minIntervalMs)
      ? Math.max(MIN_NOTIFY_INTERVAL_MS, Math.min(3_600_000, n.minIntervalMs))
      : d.notifications.minIntervalMs;
  return {
    budgets: {
      pageBudgetBytes: bytesOrNull(b.pageBudgetBytes, d.budgets.pageBudgetBytes),
      memoryBudgetBytes: bytesOrNull(b.memoryBudgetBytes, d.budgets.memoryBudgetBytes),
      budgetLevels: levels,
    },
    notifications: {
      enabled: typeof n.enabled === 'boolean' ? n.enabled : d.notifications.enabled,
      backgroundTabs: typeof n.backgroundTabs === 'boolean' ? n.backgroundTabs : d.notifications.backgroundTabs,
      minIntervalMs: interval,
    },
    sampleIntervalMs: isSampleInterval(o.sampleIntervalMs) ? o.sampleIntervalMs : d.sampleIntervalMs,
    sites: parseSiteAccess(o.sites),
  };
}
