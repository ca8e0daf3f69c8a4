import { describe, expect, it } from 'vitest';
import {
  contentScriptPlan,
  DEFAULT_SITE_ACCESS,
  MAX_SITES,
  parseSite,
  parseSiteAccess,
  parseSiteList,
  siteCovers,
  siteOn,
  withSite,
  type SiteAccess,
} from './site-access';

const ok = (s: string) => {
  const p = parseSite(s);
  if (!p.ok) throw new Error(p.error);
  return p.site;
};
const error = (s: string) => {
  const p = parseSite(s);
  if (p.ok) throw new Error(`accepted ${s} as ${p.site}`);
  return p.error;
};

describe('parseSite', () => {
  it('takes hosts, *.hosts, IP addresses and the host of an http(s) URL, lower-cased', () => {
    expect(ok(' Example.COM ')).toBe('example.com');
    expect(ok('*.example.com')).toBe('*.example.com');
    expect(ok('localhost')).toBe('localhost');
    expect(ok('127.0.0.1')).toBe('127.0.0.1');
    expect(ok('[::1]')).toBe('[::1]');
    expect(ok('https://app.example.com/path?q=1#x')).toBe('app.example.com');
    expect(ok('http://xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
  });
  it('refuses what a match pattern cannot say, with the reason', () => {
    expect(error('')).toMatch(/empty/);
    expect(error('localhost:8080')).toMatch(/every port/);
    expect(error('http://localhost:5173/')).toMatch(/every port/);
    expect(error('[::1]:80')).toMatch(/every port/);
    expect(error('example.com/app')).toMatch(/not a path/);
    expect(error('ftp://example.com')).toMatch(/only http and https/);
    expect(error('chrome://extensions')).toMatch(/only http and https/);
    expect(error('*.10.0.0.1')).toMatch(/not an IP address/);
    expect(error('300.1.1.1')).toMatch(/not an IP address/);
    expect(error('exa mple.com')).toMatch(/not a host name/);
    expect(error('-bad.com')).toMatch(/not a host name/);
    expect(error('a..b')).toMatch(/not a host name/);
    expect(error('*')).toMatch(/not a host name/);
    expect(error('user@example.com')).toMatch(/user name/);
    expect(error('x'.repeat(300))).toMatch(/too long/);
  });
});

describe('parseSiteAccess', () => {
  it('defaults to every site', () => {
    expect(parseSiteAccess(undefined)).toEqual(DEFAULT_SITE_ACCESS);
    expect(parseSiteAccess({ mode: 'nope', sites: 'x' })).toEqual({ mode: 'all', sites: [] });
  });
  it('drops bad and duplicate entries and keeps at most MAX_SITES', () => {
    const many = Array.from({ length: MAX_SITES + 5 }, (_, i) => `h${i}.example`);
    const a = parseSiteAccess({ mode: 'only', sites: ['A.com', 'a.com', 7, 'bad host', ...many] });
    expect(a.mode).toBe('only');
    expect(a.sites[0]).toBe('a.com');
    expect(a.sites).toHaveLength(MAX_SITES);
    expect(new Set(a.sites).size).toBe(a.sites.length);
  });
});

describe('contentScriptPlan', () => {
  it('all: both scripts on <all_urls>, the MAIN-world hook first', () => {
    const plan = contentScriptPlan(DEFAULT_SITE_ACCESS);
    expect(plan.map((p) => [p.world, p.matches, p.excludeMatches])).toEqual([
      ['MAIN', ['<all_urls>'], []],
      ['ISOLATED', ['<all_urls>'], []],
    ]);
  });
  it('only: the listed sites; nothing registered when the list is empty', () => {
    expect(contentScriptPlan({ mode: 'only', sites: ['a.com', '*.b.org'] })[0]!.matches).toEqual(['*://a.com/*', '*://*.b.org/*']);
    expect(contentScriptPlan({ mode: 'only', sites: [] })).toEqual([]);
  });
  it('except: every site but the listed ones', () => {
    const [p] = contentScriptPlan({ mode: 'except', sites: ['localhost'] });
    expect(p!.matches).toEqual(['<all_urls>']);
    expect(p!.excludeMatches).toEqual(['*://localhost/*']);
  });
  it('remembered strict documents that are on get the hint, registered apart; the bundle registrations do not change', () => {
    const strict = ['https://s.com:8443/app*', 'http://off.org/*'];
    const plan = contentScriptPlan({ mode: 'except', sites: ['off.org'] }, strict);
    expect(plan.map((p) => [p.id, p.world, p.js, p.matches, p.excludeMatches])).toEqual([
      ['wasm-memory-injected', 'MAIN', ['src/injected/index.iife.js'], ['<all_urls>'], ['*://off.org/*']],
      ['wasm-memory-relay', 'ISOLATED', ['src/content/index.iife.js'], ['<all_urls>'], ['*://off.org/*']],
      ['wasm-memory-strict-hint', 'MAIN', ['src/injected/strict-hint.iife.js'], ['https://s.com:8443/app*'], ['*://off.org/*']],
    ]);
    // only: a remembered site not listed stays off; none remembered: the plain plan
    expect(contentScriptPlan({ mode: 'only', sites: ['a.com'] }, ['https://b.com/*']).map((p) => p.id)).toEqual([
      'wasm-memory-injected',
      'wasm-memory-relay',
    ]);
    expect(contentScriptPlan(DEFAULT_SITE_ACCESS, [])).toEqual(contentScriptPlan(DEFAULT_SITE_ACCESS));
  });
});

describe('siteOn / withSite', () => {
  it('a *. entry covers the domain and its subdomains only', () => {
    expect(siteCovers('*.example.com', 'example.com')).toBe(true);
    expect(siteCovers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(siteCovers('*.example.com', 'badexample.com')).toBe(false);
    expect(siteCovers('example.com', 'www.example.com')).toBe(false);
  });
  it('tells whether a page is instrumented', () => {
    const only: SiteAccess = { mode: 'only', sites: ['*.example.com'] };
    expect(siteOn(only, 'https://www.example.com/x')).toBe(true);
    expect(siteOn(only, 'http://other.org/')).toBe(false);
    expect(siteOn({ mode: 'except', sites: ['127.0.0.1'] }, 'http://127.0.0.1:4173/')).toBe(false);
    expect(siteOn(DEFAULT_SITE_ACCESS, 'chrome://extensions/')).toBe(false);
    expect(siteOn(DEFAULT_SITE_ACCESS, 'file:///tmp/a.html')).toBe(true);
    expect(siteOn(only, 'file:///tmp/a.html')).toBe(false);
    expect(siteOn(DEFAULT_SITE_ACCESS, 'not a url')).toBe(false);
  });
  it('turns one host on or off with the smallest list change, in every mode', () => {
    const all = DEFAULT_SITE_ACCESS;
    expect(withSite(all, 'a.com', true)).toBe(all);
    const off = withSite(all, 'a.com', false)!;
    expect(off).toEqual({ mode: 'except', sites: ['a.com'] });
    expect(withSite(off, 'a.com', true)).toEqual({ mode: 'except', sites: [] });
    const only = withSite({ mode: 'only', sites: ['b.com'] }, 'A.com', true)!;
    expect(only).toEqual({ mode: 'only', sites: ['b.com', 'a.com'] });
    expect(withSite(only, 'b.com', false)).toEqual({ mode: 'only', sites: ['a.com'] });
    // a covering wildcard goes as a whole
    expect(withSite({ mode: 'except', sites: ['*.x.com'] }, 'www.x.com', true)).toEqual({ mode: 'except', sites: [] });
    for (const a of [all, off, only]) for (const on of [true, false]) expect(siteOn(withSite(a, 'a.com', on)!, 'https://a.com/')).toBe(on);
  });
  it('refuses to grow the list past MAX_SITES', () => {
    const full: SiteAccess = { mode: 'only', sites: Array.from({ length: MAX_SITES }, (_, i) => `h${i}.example`) };
    expect(withSite(full, 'new.example', true)).toBeNull();
    expect(withSite(full, 'h0.example', false)!.sites).toHaveLength(MAX_SITES - 1);
  });
});

describe('parseSiteList', () => {
  it('one site per line, blank lines and duplicates ignored', () => {
    expect(parseSiteList('a.com\n\n  *.B.org \r\na.com\n')).toEqual({ ok: true, sites: ['a.com', '*.b.org'] });
  });
  it('names the first wrong line', () => {
    expect(parseSiteList('a.com\nlocalhost:3000')).toEqual({ ok: false, error: expect.stringMatching(/^Sites, line 2: .*every port/) });
    const many = Array.from({ length: MAX_SITES + 1 }, (_, i) => `h${i}.example`).join('\n');
    expect(parseSiteList(many)).toEqual({ ok: false, error: expect.stringMatching(/at most 200/) });
  });
});
