/**
 * The real analyzer wasm (analyzer-rs/pkg, built by `npm run build:analyzer`) behind the TS
 * wrapper, in Node: ingestion, series, per-memory stats, diffs, configuration, robustness.
 */
import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../shared/protocol';
import { createAnalyzer } from './analyzer';
import { readAnalyzerWasm } from './node';
import { MiB, Stream, longRecording, marksAndLoads } from '../../bench/scenarios';

const bytes = readAnalyzerWasm();
const compiled = new WebAssembly.Module(bytes);

describe('analyzer wasm: foundation slice', () => {
  it('ingests samples and growth, returns per-memory stats', async () => {
    const a = await createAnalyzer(bytes);
    const s = new Stream();
    const m1 = s.memory(1, 16 * MiB, 'https://x.test/a.wasm');
    const m2 = s.memory(2, 1 * MiB, 'https://x.test/b.wasm');
    s.idle(1000);
    s.advance(10)
      .grow(m1, 32 * MiB)
      .sample();
    s.advance(10)
      .grow(m1, 48 * MiB)
      .sample();
    s.idle(1000);
    s.advance(10).collected(m2);
    a.ingest(s.events);
    const r = a.report();
    expect(r.memories.map((m) => m.key)).toEqual([m1, m2]);
    const [a1, a2] = r.memories;
    expect(a1).toMatchObject({
      key: m1,
      owner: 'https://x.test/a.wasm',
      currentBytes: 48 * MiB,
      peakBytes: 48 * MiB,
      growthEvents: 2,
      collected: false,
    });
    expect(a1?.firstSeen).toBe(s.events[0]?.time);
    expect(a2).toMatchObject({ currentBytes: 1 * MiB, growthEvents: 0, collected: true });
    expect(r.eventCount).toBeGreaterThan(0);
    expect(r.alerts).toEqual([]);
    expect(a.ingestFailures).toBe(0);
    a.dispose();
  });

  it("reports each memory's realm and module URL; flags an old engine worker a watchdog never terminated", async () => {
    const a = await createAnalyzer(bytes);
    const script = 'blob:https://x.test/page-made';
    const ev: PageEvent[] = [{ t: 'realm', time: 0, realm: 'p', kind: 'window', url: 'https://x.test/' }];
    for (let i = 1; i <= 3; i++) {
      const t = i * 2000;
      ev.push(
        { t: 'realm', time: t, realm: `w${i}`, kind: 'worker', url: script, parent: 'p' },
        { t: 'module', time: t + 10, key: `w${i}:1`, url: 'https://x.test/engine.wasm', byteLength: 900, exports: ['memory'] },
        {
          t: 'memory',
          time: t + 20,
          key: `w${i}:2`,
          origin: 'export',
          shared: false,
          bytes: 6 * MiB,
          maxBytes: null,
          owner: script,
          module: `w${i}:1`,
        },
      );
    }
    for (let t = 6100; t <= 20_000; t += 500)
      ev.push({ t: 'sample', time: t, keys: ['w1:2', 'w2:2', 'w3:2'], bytes: [6 * MiB, 6 * MiB, 6 * MiB] });
    a.ingest(ev);
    const r = a.report();
    expect(r.memories[0]).toMatchObject({ realm: { kind: 'worker', url: script }, moduleUrl: 'https://x.test/engine.wasm', owner: script });
    expect(r.alerts.filter((x) => x.state === 'active').map((x) => x.id)).toEqual(['memory-replaced:w1:2', 'memory-replaced:w2:2']);
    a.dispose();
  });

  it('works from a compiled WebAssembly.Module too, with independent instances', async () => {
    const a = await createAnalyzer(compiled);
    const b = await createAnalyzer(compiled);
    const s = new Stream();
    s.memory(1, 2 * MiB);
    a.ingest(s.events);
    expect(a.report().memories).toHaveLength(1);
    expect(b.report().memories).toHaveLength(0);
    a.dispose();
    b.dispose();
    expect(() => a.report()).toThrow(/dispose/);
  });

  it('returns chart series keeping peaks under downsampling', async () => {
    const a = await createAnalyzer(bytes);
    const events = longRecording(50_000, 2);
    // A spike in the middle of memory r1:1.
    events.splice(25_001, 0, { t: 'sample', time: (events[25_000] as { time: number }).time, keys: ['r1:1'], bytes: [900 * MiB] });
    a.ingest(events);
    const series = a.series(300);
    expect(series.map((s) => s.key)).toEqual(['r1:1', 'r1:2']);
    for (const s of series) {
      expect(s.times.length).toBeLessThanOrEqual(300);
      expect(s.times.length).toBe(s.min.length);
      expect(s.times.length).toBe(s.max.length);
      for (let i = 1; i < s.times.length; i++) expect(s.times[i]!).toBeGreaterThanOrEqual(s.times[i - 1]!);
      for (let i = 0; i < s.times.length; i++) expect(s.min[i]!).toBeLessThanOrEqual(s.max[i]!);
    }
    expect(Math.max(...series[0]!.max)).toBe(900 * MiB);
    expect(Math.max(...series[1]!.max)).toBeLessThan(900 * MiB);
    // Zoom: a sub-range.
    const t0 = series[0]!.times[0]!;
    const zoom = a.series(100, t0, t0 + 60_000);
    expect(zoom[0]!.times.length).toBeGreaterThan(0);
    expect(zoom[0]!.times[zoom[0]!.times.length - 1]!).toBeLessThanOrEqual(t0 + 60_000);
    a.dispose();
  });

  it("charts the heap's live bytes with what they cover, and growth times, through the boundary", async () => {
    const a = await createAnalyzer(bytes);
    const s = new Stream();
    const whole = s.memory(1, 16 * MiB);
    const part = s.memory(2, 4 * MiB);
    s.memory(3, 1 * MiB); // no heap counted: no used series
    s.advance(100)
      .alloc(whole, 2 * MiB)
      .alloc(part, 1 * MiB, 10, 'js-boundary');
    s.advance(100)
      .grow(whole, 32 * MiB)
      .sample();
    s.advance(100).alloc(whole, 5 * MiB);
    a.ingest(s.events);
    const [w, p, n] = a.series(100);
    expect(w!.used?.tracking).toBe('inside-wasm');
    expect(Array.from(w!.used?.max ?? [])).toEqual([2 * MiB, 5 * MiB]);
    expect(Array.from(w!.growth)).toEqual([s.t - 100]);
    expect(p!.used?.tracking).toBe('js-boundary');
    expect(Array.from(p!.used?.max ?? [])).toEqual([1 * MiB]);
    expect(p!.growth.length).toBe(0);
    expect(n!.used).toBeNull();
    // A window before the growth: no marker, the used bytes there only.
    const early = a.series(100, -Infinity, s.t - 150);
    expect(early[0]!.growth.length).toBe(0);
    expect(Array.from(early[0]!.used?.max ?? [])).toEqual([2 * MiB]);
    a.dispose();
  });

  it('diffs two marks: bytes, classes, registries', async () => {
    const a = await createAnalyzer(bytes);
    a.ingest(marksAndLoads());
    const r = a.report();
    expect(r.marks.map((m) => m.label)).toEqual(['start', 'after A', 'after B']);
    const d = a.diff(1, 2);
    expect(d).not.toBeNull();
    expect(d!.from.label).toBe('after A');
    expect(d!.memories).toEqual([{ key: 'r1:1', fromBytes: 64 * MiB, toBytes: 128 * MiB, delta: 64 * MiB }]);
    expect(d!.classes).toEqual([{ className: 'Doc', fromLive: 1, toLive: 2, delta: 1 }]);
    expect(d!.registries).toEqual([{ name: 'files', field: 'count', from: 1, to: 2, delta: 1 }]);
    const d0 = a.diff(0, 2)!;
    expect(d0.classes).toEqual([{ className: 'Doc', fromLive: 0, toLive: 2, delta: 2 }]);
    expect(a.diff(0, 3)).toBeNull();
    expect(a.diff(-1, 0)).toBeNull();
    a.dispose();
  });

  it('keeps class counters, live stacks and registry stats', async () => {
    const a = await createAnalyzer(bytes);
    const ev: PageEvent[] = [
      {
        t: 'bindgen',
        time: 1,
        module: 'r:m',
        className: 'Foo "quoted"\n',
        created: 5,
        freed: 2,
        reclaimed: 1,
        live: 2,
        liveStacks: [{ stack: 'at f (x.js:1)', count: 2 }],
      },
      { t: 'registry', time: 2, name: 'cache', memory: 'r:1', stats: { count: 3, bytes: 1024 } },
      { t: 'registry', time: 3, name: 'cache', stats: { count: 4 } },
    ];
    a.ingest(ev);
    const r = a.report();
    expect(r.classes).toEqual([
      {
        className: 'Foo "quoted"\n',
        module: 'r:m',
        created: 5,
        freed: 2,
        reclaimed: 1,
        live: 2,
        liveStacks: [{ stack: 'at f (x.js:1)', count: 2 }],
        orphanStacks: [],
      },
    ]);
    expect(r.registries).toEqual([{ name: 'cache', memory: 'r:1', stats: { count: 4, bytes: 1024 } }]);
    a.dispose();
  });

  it('keeps each class its own latest live stacks: per module, gone when an event lists none, with liveSampled', async () => {
    const a = await createAnalyzer(bytes);
    const base = { t: 'bindgen', created: 3, freed: 0, reclaimed: 0, live: 3 } as const;
    a.ingest([
      { ...base, time: 1, module: 'r:a', className: 'Doc', liveStacks: [{ stack: 'at a (a.js:1)', count: 3 }], liveSampled: 3 },
      { ...base, time: 1, module: 'r:b', className: 'Doc', liveStacks: [{ stack: 'at b (b.js:1)', count: 1 }], liveSampled: 1 },
      { ...base, time: 1, module: null, className: 'Old', liveStacks: [{ stack: 'at o (o.js:1)', count: 1 }] },
    ]);
    const byModule = (r: ReturnType<typeof a.report>, m: string | null) => r.classes.find((c) => c.module === m);
    let r = a.report();
    expect(byModule(r, 'r:a')).toMatchObject({ liveStacks: [{ stack: 'at a (a.js:1)', count: 3 }], liveSampled: 3 });
    expect(byModule(r, 'r:b')).toMatchObject({ liveStacks: [{ stack: 'at b (b.js:1)', count: 1 }], liveSampled: 1 });
    expect(byModule(r, null)?.liveSampled).toBeUndefined(); // an older page side: not said
    a.ingest([{ ...base, time: 2, module: 'r:a', className: 'Doc', freed: 3, live: 0 }]);
    r = a.report();
    expect(byModule(r, 'r:a')?.liveStacks).toEqual([]);
    expect(byModule(r, 'r:a')?.liveSampled).toBeUndefined();
    expect(byModule(r, 'r:b')?.liveStacks).toHaveLength(1);
    a.dispose();
  });

  it('carries orphaned objects into the report and raises the error alert with their creation stacks', async () => {
    const a = await createAnalyzer(bytes);
    const stack = 'Error\n    at leak (http://app/p.js:3:9)\n    at run (http://app/p.js:9:1)';
    a.ingest([
      { t: 'bindgen', time: 1, module: null, className: 'PhotonImage', created: 200, freed: 0, reclaimed: 0, live: 200, orphaned: 0 },
      {
        t: 'bindgen',
        time: 2,
        module: null,
        className: 'PhotonImage',
        created: 200,
        freed: 0,
        reclaimed: 0,
        live: 200,
        orphaned: 200,
        orphanStacks: [{ stack, count: 2 }],
      },
      { t: 'bindgen', time: 2, module: null, className: 'Rgba', created: 3, freed: 3, reclaimed: 0, live: 0 },
    ]);
    const r = a.report();
    expect(r.classes.map((c) => [c.className, c.orphaned])).toEqual([
      ['PhotonImage', 200],
      ['Rgba', undefined],
    ]);
    expect(r.classes[0]!.orphanStacks).toEqual([{ stack, count: 2 }]);
    const alert = r.alerts.find((x) => x.id === 'bindgen-orphaned:PhotonImage');
    expect(alert?.severity).toBe('error');
    expect(alert?.title).toBe('200 objects collected in JS but never freed in wasm: leaked');
    expect(alert?.detail).toContain('at leak (http://app/p.js:3:9) < at run (http://app/p.js:9:1)');
    a.dispose();
  });

  it('counts malformed events instead of throwing', async () => {
    const a = await createAnalyzer(bytes);
    const bad = [
      { t: 'sample', time: 'x', keys: [], bytes: [] },
      { t: 'grow', time: 1, key: 'r:1', fromBytes: -1, toBytes: 2, via: 'js' },
      { t: 'nope', time: 1 },
      null,
      { t: 'sample', time: 1, keys: ['a'], bytes: [1, 2] },
    ] as unknown as PageEvent[];
    expect(() => a.ingest(bad)).not.toThrow();
    expect(a.ingestFailures).toBe(5);
    expect(a.report().memories).toEqual([]);
    a.dispose();
  });

  it('configures budgets and rejects bad thresholds', async () => {
    const a = await createAnalyzer(bytes, { pageBudgetBytes: 100 * MiB, budgetLevels: [0.5, 0.9] });
    const s = new Stream();
    const m = s.memory(1, 60 * MiB);
    s.idle(1000);
    a.ingest(s.events);
    let r = a.report();
    expect(r.alerts.map((x) => [x.id, x.kind, x.severity, x.state])).toEqual([['budget:page', 'budget', 'warning', 'active']]);
    a.ingest(new Stream().at(2000).grow(m, 95 * MiB).events);
    r = a.report();
    expect(r.alerts[0]?.severity).toBe('error');
    a.configure({ pageBudgetBytes: null });
    r = a.report();
    expect(r.alerts[0]?.state).toBe('resolved');
    expect(() => a.configure({ thresholds: { floorCycles: 0 } })).toThrow(RangeError);
    a.dispose();
  });

  it('reset forgets the session', async () => {
    const a = await createAnalyzer(bytes);
    a.ingest(marksAndLoads());
    a.reset();
    const r = a.report();
    expect(r.memories).toEqual([]);
    expect(r.marks).toEqual([]);
    expect(r.eventCount).toBe(0);
    a.ingest(marksAndLoads());
    expect(a.report().memories[0]?.key).toBe('r1:1');
    a.dispose();
  });
});
