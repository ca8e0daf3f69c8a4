import { describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from './protocol';
import { parseTrace, serializeTrace } from './trace';

const trace: Trace = {
  format: TRACE_FORMAT,
  version: TRACE_VERSION,
  createdAt: '2026-01-01T00:00:00.000Z',
  generator: 'wasm-memory 0.1.0',
  page: { url: 'https://a.test/', title: 'A' },
  events: [
    { t: 'realm', time: 1, realm: 'r1', kind: 'window', url: 'https://a.test/' },
    { t: 'memory', time: 3, key: 'r1:2', origin: 'export', shared: false, bytes: 65536, maxBytes: null, owner: 'x.wasm' },
    { t: 'sample', time: 5, keys: ['r1:2'], bytes: [131072] },
    { t: 'mark', time: 6, label: 'm' },
  ],
  dropped: 0,
};

function withEvents(events: unknown[]): string {
  return JSON.stringify({ ...trace, events });
}

describe('trace round trip', () => {
  it('serializes and parses back the same trace', () => {
    const text = serializeTrace(trace);
    expect(parseTrace(text)).toEqual({ ok: true, trace });
    expect(JSON.parse(text)).toEqual(trace);
  });
  it('writes one event per line', () => {
    const lines = serializeTrace(trace).split('\n');
    expect(lines.filter((l) => l.startsWith('    {"t":')).length).toBe(trace.events.length);
  });
  it('keeps the omitted count when the session cap was hit', () => {
    const r = parseTrace(serializeTrace({ ...trace, omitted: 12 }));
    expect(r.ok && r.trace.omitted).toBe(12);
  });
  it('round-trips an empty trace', () => {
    const r = parseTrace(serializeTrace({ ...trace, events: [] }));
    expect(r.ok && r.trace.events).toEqual([]);
  });
});

describe('trace versions', () => {
  const pageError = {
    t: 'page-error',
    time: 7,
    realm: 'r1',
    kind: 'wasm',
    message: 'LinkError: x',
    source: 'WebAssembly.instantiate',
  } as const;
  it('reads version-1 traces written before page errors existed', () => {
    const r = parseTrace(JSON.stringify({ ...trace, version: 1 }));
    expect(r.ok && r.trace.version).toBe(1);
    expect(r.ok && r.trace.events).toEqual(trace.events);
  });
  it('round-trips page-error events in the current version', () => {
    const t: Trace = { ...trace, events: [...trace.events, pageError] };
    expect(parseTrace(serializeTrace(t))).toEqual({ ok: true, trace: t });
  });
  const growFailed = {
    t: 'grow-failed',
    time: 8,
    key: 'r1:2',
    via: 'js',
    requestedBytes: 655360,
    committedBytes: 6291456,
    maxBytes: 6553600,
    stack: 'at f (https://a.test/a.js:1:1)',
  } as const;
  it('reads version-3 traces written before grow-failed existed, and round-trips grow-failed now', () => {
    const r = parseTrace(JSON.stringify({ ...trace, version: 3, events: [...trace.events, pageError] }));
    expect(r.ok && r.trace.events.length).toBe(5);
    const t: Trace = { ...trace, events: [...trace.events, growFailed] };
    expect(parseTrace(serializeTrace(t))).toEqual({ ok: true, trace: t });
  });
  it('refuses a grow-failed event in a version-3 file, and says which field of a malformed one is wrong', () => {
    expect(parseTrace(JSON.stringify({ ...trace, version: 3, events: [growFailed] }))).toEqual({
      ok: false,
      error: 'events[0].t: "grow-failed" events exist since trace format version 4, but this file says version 3',
    });
    expect(parseTrace(JSON.stringify({ ...trace, events: [{ ...growFailed, requestedBytes: -1 }] }))).toEqual({
      ok: false,
      error: 'events[0].requestedBytes: expected a non-negative number, got -1',
    });
    expect(parseTrace(JSON.stringify({ ...trace, events: [{ ...growFailed, via: 'magic' }] }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^events\[0\]\.via: /),
    });
  });
  it('refuses a page-error event in a file that says version 1', () => {
    const r = parseTrace(JSON.stringify({ ...trace, version: 1, events: [...trace.events, pageError] }));
    expect(r).toEqual({
      ok: false,
      error: 'events[4].t: "page-error" events exist since trace format version 2, but this file says version 1',
    });
  });
});

describe('parseTrace errors say what is wrong', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /empty/],
    ['not JSON', '{"format": ', /^not valid JSON: /],
    ['array root', '[]', /top level, got an array/],
    ['no format', JSON.stringify({ version: 1 }), /^format: missing; this is not a WASM Memory trace/],
    ['other format', JSON.stringify({ format: 'chrome-trace' }), /^format: expected "wasm-memory-trace", got "chrome-trace"/],
    [
      'newer version',
      JSON.stringify({ ...trace, version: 99 }),
      new RegExp(`^version: this trace is format version 99, newer than this tool reads \\(${TRACE_VERSION}\\)`),
    ],
    ['bad version', JSON.stringify({ ...trace, version: '1' }), /^version: expected a positive integer/],
    ['no events', JSON.stringify({ ...trace, events: undefined }), /^events: missing/],
    ['events object', JSON.stringify({ ...trace, events: {} }), /^events: expected an array, got object/],
    ['bad page', JSON.stringify({ ...trace, page: 'x' }), /^page: expected an object/],
    ['bad dropped', JSON.stringify({ ...trace, dropped: -1 }), /^dropped: expected a non-negative number/],
    [
      'negative bytes',
      withEvents([
        ...trace.events,
        { t: 'memory', time: 3, key: 'k', origin: 'export', shared: false, bytes: -1, maxBytes: null, owner: 'o' },
      ]),
      /^events\[4\]\.bytes: expected a non-negative number, got -1$/,
    ],
    [
      'missing field',
      withEvents([{ t: 'mark', time: 1 }]),
      /^events\[0\]\.label: expected a string, got nothing \(the field is missing\)$/,
    ],
    ['unknown type', withEvents([{ t: 'boom', time: 1 }]), /^events\[0\]\.t: unknown event type "boom"$/],
    ['event not object', withEvents([1]), /^events\[0\]: expected an object, got 1$/],
    [
      'sample mismatch',
      withEvents([{ t: 'sample', time: 1, keys: ['a'], bytes: [] }]),
      /^events\[0\]\.bytes: expected as many entries as keys \(1\), got 0$/,
    ],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const r = parseTrace(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(re);
    });
  }
});

describe('version 1 traces (before heaps were counted inside wasm)', () => {
  const alloc = { t: 'alloc', time: 2, memory: 'r:1', liveBytes: 10, liveAllocations: 1, totalAllocations: 2, totalFrees: 1 };
  const v1 = (events: unknown[]) => JSON.stringify({ format: TRACE_FORMAT, version: 1, page: { url: 'u' }, events });
  it('still import, their allocator stats read as JS-boundary counts (a part of the heap)', () => {
    const r = parseTrace(v1([alloc, { ...alloc, tracking: 'inside-wasm' }, { t: 'mark', time: 3, label: 'm' }]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.trace.version).toBe(1);
    expect(r.trace.events).toEqual([
      { ...alloc, tracking: 'js-boundary' },
      { ...alloc, tracking: 'js-boundary' },
      { t: 'mark', time: 3, label: 'm' },
    ]);
  });
  it('version 2 keeps the tracking the page wrote, and reads heap and sites events', () => {
    const events = [
      { ...alloc, tracking: 'inside-wasm', allocator: 'dlmalloc', sizes: 'chunk-header' },
      {
        t: 'heap',
        time: 1,
        memory: 'r:1',
        module: 'r:0',
        tracking: 'inside-wasm',
        allocator: 'dlmalloc',
        foundBy: 'exports',
        reason: null,
      },
      { t: 'sites', time: 4, memory: 'r:1', interval: 65536, sites: [{ bytes: 65536, count: 1, samples: 1, frames: ['at f (a.js:1:1)'] }] },
    ];
    const r = parseTrace(JSON.stringify({ format: TRACE_FORMAT, version: 2, page: { url: 'u' }, events }));
    expect(r.ok && r.trace.events).toEqual(events);
  });
});
