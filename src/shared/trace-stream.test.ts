/**
 * The streaming trace reader against `parseTrace`, the reference: the same file, cut into any
 * chunks, gives the same trace or the same error (JSON syntax errors are worded differently,
 * but are syntax errors in both). Property-based over real recorded traces, reformatted,
 * subsetted, mutated and truncated; and over arbitrary text, which must never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from './protocol';
import { mutate, mutationArb, textArb, texts } from './trace-arbitraries';
import { EMPTY_FILE_ERROR, MAX_TRACE_EVENTS, parseTrace, serializeTrace, tooManyEventsError, type ParseTraceResult } from './trace';
import { MAX_TRACE_CHARS, SLICE_CHARS, TraceReader, readTrace, tooLargeError } from './trace-stream';

function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => Math.floor(p * text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of at) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

const noPause = { pause: () => Promise.resolve() };

function streamed(chunks: string[]): ParseTraceResult {
  const r = new TraceReader();
  for (const c of chunks) r.push(c);
  return r.finish();
}

/** Both agree: the same trace, or the same error (syntax errors: both are syntax errors). */
function expectSame(text: string, chunks: string[]): void {
  const want = parseTrace(text);
  const got = streamed(chunks);
  if (want.ok || got.ok) {
    expect(got).toEqual(want);
    return;
  }
  if (want.error.startsWith('not valid JSON')) expect(got.error).toMatch(/^not valid JSON/);
  else expect(got.error).toBe(want.error);
}

const pointsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

describe('TraceReader agrees with parseTrace', () => {
  it('on the recorded traces, whole and in chunks of every size', () => {
    for (const text of texts) {
      expectSame(text, [text]);
      for (const size of [1, 7, 4096]) {
        const chunks: string[] = [];
        for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
        expectSame(text, chunks);
      }
    }
  });

  it('on generated traces in every style, cut anywhere', () => {
    fc.assert(
      fc.property(textArb, pointsArb, (text, points) => expectSame(text, cut(text, points))),
      { numRuns: 300 },
    );
  });

  it('on mutated and truncated traces', () => {
    fc.assert(
      fc.property(textArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), pointsArb, (text, ms, points) => {
        const t = mutate(text, ms);
        expectSame(t, cut(t, points));
      }),
      { numRuns: 600 },
    );
  });

  it('on arbitrary text: never throws, agrees', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), pointsArb, (text, points) => expectSame(text, cut(text, points))),
      { numRuns: 500 },
    );
  });

  it('names the problem and where (the same messages as parseTrace)', () => {
    const base = JSON.parse(serializeTrace({ ...JSON.parse(texts[0]!), events: [] })) as Record<string, unknown>;
    const ev = { t: 'mark', time: 1, label: 'm' };
    const cases: [unknown, string][] = [
      [{ ...base, events: [ev, { t: 'mark', time: -1, label: 'x' }] }, 'events[1].time'],
      [
        { ...base, version: 1, events: [ev, { t: 'page-error', time: 2, realm: 'r', kind: 'error', message: 'x', count: 1 }] },
        'events[1].t',
      ],
      [{ ...base, events: 3 }, 'events: expected an array, got 3'],
      [{ events: [], ...base, format: 'x' }, 'format:'],
    ];
    for (const [o, needle] of cases) {
      const text = JSON.stringify(o);
      const r = streamed(cut(text, [0.3, 0.6]));
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toContain(needle);
      expectSame(text, [text]);
    }
    expect(streamed([' ', '\n', '  '])).toEqual({ ok: false, error: EMPTY_FILE_ERROR });
    const dup = streamed([JSON.stringify({ ...base, events: [] }).replace(/}$/, ',"events":[]}')]);
    expect(dup).toEqual({ ok: false, error: 'events: appears twice in the file' });
  });
});

describe('readTrace', () => {
  it('refuses a file over the size limit without reading further, with a message that says so', async () => {
    const r = await readTrace(['{"format":', 'x'.repeat(100)], { maxChars: 50, ...noPause });
    expect(r).toEqual({ ok: false, error: tooLargeError(111, 50) });
    expect(tooLargeError(629 * 1024 * 1024)).toBe(
      `the file is 629 MiB, more than the ${MAX_TRACE_CHARS / 1024 / 1024} MiB this tool reads; record a shorter session, or split it with marks`,
    );
  });

  it('counts the events past the limit, as parseTrace does', () => {
    const max = 1000;
    const r = new TraceReader(MAX_TRACE_CHARS, max);
    r.push('{"format":"wasm-memory-trace","version":2,"page":{"url":""},"events":[');
    const batch = Array.from({ length: 600 }, () => '{"t":"mark","time":1,"label":"m"}').join(',');
    for (let k = 0; k < 3; k++) r.push((k ? ',' : '') + batch);
    r.push(']}');
    expect(r.finish()).toEqual({ ok: false, error: `events: 1800 events, more than the ${max} this tool reads` });
    expect(tooManyEventsError(MAX_TRACE_EVENTS + 1)).toBe(
      `events: ${MAX_TRACE_EVENTS + 1} events, more than the ${MAX_TRACE_EVENTS} this tool reads`,
    );
  });

  it('gives the event loop a turn between slices, and reports progress', async () => {
    const t: Trace = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      createdAt: '',
      generator: '',
      page: { url: '' },
      events: [],
      dropped: 0,
    };
    for (let i = 0; i < 30_000; i++) t.events.push({ t: 'mark', time: i, label: `m${i}` });
    const text = serializeTrace(t);
    expect(text.length).toBeGreaterThan(2 * SLICE_CHARS);
    let clock = 0;
    let pauses = 0;
    const progress: number[] = [];
    const r = await readTrace([text], {
      // every reading of the clock is 10 ms later: a pause every few slices
      now: () => (clock += 10),
      sliceMs: 25,
      pause: () => {
        pauses++;
        return Promise.resolve();
      },
      progress: (chars) => progress.push(chars),
    });
    expect(r.ok && r.trace.events.length).toBe(30_000);
    // one slice of text per clock reading: no slice of work runs without a look at the clock
    expect(pauses).toBeGreaterThanOrEqual(Math.floor(text.length / SLICE_CHARS / 3));
    expect(progress.length).toBe(pauses);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});
