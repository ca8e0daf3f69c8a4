/**
 * The panel's own record of the inspected page's current session: every event received
 * (bounded), de-duplicated by the background's sequence numbers, reset on navigation.
 * Pure (no chrome.*, no DOM): unit-tested in session.test.ts.
 *
 * The service worker's state is disposable; this is not. A worker restart changes the
 * background's session id and it replays whatever it has (events the panel never saw), and
 * its `navigated` for the same top document (same `doc`) keeps the data.
 */
import { BUFFER_BYTES } from '../shared/event-bytes';
import { plainEventBytes } from '../shared/event-batches';
import { PageErrorCounter } from '../shared/page-errors';
import { PageLinkTracker } from '../shared/page-link';
import { WorkerSkipTracker } from '../shared/worker-skips';
import { PROTOCOL_VERSION, TRACE_FORMAT, TRACE_VERSION, type BackgroundToPanel, type PageEvent, type Trace } from '../shared/protocol';

export type SessionUpdate =
  | { kind: 'none' }
  /** New events for the analyzer (already de-duplicated). */
  | { kind: 'events'; events: PageEvent[] }
  /** A new page session: forget everything, then take `events` if any. `ended`: what the
   *  session held of the document before (null when it had received nothing). */
  | { kind: 'reset'; url: string; ended: EndedSegment | null }
  | { kind: 'version-mismatch'; expected: number; got: number }
  /** The inspected tab was closed: keep everything, expect nothing more. */
  | { kind: 'closed' };

/** What a PanelSession held of one top document when another one replaced it. */
export interface EndedSegment {
  url: string;
  /** The top document's id (the content script's `doc`), when known. */
  doc: string | undefined;
  /** Events kept for export (the document's first `maxBytes`). */
  events: PageEvent[];
  keptBytes: number;
  received: number;
  omitted: number;
  /** Events lost before they reached the panel (`dropped` + `missed`). */
  lost: number;
  historyLostBefore: number | null;
}

export class PanelSession {
  private kept: PageEvent[] = [];
  /** Estimated bytes of `kept` (src/shared/event-bytes.ts). */
  keptBytes = 0;
  /** Page-clock times of the earliest and latest kept events (segments.ts timeSpan of `kept`,
   *  kept up to date as events are kept: the view asks for it every update). */
  private keptFrom = Infinity;
  private keptTo = -Infinity;
  /** Events received in this session (kept or not). */
  received = 0;
  /** Events after the first `maxBytes` of the session: analysed, not kept for export (the kept
   *  trace is the session's beginning, so every later event still refers to known definitions). */
  omitted = 0;
  /** Page-side (and relay-refused) drop count, as the background last reported it. */
  dropped = 0;
  /** Events the background had evicted from its backlog before we got them (sequence gaps). */
  missed = 0;
  /** `dropped` when the user last cleared this document's record (the page's count is cumulative). */
  private droppedAtClear = 0;
  /** Errors the page had in this session (kept or not): see src/shared/page-errors.ts. */
  readonly pageErrors = new PageErrorCounter();
  /** The page channel's health (silent documents, reconnects, events lost on the way). */
  readonly pageLink = new PageLinkTracker();
  /** The page's workers that could not be instrumented, and why. */
  readonly workerSkips = new WorkerSkipTracker();
  url = '';
  doc: string | undefined = undefined;
  /** The inspected tab was closed (what was recorded stays, for export). */
  closed = false;
  /**
   * The service worker restarted before this panel held this document's history: events the
   * page sent before this time are not here (definitions excepted: they are re-sent). Null: the
   * session is complete as far as that goes (a panel open across the restart kept everything).
   */
  historyLostBefore: number | null = null;
  /** This panel took events of this document from an earlier background session (it was open
   *  across a worker restart), so it holds what the new worker lacks. */
  private heldEarlierSession = false;
  private bgSession: string | undefined = undefined;
  /** Identities of definition events seen this session: a content script re-sends them after
   *  a worker restart, and the copies must not count twice. */
  private defined = new Set<string>();
  private nextSeq = 0;

  constructor(
    readonly tabId: number,
    /** Most estimated bytes of events kept for export (BUFFER_BYTES.panelSession). */
    private readonly maxBytes: number = BUFFER_BYTES.panelSession,
  ) {}

  /** Events lost before they reached this record (since the last clear): on the page side,
   *  refused, or evicted by the background (`dropped` + `missed`). */
  get lost(): number {
    return Math.max(0, this.dropped - this.droppedAtClear) + this.missed;
  }

  get events(): readonly PageEvent[] {
    return this.kept;
  }

  /** The time span of the kept events (null: none kept). */
  keptSpan(): { from: number; to: number } | null {
    return this.keptFrom <= this.keptTo ? { from: this.keptFrom, to: this.keptTo } : null;
  }

  private keep(ev: PageEvent, bytes: number): void {
    this.kept.push(ev);
    this.keptBytes += bytes;
    if (ev.time < this.keptFrom) this.keptFrom = ev.time;
    if (ev.time > this.keptTo) this.keptTo = ev.time;
  }

  /** What to send with `subscribe` so the background replays only what we lack. */
  resume(): { session: string; seq: number } | undefined {
    return this.bgSession === undefined ? undefined : { session: this.bgSession, seq: this.nextSeq };
  }

  /** Start over for another document; returns what was held of the previous one. */
  private reset(url: string, doc: string | undefined): EndedSegment | null {
    const ended: EndedSegment | null =
      this.received > 0
        ? {
            url: this.url,
            doc: this.doc,
            events: this.kept,
            keptBytes: this.keptBytes,
            received: this.received,
            omitted: this.omitted,
            lost: this.lost,
            historyLostBefore: this.historyLostBefore,
          }
        : null;
    this.kept = [];
    this.keptBytes = 0;
    this.keptFrom = Infinity;
    this.keptTo = -Infinity;
    this.defined.clear();
    this.received = 0;
    this.omitted = 0;
    this.dropped = 0;
    this.droppedAtClear = 0;
    this.missed = 0;
    this.pageErrors.reset();
    this.pageLink.reset();
    this.workerSkips.reset();
    this.url = url;
    this.doc = doc;
    this.historyLostBefore = null;
    this.heldEarlierSession = false;
    return ended;
  }

  /**
   * Clear: forget what was recorded of this document, except the definitions of what is still
   * alive (realms, modules, memories and instances not collected, and skipped workers), which
   * later samples and counters refer to. The background session, sequence point and
   * de-duplication stay, so nothing is replayed. Returns the definitions kept.
   */
  clear(): PageEvent[] {
    const collected = new Set<string>();
    for (const ev of this.kept) if (ev.t === 'collected') collected.add(ev.key);
    const keep = this.kept.filter((ev) => ev.t !== 'collected' && isDefinition(ev) && !('key' in ev && collected.has(ev.key)));
    this.kept = [];
    this.keptBytes = 0;
    this.keptFrom = Infinity;
    this.keptTo = -Infinity;
    for (const ev of keep) this.keep(ev, plainEventBytes(ev));
    this.received = 0;
    this.omitted = 0;
    this.missed = 0;
    this.droppedAtClear = this.dropped;
    this.pageErrors.reset();
    this.pageLink.reset();
    this.workerSkips.reset();
    this.workerSkips.add(keep);
    this.historyLostBefore = null;
    return keep.slice();
  }

  /** The background says its history of this document starts late; true if we lack it too. */
  private noteHistoryLost(before: number | undefined): boolean {
    if (before === undefined || this.heldEarlierSession || this.historyLostBefore === before) return false;
    this.historyLostBefore = before;
    return true;
  }

  private adoptSession(session: string | undefined): void {
    if (session !== undefined && session !== this.bgSession) {
      if (this.bgSession !== undefined) this.heldEarlierSession = true;
      this.bgSession = session;
      this.nextSeq = 0;
    }
  }

  /** Apply one message from the background; say what the view must do. */
  handle(msg: BackgroundToPanel): SessionUpdate {
    if (msg.kind === 'version-mismatch') return { kind: 'version-mismatch', expected: msg.expected, got: msg.got };
    if (msg.kind === 'tab-closed') {
      if (msg.tabId !== this.tabId) return { kind: 'none' };
      this.closed = true;
      return { kind: 'closed' };
    }
    if (msg.v !== PROTOCOL_VERSION) return { kind: 'version-mismatch', expected: PROTOCOL_VERSION, got: msg.v };
    if (msg.tabId !== this.tabId) return { kind: 'none' };
    switch (msg.kind) {
      case 'welcome': {
        this.adoptSession(msg.session);
        if (msg.doc !== undefined && this.doc !== undefined && msg.doc !== this.doc) {
          // The page navigated while we were not connected.
          const ended = this.reset(msg.url ?? '', msg.doc);
          this.noteHistoryLost(msg.historyLostBefore);
          return { kind: 'reset', url: this.url, ended };
        }
        if (msg.doc !== undefined) this.doc = msg.doc;
        if (msg.url !== undefined) this.url = msg.url;
        this.noteHistoryLost(msg.historyLostBefore);
        return { kind: 'none' };
      }
      case 'navigated': {
        if (msg.doc !== undefined && msg.doc === this.doc) {
          // The same document reconnecting (service-worker restart): keep the session.
          this.adoptSession(msg.session);
          this.url = msg.url;
          this.noteHistoryLost(msg.historyLostBefore);
          return { kind: 'none' };
        }
        // Another document: a new session (its sequence numbers start again).
        this.bgSession = undefined;
        this.adoptSession(msg.session);
        const ended = this.reset(msg.url, msg.doc);
        this.noteHistoryLost(msg.historyLostBefore);
        return { kind: 'reset', url: msg.url, ended };
      }
      case 'events': {
        let events = msg.events;
        if (msg.session !== undefined && typeof msg.seq === 'number') {
          if (msg.session !== this.bgSession) this.adoptSession(msg.session);
          const overlap = this.nextSeq - msg.seq;
          if (overlap >= events.length) return { kind: 'none' };
          if (overlap > 0) events = events.slice(overlap);
          // A hole: the background evicted these from its bounded backlog before we got them.
          else if (overlap < 0) this.missed -= overlap;
          this.nextSeq = msg.seq + msg.events.length;
        }
        if (events.some(isDefinition)) events = events.filter((ev) => this.firstSight(ev));
        this.dropped = Math.max(this.dropped, msg.dropped);
        this.received += events.length;
        this.pageErrors.add(events);
        this.pageLink.add(events);
        this.workerSkips.add(events);
        for (const ev of events) {
          if (this.omitted === 0) {
            const b = plainEventBytes(ev);
            if (this.keptBytes + b <= this.maxBytes) {
              this.keep(ev, b);
              continue;
            }
          }
          this.omitted++;
        }
        return events.length === 0 ? { kind: 'none' } : { kind: 'events', events };
      }
    }
  }

  /** False for a definition event already seen (a replay); true otherwise. */
  private firstSight(ev: PageEvent): boolean {
    const id = definitionId(ev);
    if (id === null) return true;
    if (this.defined.has(id)) return false;
    this.defined.add(id);
    return true;
  }

  /** The current session as a trace file. */
  toTrace(createdAt: Date, generator: string): Trace {
    return traceOf({ url: this.url, events: this.kept, lost: this.lost, omitted: this.omitted }, createdAt, generator);
  }
}

/** Recorded events as a trace file: `lost` before they reached the record (on the page side,
 *  refused, or evicted by the background), `omitted` received but not kept. */
export function traceOf(
  rec: { url: string; events: readonly PageEvent[]; lost: number; omitted: number },
  createdAt: Date,
  generator: string,
): Trace {
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    createdAt: createdAt.toISOString(),
    generator,
    page: { url: rec.url },
    events: rec.events.slice(),
    dropped: rec.lost,
  };
  if (rec.omitted > 0) trace.omitted = rec.omitted;
  return trace;
}

function isDefinition(ev: PageEvent): boolean {
  return definitionId(ev) !== null;
}

/** Identity of a definition event (unique per tab by construction of keys), else null. */
export function definitionId(ev: PageEvent): string | null {
  switch (ev.t) {
    case 'realm':
      return `realm:${ev.realm}`;
    case 'module':
    case 'memory':
    case 'instance':
    case 'collected':
      return `${ev.t}:${ev.key}`;
    case 'worker-skipped':
      return `worker-skipped:${ev.realm} ${ev.reason} ${ev.directive ?? ''} ${ev.url}`;
    default:
      return null;
  }
}

/** `wasm-memory-trace-<host>-<time>.json`, safe as a file name. */
export function traceFileName(url: string, when: Date): string {
  let host = 'page';
  try {
    const u = new URL(url);
    host = u.host || u.protocol.replace(':', '') || 'page';
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  host = host.replace(/[^a-zA-Z0-9.-]+/g, '_').slice(0, 80);
  const time = when
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  return `wasm-memory-trace-${host}-${time}.json`;
}
