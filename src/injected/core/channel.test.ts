import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTENT_SOURCE,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  WORKER_SILENT_MS,
  type PageBatchMessage,
  type PageEvent,
} from '../../shared/protocol';
import { acceptWorkerPort, startWindowChannel, startWorkerChannel, WORKER_PORT_TAG, type DomOriginals } from './channel';
import { EventQueue } from './queue';

type AnyFn = (...args: unknown[]) => unknown;

/** A window-like event target whose postMessage dispatches synchronously (enough for the handshake). */
class FakeMessage extends Event {
  constructor(
    readonly fdata: unknown,
    readonly fports: MessagePort[],
    readonly fsource: unknown,
  ) {
    super('message');
  }
}
const realData = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data')!.get!;
const realPorts = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'ports')!.get!;

function dom(): DomOriginals {
  return {
    MessageChannel,
    port1: function (this: MessageChannel) {
      return this.port1;
    } as AnyFn,
    port2: function (this: MessageChannel) {
      return this.port2;
    } as AnyFn,
    portPost: MessagePort.prototype.postMessage as AnyFn,
    portStart: MessagePort.prototype.start as AnyFn,
    addListener: EventTarget.prototype.addEventListener as AnyFn,
    removeListener: EventTarget.prototype.removeEventListener as AnyFn,
    stopImmediate: Event.prototype.stopImmediatePropagation as AnyFn,
    data: function (this: Event) {
      return this instanceof FakeMessage ? this.fdata : realData.call(this);
    } as AnyFn,
    source: function (this: Event) {
      return this instanceof FakeMessage ? this.fsource : null;
    } as AnyFn,
    ports: function (this: Event) {
      return this instanceof FakeMessage ? this.fports : realPorts.call(this);
    } as AnyFn,
    // The transfer list is a WebIDL sequence: iterated, as the browser does.
    globalPost: function (this: FakeWindow, msg: unknown, _origin: string, transfer: Iterable<MessagePort>) {
      this.posted.push({ msg, port: [...transfer][0]! });
    } as AnyFn,
  };
}
class FakeWindow extends EventTarget {
  posted: Array<{ msg: unknown; port: MessagePort }> = [];
}

const open: MessagePort[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

function nextMessage(port: MessagePort): Promise<unknown> {
  return new Promise((resolve) => port.addEventListener('message', (e) => resolve((e as MessageEvent).data), { once: true }));
}

function setup() {
  const w = new FakeWindow();
  const queue = new EventQueue({ now: () => 0, setTimer: (fn) => setTimeout(fn, 0) });
  const ch = startWindowChannel({
    g: w as unknown as typeof globalThis,
    dom: dom(),
    queue,
    now: () => 5,
    fail: (where, e) => {
      throw new Error(`${where}: ${String(e)}`);
    },
  });
  return { w, queue, ch };
}

describe('window channel (page end of the handshake)', () => {
  it('connects at start-up, again on each ready from its own window until acknowledged', async () => {
    const { w, queue, ch } = setup();
    expect(w.posted).toHaveLength(1);
    expect(w.posted[0]!.msg).toEqual({ source: PAGE_SOURCE, kind: 'connect', v: 1 });
    w.dispatchEvent(new FakeMessage({ source: CONTENT_SOURCE, kind: 'ready', v: 1 }, [], {})); // not from this window
    w.dispatchEvent(new FakeMessage({ source: 'someone-else', kind: 'ready', v: 1 }, [], w));
    expect(ch.connects()).toBe(1);
    w.dispatchEvent(new FakeMessage({ source: CONTENT_SOURCE, kind: 'ready', v: 1 }, [], w));
    expect(ch.connects()).toBe(2);
    const [first, second] = w.posted.map((p) => p.port);
    open.push(first!, second!);
    first!.start();
    second!.start();

    queue.push({ t: 'mark', time: 1, label: 'queued before ack' });
    second!.postMessage({ kind: 'ack', v: 1 });
    const batch = (await nextMessage(second!)) as PageBatchMessage;
    expect(batch).toMatchObject({ kind: 'batch', v: 1, dropped: 0 });
    expect(batch.events.map((e: PageEvent) => e.t)).toEqual(['mark']);
    expect(queue.connected).toBe(true);

    // Acknowledged: a late ack on the first port and further readys change nothing.
    first!.postMessage({ kind: 'ack', v: 1 });
    w.dispatchEvent(new FakeMessage({ source: CONTENT_SOURCE, kind: 'ready', v: 1 }, [], w));
    expect(ch.connects()).toBe(2);

    // A mark from the content script becomes a page event (bounded label).
    second!.postMessage({ kind: 'mark', v: 1, label: 'x'.repeat(LIMITS.maxString + 50) });
    const next = (await nextMessage(second!)) as PageBatchMessage;
    expect(next.events).toEqual([{ t: 'mark', time: 5, label: 'x'.repeat(LIMITS.maxString) }]);
  });

  it('runs a sampling tick before queueing a mark, so the mark follows the counters of that moment', async () => {
    const w = new FakeWindow();
    const queue = new EventQueue({ now: () => 0, setTimer: (fn) => setTimeout(fn, 0) });
    let ticks = 0;
    startWindowChannel({
      g: w as unknown as typeof globalThis,
      dom: dom(),
      queue,
      now: () => 5,
      fail: (where, e) => {
        throw new Error(`${where}: ${String(e)}`);
      },
      beforeMark: () => {
        ticks++;
        queue.push({ t: 'bindgen', time: 4, module: null, className: 'Foo', created: 200, freed: 0, reclaimed: 200, live: 0 });
      },
    });
    const port = w.posted[0]!.port;
    open.push(port);
    port.start();
    port.postMessage({ kind: 'ack', v: 1 });
    port.postMessage({ kind: 'mark', v: 1, label: 'end' });
    const batch = (await nextMessage(port)) as PageBatchMessage;
    expect(ticks).toBe(1);
    expect(batch.events.map((e: PageEvent) => e.t)).toEqual(['bindgen', 'mark']);
  });

  it('ignores acks of another protocol version', async () => {
    const { w, queue } = setup();
    const port = w.posted[0]!.port;
    open.push(port);
    port.start();
    const delivered = () => new Promise((r) => setTimeout(r, 30)); // a MessagePort hop in Node
    port.postMessage({ kind: 'ack', v: 999 });
    await delivered();
    expect(queue.connected).toBe(false);
    port.postMessage({ kind: 'ack', v: 1 });
    await delivered();
    expect(queue.connected).toBe(true);
  });
});

describe('settings in the ack', () => {
  const start = (applied: unknown[]) => {
    const w = new FakeWindow();
    const queue = new EventQueue({ now: () => 0, setTimer: (fn) => setTimeout(fn, 0) });
    startWindowChannel({
      g: w as unknown as typeof globalThis,
      dom: dom(),
      queue,
      now: () => 5,
      fail: (where, e) => {
        throw new Error(`${where}: ${String(e)}`);
      },
      onSettings: (s) => void applied.push(s),
    });
    const port = w.posted[0]!.port;
    open.push(port);
    port.start();
    return { port, queue };
  };
  const connected = (queue: EventQueue) =>
    new Promise<void>((resolve) => {
      const poll = () => (queue.connected ? resolve() : setTimeout(poll, 1));
      poll();
    });

  it('applies valid settings before connecting the queue', async () => {
    const applied: unknown[] = [];
    const { port, queue } = start(applied);
    port.postMessage({ kind: 'ack', v: 1, settings: { allocationTracking: false } });
    await connected(queue);
    expect(applied).toEqual([{ allocationTracking: false }]);
  });

  it('ignores malformed or absent settings (defaults stay)', async () => {
    const applied: unknown[] = [];
    const { port, queue } = start(applied);
    port.postMessage({ kind: 'ack', v: 1, settings: { allocationTracking: 'no' } });
    await connected(queue);
    expect(applied).toEqual([]);
  });
});

describe('worker channel', () => {
  it('takes only the tagged port with the right token, hidden from later listeners', async () => {
    const g = new FakeWindow();
    const queue = new EventQueue({ now: () => 0, setTimer: (fn) => setTimeout(fn, 0) });
    startWorkerChannel({ g: g as unknown as typeof globalThis, dom: dom(), queue, now: () => 0, fail: () => undefined, token: 'secret' });
    const pageSaw: unknown[] = [];
    g.addEventListener('message', (e) => pageSaw.push((e as FakeMessage).fdata));
    const wrong = new MessageChannel();
    const right = new MessageChannel();
    open.push(wrong.port1, wrong.port2, right.port1, right.port2);
    g.dispatchEvent(new FakeMessage({ [WORKER_PORT_TAG]: 'guess' }, [wrong.port2], null));
    expect(queue.connected).toBe(false);
    g.dispatchEvent(new FakeMessage({ [WORKER_PORT_TAG]: 'secret' }, [right.port2], null));
    expect(queue.connected).toBe(true);
    g.dispatchEvent(new FakeMessage('page message', [], null));
    expect(pageSaw).toEqual([{ [WORKER_PORT_TAG]: 'guess' }, 'page message']);
    right.port1.start();
    queue.push({ t: 'mark', time: 0, label: 'from worker' });
    queue.flush();
    expect(((await nextMessage(right.port1)) as PageBatchMessage).events).toHaveLength(1);
  });
});

describe("the parent's end of a worker's channel", () => {
  /** A queue that records what is pushed on it. */
  function recorder() {
    const got: PageEvent[] = [];
    return { got, queue: { push: (e: PageEvent) => void got.push(e), addDropped: () => undefined } as unknown as EventQueue };
  }
  const memory: PageEvent = {
    t: 'memory',
    time: 0,
    key: 'w:1',
    origin: 'export',
    shared: false,
    bytes: 65536,
    maxBytes: null,
    owner: 'w.js',
  };
  async function send(ch: MessageChannel, events: PageEvent[]): Promise<void> {
    const arrived = new Promise((r) => ch.port1.addEventListener('message', r, { once: true }));
    ch.port2.postMessage({ kind: 'batch', v: PROTOCOL_VERSION, events, dropped: 0 });
    await arrived;
  }

  it('calls a worker with memories silent after WORKER_SILENT_MS without a batch, once, and resumed when it speaks', async () => {
    let clock = 1000;
    const { got, queue } = recorder();
    const ch = new MessageChannel();
    open.push(ch.port1, ch.port2);
    const link = acceptWorkerPort(dom(), ch.port1, queue, () => clock, 'https://a.test/w.js');
    await send(ch, [memory]);
    expect(link.check(1000 + WORKER_SILENT_MS - 1)).toBe(true);
    expect(got.filter((e) => e.t === 'link')).toEqual([]);
    expect(link.check(1000 + WORKER_SILENT_MS)).toBe(true);
    expect(link.check(1000 + 2 * WORKER_SILENT_MS)).toBe(true);
    expect(got.filter((e) => e.t === 'link')).toEqual([
      { t: 'link', time: 1000, state: 'silent', url: 'https://a.test/w.js', worker: true },
    ]);
    clock = 20_000;
    await send(ch, [{ t: 'mark', time: 20_000, label: 'back' }]);
    expect(got.slice(-2)).toEqual([
      { t: 'link', time: 20_000, state: 'resumed', url: 'https://a.test/w.js', worker: true },
      { t: 'mark', time: 20_000, label: 'back' },
    ]);
    link.ended();
    expect(link.check(60_000)).toBe(false);
  });

  it('never calls a worker without live memories silent (it has nothing to report)', async () => {
    const { got, queue } = recorder();
    const ch = new MessageChannel();
    open.push(ch.port1, ch.port2);
    const link = acceptWorkerPort(dom(), ch.port1, queue, () => 0, 'w.js');
    expect(link.check(10 * WORKER_SILENT_MS)).toBe(true);
    await send(ch, [memory, { t: 'collected', time: 1, key: 'w:1' }]);
    expect(link.check(20 * WORKER_SILENT_MS)).toBe(true);
    expect(got.filter((e) => e.t === 'link')).toEqual([]);
  });
});
