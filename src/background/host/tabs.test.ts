/** The analyzer host's state with the REAL analyzer wasm and the router's message shapes. */
import { eventsBytes } from '../../shared/event-batches';
import { describe, expect, it } from 'vitest';
import { createAnalyzer } from '../../analyzer/analyzer';
import { readAnalyzerWasm } from '../../analyzer/node';
import { PROTOCOL_VERSION, type BackgroundToPanel, type PageEvent } from '../../shared/protocol';
import type { TabStatus } from '../../shared/tab-status';
import { bindgenLeak, bindgenChurn } from '../../../bench/scenarios';
import { memoryAt } from '../../devtools-panel/test-events';
import { HostTabs } from './tabs';

const wasm = new WebAssembly.Module(readAnalyzerWasm());

/** Analyzers being created; `settle()` waits for them (and for the host to take them). */
const made: Array<Promise<unknown>> = [];
function makeAnalyzer() {
  const p = createAnalyzer(wasm);
  made.push(p);
  return p;
}

function setup(now = { t: 0 }) {
  const sent: TabStatus[] = [];
  const host = new HostTabs({ makeAnalyzer, send: (s) => sent.push(s), now: () => now.t, log: () => {} });
  return { host, sent, now };
}

function events(tabId: number, evs: PageEvent[], session = 's1', seq = 0): BackgroundToPanel {
  return { kind: 'events', v: PROTOCOL_VERSION, tabId, events: evs, dropped: 0, session, seq };
}

async function settle(): Promise<void> {
  await Promise.all(made);
  await new Promise((r) => setTimeout(r, 0));
}

describe('HostTabs', () => {
  it('one analyzer per tab: a leaky tab gets the alert, a clean one none', async () => {
    const { host, sent, now } = setup();
    host.handle({ kind: 'welcome', v: PROTOCOL_VERSION, tabId: 1, session: 's1', doc: 'd1', url: 'https://a.test/' });
    host.handle(events(1, bindgenLeak(6)));
    host.handle(events(2, bindgenChurn(10)));
    await settle();
    host.flush();
    const byTab = new Map(sent.map((s) => [s.tabId, s]));
    expect(
      byTab
        .get(1)
        ?.alerts.filter((a) => a.state === 'active')
        .map((a) => a.id),
    ).toEqual(['bindgen-live-growth:Tokenizer']);
    expect(byTab.get(1)?.url).toBe('https://a.test/');
    expect(byTab.get(1)?.memories).toBe(1);
    expect(byTab.get(2)?.alerts).toEqual([]);
    // nothing new: nothing sent; new events: at most once per interval
    sent.length = 0;
    host.flush();
    expect(sent).toEqual([]);
    now.t += 500;
    host.handle(events(2, [{ t: 'mark', time: 2e12, label: 'x' }], 's1', 1_000_000));
    host.flush();
    expect(sent).toEqual([]);
    now.t += 600;
    host.flush();
    expect(sent).toEqual([]); // only figures changed: sent after the quiet interval
    now.t += 4000;
    host.flush();
    expect(sent.map((s) => s.tabId)).toEqual([2]);
  });

  it('an alert whose title alone changes (its count rising) is sent with the quiet interval, not at once', async () => {
    const { host, sent, now } = setup();
    const evs = bindgenLeak(12);
    const half = evs.findIndex((e, i) => i > evs.length * 0.75 && e.t === 'bindgen');
    host.handle(events(1, evs.slice(0, half)));
    await settle();
    host.flush();
    const first = sent.at(-1)!.alerts.find((a) => a.id === 'bindgen-live-growth:Tokenizer')!;
    sent.length = 0;
    host.handle(events(1, evs.slice(half), 's1', half));
    now.t += 1100;
    host.flush();
    expect(sent).toEqual([]); // same alerts, same states: no status yet
    now.t += 4000;
    host.flush();
    const later = sent.at(-1)!.alerts.find((a) => a.id === 'bindgen-live-growth:Tokenizer')!;
    expect(later.title).not.toBe(first.title);
  });

  it('statuses are paced by their size: after one of B bytes, the next waits B / statusBytesPerSecond', async () => {
    const now = { t: 0 };
    const sent: TabStatus[] = [];
    const rate = 100; // bytes per second: a status of about 1 KB waits seconds
    const host = new HostTabs({ makeAnalyzer, send: (s) => sent.push(s), now: () => now.t, log: () => {} }, { statusBytesPerSecond: rate });
    const evs = bindgenLeak(12);
    const half = evs.findIndex((e, i) => i > evs.length * 0.5 && e.t === 'bindgen');
    host.handle(events(1, evs.slice(0, half)));
    await settle();
    host.flush();
    expect(sent.length).toBe(1);
    const wait = (1000 * JSON.stringify(sent[0]).length) / rate;
    expect(wait).toBeGreaterThan(2000);
    // A memory appears (a status worth sending at once), but not before the wait is over.
    host.handle(events(1, [...evs.slice(half), memoryAt('r:2', 2e12)], 's1', half));
    now.t = wait - 1;
    host.flush();
    expect(sent.length).toBe(1);
    now.t = wait;
    host.flush();
    expect(sent.length).toBe(2);
    expect(sent[1]?.memories).toBe(2);
  });

  it('a host-batch (the JSON text of several messages) counts as those messages; malformed text is dropped', async () => {
    const one = setup();
    const batched = setup();
    const messages: BackgroundToPanel[] = [
      { kind: 'welcome', v: PROTOCOL_VERSION, tabId: 1, session: 's1', doc: 'd1', url: 'https://a.test/' },
      events(1, bindgenLeak(6)),
    ];
    for (const m of messages) one.host.handle(m);
    batched.host.handle({ kind: 'host-batch', v: PROTOCOL_VERSION, json: '{not json' });
    batched.host.handle({ kind: 'host-batch', v: PROTOCOL_VERSION, json: '{"kind":"events"}' });
    batched.host.handle({ kind: 'host-batch', v: PROTOCOL_VERSION, json: JSON.stringify(messages) });
    await settle();
    one.host.flush();
    batched.host.flush();
    expect(batched.sent.map((s) => s.alerts.map((a) => a.id))).toEqual([['bindgen-live-growth:Tokenizer']]);
    expect(batched.sent).toEqual(one.sent);
  });

  it('replays after a service-worker restart are not counted twice; a navigation resets', async () => {
    const { host, sent, now } = setup();
    const evs = bindgenLeak(6);
    host.handle({ kind: 'welcome', v: PROTOCOL_VERSION, tabId: 1, session: 's1', doc: 'd1' });
    host.handle(events(1, evs));
    await settle();
    host.flush();
    const before = sent.at(-1);
    expect(host.resumePoints()).toEqual([{ tabId: 1, session: 's1', seq: evs.length }]);
    // the router's backlog replays the same range again: ignored
    host.handle(events(1, evs));
    now.t += 2000;
    host.flush();
    expect(sent.at(-1)?.events ?? before?.events).toBe(before?.events);
    // navigation to another document: empty status at once
    host.handle({ kind: 'navigated', v: PROTOCOL_VERSION, tabId: 1, url: 'https://b.test/', session: 's2', doc: 'd2' });
    host.flush();
    expect(sent.at(-1)).toMatchObject({ alerts: [], events: 0, doc: 'd2', peakBytes: 0 });
  });

  it('keeps at most maxBytesPerTab for export, and forgets removed tabs', async () => {
    const sent: TabStatus[] = [];
    const evs = bindgenLeak(6);
    const maxBytesPerTab = eventsBytes(evs.slice(0, 50));
    const host = new HostTabs({ makeAnalyzer, send: (s) => sent.push(s), now: () => 0, log: () => {} }, { maxBytesPerTab });
    host.handle(events(3, evs));
    await settle();
    const trace = host.trace(3, new Date(0));
    expect(trace?.events).toHaveLength(50);
    expect(trace?.omitted).toBe(evs.length - 50);
    host.handle({ kind: 'tab-removed', v: PROTOCOL_VERSION, tabId: 3 });
    expect(host.trace(3, new Date(0))).toBeNull();
    expect(host.tabIds()).toEqual([]);
  });

  it('budgets: the options default for every tab, the panel budgets for its own tab', async () => {
    const { host, sent, now } = setup();
    const s = bindgenChurn(3);
    host.handle({
      kind: 'configure',
      v: PROTOCOL_VERSION,
      config: { pageBudgetBytes: 8 * 1024 * 1024, memoryBudgetBytes: null, budgetLevels: [0.5] },
    });
    host.configureTab(2, { pageBudgetBytes: null, memoryBudgetBytes: null, budgetLevels: [0.5] });
    host.handle(events(1, s));
    host.handle(events(2, s));
    await settle();
    host.handle(events(1, [{ t: 'mark', time: 2e12, label: 'x' }], 's1', 1_000_000));
    host.handle(events(2, [{ t: 'mark', time: 2e12, label: 'x' }], 's1', 1_000_000));
    now.t += 5000;
    host.flush();
    const last = (tab: number) => sent.filter((x) => x.tabId === tab).at(-1);
    expect(last(1)?.alerts.some((a) => a.kind === 'budget' && a.state === 'active')).toBe(true);
    expect(last(2)?.alerts.some((a) => a.kind === 'budget')).toBe(false);
  });
});
