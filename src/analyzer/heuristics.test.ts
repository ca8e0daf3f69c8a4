/**
 * The leak heuristics through the real wasm, from TypeScript: each leaky synthetic stream
 * raises the right alert about the right subject; each clean look-alike raises none.
 */
import { describe, expect, it } from 'vitest';
import type { AnalyzerConfig, Report } from '../shared/analyzer-api';
import type { PageEvent } from '../shared/protocol';
import { createAnalyzer } from './analyzer';
import { readAnalyzerWasm } from './node';
import * as S from '../../bench/scenarios';

const wasm = new WebAssembly.Module(readAnalyzerWasm());

async function run(events: PageEvent[], config?: Partial<AnalyzerConfig>): Promise<Report> {
  const a = await createAnalyzer(wasm, config);
  // Ingest in uneven batches, as the panel does.
  for (let i = 0; i < events.length; i += 37) a.ingest(events.slice(i, i + 37));
  const r = a.report();
  a.dispose();
  return r;
}

const active = (r: Report) => r.alerts.filter((x) => x.state === 'active').map((x) => `${x.kind}:${x.subject}`);

describe('heuristics (wasm)', () => {
  it('floor rising: flagged after 4 rising floors, one memory', async () => {
    const r = await run(S.floorRising(4));
    expect(active(r)).toEqual(['memory-floor-rising:r1:1']);
    const a = r.alerts[0]!;
    expect(a.id).toBe('memory-floor-rising:r1:1');
    expect(a.evidence.series).toBe('memory:r1:1:bytes');
    expect(a.evidence.points.length).toBeGreaterThanOrEqual(4);
    expect(a.title).toContain('r1:1');
    expect(a.recommendation.length).toBeGreaterThan(20);
  });

  it('warm-up plateau and a cache filling once: nothing', async () => {
    expect((await run(S.warmUpPlateau())).alerts).toEqual([]);
    expect((await run(S.cacheFillsOnce())).alerts).toEqual([]);
  });

  it('engines replaced while the old ones stay alive: the old memories, not the newest', async () => {
    expect(active(await run(S.enginesReplaced(3)))).toEqual(['memory-replaced:r1:1', 'memory-replaced:r1:2']);
  });

  it('engines replaced and collected, or two different modules: nothing', async () => {
    expect((await run(S.enginesReplacedAndCollected())).alerts).toEqual([]);
    expect((await run(S.twoModules())).alerts).toEqual([]);
  });

  it('wasm-bindgen live count rising across actions vs churn', async () => {
    expect(active(await run(S.bindgenLeak(5)))).toEqual(['bindgen-live-growth:Tokenizer']);
    expect((await run(S.bindgenChurn())).alerts).toEqual([]);
  });

  it('forgot to free: reported although the memory came back', async () => {
    const r = await run(S.forgotFree());
    expect(active(r)).toEqual(['bindgen-forgot-free:Resvg']);
    expect(r.alerts[0]!.evidence.series).toBe('class:Resvg:reclaimed');
  });

  it('registry growing without bound vs a bounded one', async () => {
    const r = await run(S.registryGrowth());
    expect(active(r).sort()).toEqual(['registry-growth:documents', 'registry-growth:documents']);
    expect(r.alerts.map((a) => a.id).sort()).toEqual(['registry-growth:documents:bytes', 'registry-growth:documents:count']);
  });

  it('fragmentation after a big job', async () => {
    expect(active(await run(S.fragmentation()))).toEqual(['fragmentation:r1:1']);
  });

  it('budget levels, configurable', async () => {
    const r = await run(S.budgetClimb(), { memoryBudgetBytes: 100 * S.MiB, thresholds: { floorCycles: 12 } });
    expect(active(r)).toEqual(['budget:r1:1']);
    expect(r.alerts[0]!.severity).toBe('error');
    const none = await run(S.budgetClimb(), { thresholds: { floorCycles: 12 } });
    expect(none.alerts).toEqual([]);
  });

  it('marks and loads (two loads) raise nothing, and ids stay stable across reports', async () => {
    const a = await createAnalyzer(wasm);
    const ev = S.floorRising(6);
    a.ingest(ev.slice(0, ev.length / 2));
    const first = a.report().alerts.map((x) => x.id);
    a.ingest(ev.slice(ev.length / 2));
    const second = a.report().alerts;
    expect(second.map((x) => x.id).slice(0, first.length)).toEqual(first);
    expect(second[0]!.raisedAt).toBeLessThan(second[0]!.updatedAt + 1);
    a.dispose();
    expect((await run(S.marksAndLoads())).alerts).toEqual([]);
  });
});

describe('alert lifecycle (wasm)', () => {
  it('raised within seconds of the evidence, updated as it grows, resolved when it stops, same id', async () => {
    const a = await createAnalyzer(wasm);
    const s = new S.Stream();
    const m = s.memory(1, 16 * S.MiB);
    s.idle(2000);
    const cycle = (i: number) => {
      s.advance(50)
        .grow(m, (16 + i * 100) * S.MiB)
        .sample();
      s.idle(5000);
    };
    for (let i = 1; i <= 3; i++) cycle(i);
    a.ingest(s.events.splice(0));
    let r = a.report();
    const first = r.alerts.find((x) => x.id === `memory-floor-rising:${m}`)!;
    expect(first.state).toBe('active');
    // Raised at most ~2.5 s (rest time + evaluation interval) after the 4th floor settled.
    const lastFloor = first.evidence.points[first.evidence.points.length - 1]![0];
    expect(first.raisedAt - lastFloor).toBeLessThanOrEqual(2500);
    expect(first.evidence.points).toHaveLength(4);
    cycle(4);
    a.ingest(s.events.splice(0));
    r = a.report();
    const grown = r.alerts.find((x) => x.id === first.id)!;
    expect(grown.raisedAt).toBe(first.raisedAt);
    expect(grown.updatedAt).toBeGreaterThan(first.updatedAt);
    expect(grown.evidence.points).toHaveLength(5);
    // The pattern stops: flat for two minutes.
    s.idle(120_000, 1000);
    a.ingest(s.events.splice(0));
    r = a.report();
    expect(r.alerts.map((x) => [x.id, x.state])).toEqual([[first.id, 'resolved']]);
    a.dispose();
  });
});
