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
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type ContentAck,
  type ContentToBackground,
  type PageSettings,
  type ContentToPage,
  type PageEvent,
} from '../shared/protocol';
import { PageErrorLimit, validateBatch } from '../shared/validate';

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
  /** Random id of this document (this content-script instance). */
  doc: string;
  /** The user's settings for the page (chrome.storage.local), sent with the `ack`. */
  settings?: PageSettings;
  log(msg: string, err?: unknown): void;
}

export interface RelayOptions {
  /** Most events waiting while the port is down; beyond it events are counted as dropped. */
  maxQueue: number;
  /** Most definition events remembered for a replay after a reconnect. */
  maxDefinitions: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = {
  maxQueue: 20_000,
  maxDefinitions: 5_000,
  minBackoffMs: 20,
  maxBackoffMs: 5_000,
};

/** Events that define what later events refer to; re-sent after a worker restart. */
export const DEFINITION_TYPES: ReadonlySet<PageEvent['t']> = new Set(['realm', 'module', 'memory', 'instance', 'collected']);

export class ContentRelay {
  private port: RuntimePortLike | null = null;
  private pagePort: PagePortLike | null = null;
  private queue: PageEvent[] = [];
  /**
   * Definition events (realm/module/memory/instance/collected) already sent, bounded. After a
   * reconnect (the worker restarted and lost its backlog) they are sent again, so a panel
   * opened later still learns what the samples are about. Panels drop the duplicates.
   */
  private definitions: PageEvent[] = [];
  private everConnected = false;
  /** Cumulative page-side drop count as last reported by the page. */
  private pageDropped = 0;
  /** Events refused here (malformed, or beyond a batch's cap, or the queue's). */
  private refused = 0;
  /** Per-realm cap on page-error events (the page side keeps it too; a page may not). */
  private readonly errorLimit = new PageErrorLimit();
  private backoff: number;
  private reconnectPending = false;
  private stopped = false;
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
    this.connectRuntime();
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

  get droppedTotal(): number {
    return this.pageDropped + this.refused;
  }

  /**
   * A window `message` event. `fromSelf` is `event.source === window`. Returns true if it
   * was our handshake and was accepted.
   */
  onWindowMessage(fromSelf: boolean, data: unknown, port: PagePortLike | undefined): boolean {
    if (!fromSelf || this.pagePort !== null || port === undefined) return false;
    if (typeof data !== 'object' || data === null) return false;
    const d = data as Record<string, unknown>;
    if (d.source !== PAGE_SOURCE || d.kind !== 'connect') return false;
    if (d.v !== PROTOCOL_VERSION) {
      this.deps.log(`page speaks protocol ${String(d.v)}, we speak ${PROTOCOL_VERSION}: ignored`);
      return false;
    }
    this.pagePort = port;
    port.listen((data) => this.onPageMessage(data));
    port.postMessage(
      this.deps.settings ? { kind: 'ack', v: PROTOCOL_VERSION, settings: { ...this.deps.settings } } : { kind: 'ack', v: PROTOCOL_VERSION },
    );
    return true;
  }

  /** A message on the page's MessagePort: untrusted. */
  onPageMessage(data: unknown): void {
    const b = validateBatch(data, this.errorLimit);
    if (!b) {
      this.refused++;
      return;
    }
    this.pageDropped = b.dropped;
    this.refused += b.rejected;
    this.enqueue(b.events);
    this.flush();
  }

  private enqueue(events: PageEvent[]): void {
    const room = this.opts.maxQueue - this.queue.length;
    if (events.length > room) {
      this.refused += events.length - Math.max(room, 0);
      events = events.slice(0, Math.max(room, 0));
    }
    for (const ev of events) this.queue.push(ev);
  }

  /** Send the queue in batches of at most LIMITS.maxBatch (the worker refuses larger ones). */
  private flush(): void {
    while (this.port && this.queue.length > 0) {
      const events = this.queue.slice(0, LIMITS.maxBatch);
      try {
        this.port.postMessage({ kind: 'batch', v: PROTOCOL_VERSION, events, dropped: this.droppedTotal });
      } catch (e) {
        // The port died under us (worker stopped): keep the events and reconnect.
        this.deps.log('port send failed; reconnecting', e);
        this.portLost();
        return;
      }
      this.queue = this.queue.length === events.length ? [] : this.queue.slice(events.length);
      this.remember(events);
    }
  }

  private remember(events: readonly PageEvent[]): void {
    for (const ev of events) {
      if (DEFINITION_TYPES.has(ev.t) && this.definitions.length < this.opts.maxDefinitions) this.definitions.push(ev);
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
      port.postMessage({ kind: 'hello', v: PROTOCOL_VERSION, url: this.deps.url(), doc: this.deps.doc });
      if (this.everConnected && this.definitions.length > 0) {
        for (let i = 0; i < this.definitions.length; i += LIMITS.maxBatch) {
          const events = this.definitions.slice(i, i + LIMITS.maxBatch);
          port.postMessage({ kind: 'batch', v: PROTOCOL_VERSION, events, dropped: this.droppedTotal });
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

  /** From the service worker: a mark typed in the panel. */
  onBackgroundMessage(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
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
