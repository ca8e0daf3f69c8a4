import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../shared/protocol';
import { ArraySink, encodeEvent, firstMeaningfulFrame, Interner, realmOf, STRIDE, TAG, TRACKING } from './encode';

function enc(events: PageEvent[]) {
  const named: Array<[number, string]> = [];
  const interner = new Interner((id, name) => named.push([id, name]));
  const sink = new ArraySink();
  const counts = events.map((e) => encodeEvent(e, interner, sink));
  const recs: number[][] = [];
  const flat = sink.records();
  for (let i = 0; i < flat.length; i += STRIDE) recs.push([...flat.subarray(i, i + STRIDE)]);
  return { counts, recs, named };
}

describe('encodeEvent', () => {
  it('splits samples per key, interns strings once, keeps realms', () => {
    const { counts, recs, named } = enc([
      { t: 'memory', time: 5, key: 'rA:1', origin: 'export', shared: false, bytes: 65536, maxBytes: null, owner: 'u.wasm' },
      { t: 'sample', time: 6, keys: ['rA:1', 'rA:2'], bytes: [10, 20] },
      { t: 'registry', time: 7, name: 'reg', stats: { a: 1, b: 2 } },
      { t: 'realm', time: 1, realm: 'rA', kind: 'window', url: 'x' },
    ]);
    expect(counts).toEqual([1, 2, 2, 1]);
    expect(named).toEqual([
      [0, 'rA:1'],
      [1, 'u.wasm'],
      [2, 'rA'],
      [3, 'rA:2'],
      [4, 'reg'],
      [5, 'a'],
      [6, 'b'],
      [7, 'x'],
    ]);
    expect(recs[5]).toEqual([TAG.realm, 1, 2, 0, 7, -1, 0, 0]);
    expect(recs[0]).toEqual([TAG.memory, 5, 0, 65536, -1, 1, -1, 2]);
    expect(recs[1]).toEqual([TAG.sample, 6, 0, 10, 0, 0, 0, 0]);
    expect(recs[2]).toEqual([TAG.sample, 6, 3, 20, 0, 0, 0, 0]);
    expect(recs[4]).toEqual([TAG.registry, 7, 4, 6, 2, -1, 0, 0]);
  });

  it('a failed growth is one record (stack interned, no maximum -1); a memory64 memory adds a record', () => {
    const { counts, recs } = enc([
      { t: 'memory', time: 5, key: 'rA:1', origin: 'constructor', shared: false, bytes: 65536, maxBytes: null, address: 'i64', owner: 'u' },
      { t: 'grow-failed', time: 6, key: 'rA:1', via: 'js', requestedBytes: 655360, committedBytes: 65536, maxBytes: 131072, stack: 'at f' },
      { t: 'grow-failed', time: 7, key: 'rA:1', via: 'malloc', requestedBytes: 100, committedBytes: 65536, maxBytes: null },
      { t: 'grow-failed', time: 8, key: 'rA:1', via: 'js', requestedBytes: -1, committedBytes: 65536, maxBytes: null },
    ]);
    expect(counts).toEqual([2, 1, 1, -1]);
    expect(recs[1]).toEqual([TAG.memory64, 5, 0, 0, 0, 0, 0, 0]);
    expect(recs[2]).toEqual([TAG.growFailed, 6, 0, 655360, 65536, 131072, 0, 3]);
    expect(recs[3]).toEqual([TAG.growFailed, 7, 0, 100, 65536, -1, 1, -1]);
    expect(recs).toHaveLength(4);
  });

  it('rejects malformed events without writing', () => {
    const { counts, recs } = enc([
      { t: 'grow', time: NaN, key: 'a:1', fromBytes: 1, toBytes: 2, via: 'js' },
      { t: 'bindgen', time: 1, module: null, className: 'X', created: -1, freed: 0, reclaimed: 0, live: 0 },
      { t: 'sample', time: 1, keys: ['a'], bytes: [] },
    ]);
    expect(counts).toEqual([-1, -1, -1]);
    expect(recs).toEqual([]);
  });

  it('realm records: kind, script URL and parent (a worker)', () => {
    const { counts, recs } = enc([
      { t: 'realm', time: 2, realm: 'p', kind: 'window', url: 'https://a.test/' },
      { t: 'realm', time: 3, realm: 'w', kind: 'worker', url: 'https://a.test/w.js', parent: 'p' },
      { t: 'realm', time: 4, realm: 'f', kind: 'frame', url: 'https://a.test/f.html' },
      { t: 'realm', time: 5, realm: 'x', kind: 'nope', url: 'u' } as unknown as PageEvent,
    ]);
    expect(counts).toEqual([1, 1, 1, -1]);
    expect(recs[1]).toEqual([TAG.realm, 3, 2, 1, 3, 0, 0, 0]);
    expect(recs[2]?.[3]).toBe(2);
  });

  it('page errors and page-channel (link) events are not for the analyzer, and are not failures either', () => {
    const sink = new ArraySink();
    const interner = new Interner(() => undefined);
    const link: PageEvent = { t: 'link', time: 1, state: 'gap', url: 'https://a.test/', lost: 3 };
    const err: PageEvent = { t: 'page-error', time: 2, realm: 'r', kind: 'error', message: 'x' };
    expect(encodeEvent(link, interner, sink)).toBe(0);
    expect(encodeEvent(err, interner, sink)).toBe(0);
  });

  it('realmOf', () => {
    expect(realmOf('abc:12')).toBe('abc');
    expect(realmOf('a:b:3')).toBe('a:b');
    expect(realmOf('nocolon')).toBe('');
  });
});

describe('sample key cache', () => {
  it('gives the right ids when keys change order, appear or disappear', () => {
    const { recs } = enc([
      { t: 'sample', time: 1, keys: ['a:1', 'a:2'], bytes: [1, 2] },
      { t: 'sample', time: 2, keys: ['a:2', 'a:1'], bytes: [3, 4] },
      { t: 'sample', time: 3, keys: ['a:3'], bytes: [5] },
      { t: 'sample', time: 4, keys: ['a:1', 'a:3'], bytes: [6, 7] },
    ]);
    expect(recs.map((r) => [r[1], r[2], r[3]])).toEqual([
      [1, 0, 1],
      [1, 1, 2],
      [2, 1, 3],
      [2, 0, 4],
      [3, 2, 5],
      [4, 0, 6],
      [4, 2, 7],
    ]);
  });
});

describe('alloc tracking and allocation sites', () => {
  const alloc = (tracking?: 'inside-wasm' | 'js-boundary'): PageEvent => ({
    t: 'alloc',
    time: 1,
    memory: 'r:1',
    liveBytes: 10,
    liveAllocations: 1,
    totalAllocations: 2,
    totalFrees: 1,
    ...(tracking ? { tracking } : {}),
  });
  it('puts the tracking in the last field of the alloc record; absent is js-boundary', () => {
    const { recs } = enc([alloc('inside-wasm'), alloc('js-boundary'), alloc(), { ...alloc('inside-wasm'), sizes: 'none' } as PageEvent]);
    expect(recs.map((r) => r[7])).toEqual([TRACKING.insideWasm, TRACKING.jsBoundary, TRACKING.jsBoundary, TRACKING.insideWasmCountsOnly]);
    expect(recs[0]).toEqual([TAG.alloc, 1, 0, 10, 1, 2, 1, 1]);
  });
  it('sends the top sites by bytes, each as its first meaningful frame, and again only when they change', () => {
    const site = (bytes: number, ...frames: string[]) => ({ bytes, count: bytes / 10, samples: 1, frames });
    const ev = (time: number, sites: ReturnType<typeof site>[]): PageEvent => ({ t: 'sites', time, memory: 'r:1', interval: 100, sites });
    const four = [
      site(10, 'at malloc (x)', 'at a (u:1:1)'),
      site(40, 'at b (u:2:2)'),
      site(30, 'at operator new (x)', 'at _Znwm', 'at c (u:3:3)'),
      site(20, 'at d'),
    ];
    const { counts, recs, named } = enc([ev(1, four), ev(2, four), ev(3, [])]);
    expect(counts).toEqual([3, 0, 1]);
    const name = (id: number | undefined) => named.find((n) => n[0] === id)?.[1];
    expect(recs.slice(0, 3).map((r) => [r[0], r[3], name(r[6]), r[4], r[5]])).toEqual([
      [TAG.site, 0, 'b (u:2:2)', 40, 4],
      [TAG.site, 1, 'c (u:3:3)', 30, 3],
      [TAG.site, 2, 'd', 20, 2],
    ]);
    expect(recs[3]).toEqual([TAG.site, 3, 0, 0, 0, 0, -1, 0]);
  });
  it('first meaningful frame: skips allocator plumbing, falls back to the innermost frame', () => {
    expect(firstMeaningfulFrame(['at dlmalloc (w)', 'at __rust_alloc (w)', 'at alloc::raw_vec::finish_grow (w)', 'at parse (w:1)'])).toBe(
      'parse (w:1)',
    );
    expect(firstMeaningfulFrame(['at __wbindgen_malloc (w)', 'at __wbindgen_export_1'])).toBe('__wbindgen_malloc (w)');
    expect(firstMeaningfulFrame(['  ', 'at sqlite3Malloc (w)', 'at sqlite3VdbeCreate (w)'])).toBe('sqlite3VdbeCreate (w)');
    expect(firstMeaningfulFrame([])).toBe('(unknown site)');
  });
  it('a heap status event is not a record; a malformed sites event is refused', () => {
    const { counts, recs } = enc([
      { t: 'heap', time: 1, memory: 'r:1', module: 'r:0', tracking: 'none', allocator: null, foundBy: null, reason: 'shared memory' },
      { t: 'sites', time: 1, memory: 'r:1', interval: 1, sites: [{ bytes: 'x' }] } as unknown as PageEvent,
    ]);
    expect(counts).toEqual([0, -1]);
    expect(recs).toEqual([]);
  });
});
