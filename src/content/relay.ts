/**
 * The content script's logic (ISOLATED world), free of `chrome.*` and of the DOM so it runs
 * under vitest (relay.test.ts). index.iife.ts wires it to `window` and a runtime Port.
 *
 * Page side (contract 1): at start-up we post `ready`; the injected script answers with a
 * `connect` message carrying a MessagePort. We take the FIRST such port only, ack it, and
 * from then on receive `PageBatchMessage`s on it. The page can forge anything, so every
 * batch is validated and bounded (validateBatch) before it goes further.
 *
 * Extension side: a runtime Port named PORT_CONTENT to the service worker. While it is down
 * (the worker was stopped) events wait in a bounded queue; the port is reconnected with a
 * short back-off, which restarts the worker, and the queue is flushed.
 */
import {
  CONTENT_SOURCE,
  LIMITS,
  LINK_SILENT_MS,
  LINK_UNREACHABLE_MS,
  type LinkState,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type ContentAck,
  type ContentToBackground,
  type PageSettings,
  type ContentToPage,
  type PageEvent,
  type WorkerPolicyVerdict,
} from '../shared/protocol';
import { PageErrorLimit, validateBatch } from '../shared/validate';
import { BUFFER_BYTES } from '../shared/event-bytes';
import { plainEventBytes, splitByBytes } from '../shared/event-batches';
import { parseWorkerPolicyVerdict } from '../shared/worker-policy';

/** What we use of a runtime Port. */
export interface RuntimePortLike {
  postMessage(msg: ContentToBackground): void;
  disconnect(): void;
  onMessage(cb: (msg: unknown) => void): void;
  onDisconnect(cb: () => void): void;
}

/** What we use of a MessagePort from the page. */
export interface PagePortLike {
  postMessage(msg: ContentToPage | ContentAck): void;
  /** Receive the page's messages (starts the port). */
  listen(cb: (data: unknown) => void): void;
}

export interface RelayDeps {
  /** Open a runtime Port to the service worker; throws if the extension context is gone. */
  connect(): RuntimePortLike;
  /** False once the extension was reloaded or removed: stop trying. */
  alive(): boolean;
  /** The page clock (performance.timeOrigin + performance.now()). */
  now(): number;
  schedule(fn: () => void, ms: number): void;
  url(): string;
  /**
   * The document's URL when this content script started (read synchronously at document_start:
   * a parent's document.open() on an about:blank frame changes it later). Absent: url() at start.
   */
  startUrl?: string;
  /** This document is a frame's, not the tab's top document. */
  frame?: boolean;
  /** Random id of this document (this content-script instance). */
  doc: string;
  /** The user's settings for the page (chrome.storage.local), sent with the `ack`. */
  settings?: PageSettings;
  /** Ask the page side for a new handshake (a REHANDSHAKE_EVENT on the window, see channel.ts). */
  requestConnect?: () => void;
  /**
   * Listen to window messages (for a `connect`) or stop: called whenever `acceptsConnect`
   * changes, and once at start. A listener costs the page's own postMessage traffic (~15% of
   * its throughput), so there is none while the channel is healthy.
   */
  listenForConnect?: (on: boolean) => void;
  log(msg: string, err?: unknown): void;
}

export interface RelayOptions {
  /** Most estimated bytes of events waiting while the port is down (src/shared/event-bytes.ts);
   *  beyond it the newest events are refused and counted as dropped. */
  maxQueueBytes: number;
  /** Most estimated bytes of definition events remembered for a replay after a reconnect. */
  maxDefinitionBytes: number;
  /** Most estimated bytes in one batch to the worker (and at most LIMITS.maxBatch events). */
  maxBatchBytes: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Quiet time before the page side is pinged, and then before it is called silent. */
  silentMs: number;
  /** Least handshakes that may replace a dead channel per minute (a page could churn them). */
  maxReconnectsPerMinute: number;
  /** Time from start() after which a page side that never connected is `unreachable`. */
  unreachableMs: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = {
  maxQueueBytes: BUFFER_BYTES.contentQueue,
  maxDefinitionBytes: BUFFER_BYTES.contentDefinitions,
  maxBatchBytes: BUFFER_BYTES.message,
  minBackoffMs: 20,
  maxBackoffMs: 5_000,
  silentMs: LINK_SILENT_MS,
  maxReconnectsPerMinute: 10,
  unreachableMs: LINK_UNREACHABLE_MS,
};

/** An event and its estimated size (src/shared/event-bytes.ts), computed once. */
interface Sized {
  ev: PageEvent;
  bytes: number;
}
const sizeOf = (s: Sized): number => s.bytes;
const eventOf = (s: Sized): PageEvent => s.ev;

/** Events that define what later events refer to, and workers not instrumented; re-sent after a worker restart. */
export const DEFINITION_TYPES: ReadonlySet<PageEvent['t']> = new Set([
  'realm',
  'module',
  'memory',
  'instance',
  'collected',
  'worker-skipped',
]);

export class ContentRelay {
  private port: RuntimePortLike | null = null;
  private pagePort: PagePortLike | null = null;
  private queue: Sized[] = [];
  private queueBytes = 0;
  /**
   * Definition events (realm/module/memory/instance/collected/worker-skipped) already sent, bounded. After a
   * reconnect (the worker restarted and lost its backlog) they are sent again, so a panel
   * opened later still learns what the samples are about. Panels drop the duplicates.
   */
  private definitions: Sized[] = [];
  private definitionBytes = 0;
  /** Definition events not remembered (the bound was reached): a replay after a worker restart
   *  lacks them. */
  definitionsNotKept = 0;
  private everConnected = false;
  /** Cumulative page-side drop count as last reported by the page. */
  private pageDropped = 0;
  /** Events refused here (malformed, or beyond a batch's cap, or the queue's). */
  private refused = 0;
  /** Per-realm cap on page-error events (the page side keeps it too; a page may not). */
  private readonly errorLimit = new PageErrorLimit();
  /** The page channel's health (see LinkEvent): when we last heard from it, a ping in flight. */
  private lastHeard = 0;
  private pingSentAt: number | null = null;
  private silent = false;
  /** A new channel replaced a silent one and has not spoken yet. */
  private unproven = false;
  private watching = false;
  private askedAt = 0;
  private askEvery = 0;
  private reconnects = 0;
  private reconnectTimes: number[] = [];
  /** Events the page side sent that arrived here (validated or refused), and those lost on the way. */
  private received = 0;
  private lost = 0;
  private backoff: number;
  /** When the connection to the service worker last dropped (null: it never did). */
  private portLostAt: number | null = null;
  private reconnectPending = false;
  private stopped = false;
  /** The service worker's verdict on worker bootstraps for this document (the first one it sent). */
  private workerPolicy: WorkerPolicyVerdict | null = null;
  /** A page port taken while the verdict was not known: acked when it arrives. */
  private ackPending: PagePortLike | null = null;
  /** The page side never connected in time: reported `unreachable` (not visible), until it does. */
  private unreachable = false;
  private startUrl = '';
  private readonly opts: RelayOptions;

  constructor(
    private readonly deps: RelayDeps,
    opts: Partial<RelayOptions> = {},
  ) {
    this.opts = { ...DEFAULT_RELAY_OPTIONS, ...opts };
    this.backoff = this.opts.minBackoffMs;
  }

  /** The `ready` message posted to the window at start-up. */
  static readyMessage(): { source: string; kind: 'ready'; v: number } {
    return { source: CONTENT_SOURCE, kind: 'ready', v: PROTOCOL_VERSION };
  }

  start(): void {
    this.startUrl = (this.deps.startUrl ?? this.deps.url()).slice(0, LIMITS.maxString);
    this.syncListening();
    this.connectRuntime();
    this.watchFirstConnect(this.deps.now());
  }

  /**
   * The page side connects within milliseconds of our `ready` in every document where the
   * injected script runs. One that has not after `unreachableMs` is reported `unreachable`: the
   * panel lists the document as not visible (with the URL it started with) instead of showing
   * nothing. A connect after that reports it `resumed`.
   */
  private watchFirstConnect(startedAt: number): void {
    const look = () => {
      if (this.stopped || this.pagePort !== null) return;
      if (this.deps.now() - startedAt < this.opts.unreachableMs) {
        this.deps.schedule(look, this.opts.unreachableMs);
        return;
      }
      this.unreachable = true;
      this.link('unreachable', this.deps.frame ? { url: this.startUrl, frame: true } : { url: this.startUrl });
    };
    this.deps.schedule(look, this.opts.unreachableMs);
  }

  private listening: boolean | null = null;

  private syncListening(): void {
    const on = this.acceptsConnect;
    if (on === this.listening) return;
    this.listening = on;
    try {
      this.deps.listenForConnect?.(on);
    } catch (e) {
      this.deps.log('could not change the window listener', e);
    }
  }

  get pageConnected(): boolean {
    return this.pagePort !== null;
  }

  get runtimeConnected(): boolean {
    return this.port !== null;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Estimated bytes waiting in the queue. */
  get queuedBytes(): number {
    return this.queueBytes;
  }

  get droppedTotal(): number {
    return this.pageDropped + this.refused + this.lost;
  }

  /** True while a `connect` from the page would be taken: none yet, or the channel went silent. */
  get acceptsConnect(): boolean {
    return this.pagePort === null || this.silent;
  }

  /**
   * A window `message` event. `fromSelf` is `event.source === window`. Returns true if it
   * was our handshake and was accepted.
   */
  onWindowMessage(fromSelf: boolean, data: unknown, port: PagePortLike | undefined): boolean {
    if (!fromSelf || !this.acceptsConnect || port === undefined) return false;
    if (typeof data !== 'object' || data === null) return false;
    const d = data as Record<string, unknown>;
    if (d.source !== PAGE_SOURCE || d.kind !== 'connect') return false;
    if (d.v !== PROTOCOL_VERSION) {
      this.deps.log(`page speaks protocol ${String(d.v)}, we speak ${PROTOCOL_VERSION}: ignored`);
      return false;
    }
    const replacing = this.pagePort !== null;
    if (replacing) {
      const now = this.deps.now();
      this.reconnectTimes = this.reconnectTimes.filter((t) => now - t < 60_000);
      if (this.reconnectTimes.length >= this.opts.maxReconnectsPerMinute) return false;
      this.reconnectTimes.push(now);
    }
    this.pagePort = port;
    if (this.unreachable) {
      this.unreachable = false;
      this.link('resumed', this.deps.frame ? { url: this.startUrl, frame: true } : { url: this.startUrl });
    }
    port.listen((data) => {
      if (this.pagePort === port) this.onPageMessage(data);
    });
    // The ack carries the verdict on worker bootstraps: until the service worker sent it, the
    // page side waits (queueing its events) and decides its workers from its <meta> policies.
    if (this.workerPolicy !== null) this.ack(port);
    else this.ackPending = port;
    if (replacing) {
      // Still silent until the new channel proves alive: ping it now; its first word counts as
      // the reconnection (a page that closes every port it sees stays silent).
      this.unproven = true;
      this.pingSentAt = this.deps.now();
      this.ping();
    } else {
      this.heard();
    }
    this.syncListening();
    this.watch();
    return true;
  }

  /** The handshake's reply: the user's settings and the verdict on worker bootstraps. */
  private ack(port: PagePortLike): void {
    const ack: ContentAck = { kind: 'ack', v: PROTOCOL_VERSION };
    if (this.deps.settings) ack.settings = { ...this.deps.settings };
    if (this.workerPolicy !== null) ack.policies = this.workerPolicy;
    try {
      port.postMessage(ack);
    } catch (e) {
      this.deps.log('could not acknowledge the page', e);
    }
  }

  /** A message on the page's MessagePort: untrusted. */
  onPageMessage(data: unknown): void {
    if (typeof data === 'object' && data !== null && (data as Record<string, unknown>).kind === 'pong') {
      if ((data as Record<string, unknown>).v === PROTOCOL_VERSION) this.heard();
      return;
    }
    const b = validateBatch(data, this.errorLimit);
    if (!b) {
      this.refused++;
      return;
    }
    this.heard();
    // batches the page side sent that never arrived (its count is ahead of ours): a gap
    if (b.sent !== undefined && b.sent > this.received) {
      const lost = b.sent - this.received;
      this.lost += lost;
      this.received = b.sent;
      this.link('gap', { lost });
    }
    this.received += b.events.length + b.rejected;
    this.pageDropped = b.dropped;
    this.refused += b.rejected;
    this.enqueue(b.events);
    this.flush();
  }

  /** The page side spoke: it is alive. */
  private heard(): void {
    this.lastHeard = this.deps.now();
    this.pingSentAt = null;
    if (this.unproven) {
      this.unproven = false;
      this.silent = false;
      this.reconnects++;
      this.link('reconnected', { reconnects: this.reconnects });
    } else if (this.silent) {
      this.silent = false;
      this.link('resumed', {});
    }
    this.syncListening();
  }

  private ping(): void {
    try {
      this.pagePort?.postMessage({ kind: 'ping', v: PROTOCOL_VERSION });
    } catch (e) {
      this.deps.log('ping failed', e);
    }
  }

  /** A LinkEvent, stamped and sent like the page's own events. */
  private link(state: LinkState, extra: { reconnects?: number; lost?: number; url?: string; frame?: boolean }): void {
    this.enqueue([{ t: 'link', time: this.deps.now(), state, url: this.deps.url().slice(0, LIMITS.maxString), ...extra }]);
    this.flush();
  }

  /**
   * The page channel's watchdog, every `silentMs` while a page port exists: quiet for that long,
   * ping; the ping unanswered for that long, the channel is silent: say so, and ask the page side
   * for a new handshake (again with back-off, up to a minute apart, while it stays silent).
   */
  private watch(): void {
    if (this.watching || this.stopped) return;
    this.watching = true;
    const tick = () => {
      if (this.stopped || this.pagePort === null) {
        this.watching = false;
        return;
      }
      const now = this.deps.now();
      const ms = this.opts.silentMs;
      if (!this.silent) {
        if (this.pingSentAt === null) {
          if (now - this.lastHeard >= ms) {
            this.pingSentAt = now;
            this.ping();
          }
        } else if (now - this.pingSentAt >= ms) {
          this.silent = true;
          this.syncListening();
          this.link('silent', {});
          this.askEvery = ms;
          this.ask(now);
        }
      } else if (now - this.askedAt >= this.askEvery) {
        this.askEvery = Math.min(this.askEvery * 2, 60_000);
        this.ask(now);
      }
      this.deps.schedule(tick, ms);
    };
    this.deps.schedule(tick, this.opts.silentMs);
  }

  private ask(now: number): void {
    this.askedAt = now;
    try {
      this.deps.requestConnect?.();
    } catch (e) {
      this.deps.log('asking for a new handshake failed', e);
    }
  }

  /** Queue events; once the queue holds maxQueueBytes the newest are refused (counted as dropped). */
  private enqueue(events: PageEvent[]): void {
    for (const ev of events) {
      const bytes = plainEventBytes(ev);
      if (this.queueBytes + bytes > this.opts.maxQueueBytes) {
        this.refused++;
        continue;
      }
      this.queue.push({ ev, bytes });
      this.queueBytes += bytes;
    }
  }

  /** Send the queue in batches of at most LIMITS.maxBatch events (the worker refuses larger
   *  ones) and maxBatchBytes. */
  private flush(): void {
    if (!this.port || this.queue.length === 0) return;
    const runs = splitByBytes(this.queue, LIMITS.maxBatch, this.opts.maxBatchBytes, sizeOf);
    let sent = 0;
    for (const run of runs) {
      if (!this.port) break;
      try {
        this.port.postMessage({ kind: 'batch', v: PROTOCOL_VERSION, events: run.map(eventOf), dropped: this.droppedTotal });
      } catch (e) {
        // The port died under us (worker stopped): keep the events and reconnect.
        this.deps.log('port send failed; reconnecting', e);
        this.portLost();
        break;
      }
      sent += run.length;
      for (const s of run) this.queueBytes -= s.bytes;
      this.remember(run);
    }
    this.queue = sent === this.queue.length ? [] : this.queue.slice(sent);
  }

  private remember(events: readonly Sized[]): void {
    for (const s of events) {
      if (!DEFINITION_TYPES.has(s.ev.t)) continue;
      if (this.definitionBytes + s.bytes > this.opts.maxDefinitionBytes) {
        this.definitionsNotKept++;
        continue;
      }
      this.definitions.push(s);
      this.definitionBytes += s.bytes;
    }
  }

  private connectRuntime(): void {
    if (this.stopped) return;
    if (!this.deps.alive()) {
      this.stopped = true;
      return;
    }
    let port: RuntimePortLike;
    try {
      port = this.deps.connect();
    } catch (e) {
      this.deps.log('connect failed', e);
      this.scheduleReconnect();
      return;
    }
    this.port = port;
    port.onDisconnect(() => {
      if (this.port === port) this.portLost();
    });
    port.onMessage((msg) => this.onBackgroundMessage(msg));
    try {
      const hello: ContentToBackground = { kind: 'hello', v: PROTOCOL_VERSION, url: this.deps.url(), doc: this.deps.doc };
      if (this.portLostAt !== null) hello.lostAt = this.portLostAt;
      if (this.workerPolicy === null) hello.policies = true;
      port.postMessage(hello);
      if (this.everConnected && this.definitions.length > 0) {
        for (const run of splitByBytes(this.definitions, LIMITS.maxBatch, this.opts.maxBatchBytes, sizeOf)) {
          port.postMessage({ kind: 'batch', v: PROTOCOL_VERSION, events: run.map(eventOf), dropped: this.droppedTotal });
        }
      }
    } catch (e) {
      this.deps.log('hello failed', e);
      this.portLost();
      return;
    }
    this.everConnected = true;
    this.backoff = this.opts.minBackoffMs;
    this.flush();
  }

  private portLost(): void {
    this.port = null;
    if (this.everConnected) this.portLostAt = this.deps.now();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectPending || this.stopped) return;
    this.reconnectPending = true;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs);
    this.deps.schedule(() => {
      this.reconnectPending = false;
      this.connectRuntime();
    }, wait);
  }

  /**
   * From the service worker: a mark typed in the panel; the verdict of this document's response
   * headers on worker bootstraps (the first one counts: a restarted service worker no longer
   * knows it), which the page's handshake waits for (see `ack`).
   */
  onBackgroundMessage(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (m.kind === 'policies' && m.v === PROTOCOL_VERSION) {
      const verdict = parseWorkerPolicyVerdict(m.verdict);
      if (verdict === null || this.workerPolicy !== null) return;
      this.workerPolicy = verdict;
      const port = this.ackPending;
      this.ackPending = null;
      if (port !== null && port === this.pagePort) this.ack(port);
      return;
    }
    if (m.kind !== 'mark' || m.v !== PROTOCOL_VERSION || typeof m.label !== 'string') return;
    const label = m.label.slice(0, 512);
    if (this.pagePort) {
      this.pagePort.postMessage({ kind: 'mark', v: PROTOCOL_VERSION, label });
    } else {
      // No injected side (no wasm hooks on this page yet): stamp the mark with the page clock here.
      this.enqueue([{ t: 'mark', time: this.deps.now(), label }]);
      this.flush();
    }
  }
}
