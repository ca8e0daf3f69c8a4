import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ADDRESS_TYPES,
  ALLOCATION_TRACKING,
  GROW_FAILURE_VIAS,
  PAGE_ERROR_KINDS,
  LINK_STATES,
  WORKER_SKIP_REASONS,
  HEAP_SIZES,
  GROW_VIAS,
  INSTANTIATE_VIAS,
  LIMITS,
  MEMORY_ORIGINS,
  PROTOCOL_VERSION,
  REALM_KINDS,
  TOOLCHAINS,
  type PageEvent,
  type PageEventType,
} from './protocol';
import { checkPageEvent, MAX_PAGE_ERROR_REALMS, PageErrorLimit, validateBatch, validatePageEvent } from './validate';

const good: PageEvent[] = [
  { t: 'realm', time: 1, realm: 'r1', kind: 'window', url: 'https://a.test/' },
  { t: 'realm', time: 1, realm: 'r2', kind: 'worker', url: 'https://a.test/w.js', parent: 'r1' },
  { t: 'module', time: 2, key: 'r1:1', url: 'https://a.test/a.wasm', byteLength: 100, exports: ['memory', 'f'] },
  {
    t: 'memory',
    time: 3,
    key: 'r1:2',
    origin: 'export',
    shared: false,
    bytes: 65536,
    maxBytes: null,
    owner: 'https://a.test/a.wasm',
    exportName: 'memory',
    module: 'r1:1',
  },
  {
    t: 'instance',
    time: 4,
    key: 'r1:3',
    module: 'r1:1',
    via: 'instantiateStreaming',
    memories: ['r1:2'],
    toolchain: 'wasm-bindgen',
    helper: false,
  },
  { t: 'sample', time: 5, keys: ['r1:2'], bytes: [131072] },
  { t: 'grow', time: 6, key: 'r1:2', fromBytes: 65536, toBytes: 131072, via: 'js', stack: 'at f' },
  { t: 'collected', time: 7, key: 'r1:2' },
  {
    t: 'bindgen',
    time: 8,
    module: null,
    className: 'Foo',
    created: 3,
    freed: 1,
    reclaimed: 1,
    live: 1,
    liveStacks: [{ stack: 'at g', count: 1 }],
  },
  { t: 'alloc', time: 9, memory: 'r1:2', liveBytes: 10, liveAllocations: 1, totalAllocations: 5, totalFrees: 4 },
  { t: 'registry', time: 10, name: 'cache', memory: 'r1:2', stats: { entries: 3, bytes: 1024 } },
  { t: 'mark', time: 11, label: 'after load' },
  {
    t: 'alloc',
    time: 12,
    memory: 'r1:2',
    liveBytes: 104,
    liveAllocations: 1,
    totalAllocations: 1,
    totalFrees: 0,
    tracking: 'inside-wasm',
    allocator: 'dlmalloc',
    sizes: 'chunk-header',
  },
  {
    t: 'heap',
    time: 13,
    memory: 'r1:2',
    module: 'r1:1',
    tracking: 'none',
    allocator: null,
    foundBy: null,
    reason: 'no allocator recognised',
  },
  {
    t: 'sites',
    time: 14,
    memory: 'r1:2',
    interval: 262144,
    sites: [
      {
        bytes: 300000,
        count: 3,
        samples: 1,
        frames: ['at malloc (wasm://wasm/1:wasm-function[5]:0x10)', 'at f (https://a.test/a.js:1:2)'],
      },
    ],
  },
  { t: 'page-error', time: 12, realm: 'r1', kind: 'error', message: 'Uncaught Error: boom', source: 'https://a.test/app.js:3:7' },
  {
    t: 'page-error',
    time: 13,
    realm: 'r2',
    kind: 'wasm',
    message: 'LinkError: bad import',
    source: 'WebAssembly.instantiate',
    skipped: 12,
  },
  { t: 'page-error', time: 14, realm: 'r1', kind: 'rejection', message: 'Uncaught (in promise) 42' },
  {
    t: 'grow-failed',
    time: 15,
    key: 'r1:2',
    via: 'js',
    requestedBytes: 655360,
    committedBytes: 6291456,
    maxBytes: 6553600,
    stack: 'at grow (https://a.test/a.js:1:2)',
  },
  { t: 'grow-failed', time: 16, key: 'r1:2', via: 'malloc', requestedBytes: 1000, committedBytes: 65536, maxBytes: null },
  { t: 'memory', time: 17, key: 'r1:9', origin: 'constructor', shared: false, bytes: 65536, maxBytes: null, address: 'i64', owner: 'x' },
  { t: 'link', time: 30, state: 'reconnected', url: 'https://a.test/', reconnects: 1 },
  { t: 'link', time: 31, state: 'gap', url: 'https://a.test/', lost: 12 },
  { t: 'link', time: 32, state: 'unreachable', url: 'about:blank', frame: true },
  { t: 'worker-skipped', time: 33, realm: 'r1', url: 'https://a.test/w.js', reason: 'csp', directive: 'worker-src' },
  { t: 'worker-skipped', time: 34, realm: 'r1', url: '', reason: 'url' },
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
    expect(validatePageEvent({ ...good[3], address: 'i128' })).toBeNull();
    expect(validatePageEvent({ t: 'mark', time: 1 })).toBeNull();
    expect(validatePageEvent({ t: 'mark', time: -5, label: 'x' })).toBeNull();
    expect(validatePageEvent({ t: 'mark', time: Infinity, label: 'x' })).toBeNull();
    expect(validatePageEvent({ ...good[8], liveStacks: [{ stack: 1, count: 1 }] })).toBeNull();
    const skipped = { t: 'worker-skipped', time: 1, realm: 'r1', url: '' };
    expect(validatePageEvent({ ...skipped, reason: 'url' })).not.toBeNull();
    // No page side says it: a worker started before the header verdict is decided by <meta>.
    expect(validatePageEvent({ ...skipped, reason: 'policy-unknown' })).toBeNull();
    expect(validatePageEvent({ ...skipped, reason: 'csp', directive: 'x'.repeat(65) })).toMatchObject({ directive: 'x'.repeat(64) });
  });

  it('checks page-error events field by field', () => {
    const pe = { t: 'page-error', time: 1, realm: 'r', kind: 'error', message: 'm' };
    expect(checkPageEvent({ ...pe, kind: 'warning' }, 'events[3]')).toEqual({
      ok: false,
      path: 'events[3].kind',
      problem: 'expected one of "error", "rejection", "wasm", got "warning"',
    });
    expect(checkPageEvent({ ...pe, message: undefined })).toMatchObject({
      ok: false,
      path: 'message',
      problem: 'expected a string, got nothing (the field is missing)',
    });
    expect(checkPageEvent({ ...pe, skipped: -1 })).toMatchObject({
      ok: false,
      path: 'skipped',
      problem: 'expected a non-negative number, got -1',
    });
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

  it('cuts every string of a string list to LIMITS.maxString and caps the lists', () => {
    const long = (c: string) => c.repeat(LIMITS.maxString + 100);
    const m = validatePageEvent({
      ...good[2],
      exports: [long('e'), 'f', ...Array.from({ length: LIMITS.maxExportNames + 10 }, (_, i) => `x${i}`)],
    });
    expect(m?.t === 'module' && m.exports[0]).toBe('e'.repeat(LIMITS.maxString));
    expect(m?.t === 'module' && m.exports[1]).toBe('f');
    expect(m?.t === 'module' && m.exports.length).toBe(LIMITS.maxExportNames);
    const s = validatePageEvent({ ...good[5], keys: [long('k'), 'r1:2'], bytes: [1, 2] });
    expect(s?.t === 'sample' && s.keys).toEqual(['k'.repeat(LIMITS.maxString), 'r1:2']);
    const i = validatePageEvent({
      ...good[4],
      memories: [long('m'), ...Array.from({ length: LIMITS.maxInstanceMemories + 10 }, (_, j) => `r1:${j}`)],
    });
    expect(i?.t === 'instance' && i.memories[0]).toBe('m'.repeat(LIMITS.maxString));
    expect(i?.t === 'instance' && i.memories.length).toBe(LIMITS.maxInstanceMemories);
  });

  it('keeps a "__proto__" registry key as data, not as a prototype', () => {
    const stats = JSON.parse('{"__proto__": 5, "ok": 1}') as Record<string, number>;
    const r = validatePageEvent({ t: 'registry', time: 1, name: 'r', stats });
    expect(r?.t === 'registry' && Object.getPrototypeOf(r.stats)).toBeNull();
    expect(r?.t === 'registry' && r.stats['__proto__']).toBe(5);
  });

  it('refuses hostile objects whose getters throw', () => {
    const hostile = {
      t: 'mark',
      time: 1,
      get label(): string {
        throw new Error('boom');
      },
    };
    expect(validatePageEvent(hostile)).toBeNull();
  });

  it('never throws and only ever returns bounded well-typed events (fuzz)', () => {
    // Three sources: anything at all; loosely event-shaped records; and each well-formed event
    // with one of its fields (or a new one) replaced by an arbitrary value.
    const mutated = fc
      .constantFrom(...good)
      .chain((ev) =>
        fc.tuple(
          fc.constant(ev),
          fc.constantFrom(...Object.keys(ev), 'extra'),
          fc.oneof(fc.anything(), fc.string({ maxLength: 2 * LIMITS.maxStack })),
        ),
      )
      .map(([ev, key, value]) => ({ ...ev, [key]: value }));
    const arb = fc.oneof(
      fc.anything(),
      fc.record({
        t: fc.constantFrom('sample', 'mark', 'memory', 'registry', 'bindgen'),
        time: fc.anything(),
        label: fc.anything(),
        keys: fc.anything(),
        bytes: fc.anything(),
        stats: fc.anything(),
      }),
      mutated,
    );
    fc.assert(
      fc.property(arb, (x) => {
        const out = validatePageEvent(x);
        if (out === null) return true;
        expect(problemsOf(out)).toEqual([]);
        return JSON.stringify(out).length < 2_000_000;
      }),
      { numRuns: 2000 },
    );
  });

  it('the well-typed check used by the fuzz test finds a wrong field type', () => {
    expect(problemsOf({ ...good[8], className: 5 } as unknown as PageEvent)).toEqual(['className: 5']);
    expect(problemsOf({ ...good[3], origin: 'magic' } as unknown as PageEvent)).toEqual(['origin: "magic"']);
    expect(problemsOf({ ...good[5], keys: [1] } as unknown as PageEvent)).toEqual(['keys: [1]']);
    for (const ev of good) expect(problemsOf(ev)).toEqual([]);
  });
});

// ---- What a validated event must look like, field by field (for the fuzz test) ----------

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === 'string' && v.length <= LIMITS.maxString;
const isStack: Check = (v) => typeof v === 'string' && v.length <= LIMITS.maxStack;
const isNonNeg: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isBool: Check = (v) => typeof v === 'boolean';
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const orNull =
  (c: Check): Check =>
  (v) =>
    v === null || c(v);
const among =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const listOf =
  (c: Check, max: number): Check =>
  (v) =>
    Array.isArray(v) && v.length <= max && v.every(c);
const isLiveStack: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).sort().join() === 'count,stack' &&
  isStack((v as { stack: unknown }).stack) &&
  isNonNeg((v as { count: unknown }).count);
const isSite: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).sort().join() === 'bytes,count,frames,samples' &&
  isNonNeg((v as { bytes: unknown }).bytes) &&
  isNonNeg((v as { count: unknown }).count) &&
  isNonNeg((v as { samples: unknown }).samples) &&
  listOf(isStr, LIMITS.maxSiteFrames)((v as { frames: unknown }).frames);
const isStats: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).length <= LIMITS.maxRegistryFields &&
  Object.entries(v).every(([k, n]) => k.length <= LIMITS.maxString && typeof n === 'number' && Number.isFinite(n));

const FIELDS: { [T in PageEventType]: Record<string, Check> } = {
  realm: { realm: isStr, kind: among(REALM_KINDS), url: isStr, parent: optional(isStr) },
  module: { key: isStr, url: isStr, byteLength: isNonNeg, exports: listOf(isStr, LIMITS.maxExportNames) },
  memory: {
    key: isStr,
    origin: among(MEMORY_ORIGINS),
    shared: isBool,
    bytes: isNonNeg,
    maxBytes: orNull(isNonNeg),
    address: optional(among(ADDRESS_TYPES)),
    owner: isStr,
    exportName: optional(isStr),
    module: optional(isStr),
    stack: optional(isStack),
  },
  instance: {
    key: isStr,
    module: isStr,
    via: among(INSTANTIATE_VIAS),
    memories: listOf(isStr, LIMITS.maxInstanceMemories),
    toolchain: among(TOOLCHAINS),
    helper: isBool,
  },
  sample: { keys: listOf(isStr, LIMITS.maxSampleEntries), bytes: listOf(isNonNeg, LIMITS.maxSampleEntries) },
  grow: { key: isStr, fromBytes: isNonNeg, toBytes: isNonNeg, via: among(GROW_VIAS), stack: optional(isStack) },
  'grow-failed': {
    key: isStr,
    via: among(GROW_FAILURE_VIAS),
    requestedBytes: isNonNeg,
    committedBytes: isNonNeg,
    maxBytes: orNull(isNonNeg),
    stack: optional(isStack),
  },
  collected: { key: isStr },
  bindgen: {
    module: orNull(isStr),
    className: isStr,
    created: isNonNeg,
    freed: isNonNeg,
    reclaimed: isNonNeg,
    live: isNonNeg,
    liveStacks: optional(listOf(isLiveStack, LIMITS.maxStacksPerClass)),
    liveSampled: optional(isNonNeg),
  },
  alloc: {
    memory: isStr,
    liveBytes: isNonNeg,
    liveAllocations: isNonNeg,
    totalAllocations: isNonNeg,
    totalFrees: isNonNeg,
    tracking: optional(among(['inside-wasm', 'js-boundary'])),
    allocator: optional(isStr),
    sizes: optional(among(HEAP_SIZES)),
  },
  heap: {
    memory: isStr,
    module: isStr,
    tracking: among(ALLOCATION_TRACKING),
    allocator: orNull(isStr),
    foundBy: orNull(isStr),
    reason: orNull(isStr),
  },
  sites: { memory: isStr, interval: isNonNeg, sites: listOf(isSite, LIMITS.maxSites) },
  registry: { name: isStr, memory: optional(isStr), stats: isStats },
  mark: { label: isStr },
  'page-error': { realm: isStr, kind: among(PAGE_ERROR_KINDS), message: isStr, source: optional(isStr), skipped: optional(isNonNeg) },
  link: { state: among(LINK_STATES), url: isStr, reconnects: optional(isNonNeg), lost: optional(isNonNeg), frame: optional(isBool) },
  'worker-skipped': {
    realm: isStr,
    url: isStr,
    reason: among(WORKER_SKIP_REASONS),
    directive: optional((v) => typeof v === 'string' && v.length <= 64),
  },
};

/** Every field of `ev` that is missing, unknown or of the wrong type, as "field: value". */
function problemsOf(ev: PageEvent): string[] {
  const fields = FIELDS[ev.t];
  const rec = ev as unknown as Record<string, unknown>;
  const out: string[] = [];
  if (!isNonNeg(rec.time)) out.push(`time: ${JSON.stringify(rec.time)}`);
  for (const [name, ok] of Object.entries(fields)) if (!ok(rec[name])) out.push(`${name}: ${JSON.stringify(rec[name])}`);
  for (const name of Object.keys(rec)) if (name !== 't' && name !== 'time' && !(name in fields)) out.push(`${name}: unknown field`);
  if (ev.t === 'sample' && ev.keys.length !== ev.bytes.length) out.push('bytes: not as many as keys');
  return out;
}

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
