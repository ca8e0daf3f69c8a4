/**
 * The panel's runtime Port to the service worker: subscribe to a tab, resubscribe (with a
 * resume point) whenever the port drops, e.g. because Chrome stopped the worker.
 * Pure: the port comes from `deps.connect`, so it is unit-tested with fakes.
 */
import { PROTOCOL_VERSION, type BackgroundToPanel, type PanelToBackground } from '../shared/protocol';

export interface PanelPortLike {
  postMessage(msg: PanelToBackground): void;
  onMessage(cb: (msg: unknown) => void): void;
  onDisconnect(cb: () => void): void;
}

export interface ConnectionDeps {
  connect(): PanelPortLike;
  schedule(fn: () => void, ms: number): void;
  log(msg: string, err?: unknown): void;
}

export type LinkState = 'connected' | 'disconnected';

/** Marks queued while the port is down, at most. */
const MAX_PENDING_MARKS = 100;

export class PanelConnection {
  private port: PanelPortLike | null = null;
  private backoff = 20;
  private pending = false;
  private marks: string[] = [];
  state: LinkState = 'disconnected';

  constructor(
    private readonly deps: ConnectionDeps,
    private readonly tabId: number,
    private readonly resume: () => { session: string; seq: number } | undefined,
    private readonly onMessage: (msg: BackgroundToPanel) => void,
    private readonly onState: (s: LinkState) => void,
  ) {}

  start(): void {
    this.connect();
  }

  mark(label: string): void {
    if (this.port) {
      try {
        this.port.postMessage({ kind: 'mark', v: PROTOCOL_VERSION, tabId: this.tabId, label });
        return;
      } catch (e) {
        this.deps.log('mark send failed; will resend after reconnecting', e);
        this.lost();
      }
    }
    if (this.marks.length < MAX_PENDING_MARKS) this.marks.push(label);
  }

  private connect(): void {
    let port: PanelPortLike;
    try {
      port = this.deps.connect();
    } catch (e) {
      this.deps.log('connect failed', e);
      this.retry();
      return;
    }
    this.port = port;
    port.onDisconnect(() => {
      if (this.port === port) this.lost();
    });
    port.onMessage((msg) => {
      if (this.port !== port || typeof msg !== 'object' || msg === null) return;
      // From our own service worker: typed by protocol.ts.
      this.onMessage(msg as BackgroundToPanel);
    });
    try {
      const sub: PanelToBackground = { kind: 'subscribe', v: PROTOCOL_VERSION, tabId: this.tabId };
      const r = this.resume();
      if (r) sub.resume = r;
      port.postMessage(sub);
    } catch (e) {
      this.deps.log('subscribe failed', e);
      this.lost();
      return;
    }
    this.backoff = 20;
    this.setState('connected');
    const marks = this.marks;
    this.marks = [];
    for (const m of marks) this.mark(m);
  }

  private lost(): void {
    this.port = null;
    this.setState('disconnected');
    this.retry();
  }

  private retry(): void {
    if (this.pending) return;
    this.pending = true;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 2000);
    this.deps.schedule(() => {
      this.pending = false;
      this.connect();
    }, wait);
  }

  private setState(s: LinkState): void {
    if (s === this.state) return;
    this.state = s;
    this.onState(s);
  }
}
