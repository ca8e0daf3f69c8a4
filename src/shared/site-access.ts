/**
 * Which sites the extension instruments (the options page's "Sites"), and the content-script
 * registrations that follow from it. Pure: the service worker turns the plan into
 * chrome.scripting calls (src/background/content-scripts.ts), the options page validates what
 * the user types with `parseSite`, the popup tells whether its tab's site is on with `siteOn`.
 *
 * A site is a host: `example.com` (that host only) or `*.example.com` (the host and every
 * subdomain), as in Chrome's match patterns; every port and both http and https. Where a site
 * is off, neither content script is registered for it, so the MAIN-world hook never runs there.
 */

export type SiteMode = 'all' | 'only' | 'except';

export interface SiteAccess {
  /** `all`: every site; `only`: the listed sites; `except`: every site but the listed ones. */
  mode: SiteMode;
  /** Normalised hosts (see parseSite), at most MAX_SITES, no duplicates. */
  sites: string[];
}

export const DEFAULT_SITE_ACCESS: SiteAccess = { mode: 'all', sites: [] };

/** At most this many listed sites. chrome.storage.sync also caps the settings item at 8 KB: a
 *  save over it is refused by Chrome, and the options page shows that refusal. */
export const MAX_SITES = 200;

export const SITE_MODES: readonly SiteMode[] = ['all', 'only', 'except'];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

export type SiteParse = { ok: true; site: string } | { ok: false; error: string };

/**
 * One entry as a user types it: a host, `*.host`, or a URL (its host is taken). Lower-cased;
 * a port or path is refused with a message rather than silently widened.
 */
export function parseSite(input: string): SiteParse {
  let s = input.trim().toLowerCase();
  if (s === '') return { ok: false, error: 'empty entry' };
  if (s.length > 260) return { ok: false, error: `"${input.slice(0, 40)}…" is too long for a host name` };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(s);
  if (scheme) {
    if (scheme[1] !== 'http' && scheme[1] !== 'https')
      return { ok: false, error: `"${input}": only http and https sites can be listed (write the host, e.g. example.com)` };
    s = s.slice(scheme[0].length);
    const end = s.search(/[/?#]/);
    if (end >= 0) s = s.slice(0, end);
  } else if (/[/?#]/.test(s)) {
    return { ok: false, error: `"${input}": write a host (example.com or *.example.com), not a path` };
  }
  if (s.includes('@')) return { ok: false, error: `"${input}": write a host without a user name` };
  const portAt = s.startsWith('[') ? s.indexOf(']:') + 1 : s.lastIndexOf(':');
  if (portAt > 0) return { ok: false, error: `"${input}": a site covers every port; write it without ":${s.slice(portAt + 1)}"` };
  const wildcard = s.startsWith('*.');
  const host = wildcard ? s.slice(2) : s;
  if (IPV6.test(host) || IPV4.test(host)) {
    if (wildcard) return { ok: false, error: `"${input}": "*." goes before a domain name, not an IP address` };
    const v4 = IPV4.exec(host);
    if (v4 && v4.slice(1).some((n) => Number(n) > 255)) return { ok: false, error: `"${input}" is not an IP address` };
    return { ok: true, site: s };
  }
  const labels = host.split('.');
  if (host.length > 253 || !labels.every((l) => LABEL.test(l)))
    return { ok: false, error: `"${input}" is not a host name (letters, digits, "-" and "." only; "*." may start it)` };
  return { ok: true, site: s };
}

/**
 * The options page's list, one site per line (blank lines and duplicates ignored): the sites, or
 * the first wrong line with its number and reason.
 */
export function parseSiteList(text: string): { ok: true; sites: string[] } | { ok: false; error: string } {
  const sites: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const p = parseSite(line);
    if (!p.ok) return { ok: false, error: `Sites, line ${i + 1}: ${p.error}` };
    if (!sites.includes(p.site)) sites.push(p.site);
  }
  if (sites.length > MAX_SITES) return { ok: false, error: `Sites: at most ${MAX_SITES} (${sites.length} listed)` };
  return { ok: true, sites };
}

/** Stored or untrusted shapes: anything malformed falls back to the default, bad entries dropped. */
export function parseSiteAccess(v: unknown): SiteAccess {
  if (typeof v !== 'object' || v === null) return { ...DEFAULT_SITE_ACCESS, sites: [] };
  const o = v as Record<string, unknown>;
  const mode = SITE_MODES.find((m) => m === o.mode) ?? DEFAULT_SITE_ACCESS.mode;
  const sites: string[] = [];
  if (Array.isArray(o.sites)) {
    for (const e of o.sites) {
      if (typeof e !== 'string') continue;
      const p = parseSite(e);
      if (p.ok && !sites.includes(p.site) && sites.length < MAX_SITES) sites.push(p.site);
    }
  }
  return { mode, sites };
}

/** The match pattern of one site: http and https, every path (a match pattern has no port, so
 *  every port matches). */
export function sitePattern(site: string): string {
  return `*://${site}/*`;
}

/** What the service worker registers: both scripts share their matches. */
export interface ContentScriptPlan {
  id: string;
  js: string[];
  world: 'MAIN' | 'ISOLATED';
  matches: string[];
  excludeMatches: string[];
  /** Also about:blank, srcdoc, data: and blob: frames, by their creator's origin (Chrome then
   *  requires every pattern's path to be `/*`: not for the hint's document patterns). */
  originFallback: boolean;
}

/** Built by scripts/build-content-scripts.mjs (the same paths are written there). */
export const CONTENT_SCRIPTS = [
  { id: 'wasm-memory-injected', js: 'src/injected/index.iife.js', world: 'MAIN' },
  { id: 'wasm-memory-relay', js: 'src/content/index.iife.js', world: 'ISOLATED' },
] as const;

/** The MAIN-world hint for remembered strict documents (src/shared/strict-sites.ts). A
 *  registration of its own: the bundle's registration never changes with the list (an update of
 *  it could leave a loading document with no bundle, or with two). */
export const STRICT_SITE_SCRIPT = { id: 'wasm-memory-strict-hint', js: 'src/injected/strict-hint.iife.js', world: 'MAIN' } as const;

/**
 * The registrations for `access`; empty when no site is on (`only` with an empty list). The
 * MAIN-world hook comes first: both run at document_start in every frame, and the page side
 * re-sends its handshake when the relay says it is ready, so their order is not load-bearing.
 *
 * `strict`: remembered strict documents (src/shared/strict-sites.ts, `scheme://host:port/path*`).
 * Those that are on also get STRICT_SITE_SCRIPT, the hint the bundle reads.
 */
export function contentScriptPlan(access: SiteAccess, strict: readonly string[] = []): ContentScriptPlan[] {
  const listed = access.sites.map(sitePattern);
  let matches: string[];
  let excludeMatches: string[] = [];
  if (access.mode === 'only') {
    if (listed.length === 0) return [];
    matches = listed;
  } else {
    matches = ['<all_urls>'];
    if (access.mode === 'except') excludeMatches = listed;
  }
  const strictOn = strict.filter((p) => {
    const host = /^https?:\/\/([^/:]+)(?::\d+)?\//.exec(p)?.[1];
    return host !== undefined && hostOn(access, host);
  });
  const plan: ContentScriptPlan[] = CONTENT_SCRIPTS.map((s) => ({
    id: s.id,
    js: [s.js],
    world: s.world,
    matches,
    excludeMatches,
    originFallback: true,
  }));
  if (strictOn.length > 0)
    plan.push({
      id: STRICT_SITE_SCRIPT.id,
      js: [STRICT_SITE_SCRIPT.js],
      world: STRICT_SITE_SCRIPT.world,
      matches: strictOn,
      excludeMatches,
      originFallback: false,
    });
  return plan;
}

/** Does `site` (parseSite's form) cover `host`? `*.a.b` covers a.b and every x.a.b. */
export function siteCovers(site: string, host: string): boolean {
  const h = host.toLowerCase();
  if (!site.startsWith('*.')) return h === site;
  const base = site.slice(2);
  return h === base || h.endsWith(`.${base}`);
}

/**
 * Is the page at `url` instrumented under `access`? Only http(s) and file pages can be (the
 * browser's own pages and the web store never are); `file:` only in mode `all`, and only when
 * the user allowed file access in chrome://extensions.
 */
export function siteOn(access: SiteAccess, url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'file:') return access.mode === 'all';
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return hostOn(access, u.hostname);
}

/** Is an http(s) page of `host` instrumented under `access`? */
export function hostOn(access: SiteAccess, host: string): boolean {
  if (access.mode === 'all') return true;
  const listed = access.sites.some((s) => siteCovers(s, host));
  return access.mode === 'only' ? listed : !listed;
}

/**
 * The access with `host` turned on or off, or null when that would need more than MAX_SITES
 * entries. Entries that cover the host are removed first: a `*.domain` entry goes as a whole, so
 * the host's sibling subdomains change with it.
 */
export function withSite(access: SiteAccess, host: string, on: boolean): SiteAccess | null {
  const h = host.toLowerCase();
  if (hostOn(access, h) === on) return access;
  const without = access.sites.filter((s) => !siteCovers(s, h));
  const adding = (mode: SiteMode, base: string[]): SiteAccess | null => (base.length >= MAX_SITES ? null : { mode, sites: [...base, h] });
  switch (access.mode) {
    case 'all':
      // the list of another mode is not kept: in `all` it had no effect
      return on ? access : { mode: 'except', sites: [h] };
    case 'only':
      return on ? adding('only', without) : { mode: 'only', sites: without };
    case 'except':
      return on ? { mode: 'except', sites: without } : adding('except', without);
  }
}
