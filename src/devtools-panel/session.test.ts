import { eventsBytes } from '../shared/event-batches';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type BackgroundToPanel, type PageEvent } from '../shared/protocol';
import { parseTrace, serializeTrace } from '../shared/trace';
import { PanelSession } from './session';
import { memoryAt } from './test-events';

const v = PROTOCOL_VERSION;
const sample = (time: number): PageEvent => ({ t: 'sample', time, keys: ['r:1'], bytes: [65536 * time] });
const events = (session: string, seq: number, evs: PageEvent[], dropped = 0): BackgroundToPanel => ({
  kind: 'events',
  v,
  tabId: 3,
  events: evs,
  dropped,
  session,
  seq,
});

describe('PanelSession', () => {
  it('accumulates events and de-duplicates a replay by sequence number', () => {
    const s = new PanelSession(3);
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'https://a.test/' });
    expect(s.handle(events('A', 0, [sample(1), sample(2)]))).toEqual({ kind: 'events', events: [sample(1), sample(2)] });
    expect(s.resume()).toEqual({ session: 'A', seq: 2 });
    // A replay overlapping what we have: only the new tail counts.
    expect(s.handle(events('A', 1, [sample(2), sample(3)]))).toEqual({ kind: 'events', events: [sample(3)] });
    expect(s.handle(events('A', 0, [sample(1)]))).toEqual({ kind: 'none' });
    expect(s.events).toEqual([sample(1), sample(2), sample(3)]);
    expect(s.received).toBe(3);
  });

  it('knows the time span of what it kept, through the cap, a clear and a navigation', () => {
    const s = new PanelSession(3, 2 * eventsBytes([sample(5)]));
    expect(s.keptSpan()).toBeNull();
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'https://a.test/' });
    s.handle(events('A', 0, [sample(5), sample(2)]));
    expect(s.keptSpan()).toEqual({ from: 2, to: 5 });
    // Over the cap: received and analysed, not kept, so not in the span.
    s.handle(events('A', 2, [sample(9)]));
    expect(s.omitted).toBe(1);
    expect(s.keptSpan()).toEqual({ from: 2, to: 5 });
    s.clear();
    expect(s.keptSpan()).toBeNull();
    s.handle(events('A', 3, [sample(11)]));
    expect(s.keptSpan()).toEqual({ from: 11, to: 11 });
    s.handle({ kind: 'navigated', v, tabId: 3, session: 'B', doc: 'd2', url: 'https://b.test/' });
    expect(s.keptSpan()).toBeNull();
  });

  it('drops re-sent definitions (a content script replays them after a worker restart)', () => {
    const s = new PanelSession(3);
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
    s.handle(events('A', 0, [memory, sample(2)]));
    expect(s.handle(events('B', 0, [memory]))).toEqual({ kind: 'none' });
    expect(s.handle(events('B', 1, [memory, sample(3)]))).toEqual({ kind: 'events', events: [sample(3)] });
    expect(s.events).toEqual([memory, sample(2), sample(3)]);
    // After a navigation the same key is new again.
    s.handle({ kind: 'navigated', v, tabId: 3, url: 'u2', session: 'C', doc: 'd2' });
    expect(s.handle(events('C', 0, [memory]))).toEqual({ kind: 'events', events: [memory] });
  });

  it('ignores other tabs', () => {
    const s = new PanelSession(3);
    expect(s.handle({ ...events('A', 0, [sample(1)]), tabId: 4 } as BackgroundToPanel)).toEqual({ kind: 'none' });
  });

  it('keeps its data across a service-worker restart (new background session, same document)', () => {
    const s = new PanelSession(3);
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'u' });
    s.handle(events('A', 0, [sample(1), sample(2)]));
    // New worker: welcome without doc (no content yet), then the same document says hello.
    expect(s.handle({ kind: 'welcome', v, tabId: 3, session: 'B' })).toEqual({ kind: 'none' });
    expect(s.handle({ kind: 'navigated', v, tabId: 3, url: 'u', session: 'B', doc: 'd1' })).toEqual({ kind: 'none' });
    s.handle(events('B', 0, [sample(3)]));
    expect(s.events).toEqual([sample(1), sample(2), sample(3)]);
  });

  it('a panel opened after a worker restart knows from when it lacks the history; one open across it does not', () => {
    const fresh = new PanelSession(3);
    fresh.handle({ kind: 'welcome', v, tabId: 3, session: 'B', doc: 'd1', url: 'u', historyLostBefore: 4000 });
    expect(fresh.historyLostBefore).toBe(4000);
    // the hello may reach the new worker after the panel subscribed: the navigated says it then
    const early = new PanelSession(3);
    early.handle({ kind: 'welcome', v, tabId: 3, session: 'B' });
    expect(early.historyLostBefore).toBeNull();
    early.handle({ kind: 'navigated', v, tabId: 3, url: 'u', session: 'B', doc: 'd1', historyLostBefore: 4000 });
    expect(early.historyLostBefore).toBe(4000);
    // open across the restart: it holds the history
    const kept = new PanelSession(3);
    kept.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'u' });
    kept.handle(events('A', 0, [sample(1)]));
    kept.handle({ kind: 'welcome', v, tabId: 3, session: 'B', doc: 'd1', url: 'u', historyLostBefore: 4000 });
    kept.handle({ kind: 'navigated', v, tabId: 3, url: 'u', session: 'B', doc: 'd1', historyLostBefore: 4000 });
    expect(kept.historyLostBefore).toBeNull();
    // a navigation starts a complete session
    fresh.handle({ kind: 'navigated', v, tabId: 3, url: 'u2', session: 'C', doc: 'd2' });
    expect(fresh.historyLostBefore).toBeNull();
  });

  it('starts a new session on navigation to another document', () => {
    const s = new PanelSession(3);
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'u1' });
    s.handle(events('A', 0, [sample(1)], 2));
    expect(s.handle({ kind: 'navigated', v, tabId: 3, url: 'u2', session: 'C', doc: 'd2' })).toEqual({
      kind: 'reset',
      url: 'u2',
      // What was held of the document before: handed over whole (the panel keeps it as a segment).
      ended: {
        url: 'u1',
        doc: 'd1',
        events: [sample(1)],
        keptBytes: eventsBytes([sample(1)]),
        received: 1,
        omitted: 0,
        lost: 2,
        historyLostBefore: null,
      },
    });
    expect(s.events).toEqual([]);
    expect(s.dropped).toBe(0);
    s.handle(events('C', 0, [sample(5)]));
    expect(s.toTrace(new Date(0), 'test').page.url).toBe('u2');
    expect(s.events).toEqual([sample(5)]);
  });

  it('counts the events the background evicted before we got them (sequence gaps), and exports them as dropped', () => {
    const s = new PanelSession(3);
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'u1' });
    s.handle(events('A', 5, [sample(1), sample(2)], 1)); // seq 0..4 evicted
    s.handle(events('A', 7, [sample(3)], 1));
    s.handle(events('A', 10, [sample(4)], 1)); // 8, 9 evicted
    expect(s.missed).toBe(7);
    expect(s.toTrace(new Date(0), 'test').dropped).toBe(8);
    // A new document: a new count.
    s.handle({ kind: 'navigated', v, tabId: 3, session: 'B', doc: 'd2', url: 'u2' });
    expect(s.missed).toBe(0);
  });

  it('holds a flood of 3.8 KB-stack grows within its byte bound', () => {
    const maxBytes = 1024 * 1024;
    const s = new PanelSession(3, maxBytes);
    const stack = 'Error\n' + '    at recurseThroughAFrameWithALongName (https://a.test/app.js:10:5)\n'.repeat(55);
    const grow = (i: number): PageEvent => ({ t: 'grow', time: i, key: 'r:1', fromBytes: i, toBytes: i + 1, via: 'js', stack });
    for (let b = 0; b < 100; b++)
      s.handle(
        events(
          'A',
          b * 100,
          Array.from({ length: 100 }, (_, i) => grow(b * 100 + i)),
        ),
      );
    expect(s.received).toBe(10_000);
    expect(s.keptBytes).toBeLessThanOrEqual(maxBytes);
    expect(s.events.length + s.omitted).toBe(10_000);
    expect(s.events.length).toBe(Math.floor(maxBytes / eventsBytes([grow(0)])));
  });

  it('a welcome for another document (navigated while disconnected) resets', () => {
    const s = new PanelSession(3);
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'u1' });
    s.handle(events('A', 0, [sample(1)]));
    expect(s.handle({ kind: 'welcome', v, tabId: 3, session: 'B', doc: 'd9', url: 'u9' })).toMatchObject({
      kind: 'reset',
      url: 'u9',
      ended: { url: 'u1', doc: 'd1', received: 1 },
    });
    // A document that sent nothing before the next one ends no segment.
    expect(s.handle({ kind: 'navigated', v, tabId: 3, session: 'C', doc: 'd10', url: 'u10' })).toEqual({
      kind: 'reset',
      url: 'u10',
      ended: null,
    });
  });

  it('clear forgets the record but keeps the definitions of what is alive, without a replay', () => {
    const s = new PanelSession(3);
    const memory = (key: string) => memoryAt(key, 1);
    const realm: PageEvent = { t: 'realm', time: 0, realm: 'r', kind: 'window', url: 'u1' };
    s.handle({ kind: 'welcome', v, tabId: 3, session: 'A', doc: 'd1', url: 'u1' });
    s.handle(events('A', 0, [realm, memory('r:1'), memory('r:2'), sample(2), { t: 'collected', time: 3, key: 'r:2' }], 4));
    expect(s.lost).toBe(4);
    expect(s.clear()).toEqual([realm, memory('r:1')]);
    expect(s.events).toEqual([realm, memory('r:1')]);
    expect(s.keptBytes).toBe(eventsBytes([realm, memory('r:1')]));
    expect(s.received).toBe(0);
    expect(s.lost).toBe(0);
    expect(s.resume()).toEqual({ session: 'A', seq: 5 });
    // the page's cumulative drop count rises again: only the new drops count
    expect(s.handle(events('A', 5, [sample(4)], 5))).toEqual({ kind: 'events', events: [sample(4)] });
    expect(s.lost).toBe(1);
    // a definition the page re-sends after a worker restart is still known
    expect(s.handle(events('B', 0, [memory('r:1')]))).toEqual({ kind: 'none' });
    expect(s.toTrace(new Date(0), 't')).toMatchObject({ events: [realm, memory('r:1'), sample(4)], dropped: 1 });
  });

  it('caps what it keeps by bytes (the beginning of the session), counts the rest, and says so in the trace', () => {
    const s = new PanelSession(3, eventsBytes([sample(1), sample(2), sample(3)]));
    s.handle(events('A', 0, [sample(1), sample(2)]));
    expect(s.handle(events('A', 2, [sample(3), sample(4), sample(5)]))).toEqual({
      kind: 'events',
      events: [sample(3), sample(4), sample(5)],
    });
    const t = s.toTrace(new Date(0), 'test');
    expect(t.events.length).toBe(3);
    expect(t.omitted).toBe(2);
    const back = parseTrace(serializeTrace(t));
    expect(back.ok && back.trace.omitted).toBe(2);
  });

  it('reports a protocol version mismatch', () => {
    const s = new PanelSession(3);
    expect(s.handle({ kind: 'version-mismatch', v, expected: 1, got: 2 })).toEqual({ kind: 'version-mismatch', expected: 1, got: 2 });
  });
});

describe('PanelSession: the tab closed', () => {
  it('keeps what was recorded and says the tab is closed; another tab closing changes nothing', () => {
    const s = new PanelSession(7);
    s.handle({ kind: 'events', v: PROTOCOL_VERSION, tabId: 7, events: [{ t: 'mark', time: 1, label: 'm' }], dropped: 0 });
    expect(s.handle({ kind: 'tab-closed', v: PROTOCOL_VERSION, tabId: 8 })).toEqual({ kind: 'none' });
    expect(s.closed).toBe(false);
    expect(s.handle({ kind: 'tab-closed', v: PROTOCOL_VERSION, tabId: 7 })).toEqual({ kind: 'closed' });
    expect(s.closed).toBe(true);
    expect(s.events).toHaveLength(1);
  });
});
