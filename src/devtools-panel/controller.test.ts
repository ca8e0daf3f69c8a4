import { describe, expect, it } from 'vitest';
import type { AnalyzerApi, AnalyzerConfig, Report } from '../shared/analyzer-api';
import { PROTOCOL_VERSION, TRACE_FORMAT, type PageEvent } from '../shared/protocol';
import { serializeTrace } from '../shared/trace';
import { tooLargeError } from '../shared/trace-stream';
import { PanelController, parseConfig } from './controller';

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

async function setup() {
  const made: FakeAnalyzer[] = [];
  const frames: Array<() => void> = [];
  const c = new PanelController({
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
});
