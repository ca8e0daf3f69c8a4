/**
 * Arbitraries of trace files for property tests (tests only): real recorded events, written in
 * every style a tool might use, and mutated the ways files get damaged.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { TRACE_FORMAT, TRACE_VERSION, type PageEvent, type Trace } from './protocol';
import { parseTrace, serializeTrace } from './trace';

const TRACES = join(__dirname, '../analyzer/traces');
const files = readdirSync(TRACES).filter((f) => f.endsWith('.json'));
export const texts = files.map((f) => readFileSync(join(TRACES, f), 'utf8'));
/** Every event of the recorded traces, and one of each kind newer than format version 1. */
export const pool: PageEvent[] = [
  ...texts.flatMap((t) => {
    const r = parseTrace(t);
    return r.ok ? r.trace.events : [];
  }),
  { t: 'heap', time: 1, memory: 'r:1', module: 'r:0', tracking: 'none', allocator: null, foundBy: null, reason: 'shared memory' },
  { t: 'sites', time: 4, memory: 'r:1', interval: 65536, sites: [{ bytes: 65536, count: 1, samples: 1, frames: ['at f (a.js:1:1)'] }] },
  { t: 'page-error', time: 2, realm: 'r', kind: 'error', message: 'x', source: 'a.js:1:2' },
  { t: 'alloc', time: 9, memory: 'r1:2', liveBytes: 10, liveAllocations: 1, totalAllocations: 5, totalFrees: 4 },
];

export const traceArb: fc.Arbitrary<Trace> = fc
  .record({
    version: fc.constantFrom(1, 2, TRACE_VERSION),
    createdAt: fc.string(),
    generator: fc.string(),
    url: fc.webUrl(),
    title: fc.option(fc.string(), { nil: undefined }),
    dropped: fc.nat(),
    omitted: fc.nat(),
    events: fc.subarray(pool, { maxLength: 60 }),
  })
  .map(({ version, createdAt, generator, url, title, dropped, omitted, events }) => {
    const t: Trace = { format: TRACE_FORMAT, version, createdAt, generator, page: { url }, events, dropped };
    if (title !== undefined) t.page.title = title;
    if (omitted > 0) t.omitted = omitted;
    return t;
  });

/** The ways a trace file gets written: ours, minified, indented, keys in another order. */
export const textArb = fc.tuple(traceArb, fc.constantFrom('ours', 'min', 'indent', 'events-first')).map(([t, style]) => {
  if (style === 'ours') return serializeTrace(t);
  if (style === 'min') return JSON.stringify(t);
  if (style === 'indent') return JSON.stringify(t, null, 2);
  const { events, ...rest } = t;
  return JSON.stringify({ events, ...rest }, null, '\t');
});

/** One damage done to a file's text. */
export const mutationArb = fc.oneof(
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    n: fc.integer({ min: 1, max: 20 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    s: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '-1', 'null', ' ', '\u00a0', '"t":"x"', '1e999', 'true'),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

/** Apply the damage, in order. */
export function mutate(
  text: string,
  ms: readonly { kind: 'delete' | 'insert' | 'truncate'; at: number; n?: number; s?: string }[],
): string {
  let t = text;
  for (const m of ms) {
    const at = Math.floor(m.at * t.length);
    if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + (m.n ?? 1));
    else if (m.kind === 'insert') t = t.slice(0, at) + (m.s ?? '') + t.slice(at);
    else t = t.slice(0, at);
  }
  return t;
}
