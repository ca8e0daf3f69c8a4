import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LIMITS, PROTOCOL_VERSION, type PageEvent } from './protocol';
import { checkPageEvent, MAX_PAGE_ERROR_REALMS, PageErrorLimit, validateBatch, validatePageEvent } from './validate';

const good: PageEvent[] = [
  { t: 'realm', time: 1, realm: 'r1', kind: 'window', url: 'https://a.test/' },
  { t: 'realm', time: 1, realm: 'r2', kind: 'worker', url: 'https://a.test/w.js', parent: 'r1' },
  { t: 'module', time: 2, key: 'r1:1', url: 'https://a.test/a.wasm', byteLength: 100, exports: ['memory', 'f'] },
  { t: 'memory', time: 3, key: 'r1:2', origin: 'export', shared: false, bytes: 65536, maxBytes: null, owner: 'https://a.test/a.wasm', exportName: 'memory', module: 'r1:1' },
  { t: 'instance', time: 4, key: 'r1:3', module: 'r1:1', via: 'instantiateStreaming', memories: ['r1:2'], toolchain: 'wasm-bindgen', helper: false },
  { t: 'sample', time: 5, keys: ['r1:2'], bytes: [131072] },
  { t: 'grow', time: 6, key: 'r1:2', fromBytes: 65536, toBytes: 131072, via: 'js', stack: 'at f' },
  { t: 'collected', time: 7, key: 'r1:2' },
  { t: 'bindgen', time: 8, module: null, className: 'Foo', created: 3, freed: 1, reclaimed: 1, live: 1, liveStacks: [{ stack: 'at g', count: 1 }] },
  { t: 'alloc', time: 9, memory: 'r1:2', liveBytes: 10, liveAllocations: 1, totalAllocations: 5, totalFrees: 4 },
  { t: 'registry', time: 10, name: 'cache', memory: 'r1:2', stats: { entries: 3, bytes: 1024 } },
  { t: 'mark', time: 11, label: 'after load' },
  { t: 'page-error', time: 12, realm: 'r1', kind: 'error', message: 'Uncaught Error: boom', source: 'https://a.test/app.js:3:7' },
  { t: 'page-error', time: 13, realm: 'r2', kind: 'wasm', message: 'LinkError: bad import', source: 'WebAssembly.instantiate', skipped: 12 },
  { t: 'page-error', time: 14, realm: 'r1', kind: 'rejection', message: 'Uncaught (in promise) 42' },
];

describe('validatePageEvent', () => {
  it('accepts every well-formed event type unchanged', () => {
    for (const ev of good) expect({ ...validatePageEvent(ev) }).toEqual(ev);
  });

  it('returns fresh objects without unknown fields', () => {
    const ev = { ...good[0], evil: '<img onerror=alert(1)>', toString: 'x' };
    const out = validatePageEvent(ev);
    expect(out).not.toBe(ev);
    expect(Object.keys(out ?? {})).toEqual(['t', 'time', 'realm', 'kind', 'url']);
  });

  it('rejects wrong types, unknown discriminants and missing fields', () => {
    expect(validatePageEvent(null)).toBeNull();
    expect(validatePageEvent('sample')).toBeNull();
    expect(validatePageEvent([good[0]])).toBeNull();
    expect(validatePageEvent({ ...good[0], t: 'eval' })).toBeNull();
    expect(validatePageEvent({ ...good[5], bytes: ['1'] })).toBeNull();
    expect(validatePageEvent({ ...good[5], bytes: [-1] })).toBeNull();
    expect(validatePageEvent({ ...good[5], bytes: [NaN] })).toBeNull();
    expect(validatePageEvent({ ...good[5], bytes: [] })).toBeNull();
    expect(validatePageEvent({ ...good[3], origin: 'magic' })).toBeNull();
    expect(validatePageEvent({ ...good[3], shared: 'no' })).toBeNull();
    expect(validatePageEvent({ t: 'mark', time: 1 })).toBeNull();
    expect(validatePageEvent({ t: 'mark', time: -5, label: 'x' })).toBeNull();
    expect(validatePageEvent({ t: 'mark', time: Infinity, label: 'x' })).toBeNull();
    expect(validatePageEvent({ ...good[8], liveStacks: [{ stack: 1, count: 1 }] })).toBeNull();
  });

  it('checks page-error events field by field', () => {
    const pe = { t: 'page-error', time: 1, realm: 'r', kind: 'error', message: 'm' };
    expect(checkPageEvent({ ...pe, kind: 'warning' }, 'events[3]')).toEqual({
      ok: false, path: 'events[3].kind', problem: 'expected one of "error", "rejection", "wasm", got "warning"',
    });
    expect(checkPageEvent({ ...pe, message: undefined })).toMatchObject({ ok: false, path: 'message', problem: 'expected a string, got nothing (the field is missing)' });
    expect(checkPageEvent({ ...pe, skipped: -1 })).toMatchObject({ ok: false, path: 'skipped', problem: 'expected a non-negative number, got -1' });
    expect(checkPageEvent({ ...pe, source: 5 })).toMatchObject({ ok: false, path: 'source' });
    const long = validatePageEvent({ ...pe, message: 'x'.repeat(LIMITS.maxString * 3), source: 'y'.repeat(LIMITS.maxString + 1) });
    expect(long).toMatchObject({ message: 'x'.repeat(LIMITS.maxString), source: 'y'.repeat(LIMITS.maxString) });
  });

  it('says where and what is wrong', () => {
    expect(checkPageEvent({ ...good[5], bytes: [1, -1], keys: ['a', 'b'] }, 'events[4]')).toEqual({
      ok: false,
      path: 'events[4].bytes[1]',
      problem: 'expected a non-negative number, got -1',
    });
    expect(checkPageEvent({ t: 'nope', time: 1 })).toMatchObject({ ok: false, path: 't', problem: 'unknown event type "nope"' });
    expect(checkPageEvent(42)).toMatchObject({ ok: false, path: '(event)' });
  });

  it('cuts strings and caps arrays to LIMITS', () => {
    const long = 'x'.repeat(LIMITS.maxString * 3);
    const out = validatePageEvent({ t: 'mark', time: 1, label: long });
    expect(out?.t === 'mark' && out.label.length).toBe(LIMITS.maxString);
    const stack = 's'.repeat(LIMITS.maxStack + 10);
    const g = validatePageEvent({ ...good[6], stack });
    expect(g?.t === 'grow' && g.stack?.length).toBe(LIMITS.maxStack);
    const n = LIMITS.maxSampleEntries + 50;
    const s = validatePageEvent({ t: 'sample', time: 1, keys: Array.from({ length: n }, (_, i) => `k${i}`), bytes: new Array(n).fill(1) });
    expect(s?.t === 'sample' && [s.keys.length, s.bytes.length]).toEqual([LIMITS.maxSampleEntries, LIMITS.maxSampleEntries]);
    const stats: Record<string, number> = {};
    for (let i = 0; i < 100; i++) stats[`f${i}`] = i;
    const r = validatePageEvent({ t: 'registry', time: 1, name: 'r', stats });
    expect(r?.t === 'registry' && Object.keys(r.stats).length).toBe(LIMITS.maxRegistryFields);
    const b = validatePageEvent({ ...good[8], liveStacks: Array.from({ length: 100 }, () => ({ stack: 'a', count: 1 })) });
    expect(b?.t === 'bindgen' && b.liveStacks?.length).toBe(LIMITS.maxStacksPerClass);
  });

  it('keeps a "__proto__" registry key as data, not as a prototype', () => {
    const stats = JSON.parse('{"__proto__": 5, "ok": 1}') as Record<string, number>;
    const r = validatePageEvent({ t: 'registry', time: 1, name: 'r', stats });
    expect(r?.t === 'registry' && Object.getPrototypeOf(r.stats)).toBeNull();
    expect(r?.t === 'registry' && r.stats['__proto__']).toBe(5);
  });

  it('refuses hostile objects whose getters throw', () => {
    const hostile = { t: 'mark', time: 1, get label(): string { throw new Error('boom'); } };
    expect(validatePageEvent(hostile)).toBeNull();
  });

  it('never throws and only ever returns bounded well-typed events (fuzz)', () => {
    const arb = fc.oneof(
      fc.anything(),
      fc.record({ t: fc.constantFrom('sample', 'mark', 'memory', 'registry', 'bindgen'), time: fc.anything(), label: fc.anything(), keys: fc.anything(), bytes: fc.anything(), stats: fc.anything() }),
    );
    fc.assert(
      fc.property(arb, (x) => {
        const out = validatePageEvent(x);
        if (out === null) return true;
        return typeof out.time === 'number' && out.time >= 0 && JSON.stringify(out).length < 2_000_000;
      }),
      { numRuns: 500 },
    );
  });
});

describe('validateBatch', () => {
  it('accepts a batch, drops malformed events and counts them', () => {
    const r = validateBatch({ kind: 'batch', v: PROTOCOL_VERSION, events: [good[5], { t: 'x' }, good[11]], dropped: 2 });
    expect(r).toEqual({ events: [good[5], good[11]], dropped: 2, rejected: 1 });
  });
  it('rejects a wrong envelope or version', () => {
    expect(validateBatch({ kind: 'batch', v: PROTOCOL_VERSION + 1, events: [], dropped: 0 })).toBeNull();
    expect(validateBatch({ kind: 'other', v: PROTOCOL_VERSION, events: [] })).toBeNull();
    expect(validateBatch({ kind: 'batch', v: PROTOCOL_VERSION, events: 'x' })).toBeNull();
    expect(validateBatch(null)).toBeNull();
  });
  it('caps an oversized batch at LIMITS.maxBatch', () => {
    const events = new Array(LIMITS.maxBatch + 10).fill(good[11]);
    const r = validateBatch({ kind: 'batch', v: PROTOCOL_VERSION, events, dropped: -3 });
    expect(r?.events.length).toBe(LIMITS.maxBatch);
    expect(r?.rejected).toBe(10);
    expect(r?.dropped).toBe(0);
  });
});

describe('PageErrorLimit', () => {
  const err = (realm: string, skipped?: number) =>
    skipped === undefined
      ? { t: 'page-error', time: 1, realm, kind: 'error', message: 'm' }
      : { t: 'page-error', time: 1, realm, kind: 'error', message: 'm', skipped };
  const batch = (events: unknown[]) => ({ kind: 'batch', v: PROTOCOL_VERSION, events, dropped: 0 });

  it('passes at most LIMITS.maxPageErrorsPerRealm single errors per realm, then growing summaries only', () => {
    const limit = new PageErrorLimit();
    const flood = Array.from({ length: LIMITS.maxPageErrorsPerRealm + 30 }, () => err('a'));
    const r = validateBatch(batch([...flood, err('b'), { t: 'mark', time: 1, label: 'x' }]), limit);
    expect(r?.events.filter((e) => e.t === 'page-error' && e.realm === 'a')).toHaveLength(LIMITS.maxPageErrorsPerRealm);
    expect(r?.events.filter((e) => e.t === 'page-error' && e.realm === 'b')).toHaveLength(1);
    expect(r?.events.at(-1)).toMatchObject({ t: 'mark' });
    expect(r?.rejected).toBe(30);
    // Summaries: only when the count grows (a page repeating one cannot flood either).
    const s = validateBatch(batch([err('a', 5), err('a', 5), err('a', 4), err('a', 9)]), limit);
    expect(s?.events.map((e) => (e.t === 'page-error' ? e.skipped : null))).toEqual([5, 9]);
    expect(s?.rejected).toBe(2);
    // The cap holds across batches.
    expect(validateBatch(batch([err('a')]), limit)?.events).toEqual([]);
    // Without a limit (the service worker re-validating), nothing is capped.
    expect(validateBatch(batch(flood))?.events).toHaveLength(flood.length);
  });

  it('tracks at most MAX_PAGE_ERROR_REALMS realms', () => {
    const limit = new PageErrorLimit();
    const many = Array.from({ length: MAX_PAGE_ERROR_REALMS + 5 }, (_, i) => err(`r${i}`));
    expect(validateBatch(batch(many), limit)?.events).toHaveLength(MAX_PAGE_ERROR_REALMS);
  });
});
