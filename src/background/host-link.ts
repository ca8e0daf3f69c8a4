/**
 * The service worker's side of the line to the analyzer host (src/background/host/): pure, the
 * port, the channel and the timers are given, so host-link.test.ts tests it with fakes.
 *
 * Messages are coalesced into one `host-batch` per HOST_BATCH_MS. Each port message costs a
 * serialization and a hop between processes' threads (measured by bench/background.mjs: per
 * message, not per event), and the badge needs no faster update. What waits is bounded: past
 * BUFFER_BYTES.hostPending it is sent at once. Each message is serialised once, when it
 * arrives; its text is both what is counted and what is sent.
 *
 * The batches go over the direct line to the host's Worker (tab-status.ts HostChannel) when the
 * offscreen document offers one, so they never cross the extension's main thread, which the
 * DevTools panel shares; else over the runtime port. The route is chosen once per connection:
 * batches never take two routes and overtake each other (the host would count a sequence gap
 * as events lost).
 */
import { BUFFER_BYTES, EVENT_OVERHEAD_BYTES } from '../shared/event-bytes';
import { PROTOCOL_VERSION } from '../shared/protocol';
import type { BackgroundToHost } from '../shared/tab-status';
import type { Endpoint } from './router';

export const HOST_BATCH_MS = 1000;
/** How long a new connection's batches wait for its direct line before they take the port. */
export const CHANNEL_WAIT_MS = 2000;

/** Where a batch can go: the runtime port, or the direct line (a MessagePort). */
export interface HostWire {
  postMessage(msg: BackgroundToHost): void;
}

export interface HostLinkDeps {
  port: HostWire & { disconnect(): void };
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  log(msg: string, err?: unknown): void;
}

export interface HostEndpoint extends Endpoint<BackgroundToHost> {
  /** The direct line to the host's Worker for this connection (closed and ignored once batches
   *  went over the port). */
  useChannel(channel: HostWire & { close(): void }): void;
}

export function hostEndpoint(deps: HostLinkDeps): HostEndpoint {
  let pending: string[] = [];
  let pendingBytes = 0;
  let timer: unknown = null;
  let channel: (HostWire & { close(): void }) | null = null;
  let via: 'undecided' | 'channel' | 'port' = 'undecided';
  const connectedAt = deps.now();
  const arm = (ms: number) => {
    timer = deps.setTimer(flush, ms);
  };
  function flush(): void {
    if (timer !== null) deps.clearTimer(timer);
    timer = null;
    if (pending.length === 0) return;
    if (via === 'undecided') {
      // Still bounded: a flood does not wait past a few messages' worth for the line.
      if (deps.now() - connectedAt < CHANNEL_WAIT_MS && pendingBytes < 4 * BUFFER_BYTES.hostPending) {
        arm(HOST_BATCH_MS / 4);
        return;
      }
      via = 'port';
    }
    const texts = pending;
    pending = [];
    pendingBytes = 0;
    // the JSON text of the BackgroundToHost[] of these messages
    const batch: BackgroundToHost = { kind: 'host-batch', v: PROTOCOL_VERSION, json: `[${texts.join(',')}]` };
    try {
      (via === 'channel' && channel ? channel : deps.port).postMessage(batch);
    } catch (e) {
      deps.log('host send failed (its onDisconnect cleans up)', e);
    }
  }
  return {
    send: (msg) => {
      const text = JSON.stringify(msg);
      pending.push(text);
      // Bounded by bytes too: a flood goes out in messages of about BUFFER_BYTES.hostPending,
      // counted as every buffer counts events (event-bytes.ts: the text plus a fixed cost each).
      pendingBytes += text.length + (msg.kind === 'events' ? msg.events.length * EVENT_OVERHEAD_BYTES : 0);
      if (pendingBytes >= BUFFER_BYTES.hostPending) flush();
      else if (timer === null) arm(HOST_BATCH_MS);
    },
    useChannel: (ch) => {
      if (via !== 'undecided') {
        ch.close();
        return;
      }
      channel = ch;
      via = 'channel';
    },
    close: () => {
      channel?.close();
      deps.port.disconnect();
    },
  };
}

/**
 * Host channels: the MessagePort half arrives as a message to the service worker's global scope,
 * the id half on the host's runtime port, in either order. Each waits here for the other (a few
 * at most: one per connection of the one offscreen document; only the newest offer is taken).
 */
export class ChannelPairing<P extends { close(): void }> {
  private readonly ports = new Map<string, P>();
  private taker: { id: string; take: (ch: P) => void } | null = null;

  constructor(private readonly maxWaiting = 4) {}

  /** The MessagePort half of offer `id` arrived. */
  port(id: string, ch: P): void {
    if (this.taker?.id === id) {
      const { take } = this.taker;
      this.taker = null;
      take(ch);
      return;
    }
    this.ports.set(id, ch);
    for (const [old, p] of this.ports) {
      if (this.ports.size <= this.maxWaiting) break;
      p.close();
      this.ports.delete(old);
    }
  }

  /** The id half of offer `id` arrived on a connection, which takes the port. */
  offer(id: string, take: (ch: P) => void): void {
    const ch = this.ports.get(id);
    if (ch) {
      this.ports.delete(id);
      take(ch);
      return;
    }
    this.taker = { id, take };
  }
}
