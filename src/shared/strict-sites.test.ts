import { describe, expect, it } from 'vitest';
import {
  MAX_STRICT_SITES,
  noteResponse,
  parseStrictSites,
  documentPatternOf,
  STRICT_SITE_TTL_MS,
  storedStrictSites,
  strictPatterns,
  type StrictSites,
} from './strict-sites';
import { INSTRUMENT, UNKNOWN } from './worker-policy';
import type { WorkerPolicyVerdict } from './protocol';

const STRICT: WorkerPolicyVerdict = { instrument: false, reason: 'csp', directive: 'worker-src' };
const DAY = 24 * 3600 * 1000;

describe('documentPatternOf', () => {
  it('is the URL without query and fragment, with a trailing *; http(s) and plain host names only', () => {
    expect(documentPatternOf('https://app.example.com:8443/a/b?c#d')).toBe('https://app.example.com:8443/a/b*');
    expect(documentPatternOf('http://127.0.0.1:4173/e2e/pages/csp/page.html?x=1')).toBe('http://127.0.0.1:4173/e2e/pages/csp/page.html*');
    expect(documentPatternOf('https://a.com')).toBe('https://a.com/*');
    expect(documentPatternOf('https://a.com/with space')).toBe('https://a.com/with%20space*');
    expect(documentPatternOf('http://[::1]:80/')).toBeNull();
    expect(documentPatternOf('file:///tmp/a.html')).toBeNull();
    expect(documentPatternOf('data:text/html,x')).toBeNull();
    expect(documentPatternOf('not a url')).toBeNull();
  });
});

describe('noteResponse', () => {
  it('remembers a document whose verdict rules the bootstrap out, forgets it when its verdict allows it; unknown changes nothing', () => {
    const sites: StrictSites = new Map();
    expect(noteResponse(sites, 'https://a.com/x', INSTRUMENT, 1000)).toEqual({ patternsChanged: false, store: false });
    expect(noteResponse(sites, 'https://a.com/x', STRICT, 1000)).toEqual({ patternsChanged: true, store: true });
    expect(noteResponse(sites, 'https://a.com/x?again', STRICT, 2000)).toEqual({ patternsChanged: false, store: false });
    expect(noteResponse(sites, 'https://a.com/x', UNKNOWN, 2500)).toEqual({ patternsChanged: false, store: false });
    // another document of the same site is its own entry
    expect(noteResponse(sites, 'https://a.com/open', INSTRUMENT, 3000)).toEqual({ patternsChanged: false, store: false });
    expect(strictPatterns(sites)).toEqual(['https://a.com/x*']);
    // a sighting more than a day later is written back, with no registration change
    expect(noteResponse(sites, 'https://a.com/x', STRICT, 1000 + DAY)).toEqual({ patternsChanged: false, store: true });
    expect(sites.get('https://a.com/x*')).toBe(1000 + DAY);
    // the same document now allows it: forgotten
    expect(noteResponse(sites, 'https://a.com/x', INSTRUMENT, 2000 + DAY)).toEqual({ patternsChanged: true, store: true });
    expect(sites.size).toBe(0);
  });

  it('keeps at most MAX_STRICT_SITES, dropping the least recently seen', () => {
    const sites: StrictSites = new Map();
    for (let i = 0; i < MAX_STRICT_SITES; i++) noteResponse(sites, `https://s${i}.com/`, STRICT, 10 + i);
    expect(sites.size).toBe(MAX_STRICT_SITES);
    noteResponse(sites, 'https://new.com/', STRICT, 100000);
    expect(sites.size).toBe(MAX_STRICT_SITES);
    expect(sites.has('https://s0.com/*')).toBe(false);
    expect(sites.has('https://s1.com/*')).toBe(true);
    expect(sites.has('https://new.com/*')).toBe(true);
  });
});

describe('parseStrictSites', () => {
  it('round-trips, drops expired and malformed entries, and bounds the list', () => {
    const now = 50 * DAY;
    const sites: StrictSites = new Map([
      ['https://a.com/*', now - DAY],
      ['http://b.org/*', now - 2 * DAY],
    ]);
    expect(parseStrictSites(storedStrictSites(sites), now)).toEqual(sites);
    expect(
      parseStrictSites(
        {
          'https://a.com/*': now,
          'https://old.com/*': now - STRICT_SITE_TTL_MS - 1,
          '<all_urls>': now,
          'https://*.x.com/*': now,
          'ftp://f.com/*': now,
          'https://[::1]/*': now,
          'https://y.com/*': 'yesterday',
          'https://z.com/*': Infinity,
        },
        now,
      ),
    ).toEqual(new Map([['https://a.com/*', now]]));
    expect(parseStrictSites(null, now).size).toBe(0);
    expect(parseStrictSites(['https://a.com/*'], now).size).toBe(0);
    const many: Record<string, number> = {};
    for (let i = 0; i < MAX_STRICT_SITES + 10; i++) many[`https://s${i}.com/*`] = now - i;
    const parsed = parseStrictSites(many, now);
    expect(parsed.size).toBe(MAX_STRICT_SITES);
    expect(parsed.has('https://s0.com/*')).toBe(true);
    expect(parsed.has(`https://s${MAX_STRICT_SITES + 9}.com/*`)).toBe(false);
  });
});
