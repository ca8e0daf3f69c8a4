/**
 * Trace files: the recorded events of one page session as versioned JSON.
 * The format is documented in docs/TRACE-FORMAT.md; keep the two in step.
 *
 * `parseTrace` treats the file as untrusted: every event goes through the same validation
 * as live page data, and the first problem found is reported with its path
 * (e.g. `events[12].bytes: expected a non-negative number, got -1`).
 */
import { LIMITS, TRACE_FORMAT, TRACE_VERSION, type PageEvent, type Trace } from './protocol';
import { checkPageEvent } from './validate';

/** Trace format version that introduced the `page-error` event (docs/TRACE-FORMAT.md). */
export const PAGE_ERROR_SINCE_VERSION = 2;
/** Trace format version that introduced the `grow-failed` event. */
export const GROW_FAILED_SINCE_VERSION = 4;

/** Most events a trace file may hold (the panel's session cap is below this). */
export const MAX_TRACE_EVENTS = 2_000_000;

export const EMPTY_FILE_ERROR = 'the file is empty (expected a WASM Memory trace: JSON)';
export const MISSING_EVENTS_ERROR = 'events: missing (expected an array of events)';

export type ParseTraceResult = { ok: true; trace: Trace } | { ok: false; error: string };

/**
 * JSON with the header fields first and one event per line: readable, diffable, and
 * streams through line-oriented tools. `JSON.parse` reads it back unchanged.
 */
export function serializeTrace(trace: Trace): string {
  const header: Record<string, unknown> = {
    format: trace.format,
    version: trace.version,
    createdAt: trace.createdAt,
    generator: trace.generator,
    page: trace.page,
    dropped: trace.dropped,
  };
  if (trace.omitted !== undefined && trace.omitted > 0) header.omitted = trace.omitted;
  const lines: string[] = ['{'];
  for (const [k, v] of Object.entries(header)) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  if (trace.events.length === 0) {
    lines.push('  "events": []');
  } else {
    lines.push('  "events": [');
    const last = trace.events.length - 1;
    trace.events.forEach((ev, i) => lines.push(`    ${JSON.stringify(ev)}${i === last ? '' : ','}`));
    lines.push('  ]');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** An error message on one line (V8's JSON errors quote the text around the problem, newlines included). */
export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** How a value is named in an error message. */
export function kindOf(x: unknown): string {
  if (x === undefined) return 'nothing (the field is missing)';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `"${x.length > 40 ? x.slice(0, 40) + '…' : x}"`;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x;
}

/**
 * Version 1 predates counting heaps inside wasm: its allocator stats counted only allocations
 * that crossed the JS boundary (a part of the heap), whatever the event says. Read them so.
 */
function asVersion1(ev: PageEvent): PageEvent {
  return ev.t === 'alloc' ? { ...ev, tracking: 'js-boundary' } : ev;
}

/** A trace's fields other than `events`, validated. */
export type TraceHeader = Omit<Trace, 'events'>;

/**
 * Check the fields of a trace's top-level object other than `events`, in the order the errors
 * are reported. Shared by `parseTrace` and the streaming reader (trace-stream.ts), so both
 * say the same thing about the same file.
 */
export function checkTraceHeader(o: Record<string, unknown>): { ok: true; header: TraceHeader } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  if (o.format !== TRACE_FORMAT) {
    return fail(
      o.format === undefined
        ? `format: missing; this is not a WASM Memory trace (expected "format": "${TRACE_FORMAT}")`
        : `format: expected "${TRACE_FORMAT}", got ${kindOf(o.format)}; this is not a WASM Memory trace`,
    );
  }
  const version = o.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return fail(`version: expected a positive integer, got ${kindOf(version)}`);
  }
  if (version > TRACE_VERSION) {
    return fail(
      `version: this trace is format version ${version}, newer than this tool reads (${TRACE_VERSION}); update WASM Memory to open it`,
    );
  }

  const createdAt = o.createdAt === undefined ? '' : o.createdAt;
  if (typeof createdAt !== 'string') return fail(`createdAt: expected a string, got ${kindOf(createdAt)}`);
  const generator = o.generator === undefined ? '' : o.generator;
  if (typeof generator !== 'string') return fail(`generator: expected a string, got ${kindOf(generator)}`);

  const pageRaw = o.page;
  if (typeof pageRaw !== 'object' || pageRaw === null || Array.isArray(pageRaw)) {
    return fail(`page: expected an object like {"url": "..."}, got ${kindOf(pageRaw)}`);
  }
  const pr = pageRaw as Record<string, unknown>;
  if (typeof pr.url !== 'string') return fail(`page.url: expected a string, got ${kindOf(pr.url)}`);
  if (pr.title !== undefined && typeof pr.title !== 'string') {
    return fail(`page.title: expected a string, got ${kindOf(pr.title)}`);
  }
  const page: Trace['page'] = { url: pr.url.slice(0, LIMITS.maxString) };
  if (typeof pr.title === 'string') page.title = pr.title.slice(0, LIMITS.maxString);

  const dropped = o.dropped === undefined ? 0 : o.dropped;
  if (typeof dropped !== 'number' || !Number.isFinite(dropped) || dropped < 0) {
    return fail(`dropped: expected a non-negative number, got ${kindOf(dropped)}`);
  }
  const omitted = o.omitted === undefined ? 0 : o.omitted;
  if (typeof omitted !== 'number' || !Number.isFinite(omitted) || omitted < 0) {
    return fail(`omitted: expected a non-negative number, got ${kindOf(omitted)}`);
  }
  const header: TraceHeader = { format: TRACE_FORMAT, version, createdAt, generator, page, dropped };
  if (omitted > 0) header.omitted = omitted;
  return { ok: true, header };
}

/** The first trace format version that has events of type `t`. */
export function eventSince(t: PageEvent['t']): number {
  return EVENT_SINCE[t] ?? 1;
}

/** Event types newer than format version 1, and the version that introduced each. */
const EVENT_SINCE: Partial<Record<PageEvent['t'], number>> = {
  'page-error': PAGE_ERROR_SINCE_VERSION,
  heap: PAGE_ERROR_SINCE_VERSION,
  sites: PAGE_ERROR_SINCE_VERSION,
  link: 3,
  'grow-failed': GROW_FAILED_SINCE_VERSION,
  'worker-skipped': 5,
};

/** The message for an event of a type newer than the file's declared version. */
export function tooNewEventError(i: number, t: PageEvent['t'], version: number): string {
  return `events[${i}].t: "${t}" events exist since trace format version ${eventSince(t)}, but this file says version ${version}`;
}

/** The message for a file with more events than this tool reads. */
export function tooManyEventsError(n: number, max: number = MAX_TRACE_EVENTS): string {
  return `events: ${n} events, more than the ${max} this tool reads`;
}

/** An event as read from a file of format `version` (v1 alloc stats were JS-boundary only). */
export function eventOfVersion(ev: PageEvent, version: number): PageEvent {
  return version < 2 ? asVersion1(ev) : ev;
}

/** Read a trace file. Never throws; on failure the error says what is wrong and where. */
export function parseTrace(text: string): ParseTraceResult {
  const fail = (error: string): ParseTraceResult => ({ ok: false, error });
  if (typeof text !== 'string') return fail('expected the text of a JSON file');
  if (text.trim() === '') return fail(EMPTY_FILE_ERROR);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON: ${oneLine(e instanceof Error ? e.message : String(e))}`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return fail(`expected a JSON object at the top level, got ${kindOf(root)}`);
  }
  const o = root as Record<string, unknown>;
  const h = checkTraceHeader(o);
  if (!h.ok) return h;
  const { version } = h.header;

  if (o.events === undefined) return fail(MISSING_EVENTS_ERROR);
  if (!Array.isArray(o.events)) return fail(`events: expected an array, got ${kindOf(o.events)}`);
  if (o.events.length > MAX_TRACE_EVENTS) return fail(tooManyEventsError(o.events.length));
  const events: PageEvent[] = new Array<PageEvent>(o.events.length);
  for (let i = 0; i < o.events.length; i++) {
    const r = checkPageEvent(o.events[i], `events[${i}]`);
    if (!r.ok) return fail(`${r.path}: ${r.problem}`);
    if (version < eventSince(r.event.t)) return fail(tooNewEventError(i, r.event.t, version));
    events[i] = eventOfVersion(r.event, version);
  }
  return { ok: true, trace: { ...h.header, events } };
}
