/**
 * Per-tab routing of the service worker, free of `chrome.*` so it runs under vitest with fake
 * ports (see router.test.ts). index.ts is the thin glue that feeds it runtime Ports.
 *
 * Model (after React DevTools' background):
 * - every frame's content script connects (tab id + frame id from the sender); an older
 *   port for the same tab/frame is dropped first;
 * - panels subscribe to a tab; events are forwarded to every panel of that tab;
 * - a bounded backlog per tab lets a panel opened late, or re-subscribing after a
 *   service-worker restart, get recent history. Each event has a sequence number within a
 *   session, and a re-subscribe says where it stopped, so nothing is counted twice;
 * - a frame-0 hello from a new document starts a new session -> `navigated` to the panels;
 * - all of this state is disposable: a worker restart loses it, the panel keeps its own
 *   accumulated session, and both ends reconnect.
 */
import { PROTOCOL_VERSION, type BackgroundToContent, type BackgroundToPanel, type PageEvent } from '../shared/protocol';
import { validateBatch } from '../shared/validate';
import { BUFFER_BYTES } from '../shared/event-bytes';
import { plainEventBytes, splitByBytes } from '../shared/event-batches';
import type { AnalyzerConfig } from '../shared/analyzer-api';
import type { BackgroundToHost } from '../shared/tab-status';

/** One end of a port, as the router sees it. */
export interface Endpoint<Out> {
  send(msg: Out): void;
  close(): void;
}

export interface RouterOptions {
  /** Most bytes of "definition" events (realm/module/memory/instance/collected/worker-skipped) kept per tab
   *  (estimated: src/shared/event-bytes.ts); beyond, the oldest are evicted and counted. */
  maxDefinitionBytes: number;
  /** Most bytes of other events (samples, growths, counters, marks) kept per tab: the recent ones. */
  maxRecentBytes: number;
  /** Most events in one message to a panel. */
  maxPerMessage: number;
  /** Most bytes in one message to a panel (a replay is split; a live batch is too). */
  maxMessageBytes: number;
  newId(): string;
  /** The clock stamped on events the router writes itself (epoch ms, like the page's). */
  now(): number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  maxDefinitionBytes: BUFFER_BYTES.routerDefinitions,
  maxRecentBytes: BUFFER_BYTES.routerRecent,
  maxPerMessage: 2_000,
  maxMessageBytes: BUFFER_BYTES.panelMessage,
  newId: () => Math.random().toString(36).slice(2, 10) + Date.now().toString(36),
  now: () => Date.now(),
};

/** Most live memory keys remembered per frame (to mark them gone with the frame). */
const MAX_FRAME_MEMORIES = 4096;

interface Stored {
  seq: number;
  ev: PageEvent;
  /** Its estimated size (plainEventBytes). */
  bytes: number;
}

const storedBytes = (s: Stored): number => s.bytes;

interface FrameConn {
  ep: Endpoint<BackgroundToContent>;
  doc: string | undefined;
  /** Latest cumulative page-side drop count of this frame (plus what we refused). */
  dropped: number;
  /** Events of this frame refused here (cumulative). */
  refused: number;
  versionOk: boolean;
  /** Memories of this frame (and its workers) not reported collected: gone with the frame. */
  live: Set<string>;
}

interface PanelConn {
  ep: Endpoint<BackgroundToPanel>;
  tabId: number | null;
}

interface TabState {
  session: string;
  url: string;
  doc: string | undefined;
  frames: Map<number, FrameConn>;
  panels: Set<PanelConn>;
  definitions: Lane;
  recent: Lane;
  nextSeq: number;
  /** Drop counts of frames that went away, so the total never goes down. */
  droppedGone: number;
  /**
   * This worker started while the top document was already being recorded (its content script
   * said when its previous connection dropped): what came before that time is not in the backlog.
   */
  historyLostBefore: number | undefined;
}

const DEFINITION: ReadonlySet<PageEvent['t']> = new Set(['realm', 'module', 'memory', 'instance', 'collected', 'worker-skipped']);

export interface ContentHandle {
  message(msg: unknown): void;
  disconnected(): void;
}

export interface PanelHandle {
  message(msg: unknown): void;
  disconnected(): void;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export interface HostHandle {
  message(msg: unknown): void;
  disconnected(): void;
}

/** The background analyzer host: subscribed to every tab, present and future. */
interface HostConn {
  ep: Endpoint<BackgroundToHost>;
  /** Its subscription in each tab (a panel connection bound to that tab). */
  perTab: Map<number, PanelConn>;
  subscribed: boolean;
}

export class Router {
  private readonly tabs = new Map<number, TabState>();
  private readonly hosts = new Set<HostConn>();
  private readonly opts: RouterOptions;

  constructor(opts: Partial<RouterOptions> = {}) {
    this.opts = { ...DEFAULT_ROUTER_OPTIONS, ...opts };
  }

  /** For tests and diagnostics. */
  stats(tabId: number): {
    session: string;
    backlog: number;
    backlogBytes: number;
    evicted: number;
    frames: number;
    panels: number;
    nextSeq: number;
  } | null {
    const t = this.tabs.get(tabId);
    if (!t) return null;
    return {
      session: t.session,
      backlog: t.definitions.size + t.recent.size,
      backlogBytes: t.definitions.bytes + t.recent.bytes,
      evicted: t.definitions.evicted + t.recent.evicted,
      frames: t.frames.size,
      panels: t.panels.size,
      nextSeq: t.nextSeq,
    };
  }

  private tab(tabId: number): TabState {
    let t = this.tabs.get(tabId);
    if (!t) {
      t = {
        session: this.opts.newId(),
        url: '',
        doc: undefined,
        frames: new Map(),
        panels: new Set(),
        definitions: new Lane(this.opts.maxDefinitionBytes),
        recent: new Lane(this.opts.maxRecentBytes),
        nextSeq: 0,
        droppedGone: 0,
        historyLostBefore: undefined,
      };
      this.tabs.set(tabId, t);
      for (const h of this.hosts) if (h.subscribed) this.hostJoin(h, tabId, undefined);
    }
    return t;
  }

  private dropped(t: TabState): number {
    let n = t.droppedGone;
    for (const f of t.frames.values()) n += f.dropped;
    return n;
  }

  private toPanels(t: TabState, msg: BackgroundToPanel): void {
    for (const p of t.panels) this.safeSend(p.ep, msg);
  }

  private safeSend<T>(ep: Endpoint<T>, msg: T): void {
    try {
      ep.send(msg);
    } catch (e) {
      // A port that died between its disconnect and our send: its onDisconnect cleans up.
      console.debug('[wasm-memory] send failed', e);
    }
  }

  private newSession(t: TabState): void {
    t.session = this.opts.newId();
    t.definitions = new Lane(this.opts.maxDefinitionBytes);
    t.recent = new Lane(this.opts.maxRecentBytes);
    t.nextSeq = 0;
    t.droppedGone = 0;
    t.historyLostBefore = undefined;
    for (const f of t.frames.values()) {
      f.dropped = 0;
      f.refused = 0;
    }
  }

  private store(t: TabState, events: PageEvent[]): number {
    const first = t.nextSeq;
    for (const ev of events) {
      const s: Stored = { seq: t.nextSeq++, ev, bytes: plainEventBytes(ev) };
      if (DEFINITION.has(ev.t)) {
        t.definitions.push(s);
      } else {
        t.recent.push(s);
      }
    }
    return first;
  }

  /** Backlog events with seq >= from, merged in sequence order. */
  private backlogFrom(t: TabState, from: number): Stored[] {
    const out: Stored[] = [];
    const d = t.definitions.items;
    const r = t.recent.items;
    let i = lowerBound(d, t.definitions.start, from);
    let j = lowerBound(r, t.recent.start, from);
    while (i < d.length || j < r.length) {
      const a = d[i];
      const b = r[j];
      if (a && (!b || a.seq < b.seq)) {
        out.push(a);
        i++;
      } else if (b) {
        out.push(b);
        j++;
      }
    }
    return out;
  }

  connectContent(ep: Endpoint<BackgroundToContent>, tabId: number, frameId: number): ContentHandle {
    const t = this.tab(tabId);
    const old = t.frames.get(frameId);
    if (old) {
      t.droppedGone += old.dropped;
      t.frames.delete(frameId);
      old.ep.close();
      this.frameGone(t, tabId, frameId, old);
    }
    const conn: FrameConn = { ep, doc: undefined, dropped: 0, refused: 0, versionOk: false, live: new Set() };
    t.frames.set(frameId, conn);
    let gone = false;
    return {
      message: (msg: unknown) => {
        if (gone || !isRecord(msg)) return;
        const cur = this.tabs.get(tabId);
        if (!cur || cur.frames.get(frameId) !== conn) return;
        if (msg.kind === 'hello') this.onHello(cur, conn, tabId, frameId, msg);
        else if (msg.kind === 'batch' && conn.versionOk) this.onBatch(cur, conn, tabId, msg);
      },
      disconnected: () => {
        if (gone) return;
        gone = true;
        const cur = this.tabs.get(tabId);
        if (cur && cur.frames.get(frameId) === conn) {
          cur.frames.delete(frameId);
          cur.droppedGone += conn.dropped;
          this.frameGone(cur, tabId, frameId, conn);
        }
      },
    };
  }

  private onHello(t: TabState, conn: FrameConn, tabId: number, frameId: number, msg: Record<string, unknown>): void {
    if (msg.v !== PROTOCOL_VERSION) {
      const got = typeof msg.v === 'number' ? msg.v : -1;
      this.toPanels(t, { kind: 'version-mismatch', v: PROTOCOL_VERSION, expected: PROTOCOL_VERSION, got });
      return;
    }
    conn.versionOk = true;
    const doc = typeof msg.doc === 'string' ? msg.doc.slice(0, 64) : undefined;
    conn.doc = doc;
    if (frameId !== 0) return;
    const url = typeof msg.url === 'string' ? msg.url.slice(0, 2048) : '';
    if (doc !== undefined && doc === t.doc) {
      t.url = url;
      return; // the same document reconnecting
    }
    // A new top document. If we knew the previous one, its session is over; if we did not
    // (first load, or this worker just started), keep what arrived meanwhile.
    const known = t.doc !== undefined;
    if (known || doc === undefined) this.newSession(t);
    t.doc = doc;
    t.url = url;
    // A document this worker never saw whose content script was connected before: to the
    // previous worker, which is gone with what it had.
    const lostAt = msg.lostAt;
    if (!known && doc !== undefined && typeof lostAt === 'number' && Number.isFinite(lostAt) && lostAt > 0) {
      t.historyLostBefore = Math.min(lostAt, this.opts.now());
    }
    const nav: BackgroundToPanel = { kind: 'navigated', v: PROTOCOL_VERSION, tabId, url, session: t.session };
    if (doc !== undefined) nav.doc = doc;
    if (t.historyLostBefore !== undefined) nav.historyLostBefore = t.historyLostBefore;
    this.toPanels(t, nav);
  }

  private onBatch(t: TabState, conn: FrameConn, tabId: number, msg: unknown): void {
    const b = validateBatch(msg);
    if (!b) return;
    conn.refused += b.rejected;
    conn.dropped = b.dropped + conn.refused;
    if (b.events.length === 0 && b.rejected === 0) return;
    for (const ev of b.events) {
      if (ev.t === 'memory' && conn.live.size < MAX_FRAME_MEMORIES) conn.live.add(ev.key);
      else if (ev.t === 'collected') conn.live.delete(ev.key);
    }
    this.deliver(t, tabId, b.events);
  }

  /**
   * A subframe's document is gone (the frame was removed, reloaded or navigated away): so are
   * its memories. The page cannot say so any more; we do, as `collected` events stamped now.
   * (Frame 0 going away is a navigation or a closed tab, handled as such.)
   */
  private frameGone(t: TabState, tabId: number, frameId: number, conn: FrameConn): void {
    if (frameId === 0 || conn.live.size === 0) return;
    const time = this.opts.now();
    const events: PageEvent[] = [...conn.live].map((key) => ({ t: 'collected', time, key }));
    conn.live.clear();
    this.deliver(t, tabId, events);
  }

  /** Store events in the tab's backlog and send them to its panels (in messages of at most
   *  maxPerMessage events and maxMessageBytes). */
  private deliver(t: TabState, tabId: number, events: PageEvent[]): void {
    let seq = this.store(t, events);
    if (t.panels.size === 0 || events.length === 0) return;
    const dropped = this.dropped(t);
    for (const run of splitByBytes(events, this.opts.maxPerMessage, this.opts.maxMessageBytes, plainEventBytes)) {
      this.toPanels(t, { kind: 'events', v: PROTOCOL_VERSION, tabId, events: run, dropped, session: t.session, seq });
      seq += run.length;
    }
  }

  connectPanel(ep: Endpoint<BackgroundToPanel>): PanelHandle {
    const conn: PanelConn = { ep, tabId: null };
    let gone = false;
    const leave = () => {
      if (conn.tabId === null) return;
      this.tabs.get(conn.tabId)?.panels.delete(conn);
      conn.tabId = null;
    };
    return {
      message: (msg: unknown) => {
        if (gone || !isRecord(msg)) return;
        if (msg.v !== PROTOCOL_VERSION) {
          const got = typeof msg.v === 'number' ? msg.v : -1;
          this.safeSend(ep, { kind: 'version-mismatch', v: PROTOCOL_VERSION, expected: PROTOCOL_VERSION, got });
          return;
        }
        const tabId = msg.tabId;
        if (typeof tabId !== 'number' || !Number.isInteger(tabId) || tabId < 0) return;
        if (msg.kind === 'subscribe') {
          leave();
          this.subscribe(conn, tabId, msg.resume);
        } else if (msg.kind === 'mark' && typeof msg.label === 'string') {
          const top = this.tabs.get(tabId)?.frames.get(0);
          if (top) this.safeSend(top.ep, { kind: 'mark', v: PROTOCOL_VERSION, label: msg.label.slice(0, 512) });
        }
      },
      disconnected: () => {
        gone = true;
        leave();
      },
    };
  }

  private subscribe(conn: PanelConn, tabId: number, resume: unknown): void {
    const t = this.tab(tabId);
    conn.tabId = tabId;
    t.panels.add(conn);
    const welcome: BackgroundToPanel = { kind: 'welcome', v: PROTOCOL_VERSION, tabId, session: t.session };
    if (t.doc !== undefined) welcome.doc = t.doc;
    if (t.url !== '') welcome.url = t.url;
    if (t.historyLostBefore !== undefined) welcome.historyLostBefore = t.historyLostBefore;
    this.safeSend(conn.ep, welcome);
    let from = 0;
    if (isRecord(resume) && resume.session === t.session && typeof resume.seq === 'number' && resume.seq >= 0) {
      from = resume.seq;
    }
    const backlog = this.backlogFrom(t, from);
    const dropped = this.dropped(t);
    for (const chunk of splitByBytes(backlog, this.opts.maxPerMessage, this.opts.maxMessageBytes, storedBytes)) {
      // The backlog may have holes (evicted samples): send runs of consecutive seqs.
      let runStart = 0;
      for (let k = 1; k <= chunk.length; k++) {
        const prev = chunk[k - 1];
        const cur = chunk[k];
        if (k === chunk.length || !cur || !prev || cur.seq !== prev.seq + 1) {
          const run = chunk.slice(runStart, k);
          const first = run[0];
          if (first) {
            this.safeSend(conn.ep, {
              kind: 'events',
              v: PROTOCOL_VERSION,
              tabId,
              events: run.map((s) => s.ev),
              dropped,
              session: t.session,
              seq: first.seq,
            });
          }
          runStart = k;
        }
      }
    }
  }

  /**
   * The analyzer host (src/background/host/) connects: after its `subscribe-all` it receives
   * every tab's messages as a panel of that tab would (welcome, backlog from its resume point,
   * events, navigated), and `tab-removed`.
   */
  connectHost(ep: Endpoint<BackgroundToHost>): HostHandle {
    const h: HostConn = { ep, perTab: new Map(), subscribed: false };
    this.hosts.add(h);
    let gone = false;
    return {
      message: (msg: unknown) => {
        if (gone || !isRecord(msg) || msg.v !== PROTOCOL_VERSION || msg.kind !== 'subscribe-all' || h.subscribed) return;
        h.subscribed = true;
        const resume = new Map<number, unknown>();
        if (Array.isArray(msg.resume)) {
          for (const r of msg.resume) if (isRecord(r) && typeof r.tabId === 'number') resume.set(r.tabId, r);
        }
        for (const tabId of this.tabs.keys()) this.hostJoin(h, tabId, resume.get(tabId));
      },
      disconnected: () => {
        if (gone) return;
        gone = true;
        this.hosts.delete(h);
        for (const [tabId, conn] of h.perTab) this.tabs.get(tabId)?.panels.delete(conn);
        h.perTab.clear();
      },
    };
  }

  /** New budgets / warning levels for the analyzer host(s). */
  configureHosts(config: AnalyzerConfig): void {
    for (const h of this.hosts) this.safeSend(h.ep, { kind: 'configure', v: PROTOCOL_VERSION, config });
  }

  private hostJoin(h: HostConn, tabId: number, resume: unknown): void {
    if (h.perTab.has(tabId)) return;
    // BackgroundToPanel is part of BackgroundToHost.
    const conn: PanelConn = { ep: h.ep, tabId };
    h.perTab.set(tabId, conn);
    this.subscribe(conn, tabId, resume);
  }

  /** The tab was closed: forget it. */
  tabRemoved(tabId: number): void {
    const hostConns = new Set<PanelConn>();
    for (const h of this.hosts) {
      const conn = h.perTab.get(tabId);
      if (conn === undefined) continue;
      hostConns.add(conn);
      h.perTab.delete(tabId);
      this.safeSend(h.ep, { kind: 'tab-removed', v: PROTOCOL_VERSION, tabId });
    }
    const t = this.tabs.get(tabId);
    if (!t) return;
    for (const f of t.frames.values()) f.ep.close();
    // Panels stay connected (what they recorded stays theirs) and are told the tab is gone.
    for (const p of t.panels) if (!hostConns.has(p)) this.safeSend(p.ep, { kind: 'tab-closed', v: PROTOCOL_VERSION, tabId });
    this.tabs.delete(tabId);
  }
}

/**
 * A FIFO of stored events bounded by their estimated bytes: evicts the oldest (counted in
 * `evicted`; a panel sees the hole as a sequence gap), compacts now and then (amortised O(1)).
 */
export class Lane {
  /** Evicted entries are cleared (undefined) until the next compaction. */
  items: Array<Stored | undefined> = [];
  /** Index of the oldest live entry. */
  start = 0;
  /** Estimated bytes of the live entries. */
  bytes = 0;
  /** Entries evicted so far. */
  evicted = 0;
  constructor(private readonly maxBytes: number) {}
  get size(): number {
    return this.items.length - this.start;
  }
  push(s: Stored): void {
    this.items.push(s);
    this.bytes += s.bytes;
    // Keep at least the newest entry, however large.
    while (this.bytes > this.maxBytes && this.items.length - this.start > 1) {
      const old = this.items[this.start];
      this.items[this.start] = undefined;
      this.start++;
      this.evicted++;
      this.bytes -= old ? old.bytes : 0;
    }
    if (this.start > 1024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }
}

function lowerBound(a: ReadonlyArray<Stored | undefined>, start: number, seq: number): number {
  let lo = start;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = a[mid];
    if (m && m.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
