import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type BackgroundToPanel, type PageEvent } from '../shared/protocol';
import type { BackgroundToHost } from '../shared/tab-status';
import { Router, type Endpoint } from './router';

class FakePort<T> implements Endpoint<T> {
  sent: T[] = [];
  closed = false;
  send(msg: T): void {
    if (this.closed) throw new Error('disconnected port');
    this.sent.push(msg);
  }
  close(): void {
    this.closed = true;
  }
}

const v = PROTOCOL_VERSION;
let ids = 0;
const newId = () => `s${++ids}`;
const sample = (time: number, bytes = 65536): PageEvent => ({ t: 'sample', time, keys: ['r:1'], bytes: [bytes] });
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
const batch = (events: unknown[], dropped = 0) => ({ kind: 'batch', v, events, dropped });

/** Everything a panel received as events, in order. */
function eventsOf(p: FakePort<BackgroundToPanel>): PageEvent[] {
  return p.sent.flatMap((m) => (m.kind === 'events' ? m.events : []));
}

function setup(opts = {}) {
  const router = new Router({ newId, ...opts });
  const cport = new FakePort<never>();
  const content = router.connectContent(cport, 7, 0);
  content.message({ kind: 'hello', v, url: 'https://a.test/', doc: 'd1' });
  return { router, cport, content };
}

describe('Router', () => {
  it('forwards validated batches from a tab to its panel, and only that tab', () => {
    const { router, content } = setup();
    const p7 = new FakePort<BackgroundToPanel>();
    const p8 = new FakePort<BackgroundToPanel>();
    router.connectPanel(p7).message({ kind: 'subscribe', v, tabId: 7 });
    router.connectPanel(p8).message({ kind: 'subscribe', v, tabId: 8 });
    content.message(batch([memory, sample(2), { t: 'forged', evil: true }, sample(-1)], 3));
    expect(eventsOf(p7)).toEqual([memory, sample(2)]);
    expect(eventsOf(p8)).toEqual([]);
    const last = p7.sent.at(-1);
    expect(last?.kind === 'events' && last.dropped).toBe(5); // 3 page-dropped + 2 refused here
    content.message(batch([sample(3)], 3));
    const next = p7.sent.at(-1);
    expect(next?.kind === 'events' && next.dropped).toBe(5); // cumulative: refusals are not forgotten
    expect(p7.sent[0]).toMatchObject({ kind: 'welcome', tabId: 7, doc: 'd1', url: 'https://a.test/' });
  });

  it('a removed subframe takes its memories with it: they are reported collected, those it reported collected are not', () => {
    const router = new Router({ newId, now: () => 5000 });
    const top = router.connectContent(new FakePort<never>(), 7, 0);
    top.message({ kind: 'hello', v, url: 'https://a.test/', doc: 'd1' });
    const frame = router.connectContent(new FakePort<never>(), 7, 3);
    frame.message({ kind: 'hello', v, url: 'https://a.test/frame.html', doc: 'f1' });
    const p7 = new FakePort<BackgroundToPanel>();
    router.connectPanel(p7).message({ kind: 'subscribe', v, tabId: 7 });
    const mem = (key: string): PageEvent => ({ ...memory, key });
    frame.message(batch([mem('f:2'), mem('f:3'), { t: 'collected', time: 4, key: 'f:3' }], 0));
    top.message(batch([mem('t:2')], 0));
    frame.disconnected();
    expect(eventsOf(p7).slice(-1)).toEqual([{ t: 'collected', time: 5000, key: 'f:2' }]);
    // the top document going away is a navigation or a closed tab, not this
    top.disconnected();
    expect(eventsOf(p7).filter((e) => e.t === 'collected' && e.key === 't:2')).toEqual([]);
  });

  it('tells the panels of a closed tab that it closed, and only them', () => {
    const { router } = setup();
    const p7 = new FakePort<BackgroundToPanel>();
    const p8 = new FakePort<BackgroundToPanel>();
    router.connectPanel(p7).message({ kind: 'subscribe', v, tabId: 7 });
    router.connectPanel(p8).message({ kind: 'subscribe', v, tabId: 8 });
    router.tabRemoved(7);
    expect(p7.sent.at(-1)).toEqual({ kind: 'tab-closed', v, tabId: 7 });
    expect(p8.sent.some((m) => m.kind === 'tab-closed')).toBe(false);
  });

  it('forwards every event of a long stream, in order, to a live panel and to a late one', () => {
    const { router, content } = setup();
    const live = new FakePort<BackgroundToPanel>();
    router.connectPanel(live).message({ kind: 'subscribe', v, tabId: 7 });
    const sent = [memory, ...Array.from({ length: 1000 }, (_, i) => sample(2 + i, 65536 * (1 + (i % 7))))];
    // Batches of uneven sizes (1, 2, ... 44), as a page flushing on a timer sends them.
    for (let i = 0, size = 1; i < sent.length; i += size, size++) content.message(batch(sent.slice(i, i + size)));
    expect(eventsOf(live)).toEqual(sent);
    const late = new FakePort<BackgroundToPanel>();
    router.connectPanel(late).message({ kind: 'subscribe', v, tabId: 7 });
    expect(eventsOf(late)).toEqual(sent);
  });

  it('gives a late panel the backlog, once, with sequence numbers', () => {
    const { router, content } = setup();
    content.message(batch([memory, sample(2)]));
    content.message(batch([sample(3)]));
    const p = new FakePort<BackgroundToPanel>();
    router.connectPanel(p).message({ kind: 'subscribe', v, tabId: 7 });
    expect(eventsOf(p)).toEqual([memory, sample(2), sample(3)]);
    content.message(batch([sample(4)]));
    expect(eventsOf(p)).toEqual([memory, sample(2), sample(3), sample(4)]);
    const lastEv = p.sent.at(-1);
    expect(lastEv?.kind === 'events' && lastEv.seq).toBe(3);
  });

  it('replays only what a re-subscribing panel lacks (no double counting)', () => {
    const { router, content } = setup();
    const p = new FakePort<BackgroundToPanel>();
    const h = router.connectPanel(p);
    h.message({ kind: 'subscribe', v, tabId: 7 });
    content.message(batch([memory, sample(2)]));
    const welcome = p.sent[0];
    const session = welcome?.kind === 'welcome' ? welcome.session : '';
    h.disconnected();
    content.message(batch([sample(3)])); // arrives while the panel is away
    const p2 = new FakePort<BackgroundToPanel>();
    router.connectPanel(p2).message({ kind: 'subscribe', v, tabId: 7, resume: { session, seq: 2 } });
    expect(eventsOf(p2)).toEqual([sample(3)]);
  });

  it('keeps definitions when the recent ring overflows, and bounds the backlog', () => {
    const { router, content } = setup({ maxRecent: 5 });
    content.message(batch([memory]));
    for (let i = 0; i < 20; i++) content.message(batch([sample(10 + i)]));
    expect(router.stats(7)?.backlog).toBe(6);
    const p = new FakePort<BackgroundToPanel>();
    router.connectPanel(p).message({ kind: 'subscribe', v, tabId: 7 });
    expect(eventsOf(p)).toEqual([memory, sample(25), sample(26), sample(27), sample(28), sample(29)]);
    // Two runs (a hole between seq 0 and 16): each message carries its own first seq.
    expect(p.sent.filter((m) => m.kind === 'events').map((m) => (m.kind === 'events' ? m.seq : -1))).toEqual([0, 16]);
  });

  it('a new top document starts a new session and tells the panel', () => {
    const { router, content } = setup();
    const p = new FakePort<BackgroundToPanel>();
    router.connectPanel(p).message({ kind: 'subscribe', v, tabId: 7 });
    content.message(batch([memory, sample(2)]));
    content.disconnected();
    const c2 = router.connectContent(new FakePort(), 7, 0);
    c2.message({ kind: 'hello', v, url: 'https://b.test/', doc: 'd2' });
    expect(p.sent.at(-1)).toMatchObject({ kind: 'navigated', url: 'https://b.test/', doc: 'd2', tabId: 7 });
    expect(router.stats(7)?.backlog).toBe(0);
    // An iframe's hello is not a navigation.
    router.connectContent(new FakePort(), 7, 3).message({ kind: 'hello', v, url: 'https://c.test/', doc: 'd3' });
    expect(p.sent.at(-1)?.kind).toBe('navigated');
    expect(p.sent.filter((m) => m.kind === 'navigated').length).toBe(1);
  });

  it('drops an older port of the same tab/frame first', () => {
    const { router, cport } = setup();
    const newer = new FakePort<never>();
    router.connectContent(newer, 7, 0);
    expect(cport.closed).toBe(true);
    expect(router.stats(7)?.frames).toBe(1);
  });

  it('forwards a panel mark to the top frame', () => {
    const { router } = setup();
    const top = new FakePort<{ kind: 'mark'; v: number; label: string }>();
    router.connectContent(top, 7, 0).message({ kind: 'hello', v, url: 'u', doc: 'd1' });
    router.connectPanel(new FakePort()).message({ kind: 'mark', v, tabId: 7, label: 'before' });
    expect(top.sent).toEqual([{ kind: 'mark', v, label: 'before' }]);
  });

  it('refuses other protocol versions on both sides', () => {
    const router = new Router({ newId });
    const p = new FakePort<BackgroundToPanel>();
    router.connectPanel(p).message({ kind: 'subscribe', v: v + 1, tabId: 7 });
    expect(p.sent).toEqual([{ kind: 'version-mismatch', v, expected: v, got: v + 1 }]);
    const p2 = new FakePort<BackgroundToPanel>();
    router.connectPanel(p2).message({ kind: 'subscribe', v, tabId: 7 });
    const c = router.connectContent(new FakePort(), 7, 0);
    c.message({ kind: 'hello', v: 99, url: 'u' });
    c.message(batch([memory]));
    expect(p2.sent.map((m) => m.kind)).toEqual(['welcome', 'version-mismatch']);
  });

  it('survives a simulated service-worker stop: fresh router, both ends reconnect, panel keeps its data', () => {
    // Before the stop.
    const a = setup();
    const panelPort = new FakePort<BackgroundToPanel>();
    a.router.connectPanel(panelPort).message({ kind: 'subscribe', v, tabId: 7 });
    a.content.message(batch([memory, sample(2)]));
    const before = eventsOf(panelPort);
    // The worker stops: all state is gone. Both ends reconnect to a new worker, in either order.
    const router = new Router({ newId });
    const panel2 = new FakePort<BackgroundToPanel>();
    const welcome = panelPort.sent[0];
    router.connectPanel(panel2).message({
      kind: 'subscribe',
      v,
      tabId: 7,
      resume: { session: welcome?.kind === 'welcome' ? (welcome.session ?? '') : '', seq: 2 },
    });
    const c = router.connectContent(new FakePort(), 7, 0);
    c.message({ kind: 'hello', v, url: 'https://a.test/', doc: 'd1' }); // same document
    c.message(batch([sample(3)]));
    const nav = panel2.sent.find((m) => m.kind === 'navigated');
    // The panel is told the top document, and it is the same one it holds: it keeps its data.
    expect(nav).toMatchObject({ doc: 'd1' });
    expect([...before, ...eventsOf(panel2)]).toEqual([memory, sample(2), sample(3)]);
  });

  it('after a restart, says from when its history of the top document starts (the time the content script lost the previous worker)', () => {
    const router = new Router({ newId, now: () => 5000 });
    const c = router.connectContent(new FakePort(), 7, 0);
    c.message({ kind: 'hello', v, url: 'https://a.test/', doc: 'd1', lostAt: 4000 });
    const early = new FakePort<BackgroundToPanel>();
    router.connectPanel(early).message({ kind: 'subscribe', v, tabId: 7 });
    expect(early.sent[0]).toMatchObject({ kind: 'welcome', doc: 'd1', historyLostBefore: 4000 });
    // a subframe's hello, or the same document reconnecting to this worker, changes nothing
    router.connectContent(new FakePort(), 7, 3).message({ kind: 'hello', v, url: 'about:blank', doc: 'f1', lostAt: 4500 });
    router.connectContent(new FakePort(), 7, 0).message({ kind: 'hello', v, url: 'https://a.test/', doc: 'd1', lostAt: 4800 });
    const late = new FakePort<BackgroundToPanel>();
    router.connectPanel(late).message({ kind: 'subscribe', v, tabId: 7 });
    expect(late.sent[0]).toMatchObject({ kind: 'welcome', historyLostBefore: 4000 });
    // a page clock ahead of ours is clamped to now; a new document has its whole history
    const r2 = new Router({ newId, now: () => 5000 });
    r2.connectContent(new FakePort(), 7, 0).message({ kind: 'hello', v, url: 'https://a.test/', doc: 'd1', lostAt: 9e12 });
    const c2 = r2.connectContent(new FakePort(), 7, 0);
    const p2 = new FakePort<BackgroundToPanel>();
    r2.connectPanel(p2).message({ kind: 'subscribe', v, tabId: 7 });
    expect(p2.sent[0]).toMatchObject({ historyLostBefore: 5000 });
    c2.message({ kind: 'hello', v, url: 'https://a.test/next', doc: 'd2' });
    expect(p2.sent.at(-1)).toMatchObject({ kind: 'navigated', doc: 'd2' });
    expect(p2.sent.at(-1)).not.toHaveProperty('historyLostBefore');
    // a first load (no previous connection) has nothing missing
    const { router: r3 } = setup();
    const p3 = new FakePort<BackgroundToPanel>();
    r3.connectPanel(p3).message({ kind: 'subscribe', v, tabId: 7 });
    expect(p3.sent[0]).not.toHaveProperty('historyLostBefore');
  });

  it('a throwing panel port does not break routing to the others', () => {
    const { router, content } = setup();
    const dead = new FakePort<BackgroundToPanel>();
    const live = new FakePort<BackgroundToPanel>();
    router.connectPanel(dead).message({ kind: 'subscribe', v, tabId: 7 });
    router.connectPanel(live).message({ kind: 'subscribe', v, tabId: 7 });
    dead.closed = true;
    content.message(batch([sample(5)]));
    expect(eventsOf(live)).toEqual([sample(5)]);
  });
});

describe('Router backlog bounds', () => {
  it('bounds definitions too, dropping the oldest, and stays fast with many of them', () => {
    const router = new Router({ newId, maxDefinitions: 1000, maxRecent: 1000 });
    const c = router.connectContent(new FakePort(), 1, 0);
    c.message({ kind: 'hello', v, url: 'u', doc: 'd' });
    const t0 = performance.now();
    for (let b = 0; b < 100; b++) {
      const evs = Array.from({ length: 1000 }, (_, i) => ({ t: 'collected', time: 1, key: `r:${b * 1000 + i}` }));
      c.message(batch(evs));
    }
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(router.stats(1)?.backlog).toBe(1000);
    const p = new FakePort<BackgroundToPanel>();
    router.connectPanel(p).message({ kind: 'subscribe', v, tabId: 1 });
    const got = eventsOf(p);
    expect(got.length).toBe(1000);
    expect(got[0]).toEqual({ t: 'collected', time: 1, key: 'r:99000' });
  });

  it('the analyzer host gets every tab, present and future, resumes where it stopped, and hears of closed tabs', () => {
    const { router, content } = setup();
    content.message(batch([memory, sample(2)]));
    const hp = new FakePort<BackgroundToHost>();
    const host = router.connectHost(hp);
    host.message({ kind: 'subscribe-all', v, resume: [] });
    const hostEvents = (tabId: number) => hp.sent.flatMap((m) => (m.kind === 'events' && m.tabId === tabId ? m.events : []));
    expect(hostEvents(7)).toEqual([memory, sample(2)]);
    // a tab that appears later
    const c9 = router.connectContent(new FakePort<never>(), 9, 0);
    c9.message({ kind: 'hello', v, url: 'https://b.test/', doc: 'd9' });
    c9.message(batch([sample(5)]));
    expect(hostEvents(9)).toEqual([sample(5)]);
    expect(hp.sent.some((m) => m.kind === 'navigated' && m.tabId === 9)).toBe(true);
    // the host reconnects (e.g. after a worker restart) with a resume point: only what it lacks
    host.disconnected();
    content.message(batch([sample(3)]));
    const w = hp.sent.find((m) => m.kind === 'welcome' && m.tabId === 7);
    const session = w?.kind === 'welcome' ? w.session : '';
    const hp2 = new FakePort<BackgroundToHost>();
    router.connectHost(hp2).message({ kind: 'subscribe-all', v, resume: [{ tabId: 7, session, seq: 2 }] });
    expect(hp2.sent.flatMap((m) => (m.kind === 'events' && m.tabId === 7 ? m.events : []))).toEqual([sample(3)]);
    router.tabRemoved(9);
    expect(hp2.sent.at(-1)).toEqual({ kind: 'tab-removed', v, tabId: 9 });
    expect(hp.sent.some((m) => m.kind === 'tab-removed')).toBe(false);
    router.configureHosts({ pageBudgetBytes: 1, memoryBudgetBytes: null, budgetLevels: [1] });
    expect(hp2.sent.at(-1)?.kind).toBe('configure');
  });
});
