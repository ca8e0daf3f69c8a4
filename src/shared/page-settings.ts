/**
 * Reading PageSettings (src/shared/protocol.ts) from untrusted or stored shapes (pure): the page
 * side validates the `ack`'s settings with it, the content script the stored values.
 */
import { DEFAULT_PAGE_SETTINGS, PAGE_SETTINGS_KEYS, type PageSettings } from './protocol';

/** An ack's `settings`: a PageSettings, or null when absent or malformed (then: defaults). */
export function parsePageSettings(v: unknown): PageSettings | null {
  if (typeof v !== 'object' || v === null) return null;
  const on = (v as Record<string, unknown>).allocationTracking;
  if (typeof on !== 'boolean') return null;
  const ms = (v as Record<string, unknown>).sampleIntervalMs;
  return isSampleInterval(ms) ? { allocationTracking: on, sampleIntervalMs: ms } : { allocationTracking: on };
}

/** Fastest and slowest busy sampling intervals a user may choose (ms). */
export const SAMPLE_INTERVAL_RANGE = { min: 100, max: 1000 } as const;

export function isSampleInterval(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= SAMPLE_INTERVAL_RANGE.min && v <= SAMPLE_INTERVAL_RANGE.max;
}

/** The settings from a chrome.storage.local.get() result; anything not a boolean: the default. */
export function settingsFromStorage(items: Record<string, unknown>): PageSettings {
  const on = items[PAGE_SETTINGS_KEYS.allocationTracking];
  return { allocationTracking: typeof on === 'boolean' ? on : DEFAULT_PAGE_SETTINGS.allocationTracking };
}
