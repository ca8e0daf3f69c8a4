/**
 * The page end of the page <-> content-script handshake, and the worker <-> parent private
 * channel. Transport only: batching and bounds are EventQueue's (queue.ts).
 *
 * Window realm (see src/shared/protocol.ts and the cross-team contract):
 *   post {source: PAGE_SOURCE, kind: 'connect', v} with a fresh MessageChannel's port2, at
 *   start-up and again on every {source: CONTENT_SOURCE, kind: 'ready', v} from this window
 *   until the first ack, then on every REHANDSHAKE_EVENT (at most once a second); the
 *   {kind: 'ack', v, settings?} on the latest port connects the queue to it, after its settings
 *   (validated: malformed ones are ignored) went to `onSettings` and its `policies` (the verdict on
 *   worker bootstraps, validated) to `onWorkerPolicy`; on the connected port,
 *   {kind: 'mark', v, label} becomes a `mark` event on the page's clock and {kind: 'ping', v}
 *   is answered {kind: 'pong', v}.
 *
 * Worker realm: the parent's core posts {[WORKER_PORT_TAG]: token} with a port as the very first
 * message to the worker; we take it (stopImmediatePropagation: the worker's code never sees it)
 * and send our batches on it. The parent forwards them on its own port (`acceptWorkerPort`).
 */
import {
  CONTENT_SOURCE,
  REHANDSHAKE_EVENT,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  WORKER_SILENT_MS,
  type LinkEvent,
  type PageBatchMessage,
  type PageEvent,
  type PageSettings,
  type WorkerPolicyVerdict,
} from '../../shared/protocol';
import { parsePageSettings } from '../../shared/page-settings';
import { parseWorkerPolicyVerdict } from '../../shared/worker-policy';
import { ArrayIsArray, call, getOwnPropertyDescriptor, savedGetter, sequence } from './intrinsics';
import { LiveKeys } from './live';
import type { EventQueue } from './queue';

export const WORKER_PORT_TAG = '__wasmMemoryPort';

type AnyFn = (...args: unknown[]) => unknown;

/** DOM originals used by the channel, saved at start-up. */
export interface DomOriginals {
  MessageChannel: typeof MessageChannel;
  port1: AnyFn;
  port2: AnyFn;
  portPost: AnyFn;
  portStart: AnyFn;
  addListener: AnyFn;
  removeListener: AnyFn;
  stopImmediate: AnyFn;
  data: AnyFn;
  source: AnyFn | undefined;
  ports: AnyFn;
  globalPost: AnyFn | undefined;
}

export function saveDomOriginals(g: typeof globalThis): DomOriginals | null {
  const MC = g.MessageChannel;
  const ET = g.EventTarget;
  const ME = g.MessageEvent;
  const MP = g.MessagePort;
  if (!MC || !ET || !ME || !MP) return null;
  const get = (proto: object, k: string) => savedGetter(proto, k) as AnyFn | undefined;
  const port1 = get(MC.prototype, 'port1');
  const port2 = get(MC.prototype, 'port2');
  const data = get(ME.prototype, 'data');
  const ports = get(ME.prototype, 'ports');
  if (!port1 || !port2 || !data || !ports) return null;
  const gp = getOwnPropertyDescriptor(g, 'postMessage');
  return {
    MessageChannel: MC,
    port1,
    port2,
    portPost: MP.prototype.postMessage as AnyFn,
    portStart: MP.prototype.start as AnyFn,
    addListener: ET.prototype.addEventListener as AnyFn,
    removeListener: ET.prototype.removeEventListener as AnyFn,
    stopImmediate: g.Event.prototype.stopImmediatePropagation as AnyFn,
    data,
    source: get(ME.prototype, 'source'),
    ports,
    globalPost: typeof gp?.value === 'function' ? (gp.value as AnyFn) : undefined,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function portSink(dom: DomOriginals, port: MessagePort, onPostError: (e: unknown) => void) {
  return (message: PageBatchMessage): boolean => {
    try {
      call(dom.portPost, port, message);
      return true;
    } catch (e) {
      onPostError(e); // e.g. DataCloneError from an uncloneable tracker event
      return false;
    }
  };
}

export interface WindowChannelDeps {
  g: typeof globalThis;
  dom: DomOriginals;
  queue: EventQueue;
  now(): number;
  fail(where: string, e: unknown): void;
  /**
   * Runs before a mark from the panel is queued (window realm): a sampling tick, so the mark
   * follows the trackers' counters as they are now. Its failures are reported, never thrown.
   */
  beforeMark?: () => void;
  /** The user's page settings from the content script's `ack` (window realm), when it sent valid ones. */
  onSettings?: (settings: PageSettings) => void;
  /** The verdict of the page's response-header policies on worker bootstraps (window realm), when valid. */
  onWorkerPolicy?: (verdict: WorkerPolicyVerdict) => void;
}

/** Least time between two handshakes started by a `ready` after one was acknowledged. */
const REHANDSHAKE_MIN_MS = 1000;

/**
 * Window realm: the handshake with the content script. Returns the number of connects sent.
 *
 * The channel can die under us: the page sees the `connect` message and its port, and may close
 * or steal it. The content script notices (its pings go unanswered, see relay.ts) and fires a
 * REHANDSHAKE_EVENT on the window. Then we start a new handshake (at most once a second); the
 * queue keeps sending on the old port until the new one is acknowledged.
 */
export function startWindowChannel(d: WindowChannelDeps): { connects(): number } {
  const { g, dom, queue } = d;
  /** The port whose `ack` connected the queue (null: none yet). */
  let current: MessagePort | null = null;
  /** The port of the handshake in flight (its ack is awaited). */
  let pending: MessagePort | null = null;
  let connects = 0;
  let lastConnect = -Infinity;
  let stopListening: (() => void) | null = null;
  /** Hand a valid part of the ack to its consumer; its failures are reported, never thrown. */
  const apply = <T>(value: T | null, to: ((v: T) => void) | undefined, where: string): void => {
    if (value === null || to === undefined) return;
    try {
      to(value);
    } catch (e) {
      d.fail(where, e);
    }
  };
  const connect = () => {
    if (!dom.globalPost) return;
    const mc = new dom.MessageChannel();
    const p1 = call<MessagePort>(dom.port1, mc);
    const p2 = call<MessagePort>(dom.port2, mc);
    pending = p1;
    call(dom.addListener, p1, 'message', (ev: MessageEvent) => {
      const data = call<unknown>(dom.data, ev);
      if (!isRecord(data) || data.v !== PROTOCOL_VERSION) return;
      if (data.kind === 'ack') {
        if (pending !== p1) return; // a stale or repeated ack
        pending = null;
        current = p1;
        if (stopListening) {
          stopListening();
          stopListening = null;
        }
        apply(parsePageSettings(data.settings), d.onSettings, 'apply settings');
        apply(parseWorkerPolicyVerdict(data.policies), d.onWorkerPolicy, 'apply policies');
        queue.connect(portSink(dom, p1, (e) => d.fail('post batch', e)));
      } else if (current !== p1) {
        return; // only the connected port carries marks and pings
      } else if (data.kind === 'ping') {
        try {
          call(dom.portPost, p1, { kind: 'pong', v: PROTOCOL_VERSION });
        } catch (e) {
          d.fail('pong', e);
        }
      } else if (data.kind === 'mark' && typeof data.label === 'string') {
        if (d.beforeMark) {
          try {
            d.beforeMark();
          } catch (e) {
            d.fail('tick before mark', e);
          }
        }
        queue.push({ t: 'mark', time: d.now(), label: data.label.slice(0, LIMITS.maxString) });
      }
    });
    call(dom.portStart, p1);
    connects++;
    lastConnect = d.now();
    call(dom.globalPost, g, { source: PAGE_SOURCE, kind: 'connect', v: PROTOCOL_VERSION }, '*', sequence([p2]));
  };
  // Until the first ack, a `ready` (window message) asks for a handshake. Once connected we stop
  // listening to window messages altogether (a listener costs the page's own postMessage traffic
  // ~15% of its throughput); a dead channel is then reported by an event of type
  // REHANDSHAKE_EVENT on the window, which costs nothing until it fires.
  const onMessage = (ev: MessageEvent) => {
    const data = call<unknown>(dom.data, ev);
    if (!isRecord(data) || data.source !== CONTENT_SOURCE || data.kind !== 'ready') return;
    if (dom.source && call(dom.source, ev) !== g) return;
    connect();
  };
  call(dom.addListener, g, 'message', onMessage);
  stopListening = () => call(dom.removeListener, g, 'message', onMessage);
  call(dom.addListener, g, REHANDSHAKE_EVENT, () => {
    if (current === null || d.now() - lastConnect < REHANDSHAKE_MIN_MS) return;
    connect();
  });
  connect();
  return { connects: () => connects };
}

/** Worker realm: wait for the parent's private port (the first tagged message). */
export function startWorkerChannel(d: WindowChannelDeps & { token: string }): void {
  const { g, dom, queue } = d;
  const listener = (ev: MessageEvent) => {
    const data = call<unknown>(dom.data, ev);
    if (!isRecord(data) || data[WORKER_PORT_TAG] !== d.token) return;
    const port = call<readonly MessagePort[]>(dom.ports, ev)[0];
    if (!port) return;
    call(dom.stopImmediate, ev);
    call(dom.removeListener, g, 'message', listener, true);
    queue.connect(portSink(dom, port, (e) => d.fail('post worker batch', e)));
  };
  call(dom.addListener, g, 'message', listener, true);
}

/** The parent's end of one worker's channel. */
export interface WorkerLink {
  /** The worker was terminated: everything it still had is gone. */
  ended(): void;
  /** On each tick: a worker with live memories that said nothing for WORKER_SILENT_MS is called
   *  silent (a `link` event); false once the worker ended (drop this link). */
  check(time: number): boolean;
}

/**
 * Parent realm: take a worker's batches from `port` and forward them on our own queue; `url` is
 * the worker's script (for its `link` events).
 */
export function acceptWorkerPort(dom: DomOriginals, port: MessagePort, queue: EventQueue, now: () => number, url: string): WorkerLink {
  let lastDropped = 0;
  let ended = false;
  let lastHeard = now();
  let silent = false;
  const live = new LiveKeys();
  call(dom.addListener, port, 'message', (ev: MessageEvent) => {
    if (ended) return;
    const data = call<unknown>(dom.data, ev);
    if (!isRecord(data) || data.kind !== 'batch' || data.v !== PROTOCOL_VERSION || !ArrayIsArray(data.events)) return;
    lastHeard = now();
    if (silent) {
      silent = false;
      const back: LinkEvent = { t: 'link', time: lastHeard, state: 'resumed', url, worker: true };
      queue.push(back);
    }
    const events = data.events as unknown[];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!isRecord(e) || typeof e.t !== 'string') continue;
      const event = e as unknown as PageEvent;
      live.note(event);
      queue.push(event);
    }
    const dropped = data.dropped;
    if (typeof dropped === 'number' && dropped > lastDropped) {
      queue.addDropped(dropped - lastDropped);
      lastDropped = dropped;
    }
  });
  call(dom.portStart, port);
  return {
    ended() {
      if (ended) return;
      ended = true;
      const collected = live.drain(now());
      for (let i = 0; i < collected.length; i++) queue.push(collected[i]!);
    },
    check(time) {
      if (ended) return false;
      if (!silent && live.hasMemory() && time - lastHeard >= WORKER_SILENT_MS) {
        silent = true;
        const quiet: LinkEvent = { t: 'link', time: lastHeard, state: 'silent', url, worker: true };
        queue.push(quiet);
      }
      return true;
    },
  };
}
