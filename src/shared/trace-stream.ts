/**
 * Reading a trace file as a stream of text chunks, for files too big to hold as one string
 * (V8 strings stop at about 512 MiB: a 629 MB file used to read as "the file is empty") and
 * too big to parse in one go without freezing the panel.
 *
 * `TraceReader` is an incremental scanner for the top-level object of a trace: it finds the
 * extent of each member value and of each element of `events`, `JSON.parse`s only that slice,
 * and validates each event as it comes (the same `checkPageEvent` as live data). The text
 * already read is dropped as it goes, so memory holds the validated events, not the file.
 *
 * It reports exactly what `parseTrace` reports for the same file, with one exception: JSON
 * syntax errors are worded by this scanner, not by V8 (both start with "not valid JSON").
 * trace-stream.test.ts checks that equivalence on generated and mutated files. A file whose
 * top level is not an object is handed to `parseTrace` whole (it is small or not a trace).
 *
 * `readTrace` drives a reader over an (async) iterable of chunks and gives the event loop a
 * turn whenever a stretch of work has run for `sliceMs`, so a page that imports never blocks
 * for longer than that plus one slice (at most `SLICE_CHARS` characters).
 */
import type { PageEvent } from './protocol';
import {
  EMPTY_FILE_ERROR,
  MAX_TRACE_EVENTS,
  MISSING_EVENTS_ERROR,
  checkTraceHeader,
  eventOfVersion,
  eventSince,
  kindOf,
  oneLine,
  parseTrace,
  tooManyEventsError,
  tooNewEventError,
  type ParseTraceResult,
} from './trace';
import { checkPageEvent } from './validate';

/** The largest trace file read, in characters (about bytes: traces are ASCII but for strings). */
export const MAX_TRACE_CHARS = 512 * 1024 * 1024;

/** The most text handed to the scanner at once: the unit of work between two checks of the clock. */
export const SLICE_CHARS = 256 * 1024;

/** A top-level value that is not an object is kept whole up to this size, then refused. */
const MAX_NON_OBJECT_CHARS = 1024 * 1024;

export function tooLargeError(chars: number, max: number = MAX_TRACE_CHARS): string {
  return `the file is ${formatMiB(chars)}, more than the ${formatMiB(max)} this tool reads; record a shorter session, or split it with marks`;
}

function formatMiB(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

type State =
  | 'start'
  | 'first-key'
  | 'key'
  | 'colon'
  | 'value'
  | 'after-member'
  | 'events-open'
  | 'first-elem'
  | 'elem'
  | 'after-elem'
  | 'done'
  | 'non-object';

/** Where a value's extent scan stands, kept across chunks. */
interface Scan {
  /** Index in `buf` where the value starts. */
  start: number;
  /** Index in `buf` scanned up to. */
  pos: number;
  depth: number;
  inString: boolean;
  escaped: boolean;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class TraceReader {
  private buf = '';
  private i = 0;
  /** Characters dropped from the front of `buf` so far (for error positions). */
  private offset = 0;
  private chars = 0;
  private state: State = 'start';
  private scan: Scan | null = null;
  private key = '';
  private fatal: string | null = null;
  private readonly header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private eventsSeen = false;
  private eventsValue: unknown = undefined;
  private count = 0;
  private events: PageEvent[] = [];
  /** The first event that failed validation: its index and message. */
  private eventError: { index: number; error: string } | null = null;
  private nonObject = '';

  constructor(
    private readonly maxChars: number = MAX_TRACE_CHARS,
    private readonly maxEvents: number = MAX_TRACE_EVENTS,
  ) {}

  /** Characters read so far. */
  get charsRead(): number {
    return this.chars;
  }

  /** True once a problem was found that no later text can change. */
  get failed(): boolean {
    return this.fatal !== null;
  }

  push(chunk: string): void {
    if (this.fatal !== null) return;
    this.chars += chunk.length;
    if (this.chars > this.maxChars) {
      this.fail(tooLargeError(this.chars, this.maxChars));
      return;
    }
    if (this.state === 'non-object') {
      this.nonObject += chunk;
      if (this.nonObject.length > MAX_NON_OBJECT_CHARS) this.fail('expected a JSON object at the top level (a WASM Memory trace)');
      return;
    }
    // drop what was consumed; keep a value in progress
    const keep = this.scan ? this.scan.start : this.i;
    if (keep > 0) {
      this.buf = this.buf.slice(keep);
      this.offset += keep;
      this.i -= keep;
      if (this.scan) {
        this.scan.pos -= keep;
        this.scan.start = 0;
      }
    }
    this.buf += chunk;
    this.run(false);
  }

  /** The end of the file: the result. */
  finish(): ParseTraceResult {
    if (this.fatal === null && this.state === 'non-object') return parseTrace(this.nonObject);
    if (this.fatal === null) this.run(true);
    if (this.fatal !== null) return { ok: false, error: this.fatal };
    if (this.state === 'start') return { ok: false, error: EMPTY_FILE_ERROR };
    if (this.state !== 'done') return this.syntax('unexpected end of the file');

    const h = checkTraceHeader(this.header);
    if (!h.ok) return h;
    const { version } = h.header;
    if (!this.eventsSeen) return { ok: false, error: MISSING_EVENTS_ERROR };
    if (!Array.isArray(this.eventsValue)) return { ok: false, error: `events: expected an array, got ${kindOf(this.eventsValue)}` };
    if (this.count > this.maxEvents) return { ok: false, error: tooManyEventsError(this.count, this.maxEvents) };
    const events = this.events;
    for (let k = 0; k < events.length; k++) {
      const ev = events[k]!;
      if (version < eventSince(ev.t)) return { ok: false, error: tooNewEventError(k, ev.t, version) };
      events[k] = eventOfVersion(ev, version);
    }
    if (this.eventError) return { ok: false, error: this.eventError.error };
    this.events = [];
    return { ok: true, trace: { ...h.header, events } };
  }

  private fail(error: string): void {
    this.fatal = error;
    this.buf = '';
    this.events = [];
    this.nonObject = '';
  }

  private syntax(what: string): { ok: false; error: string } {
    const error = `not valid JSON: ${what} at character ${this.offset + this.i}`;
    this.fail(error);
    return { ok: false, error };
  }

  /** Skip JSON whitespace; false at the end of the buffer. */
  private skipWs(): boolean {
    const b = this.buf;
    while (this.i < b.length && WS.has(b.charCodeAt(this.i))) this.i++;
    return this.i < b.length;
  }

  /**
   * Find the end of the value starting at `this.i` (which is not whitespace). Returns the
   * value's text, or null if the buffer ends first (and `final` is false).
   */
  private value(final: boolean): string | null {
    const b = this.buf;
    const s: Scan = this.scan ?? { start: this.i, pos: this.i, depth: 0, inString: false, escaped: false };
    this.scan = s;
    const first = b.charCodeAt(s.start);
    if (first === 0x7b /* { */ || first === 0x5b /* [ */ || first === 0x22 /* " */) {
      let p = s.pos;
      if (p === s.start) {
        if (first === 0x22) s.inString = true;
        else s.depth = 1;
        p++;
      }
      let { depth, inString, escaped } = s;
      for (; p < b.length; p++) {
        const c = b.charCodeAt(p);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c /* \ */) escaped = true;
          else if (c === 0x22) {
            inString = false;
            if (depth === 0) {
              p++;
              break;
            }
          }
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            p++;
            break;
          }
        }
      }
      const closed = depth === 0 && !inString && p > s.start + 1;
      Object.assign(s, { pos: p, depth, inString, escaped });
      if (!closed) return final ? this.endOfValue(b.slice(s.start)) : null;
      this.scan = null;
      this.i = p;
      return b.slice(s.start, p);
    }
    // a number, true, false or null (or garbage): up to the next delimiter
    let p = s.pos;
    while (p < b.length) {
      const c = b.charCodeAt(p);
      if (c === 0x2c || c === 0x5d || c === 0x7d || WS.has(c)) break;
      p++;
    }
    s.pos = p;
    if (p === b.length && !final) return null;
    this.scan = null;
    this.i = p;
    return b.slice(s.start, p);
  }

  /** A value the file ends inside: parse it anyway, so the error names what is wrong with it. */
  private endOfValue(text: string): string {
    this.scan = null;
    this.i = this.buf.length;
    return text;
  }

  /** JSON.parse one value's text; on failure the file is not JSON. */
  private parse(text: string, where: string): { ok: true; v: unknown } | { ok: false } {
    try {
      return { ok: true, v: JSON.parse(text) as unknown };
    } catch (e) {
      this.i -= text.length;
      this.syntax(`${oneLine(e instanceof Error ? e.message.replace(/ in JSON at position \d+.*$/s, '') : String(e))} in ${where}`);
      return { ok: false };
    }
  }

  private run(final: boolean): void {
    for (;;) {
      if (this.fatal !== null) return;
      switch (this.state) {
        case 'start': {
          if (!this.skipWs()) return;
          if (this.buf.charCodeAt(this.i) === 0x7b) {
            this.i++;
            this.state = 'first-key';
          } else {
            // not an object: parseTrace says what it is (the file is small, or refused above)
            this.state = 'non-object';
            this.nonObject = this.buf.slice(this.i);
            this.buf = '';
            this.i = 0;
            if (this.nonObject.length > MAX_NON_OBJECT_CHARS) this.fail('expected a JSON object at the top level (a WASM Memory trace)');
            return;
          }
          break;
        }
        case 'first-key':
        case 'key': {
          if (!this.skipWs()) return;
          const c = this.buf.charCodeAt(this.i);
          if (c === 0x7d && this.state === 'first-key') {
            this.i++;
            this.state = 'done';
            break;
          }
          if (c !== 0x22) {
            this.syntax('expected a property name in double quotes');
            return;
          }
          const text = this.value(final);
          if (text === null) return;
          const r = this.parse(text, 'a property name');
          if (!r.ok) return;
          this.key = r.v as string;
          this.state = 'colon';
          break;
        }
        case 'colon': {
          if (!this.skipWs()) return;
          if (this.buf.charCodeAt(this.i) !== 0x3a) {
            this.syntax(`expected ':' after the property name "${this.key.slice(0, 40)}"`);
            return;
          }
          this.i++;
          this.state = this.key === 'events' ? 'events-open' : 'value';
          break;
        }
        case 'value': {
          if (!this.skipWs()) return;
          const text = this.value(final);
          if (text === null) return;
          const r = this.parse(text, `the value of "${this.key.slice(0, 40)}"`);
          if (!r.ok) return;
          this.header[this.key] = r.v;
          this.state = 'after-member';
          break;
        }
        case 'after-member': {
          if (!this.skipWs()) return;
          const c = this.buf.charCodeAt(this.i);
          if (c === 0x2c) this.state = 'key';
          else if (c === 0x7d) this.state = 'done';
          else {
            this.syntax(`expected ',' or '}' after the value of "${this.key.slice(0, 40)}"`);
            return;
          }
          this.i++;
          break;
        }
        case 'events-open': {
          if (!this.skipWs()) return;
          if (this.eventsSeen) {
            this.fail('events: appears twice in the file');
            return;
          }
          this.eventsSeen = true;
          if (this.buf.charCodeAt(this.i) === 0x5b) {
            this.i++;
            this.eventsValue = [];
            this.state = 'first-elem';
          } else {
            const text = this.value(final);
            if (text === null) {
              this.eventsSeen = false; // not yet read: come back here with more text
              return;
            }
            const r = this.parse(text, 'the value of "events"');
            if (!r.ok) return;
            this.eventsValue = r.v;
            this.state = 'after-member';
          }
          break;
        }
        case 'first-elem':
        case 'elem': {
          if (!this.skipWs()) return;
          if (this.state === 'first-elem' && this.buf.charCodeAt(this.i) === 0x5d) {
            this.i++;
            this.state = 'after-member';
            break;
          }
          const text = this.value(final);
          if (text === null) return;
          if (!this.element(text)) return;
          this.state = 'after-elem';
          break;
        }
        case 'after-elem': {
          if (!this.skipWs()) return;
          const c = this.buf.charCodeAt(this.i);
          if (c === 0x2c) this.state = 'elem';
          else if (c === 0x5d) this.state = 'after-member';
          else {
            this.syntax(`expected ',' or ']' after events[${this.count - 1}]`);
            return;
          }
          this.i++;
          break;
        }
        case 'done': {
          if (!this.skipWs()) return;
          this.syntax('unexpected text after the end of the trace object');
          return;
        }
        case 'non-object':
          return;
      }
    }
  }

  /** One element of `events`: parsed (a syntax error anywhere outranks the rest), then checked. */
  private element(text: string): boolean {
    const index = this.count++;
    const r = this.parse(text, `events[${index}]`);
    if (!r.ok) return false;
    if (this.count > this.maxEvents) {
      this.events = []; // the file is refused for its size; keep scanning for syntax and the count
      return true;
    }
    if (this.eventError) return true;
    const c = checkPageEvent(r.v, `events[${index}]`);
    if (c.ok) this.events.push(c.event);
    else this.eventError = { index, error: `${c.path}: ${c.problem}` };
    return true;
  }
}

export interface ReadTraceOptions {
  /** Longest stretch of work before the event loop gets a turn, in ms (default 25). */
  sliceMs?: number;
  now?: () => number;
  /** Give the event loop a turn (default: a macrotask). */
  pause?: () => Promise<void>;
  maxChars?: number;
  /** Called after each turn with the characters read so far. */
  progress?: (chars: number) => void;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Read a trace from text chunks (e.g. a decoded file stream), yielding to the event loop as it goes. */
export async function readTrace(chunks: AsyncIterable<string> | Iterable<string>, opts: ReadTraceOptions = {}): Promise<ParseTraceResult> {
  const sliceMs = opts.sliceMs ?? 25;
  const now = opts.now ?? (() => performance.now());
  const pause = opts.pause ?? macrotask;
  const reader = new TraceReader(opts.maxChars);
  let began = now();
  for await (const chunk of chunks) {
    for (let k = 0; k < chunk.length; k += SLICE_CHARS) {
      reader.push(k === 0 && chunk.length <= SLICE_CHARS ? chunk : chunk.slice(k, k + SLICE_CHARS));
      if (reader.failed) return reader.finish();
      if (now() - began >= sliceMs) {
        opts.progress?.(reader.charsRead);
        await pause();
        began = now();
      }
    }
  }
  return reader.finish();
}
