import { describe, expect, it } from 'vitest';
import type { Alert, AnalyzerApi, AnalyzerConfig, Report, Severity } from '../shared/analyzer-api';
import { PROTOCOL_VERSION, TRACE_FORMAT, type PageEvent } from '../shared/protocol';
import { serializeTrace } from '../shared/trace';
import { tooLargeError } from '../shared/trace-stream';
import { registryTrendKey } from './trends';
import { PanelController, parseConfig } from './controller';
import { memoryAt, sampleAt, testAlert } from './test-events';

/** A test double of the analyzer: records what it is given. Tests only. */
class FakeAnalyzer implements AnalyzerApi {
  ingested: PageEvent[] = [];
  resets = 0;
  disposed = false;
  config: Partial<AnalyzerConfig> = {};
  /** The arguments of each series() call. */
  seriesCalls: Array<[number, number | undefined, number | undefined]> = [];
  ingest(events: readonly PageEvent[]): void {
    this.ingested.push(...events);
  }
  series(maxPoints: number, from?: number, to?: number) {
    this.seriesCalls.push([maxPoints, from, to]);
    return [];
  }
  report(): Report {
    // Just enough of a report for the panel's own bookkeeping: marks, and a memory per `sites` key.
    const keys = [...new Set(this.ingested.flatMap((e) => (e.t === 'sites' ? [e.memory] : [])))];
    const memories = keys.map((key) => ({
      key,
      owner: '',
      currentBytes: 0,
      peakBytes: 0,
      growthEvents: 0,
      firstSeen: 0,
      lastSeen: 0,
      collected: false,
      maxBytes: null,
      limitBytes: 4294967296,
      tracking: 'inside-wasm' as const,
      allocator: null,
      trackingReason: null,
      sites: [],
    }));
    const marks = this.ingested.flatMap((e) => (e.t === 'mark' ? [{ time: e.time, label: e.label }] : []));
    return { memories, classes: [], registries: [], alerts: [], marks, eventCount: this.ingested.length };
  }
  diff() {
    return null;
  }
  configure(c: Partial<AnalyzerConfig>): void {
    this.config = { ...this.config, ...c };
  }
  reset(): void {
    this.ingested = [];
    this.resets++;
  }
  dispose(): void {
    this.disposed = true;
  }
}

const v = PROTOCOL_VERSION;
const sample = (time: number): PageEvent => ({ t: 'sample', time, keys: ['r:1'], bytes: [65536] });

async function setup(opts: { host?: boolean } = {}) {
  const made: FakeAnalyzer[] = [];
  const frames: Array<() => void> = [];
  const c = new PanelController({
    ...(opts.host ? { host: { configure: () => undefined } } : {}),
    tabId: 1,
    makeAnalyzer: async () => {
      const a = new FakeAnalyzer();
      made.push(a);
      return a;
    },
    scheduleFrame: (fn) => void frames.push(fn),
    now: () => new Date(0),
    generator: 'test',
    log: () => undefined,
  });
  await c.init();
  const flush = () => {
    while (frames.length) frames.shift()?.();
  };
  return { c, made, flush };
}

describe('PanelController', () => {
  it('feeds the live analyzer and reports status', async () => {
    const { c, made, flush } = await setup();
    flush();
    expect(c.getView().status).toBe('disconnected');
    c.setLink('connected');
    flush();
    expect(c.getView().status).toBe('waiting');
    c.handle({ kind: 'events', v, tabId: 1, events: [sample(1), sample(2)], dropped: 0, session: 'A', seq: 0 });
    flush();
    expect(made[0]?.ingested).toEqual([sample(1), sample(2)]);
    expect(c.getView()).toMatchObject({ status: 'connected', received: 2, mode: 'live' });
    expect(c.getView().report?.eventCount).toBe(2);
    expect(c.exportTrace().events).toEqual([sample(1), sample(2)]);
  });

  it('asks for the chart window the panel shows, and starts a new chart epoch on navigation', async () => {
    const { c, made, flush } = await setup();
    c.setChartPoints(500);
    flush();
    expect(made[0]?.seriesCalls.at(-1)).toEqual([500, undefined, undefined]);
    const epoch = c.getView().chartEpoch;
    c.setChartRange({ from: 1000, to: 4000, scale: 3 });
    flush();
    expect(made[0]?.seriesCalls.at(-1)).toEqual([1500, 1000, 4000]);
    // The same window again: nothing to recompute.
    const calls = made[0]?.seriesCalls.length;
    c.setChartRange({ from: 1000, to: 4000, scale: 3 });
    flush();
    expect(made[0]?.seriesCalls.length).toBe(calls);
    c.setChartRange({ from: NaN, to: 4000, scale: 3 }); // not a window: the whole session
    flush();
    expect(made[0]?.seriesCalls.at(-1)).toEqual([500, undefined, undefined]);
    c.setChartRange({ from: 1000, to: 4000, scale: 3 });
    c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://b.test/', session: 'B', doc: 'd2' });
    flush();
    expect(c.getView().chartEpoch).toBe(epoch + 1);
    expect(made[0]?.seriesCalls.at(-1)).toEqual([500, undefined, undefined]);
  });

  it('navigation resets the live analyzer and keeps the budget', async () => {
    const { c, made } = await setup();
    c.configure({ pageBudgetBytes: 1024 });
    c.handle({ kind: 'events', v, tabId: 1, events: [sample(1)], dropped: 0, session: 'A', seq: 0 });
    c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://b.test/', session: 'B', doc: 'd2' });
    expect(made[0]?.resets).toBe(1);
    expect(made[0]?.config.pageBudgetBytes).toBe(1024);
    expect(c.exportTrace()).toMatchObject({ events: [], page: { url: 'https://b.test/' } });
  });

  it('keeps the class and registry series for the sparklines, and forgets them on navigation', async () => {
    const { c, flush } = await setup();
    const reg = (time: number, open: number) => ({ t: 'registry' as const, time, name: 'docs', stats: { open } });
    c.handle({ kind: 'events', v, tabId: 1, events: [reg(1, 1), reg(2, 4)], dropped: 0, session: 'A', seq: 0 });
    flush();
    expect(c.getView().trends.get(registryTrendKey('docs', 'open'))?.max).toEqual([1, 4]);
    expect(c.getView().trends.range).toEqual([1, 2]);
    c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://b.test/', session: 'B', doc: 'd2' });
    flush();
    expect(c.getView().trends.get(registryTrendKey('docs', 'open'))).toBeUndefined();
  });

  it('a malformed import shows the error and loses nothing', async () => {
    const { c, made, flush } = await setup();
    c.handle({ kind: 'events', v, tabId: 1, events: [sample(1)], dropped: 0, session: 'A', seq: 0 });
    expect(
      await c.importText(
        'bad.json',
        '{"format":"wasm-memory-trace","version":1,"page":{"url":"x"},"events":[{"t":"sample","time":1,"keys":["a"],"bytes":[-4]}]}',
      ),
    ).toBe(false);
    flush();
    expect(c.getView().importError).toBe('bad.json: events[0].bytes[0]: expected a non-negative number, got -4');
    expect(c.getView().mode).toBe('live');
    expect(made.length).toBe(1);
    expect(c.exportTrace().events).toEqual([sample(1)]);
  });

  it('a file over the size limit is refused before it is read, with a message that says so', async () => {
    const { c, flush } = await setup();
    let read = false;
    const chunks = {
      *[Symbol.iterator]() {
        read = true;
        yield '{}';
      },
    };
    expect(await c.importChunks('huge.json', chunks, 629 * 1024 * 1024)).toBe(false);
    flush();
    expect(read).toBe(false);
    expect(c.getView().importError).toBe(`huge.json: ${tooLargeError(629 * 1024 * 1024)}`);
    expect(c.getView().importing).toBeNull();
  });

  it('a big import shows its progress, gives the panel a turn between slices, and ends in the imported view', async () => {
    const { c, made, flush } = await setup();
    const events = Array.from({ length: 40_000 }, (_, i) => sample(i));
    const text = serializeTrace({
      format: TRACE_FORMAT,
      version: 2,
      createdAt: '',
      generator: 'g',
      page: { url: 'u' },
      events,
      dropped: 0,
    });
    const seen: number[] = [];
    let pauses = 0;
    const chunks = (async function* () {
      for (let i = 0; i < text.length; i += 64 * 1024) {
        // what the panel shows while the file streams in
        flush();
        const p = c.getView().importing;
        if (p) seen.push(p.fraction);
        pauses++;
        await Promise.resolve();
        yield text.slice(i, i + 64 * 1024);
      }
    })();
    expect(await c.importChunks('big.json', chunks, text.length)).toBe(true);
    flush();
    expect(pauses).toBeGreaterThan(10);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(c.getView()).toMatchObject({ mode: 'import', importing: null, imported: { name: 'big.json', events: 40_000 } });
    expect(made[1]?.ingested.length).toBe(40_000);
  });

  it('a good import replaces the view; live keeps recording underneath; back to live', async () => {
    const { c, made, flush } = await setup();
    const text = serializeTrace({
      format: TRACE_FORMAT,
      version: 1,
      createdAt: '',
      generator: 'g',
      page: { url: 'https://t.test/' },
      events: [sample(7), sample(8), sample(9)],
      dropped: 0,
    });
    expect(await c.importText('good.json', text)).toBe(true);
    c.handle({ kind: 'events', v, tabId: 1, events: [sample(1)], dropped: 0, session: 'A', seq: 0 });
    flush();
    expect(c.getView()).toMatchObject({
      mode: 'import',
      imported: { name: 'good.json', events: 3, url: 'https://t.test/' },
      importError: null,
    });
    expect(c.getView().report?.eventCount).toBe(3);
    expect(made[0]?.ingested).toEqual([sample(1)]);
    c.backToLive();
    flush();
    expect(made[1]?.disposed).toBe(true);
    expect(c.getView()).toMatchObject({ mode: 'live', received: 1 });
    expect(c.getView().report?.eventCount).toBe(1);
  });

  it("counts page errors: live (reset on navigation), and the imported trace's while one is shown", async () => {
    const { c, flush } = await setup();
    const err = (time: number, skipped?: number): PageEvent =>
      skipped === undefined
        ? { t: 'page-error', time, realm: 'r', kind: 'error', message: `Uncaught Error: ${time}` }
        : { t: 'page-error', time, realm: 'r', kind: 'error', message: 'late', skipped };
    c.handle({ kind: 'events', v, tabId: 1, events: [sample(1), err(2), err(3)], dropped: 0, session: 'A', seq: 0 });
    c.handle({ kind: 'events', v, tabId: 1, events: [err(4, 40)], dropped: 0, session: 'A', seq: 3 });
    flush();
    expect(c.getView().pageErrors).toBe(42);
    const text = serializeTrace({
      format: TRACE_FORMAT,
      version: 2,
      createdAt: '',
      generator: 'g',
      page: { url: 'https://t.test/' },
      events: [err(7)],
      dropped: 0,
    });
    expect(await c.importText('errors.json', text)).toBe(true);
    flush();
    expect(c.getView()).toMatchObject({ mode: 'import', pageErrors: 1, imported: { pageErrors: 1 } });
    c.backToLive();
    c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://b.test/', session: 'B', doc: 'd2' });
    flush();
    expect(c.getView().pageErrors).toBe(0);
  });
});

describe('allocation sites', () => {
  const sites = (time: number, bytes: number, interval = 65536): PageEvent => ({
    t: 'sites',
    time,
    memory: 'm:1',
    interval,
    sites: [{ bytes, count: bytes / 64, samples: 1, frames: ['at malloc (wasm-function[3])', 'at wasm-function[9]'] }],
  });
  const mark = (time: number, label: string): PageEvent => ({ t: 'mark', time, label });

  it('live: the latest sampling interval per memory, and a sites diff between two marks', async () => {
    const { c, flush } = await setup();
    c.handle({
      kind: 'events',
      v,
      tabId: 1,
      events: [sites(1, 640), mark(2, 'a'), sites(3, 6400, 32768), mark(4, 'b')],
      dropped: 0,
      session: 'A',
      seq: 0,
    });
    flush();
    expect(c.getView().siteIntervals).toEqual({ 'm:1': 32768 });
    expect(c.sitesDiff(0, 1)).toEqual([
      expect.objectContaining({
        memory: 'm:1',
        frame: 'wasm-function[9]',
        fromBytes: 640,
        toBytes: 6400,
        bytesDelta: 5760,
        countDelta: 90,
      }),
    ]);
    expect(c.sitesDiff(0, 5)).toBeNull();
    c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://b.test/', session: 'B', doc: 'd2' });
    flush();
    expect(c.getView().siteIntervals).toEqual({});
    expect(c.sitesDiff(0, 1)).toBeNull();
  });

  it("import: the trace's own sites and marks while it is shown", async () => {
    const { c, flush } = await setup();
    c.handle({ kind: 'events', v, tabId: 1, events: [sites(1, 64), mark(2, 'live')], dropped: 0, session: 'A', seq: 0 });
    const text = serializeTrace({
      format: TRACE_FORMAT,
      version: 2,
      createdAt: '',
      generator: 'g',
      page: { url: 'https://t.test/' },
      events: [mark(5, 'x'), sites(6, 128, 4096), mark(7, 'y')],
      dropped: 0,
    });
    expect(await c.importText('sites.json', text)).toBe(true);
    flush();
    expect(c.getView().siteIntervals).toEqual({ 'm:1': 4096 });
    expect(c.sitesDiff(0, 1)?.map((d) => d.bytesDelta)).toEqual([128]);
    c.backToLive();
    flush();
    expect(c.getView().siteIntervals).toEqual({ 'm:1': 65536 });
  });
});

describe('allocation-tracking switch', () => {
  it('loads the stored switch, saves changes, and reverts when saving fails', async () => {
    let stored = { allocationTracking: false };
    let fail = false;
    const frames: Array<() => void> = [];
    const c = new PanelController({
      tabId: 1,
      makeAnalyzer: async () => new FakeAnalyzer(),
      scheduleFrame: (fn) => void frames.push(fn),
      now: () => new Date(0),
      generator: 'test',
      log: () => undefined,
      pageSettings: {
        load: async () => stored,
        save: async (s) => {
          if (fail) throw new Error('quota');
          stored = s;
        },
      },
    });
    const flush = () => {
      while (frames.length) frames.shift()?.();
    };
    await c.init();
    flush();
    expect(c.getView()).toMatchObject({ allocationTracking: false, settingsError: null });
    await c.setAllocationTracking(true);
    flush();
    expect(stored).toEqual({ allocationTracking: true });
    expect(c.getView().allocationTracking).toBe(true);
    fail = true;
    await c.setAllocationTracking(false);
    flush();
    expect(c.getView()).toMatchObject({ allocationTracking: true, settingsError: 'Could not save the setting: quota' });
  });

  it('is on by default', async () => {
    const { c, flush } = await setup();
    flush();
    expect(c.getView().allocationTracking).toBe(true);
  });
});

describe('budget settings', () => {
  it('are loaded from and saved to the settings store, validated', async () => {
    let stored: unknown = { pageBudgetBytes: 1048576, memoryBudgetBytes: null, budgetLevels: [0.9, 0.5] };
    const made: FakeAnalyzer[] = [];
    const c = new PanelController({
      tabId: 1,
      makeAnalyzer: async () => {
        const a = new FakeAnalyzer();
        made.push(a);
        return a;
      },
      scheduleFrame: () => undefined,
      now: () => new Date(0),
      generator: 'test',
      log: () => undefined,
      settings: { load: () => stored, save: (cfg) => (stored = cfg) },
    });
    await c.init();
    expect(made[0]?.config).toEqual({ pageBudgetBytes: 1048576, memoryBudgetBytes: null, budgetLevels: [0.5, 0.9] });
    c.configure({ memoryBudgetBytes: 4096 });
    expect(stored).toEqual({ pageBudgetBytes: 1048576, memoryBudgetBytes: 4096, budgetLevels: [0.5, 0.9] });
  });
  it('refuses malformed stored settings', () => {
    expect(parseConfig(null)).toBeNull();
    expect(parseConfig({ pageBudgetBytes: -1, memoryBudgetBytes: null, budgetLevels: [] })).toBeNull();
    expect(parseConfig({ pageBudgetBytes: null, memoryBudgetBytes: null, budgetLevels: ['x'] })).toBeNull();
    expect(parseConfig({ pageBudgetBytes: null, memoryBudgetBytes: 5, budgetLevels: [0.5] })).toEqual({
      pageBudgetBytes: null,
      memoryBudgetBytes: 5,
      budgetLevels: [0.5],
    });
  });

  describe('segments, pause, clear, alert decisions (issue 15)', () => {
    const memory = memoryAt;
    const at = sampleAt;
    const alert = (id: string, severity: Severity, subject = id): Alert => testAlert(id, 'budget', subject, severity);

    it('a reload keeps the earlier document as a segment: listed, selectable with its alerts, exportable, and joined in "all"', async () => {
      const { c, made, flush } = await setup({ host: true });
      c.handle({ kind: 'welcome', v, tabId: 1, session: 'A', doc: 'd1', url: 'https://a.test/' });
      c.handle({ kind: 'events', v, tabId: 1, events: [memory('a:1', 10), at('a:1', 20)], dropped: 0, session: 'A', seq: 0 });
      c.setHostAlerts([alert('old', 'warning')], 'd1');
      c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://a.test/', session: 'B', doc: 'd2' });
      // The host's reset for the new document may come before or after the navigation.
      c.setHostAlerts([], 'd2');
      c.handle({ kind: 'events', v, tabId: 1, events: [memory('b:1', 50), at('b:1', 60)], dropped: 0, session: 'B', seq: 0 });
      flush();
      let view = c.getView();
      expect(view.segments).toEqual([{ number: 1, url: 'https://a.test/', startedAt: 10, endedAt: 20, received: 2 }]);
      expect(view.current).toMatchObject({ number: 2, startedAt: 50, received: 2 });
      expect(view.selection).toBe('current');
      expect(view.alerts).toEqual([]);
      expect(c.exportSelected().events).toEqual([memory('b:1', 50), at('b:1', 60)]);

      await c.selectSegment(1);
      flush();
      view = c.getView();
      expect(view).toMatchObject({ selection: 1, received: 2, segmentLoading: false, segmentStarts: [] });
      expect(view.alerts.map((d) => d.alert.id)).toEqual(['old']);
      expect(made.at(-1)?.ingested).toEqual([memory('a:1', 10), at('a:1', 20)]);
      expect(c.exportSelected()).toMatchObject({ events: [memory('a:1', 10), at('a:1', 20)], page: { url: 'https://a.test/' } });

      await c.selectSegment('all');
      flush();
      const joined = [memory('a:1', 10), at('a:1', 20), { t: 'collected', time: 50, key: 'a:1' }, memory('b:1', 50), at('b:1', 60)];
      expect(c.getView()).toMatchObject({ selection: 'all', received: 4, segmentStarts: [50] });
      expect(made.at(-1)?.ingested).toEqual(joined);
      expect(c.exportSelected().events).toEqual(joined);
      // It follows live events, and a further reload adds a boundary.
      c.handle({ kind: 'events', v, tabId: 1, events: [at('b:1', 70)], dropped: 0, session: 'B', seq: 2 });
      c.handle({ kind: 'navigated', v, tabId: 1, url: 'https://c.test/', session: 'C', doc: 'd3' });
      c.handle({ kind: 'events', v, tabId: 1, events: [at('c:1', 90)], dropped: 0, session: 'C', seq: 0 });
      flush();
      expect(c.getView().segmentStarts).toEqual([50, 90]);
      expect(made.at(-1)?.ingested.slice(joined.length)).toEqual([at('b:1', 70), { t: 'collected', time: 90, key: 'b:1' }, at('c:1', 90)]);
      // The automation API's export is still the current document's.
      expect(c.exportTrace().events).toEqual([at('c:1', 90)]);

      await c.selectSegment('current');
      flush();
      expect(c.getView()).toMatchObject({ selection: 'current', segmentStarts: [], received: 1 });
      expect(made.at(-1)?.disposed).toBe(true);
    });

    it('tells connecting from reconnecting, and ignores host alerts about another document', async () => {
      const { c, flush } = await setup({ host: true });
      flush();
      expect(c.getView()).toMatchObject({ status: 'disconnected', everConnected: false });
      c.setLink('connected');
      c.setLink('disconnected');
      flush();
      expect(c.getView()).toMatchObject({ status: 'disconnected', everConnected: true, reconnects: 0 });
      c.handle({ kind: 'welcome', v, tabId: 1, session: 'A', doc: 'd2', url: 'u' });
      c.setHostAlerts([alert('stale', 'error')], 'd1');
      flush();
      expect(c.getView().alerts).toEqual([]);
      c.setHostAlerts([alert('now', 'warning')], 'd2');
      flush();
      expect(c.getView().alertCount).toEqual({ count: 1, worst: 'warning' });
    });

    it('pause holds the view while events keep arriving; resume shows all of them', async () => {
      const { c, made, flush } = await setup();
      c.handle({ kind: 'events', v, tabId: 1, events: [sample(1)], dropped: 0, session: 'A', seq: 0 });
      flush();
      c.pause();
      c.handle({ kind: 'events', v, tabId: 1, events: [sample(2), sample(3)], dropped: 0, session: 'A', seq: 1 });
      flush();
      expect(c.getView()).toMatchObject({ paused: true, pausedEvents: 2, received: 1 });
      expect(c.getView().report?.eventCount).toBe(1);
      // Recorded and analysed meanwhile: nothing waits, nothing is lost.
      expect(made[0]?.ingested.length).toBe(3);
      expect(c.exportTrace().events.length).toBe(3);
      c.resume();
      flush();
      expect(c.getView()).toMatchObject({ paused: false, pausedEvents: 0, received: 3 });
      expect(c.getView().report?.eventCount).toBe(3);
    });

    it('clear empties the record, segments and view but keeps what is alive; the host alerts stay', async () => {
      const { c, made, flush } = await setup({ host: true });
      c.handle({ kind: 'welcome', v, tabId: 1, session: 'A', doc: 'd1', url: 'u' });
      c.handle({ kind: 'events', v, tabId: 1, events: [at('x', 1)], dropped: 0, session: 'A', seq: 0 });
      c.handle({ kind: 'navigated', v, tabId: 1, url: 'u', session: 'B', doc: 'd2' });
      c.handle({ kind: 'events', v, tabId: 1, events: [memory('b:1', 5), at('b:1', 6)], dropped: 0, session: 'B', seq: 0 });
      c.setHostAlerts([alert('a', 'error')], 'd2');
      c.pause();
      c.clear();
      flush();
      expect(c.getView()).toMatchObject({ received: 0, segments: [], paused: false, selection: 'current' });
      expect(c.getView().alertCount).toEqual({ count: 1, worst: 'error' });
      expect(made[0]?.ingested).toEqual([memory('b:1', 5)]);
      expect(c.exportTrace().events).toEqual([memory('b:1', 5)]);
      c.handle({ kind: 'events', v, tabId: 1, events: [at('b:1', 7)], dropped: 0, session: 'B', seq: 2 });
      flush();
      expect(c.getView().received).toBe(1);
    });

    it('acknowledged and dismissed alerts leave the toolbar count; a more serious one comes back', async () => {
      const { c, flush } = await setup({ host: true });
      c.setHostAlerts([alert('a', 'error'), alert('b', 'warning'), alert('c', 'info')], null);
      flush();
      expect(c.getView().alertCount).toEqual({ count: 3, worst: 'error' });
      c.decideAlerts('acknowledged', [alert('a', 'error')]);
      flush();
      expect(c.getView().alertCount).toEqual({ count: 2, worst: 'warning' });
      expect(c.getView().alerts.find((d) => d.alert.id === 'a')?.decision).toBe('acknowledged');
      c.decideAlerts('dismissed', [alert('b', 'warning')]);
      flush();
      expect(c.getView().alertCount).toEqual({ count: 1, worst: 'info' });
      c.setHostAlerts([alert('a', 'error'), alert('b2', 'error', 'b'), alert('c', 'info')], null);
      flush();
      expect(c.getView().alertCount).toEqual({ count: 2, worst: 'error' });
      c.undoAlerts([alert('a', 'error')]);
      flush();
      expect(c.getView().alertCount.count).toBe(3);
    });
  });
});
