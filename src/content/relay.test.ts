import { describe, expect, it } from 'vitest';
import {
  CONTENT_SOURCE,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type ContentToBackground,
  type PageEvent,
  type WorkerPolicyVerdict,
} from '../shared/protocol';
import { plainEventBytes } from '../shared/event-batches';
import { INSTRUMENT, UNKNOWN } from '../shared/worker-policy';
import { ContentRelay, type PagePortLike, type RelayDeps, type RelayOptions, type RuntimePortLike } from './relay';

const v = PROTOCOL_VERSION;
const sample = (time: number): PageEvent => ({ t: 'sample', time, keys: ['r:1'], bytes: [65536] });

class FakeRuntimePort implements RuntimePortLike {
  sent: ContentToBackground[] = [];
  dead = false;
  private msgCb: ((m: unknown) => void) | null = null;
  private discCb: (() => void) | null = null;
  /** The service worker's answer to a hello asking for policies (null: it does not answer). */
  constructor(private readonly verdict: WorkerPolicyVerdict | null = INSTRUMENT) {}
  postMessage(msg: ContentToBackground): void {
    if (this.dead) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(msg);
    if (msg.kind === 'hello' && msg.policies === true && this.verdict !== null)
      this.msgCb?.({ kind: 'policies', v, verdict: this.verdict });
  }
  disconnect(): void {
    this.dead = true;
  }
  onMessage(cb: (m: unknown) => void): void {
    this.msgCb = cb;
  }
  onDisconnect(cb: () => void): void {
    this.discCb = cb;
  }
  /** The worker stops: Chrome fires onDisconnect. */
  kill(): void {
    this.dead = true;
    this.discCb?.();
  }
  deliver(m: unknown): void {
    this.msgCb?.(m);
  }
}

class FakePagePort implements PagePortLike {
  sent: unknown[] = [];
  cb: ((d: unknown) => void) | null = null;
  postMessage(msg: unknown): void {
    this.sent.push(msg);
  }
  listen(cb: (d: unknown) => void): void {
    this.cb = cb;
  }
}

function setup(
  extra: Partial<RelayDeps> = {},
  opts: Partial<RelayOptions> = { maxQueueBytes: 5 * plainEventBytes(sample(1)) },
  verdict: WorkerPolicyVerdict | null = INSTRUMENT,
) {
  const ports: FakeRuntimePort[] = [];
  const timers: Array<() => void> = [];
  let alive = true;
  const deps: RelayDeps = {
    connect: () => {
      const p = new FakeRuntimePort(verdict);
      ports.push(p);
      return p;
    },
    alive: () => alive,
    now: () => 1234,
    schedule: (fn) => {
      timers.push(fn);
    },
    url: () => 'https://a.test/',
    doc: 'doc1',
    log: () => undefined,
    ...extra,
  };
  const relay = new ContentRelay(deps, opts);
  relay.start();
  /** Run the timers due now (one round: the page-channel watchdog always schedules its next look). */
  const runTimers = () => {
    for (const fn of timers.splice(0)) fn();
  };
  return { relay, ports, runTimers, kill: () => (alive = false) };
}

const connectMsg = { source: PAGE_SOURCE, kind: 'connect', v };
const batchesOf = (p: FakeRuntimePort) => p.sent.filter((m) => m.kind === 'batch');
const eventsOf = (p: FakeRuntimePort) => p.sent.flatMap((m) => (m.kind === 'batch' ? m.events : []));

describe('ContentRelay', () => {
  it("waits for the service worker's verdict on worker bootstraps before it acks the page, and sends it in the ack", () => {
    const { relay, ports } = setup({}, {}, null);
    const page = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, page)).toBe(true);
    expect(page.sent).toEqual([]); // no verdict yet: the page side waits
    const verdict: WorkerPolicyVerdict = { instrument: false, reason: 'csp', directive: 'worker-src' };
    ports[0]!.deliver({ kind: 'policies', v, verdict: { instrument: 'maybe' } }); // malformed: ignored
    expect(page.sent).toEqual([]);
    ports[0]!.deliver({ kind: 'policies', v, verdict });
    expect(page.sent).toEqual([{ kind: 'ack', v, policies: verdict }]);
    // The first verdict counts (a restarted service worker would say "unknown"), and the
    // hello after a reconnect no longer asks.
    ports[0]!.deliver({ kind: 'policies', v, verdict: UNKNOWN });
    ports[0]!.kill();
    relay.onBackgroundMessage({ kind: 'policies', v, verdict: INSTRUMENT });
    expect(page.sent).toEqual([{ kind: 'ack', v, policies: verdict }]);
  });

  it('a verdict that came before the page connected goes in the ack at once', () => {
    const { relay, ports } = setup();
    expect(ports[0]?.sent[0]).toMatchObject({ kind: 'hello', policies: true });
    const page = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, page);
    expect(page.sent).toEqual([{ kind: 'ack', v, policies: INSTRUMENT }]);
  });

  it('says hello with its document id on connect', () => {
    const { ports } = setup();
    expect(ports[0]?.sent[0]).toEqual({ kind: 'hello', v, url: 'https://a.test/', doc: 'doc1', policies: true });
    expect(ContentRelay.readyMessage()).toEqual({ source: CONTENT_SOURCE, kind: 'ready', v });
  });

  it('accepts only the first connect port from its own window, and acks it', () => {
    const { relay } = setup();
    const forged = new FakePagePort();
    expect(relay.onWindowMessage(false, connectMsg, forged)).toBe(false); // from another window
    expect(relay.onWindowMessage(true, { ...connectMsg, source: 'other' }, forged)).toBe(false);
    expect(relay.onWindowMessage(true, { ...connectMsg, v: v + 1 }, forged)).toBe(false);
    expect(relay.onWindowMessage(true, connectMsg, undefined)).toBe(false);
    const first = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, first)).toBe(true);
    expect(first.sent).toEqual([{ kind: 'ack', v, policies: INSTRUMENT }]);
    const second = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, second)).toBe(false);
    expect(second.sent).toEqual([]);
    expect(forged.cb).toBeNull();
  });

  it("sends the user's page settings with the ack", () => {
    const { relay } = setup({ settings: { allocationTracking: false } });
    const port = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, port)).toBe(true);
    expect(port.sent).toEqual([{ kind: 'ack', v, settings: { allocationTracking: false }, policies: INSTRUMENT }]);
  });

  it('validates page batches: forwards good events, refuses and counts junk', () => {
    const { relay, ports } = setup();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    pp.cb?.({ kind: 'batch', v, events: [sample(1), { t: 'sample', time: 2, keys: ['a'], bytes: ['<b>'] }, 'x'], dropped: 4 });
    pp.cb?.('not a batch');
    pp.cb?.({ kind: 'batch', v, events: [sample(3)], dropped: 4 });
    const p = ports[0];
    if (!p) throw new Error('no port');
    expect(eventsOf(p)).toEqual([sample(1), sample(3)]);
    const last = batchesOf(p).at(-1);
    expect(last?.kind === 'batch' && last.dropped).toBe(4 + 2 + 1);
  });

  it('relays every event of a long stream, in order, while connected', () => {
    const ports: FakeRuntimePort[] = [];
    const relay = new ContentRelay(
      {
        connect: () => {
          const p = new FakeRuntimePort();
          ports.push(p);
          return p;
        },
        alive: () => true,
        now: () => 0,
        schedule: () => undefined,
        url: () => 'u',
        doc: 'd',
        log: () => undefined,
      },
      { maxQueueBytes: 10_000 * plainEventBytes(sample(1)) },
    );
    relay.start();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    const sent = Array.from({ length: 1000 }, (_, i) => sample(i));
    // Batches of uneven sizes (1, 2, ... 44), as the page's queue flushes them.
    for (let i = 0, size = 1; i < sent.length; i += size, size++)
      pp.cb?.({ kind: 'batch', v, events: sent.slice(i, i + size), dropped: 0 });
    const p = ports[0];
    if (!p) throw new Error('no port');
    expect(ports).toHaveLength(1);
    expect(eventsOf(p)).toEqual(sent);
    expect(relay.queued).toBe(0);
    expect(relay.droppedTotal).toBe(0);
  });

  it('buffers (bounded) while the worker is stopped, reconnects and flushes', () => {
    const { relay, ports, runTimers } = setup();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    pp.cb?.({ kind: 'batch', v, events: [sample(1)], dropped: 0 });
    ports[0]?.kill();
    expect(relay.runtimeConnected).toBe(false);
    pp.cb?.({ kind: 'batch', v, events: [sample(2), sample(3)], dropped: 0 });
    pp.cb?.({ kind: 'batch', v, events: [sample(4), sample(5), sample(6), sample(7)], dropped: 0 });
    expect(relay.queued).toBe(5); // capped
    runTimers();
    const p2 = ports[1];
    if (!p2) throw new Error('did not reconnect');
    // the first hello has no lostAt (and asks for the verdict on worker bootstraps, which the
    // relay then keeps); this one says when the previous worker was lost (page clock)
    expect(ports[0]?.sent[0]).toEqual({ kind: 'hello', v, url: 'https://a.test/', doc: 'doc1', policies: true });
    expect(p2.sent[0]).toEqual({ kind: 'hello', v, url: 'https://a.test/', doc: 'doc1', lostAt: 1234 });
    expect(eventsOf(p2)).toEqual([sample(2), sample(3), sample(4), sample(5), sample(6)]);
    const b = batchesOf(p2)[0];
    expect(b?.kind === 'batch' && b.dropped).toBe(1); // the one the queue could not hold
  });

  it('re-sends the definitions it already sent after a reconnect (the worker lost its backlog)', () => {
    const { relay, ports, runTimers } = setup();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    const memory: PageEvent = {
      t: 'memory',
      time: 1,
      key: 'r:1',
      origin: 'export',
      shared: false,
      bytes: 65536,
      maxBytes: null,
      owner: 'a.wasm',
    };
    const realm: PageEvent = { t: 'realm', time: 0, realm: 'r', kind: 'window', url: 'https://a.test/' };
    pp.cb?.({ kind: 'batch', v, events: [realm, memory, sample(2)], dropped: 0 });
    ports[0]?.kill();
    runTimers();
    const p2 = ports[1];
    if (!p2) throw new Error('did not reconnect');
    expect(p2.sent.map((m) => m.kind)).toEqual(['hello', 'batch']);
    expect(eventsOf(p2)).toEqual([realm, memory]);
  });

  it('bounds the queue by bytes while the worker is down: big-stack events fill it sooner, the rest count as dropped', () => {
    const stack = 'Error\n' + '    at recurseThroughAFrameWithALongName (https://a.test/app.js:10:5)\n'.repeat(55);
    const grow = (i: number): PageEvent => ({ t: 'grow', time: i, key: 'r:1', fromBytes: i, toBytes: i + 1, via: 'js', stack });
    const maxQueueBytes = 1024 * 1024;
    const { relay, ports, runTimers } = setup({ now: () => 0 }, { maxQueueBytes, maxBatchBytes: 256 * 1024 });
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    ports[0]?.kill();
    for (let b = 0; b < 10; b++)
      pp.cb?.({ kind: 'batch', v, events: Array.from({ length: 100 }, (_, i) => grow(b * 100 + i)), dropped: 0 });
    const fits = Math.floor(maxQueueBytes / plainEventBytes(grow(0)));
    expect(relay.queued).toBe(fits);
    expect(relay.queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    expect(relay.droppedTotal).toBe(1000 - fits);
    runTimers(); // reconnect: the queue goes out in batches of at most maxBatchBytes
    const p2 = ports[1];
    if (!p2) throw new Error('did not reconnect');
    const batches = batchesOf(p2);
    expect(batches.length).toBeGreaterThan(1);
    for (const m of batches)
      if (m.kind === 'batch') expect(m.events.reduce((n, e) => n + plainEventBytes(e), 0)).toBeLessThanOrEqual(256 * 1024);
    expect(eventsOf(p2).map((e) => e.time)).toEqual(Array.from({ length: fits }, (_, i) => i));
    expect(relay.queuedBytes).toBe(0);
    const last = batches.at(-1);
    expect(last?.kind === 'batch' && last.dropped).toBe(1000 - fits);
  });

  it('remembers definitions for a replay up to their byte bound, and counts the rest', () => {
    const memory = (i: number): PageEvent => ({
      t: 'memory',
      time: 1,
      key: `r:${1000 + i}`,
      origin: 'constructor',
      shared: false,
      bytes: 65536,
      maxBytes: null,
      owner: 'https://a.test/app.js',
    });
    const { relay, ports, runTimers } = setup({ now: () => 0 }, { maxDefinitionBytes: 10 * plainEventBytes(memory(0)) });
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    pp.cb?.({ kind: 'batch', v, events: Array.from({ length: 15 }, (_, i) => memory(i)), dropped: 0 });
    expect(relay.definitionsNotKept).toBe(5);
    ports[0]?.kill();
    runTimers();
    expect(eventsOf(ports[1]!)).toEqual(Array.from({ length: 10 }, (_, i) => memory(i)));
  });

  it('flushes a large backlog in batches the worker accepts (at most LIMITS.maxBatch each)', () => {
    const { relay, ports, runTimers } = setup({ now: () => 0 }, { maxQueueBytes: 10_000 * plainEventBytes(sample(1)) });
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    ports[0]?.kill();
    for (let b = 0; b < 3; b++) {
      pp.cb?.({ kind: 'batch', v, events: Array.from({ length: LIMITS.maxBatch }, (_, i) => sample(b * LIMITS.maxBatch + i)), dropped: 0 });
    }
    runTimers(); // the reconnect (and the page-channel watchdog)
    const p2 = ports[1];
    if (!p2) throw new Error('did not reconnect');
    const sizes = batchesOf(p2).map((m) => (m.kind === 'batch' ? m.events.length : 0));
    expect(sizes).toEqual([LIMITS.maxBatch, LIMITS.maxBatch, LIMITS.maxBatch]);
    expect(eventsOf(p2).map((e) => e.time)).toEqual(Array.from({ length: 3 * LIMITS.maxBatch }, (_, i) => i));
  });

  it('keeps events when a send throws on a port that died silently', () => {
    const { relay, ports, runTimers } = setup();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    const p0 = ports[0];
    if (!p0) throw new Error('no port');
    p0.dead = true; // no onDisconnect yet
    pp.cb?.({ kind: 'batch', v, events: [sample(1)], dropped: 0 });
    runTimers();
    expect(eventsOf(ports[1] ?? p0)).toEqual([sample(1)]);
  });

  it('stops reconnecting once the extension context is gone', () => {
    const { ports, runTimers, kill } = setup();
    kill();
    ports[0]?.kill();
    runTimers();
    expect(ports.length).toBe(1);
  });

  it('forwards panel marks to the page, or stamps them itself when no page side is there', () => {
    const { relay, ports } = setup();
    const p = ports[0];
    if (!p) throw new Error('no port');
    p.deliver({ kind: 'mark', v, label: 'early' });
    expect(eventsOf(p)).toEqual([{ t: 'mark', time: 1234, label: 'early' }]);
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    p.deliver({ kind: 'mark', v, label: 'late' });
    p.deliver({ kind: 'mark', v, label: 42 });
    expect(pp.sent).toEqual([
      { kind: 'ack', v, policies: INSTRUMENT },
      { kind: 'mark', v, label: 'late' },
    ]);
  });
});

describe('ContentRelay: the page channel (silent, resumed, reconnected, gaps)', () => {
  const SILENT = 1000;
  function linkSetup() {
    let clock = 0;
    let asked = 0;
    const listening: boolean[] = [];
    const { relay, ports, runTimers } = setup(
      { now: () => clock, requestConnect: () => void asked++, listenForConnect: (on) => void listening.push(on) },
      { silentMs: SILENT, maxReconnectsPerMinute: 3 },
    );
    /** Let `ms` pass, running the watchdog's looks as they fall due. */
    const pass = (ms: number) => {
      clock += ms;
      runTimers();
    };
    const links = () => eventsOf(ports[0]!).filter((e) => e.t === 'link');
    return { relay, ports, pass, links, asked: () => asked, listening };
  }

  it('a page side that stops answering is pinged, then reported silent, and asked for a new handshake', () => {
    const { relay, pass, links, asked } = linkSetup();
    const pp = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, pp)).toBe(true);
    pass(SILENT);
    expect(pp.sent.at(-1)).toEqual({ kind: 'ping', v });
    expect(links()).toEqual([]);
    pass(SILENT);
    expect(links()).toEqual([{ t: 'link', time: 2 * SILENT, state: 'silent', url: 'https://a.test/' }]);
    expect(asked()).toBe(1);
    expect(relay.acceptsConnect).toBe(true);
    // still silent: asked again, with back-off (2x, 4x ...)
    pass(SILENT);
    pass(SILENT);
    expect(asked()).toBe(2);
    // the same channel answers: resumed, and a connect is no longer taken
    pp.cb?.({ kind: 'pong', v });
    expect(links().map((e) => e.state)).toEqual(['silent', 'resumed']);
    expect(relay.acceptsConnect).toBe(false);
  });

  it('listens to window messages only while it takes a connect: at start, and while the channel is silent', () => {
    const { relay, pass, listening } = linkSetup();
    expect(listening).toEqual([true]);
    relay.onWindowMessage(true, connectMsg, new FakePagePort());
    expect(listening).toEqual([true, false]);
    pass(SILENT);
    pass(SILENT);
    expect(listening).toEqual([true, false, true]);
    const fresh = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, fresh);
    expect(listening).toEqual([true, false, true]); // the new channel has not spoken yet
    fresh.cb?.({ kind: 'pong', v });
    expect(listening).toEqual([true, false, true, false]);
  });

  it('a page side that keeps talking, or answers pings, is never silent', () => {
    const { relay, pass, links } = linkSetup();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    for (let i = 0; i < 10; i++) {
      pass(SILENT);
      if (pp.sent.at(-1)?.valueOf() && (pp.sent.at(-1) as { kind: string }).kind === 'ping') pp.cb?.({ kind: 'pong', v });
    }
    expect(links()).toEqual([]);
    expect(relay.acceptsConnect).toBe(false);
  });

  it('while the channel is healthy a second connect is refused (a page cannot take the channel over)', () => {
    const { relay } = linkSetup();
    relay.onWindowMessage(true, connectMsg, new FakePagePort());
    const forged = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, forged)).toBe(false);
    expect(forged.sent).toEqual([]);
  });

  it('a silent channel is replaced by the next handshake: reconnected once the new one speaks; the dead port is no longer heard', () => {
    const { relay, pass, links, ports } = linkSetup();
    const old = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, old);
    pass(SILENT);
    pass(SILENT);
    const fresh = new FakePagePort();
    expect(relay.onWindowMessage(true, connectMsg, fresh)).toBe(true);
    expect(fresh.sent).toEqual([
      { kind: 'ack', v, policies: INSTRUMENT },
      { kind: 'ping', v },
    ]);
    // not yet: a page that closes every port it sees would make a new, dead channel each time
    expect(links().map((e) => e.state)).toEqual(['silent']);
    old.cb?.({ kind: 'batch', v, events: [sample(1)], dropped: 0 });
    fresh.cb?.({ kind: 'pong', v });
    fresh.cb?.({ kind: 'batch', v, events: [sample(2)], dropped: 0 });
    expect(links().map((e) => [e.state, e.reconnects])).toEqual([
      ['silent', undefined],
      ['reconnected', 1],
    ]);
    expect(
      eventsOf(ports[0]!)
        .filter((e) => e.t === 'sample')
        .map((e) => e.time),
    ).toEqual([2]);
  });

  it('a page side that never connects is reported unreachable (not visible) with the URL it started with; a late connect resumes it', () => {
    let clock = 0;
    let url = 'about:blank';
    const { relay, ports, runTimers } = setup(
      { now: () => clock, url: () => url, startUrl: 'about:blank', frame: true },
      { silentMs: SILENT, unreachableMs: 4 * SILENT },
    );
    const links = () => eventsOf(ports[0]!).filter((e) => e.t === 'link');
    // the parent document.open()s the frame: its URL becomes the parent's
    url = 'https://a.test/parent.html';
    clock = 4 * SILENT - 1;
    runTimers();
    expect(links()).toEqual([]);
    clock = 4 * SILENT;
    runTimers();
    expect(links()).toEqual([{ t: 'link', time: 4 * SILENT, state: 'unreachable', url: 'about:blank', frame: true }]);
    runTimers();
    expect(links()).toHaveLength(1);
    expect(relay.onWindowMessage(true, connectMsg, new FakePagePort())).toBe(true);
    expect(links().map((e) => [e.state, e.url, e.frame])).toEqual([
      ['unreachable', 'about:blank', true],
      ['resumed', 'about:blank', true],
    ]);
  });

  it('a page side that connects in time is never reported unreachable', () => {
    let clock = 0;
    const { relay, ports, runTimers } = setup({ now: () => clock }, { silentMs: SILENT, unreachableMs: 4 * SILENT });
    clock = 10;
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    for (let i = 1; i <= 8; i++) {
      clock = i * SILENT;
      pp.cb?.({ kind: 'pong', v });
      runTimers();
    }
    expect(eventsOf(ports[0]!).filter((e) => e.t === 'link')).toEqual([]);
  });

  it('a new channel that never speaks leaves the page silent, and more are asked for', () => {
    const { relay, pass, links, asked } = linkSetup();
    relay.onWindowMessage(true, connectMsg, new FakePagePort());
    pass(SILENT);
    pass(SILENT);
    expect(relay.onWindowMessage(true, connectMsg, new FakePagePort())).toBe(true);
    for (let i = 0; i < 4; i++) pass(SILENT);
    expect(links().map((e) => e.state)).toEqual(['silent']);
    expect(relay.acceptsConnect).toBe(true);
    expect(asked()).toBeGreaterThan(1);
  });

  it('at most maxReconnectsPerMinute handshakes replace a channel (a page could churn them)', () => {
    const { relay, pass } = linkSetup();
    relay.onWindowMessage(true, connectMsg, new FakePagePort());
    let taken = 0;
    for (let i = 0; i < 6; i++) {
      pass(SILENT);
      pass(SILENT);
      if (relay.onWindowMessage(true, connectMsg, new FakePagePort())) taken++;
    }
    expect(taken).toBe(3);
  });

  it('batches lost on the way show as a gap (from the sender count) and count as dropped', () => {
    const { relay, links } = linkSetup();
    const pp = new FakePagePort();
    relay.onWindowMessage(true, connectMsg, pp);
    pp.cb?.({ kind: 'batch', v, events: [sample(1), sample(2)], dropped: 0, sent: 0 });
    pp.cb?.({ kind: 'batch', v, events: [sample(3)], dropped: 0, sent: 2 });
    expect(links()).toEqual([]);
    // 7 events were sent on a port we never heard from
    pp.cb?.({ kind: 'batch', v, events: [sample(4)], dropped: 1, sent: 10 });
    expect(links()).toEqual([{ t: 'link', time: 0, state: 'gap', url: 'https://a.test/', lost: 7 }]);
    expect(relay.droppedTotal).toBe(1 + 7);
    pp.cb?.({ kind: 'batch', v, events: [sample(5)], dropped: 1, sent: 11 });
    expect(links()).toHaveLength(1);
  });
});
