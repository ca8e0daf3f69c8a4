/**
 * Documents whose response-header policies ruled our worker bootstrap out (src/shared/worker-policy.ts),
 * remembered so that the next load of such a document knows it from its first script on. Pure, free of
 * `chrome.*` (strict-sites.test.ts); the service worker keeps the list in chrome.storage.local
 * and registers the MAIN-world script for these sites with a hint in front of it
 * (src/shared/site-access.ts, contentScriptPlan).
 *
 * Why: a page cannot read its header policies; the service worker hands their verdict to the page
 * side with the handshake, tens of milliseconds after the page's first script. A worker the page
 * starts before that would be started from our blob: bootstrap when its <meta> policies allow it,
 * and under a header `worker-src 'self'` it would then fail. On a remembered document such a worker is
 * started untouched instead (reported as `worker-skipped`, reason `policy-remembered`).
 *
 * Granularity: the document's URL without its query (`scheme://host:port/path*`, a match pattern),
 * so one strict page does not change what happens on the other pages of its site. A pattern is
 * forgotten when its document is seen again with headers that allow the bootstrap, or when not
 * seen strict for STRICT_SITE_TTL_MS; at most MAX_STRICT_SITES are kept (the least recently seen
 * go). The first load of a strict document is not covered if its document commits before the
 * re-registration lands (the registration is updated from onHeadersReceived, usually in time).
 */
import type { WorkerPolicyVerdict } from './protocol';

export const STRICT_SITES_KEY = 'wasmMemory.strictWorkerSites';
export const MAX_STRICT_SITES = 500;
export const STRICT_SITE_TTL_MS = 30 * 24 * 3600 * 1000;
/** A remembered site's last sighting is written back at most this often (storage writes). */
const REFRESH_MS = 24 * 3600 * 1000;

/** Match pattern -> when its strict policy was last seen (epoch ms). */
export type StrictSites = Map<string, number>;

/**
 * The match pattern of a document's URL: `scheme://host[:port]/path*` (the query and fragment
 * dropped; the trailing `*` covers queries). Null for what is never remembered: other schemes,
 * IPv6 and unusual hosts (a pattern Chrome refused would fail the whole registration call).
 */
export function documentPatternOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!/^[a-z0-9.-]+$/.test(u.hostname)) return null;
  const pattern = `${u.protocol}//${u.host}${u.pathname}*`;
  return PATTERN.test(pattern) ? pattern : null;
}

/** What documentPatternOf makes (and all parseStrictSites accepts from storage). */
const PATTERN = /^https?:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?\/[\x21-\x7e]{0,2000}$/;

/** The stored list (untrusted shape): valid entries not older than the TTL, most recent kept. */
export function parseStrictSites(stored: unknown, now: number): StrictSites {
  const out: StrictSites = new Map();
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return out;
  const entries: [string, number][] = [];
  for (const [k, v] of Object.entries(stored as Record<string, unknown>)) {
    if (!PATTERN.test(k) || typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (now - v > STRICT_SITE_TTL_MS) continue;
    entries.push([k, v]);
  }
  entries.sort((a, b) => b[1] - a[1]);
  for (const [k, v] of entries.slice(0, MAX_STRICT_SITES)) out.set(k, v);
  return out;
}

/** The list as stored (a plain object). */
export function storedStrictSites(sites: StrictSites): Record<string, number> {
  return Object.fromEntries(sites);
}

export interface StrictNote {
  /** The set of patterns changed: the registrations must follow. */
  patternsChanged: boolean;
  /** Something worth writing back (a new site, or a sighting older than a day refreshed). */
  store: boolean;
}

/**
 * A document's response arrived with `verdict`: one that rules the bootstrap out is remembered for
 * that document's pattern; one that allows it forgets the pattern (the document's policy changed).
 * An unknown verdict changes nothing.
 */
export function noteResponse(sites: StrictSites, url: string, verdict: WorkerPolicyVerdict, now: number): StrictNote {
  const none = { patternsChanged: false, store: false };
  if (verdict.instrument === 'unknown') return none;
  const p = documentPatternOf(url);
  if (p === null) return none;
  if (verdict.instrument === true) return sites.delete(p) ? { patternsChanged: true, store: true } : none;
  const seen = sites.get(p);
  if (seen !== undefined) {
    if (now - seen < REFRESH_MS) return none;
    sites.delete(p);
    sites.set(p, now);
    return { patternsChanged: false, store: true };
  }
  sites.set(p, now);
  if (sites.size > MAX_STRICT_SITES) {
    let oldest: string | null = null;
    let when = Infinity;
    for (const [k, v] of sites)
      if (v < when) {
        when = v;
        oldest = k;
      }
    if (oldest !== null) sites.delete(oldest);
  }
  return { patternsChanged: true, store: true };
}

/** The remembered patterns, sorted (registrations compare them as sets anyway). */
export function strictPatterns(sites: StrictSites): string[] {
  return [...sites.keys()].sort();
}
