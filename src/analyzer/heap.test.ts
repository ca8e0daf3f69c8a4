/**
 * "Used means used", through the real wasm: how a memory's heap was counted reaches the report
 * (tracking, allocator, reason, live allocations), no heuristic reasons from a partial
 * (JS-boundary) count, live heap bytes rising across marks is a leak before committed memory
 * grows, and leak alerts about a memory name its top allocation sites.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../shared/analyzer-api';
import type { PageEvent } from '../shared/protocol';
import { createAnalyzer, JS_BOUNDARY_REASON } from './analyzer';
import { readAnalyzerWasm } from './node';
import * as S from '../../bench/scenarios';

const wasm = new WebAssembly.Module(readAnalyzerWasm());

async function run(events: PageEvent[]): Promise<Report> {
  const a = await createAnalyzer(wasm);
  for (let i = 0; i < events.length; i += 37) a.ingest(events.slice(i, i + 37));
  const r = a.report();
  expect(a.ingestFailures).toBe(0);
  a.dispose();
  return r;
}

const alerts = (r: Report) => r.alerts.map((x) => [x.id, x.severity, x.state]);

describe('fragmentation: whole heaps only, after the heap grew', () => {
  it('fires on inside-wasm counts after committed memory grew', async () => {
    expect(alerts(await run(S.fragmentation()))).toEqual([['fragmentation:r1:1', 'warning', 'active']]);
  });
  it('never fires on the same numbers counted at the JS boundary, or on a version-1 trace (no tracking)', async () => {
    expect(alerts(await run(S.fragmentation('js-boundary')))).toEqual([]);
    expect(alerts(await run(S.fragmentation('absent')))).toEqual([]);
  });
});

describe('live heap bytes rising across marks', () => {
  it('is a leak while committed memory stays flat (inside wasm), warning', async () => {
    const r = await run(S.usedAtMarks(5));
    expect(alerts(r)).toEqual([['memory-floor-rising:r1:1:used', 'warning', 'active']]);
    const a = r.alerts[0]!;
    expect(a.detail).toContain('5 successive marks');
    expect(a.evidence.points.map((p) => p[1] / S.MiB)).toEqual([2, 4, 6, 8, 10]);
    expect(r.memories[0]!.growthEvents).toBe(0);
  });
  it('raises nothing on JS-boundary counts, nor at 3 marks', async () => {
    expect(alerts(await run(S.usedAtMarks(8, 'js-boundary')))).toEqual([]);
    expect(alerts(await run(S.usedAtMarks(3)))).toEqual([]);
  });
  it('names the top allocation sites by their first meaningful frame, most live bytes first', async () => {
    const r = await run(S.usedAtMarks(5));
    expect(r.alerts[0]!.recommendation).toContain(
      'Top allocation sites by live bytes (sampled estimates): bindBlob (https://app.test/app.js:40:7) (~7.5 MiB in ~90 allocations); ' +
        'sqlite3VdbeMemGrow (wasm://wasm/1a2b:wasm-function[300]:0x9000) (~2.5 MiB in ~10 allocations).',
    );
  });
});

describe('the report says how each heap was counted', () => {
  it('inside wasm: used bytes, live allocations, allocator, sites', async () => {
    const m = (await run(S.usedAtMarks(5))).memories[0]!;
    expect(m).toMatchObject({
      usedBytes: 10 * S.MiB,
      liveAllocations: 100,
      tracking: 'inside-wasm',
      allocator: 'dlmalloc',
      trackingReason: null,
    });
    expect(m.sites.map((s) => [s.frame, s.bytes, s.count])).toEqual([
      ['bindBlob (https://app.test/app.js:40:7)', 7.5 * S.MiB, 90],
      ['sqlite3VdbeMemGrow (wasm://wasm/1a2b:wasm-function[300]:0x9000)', 2.5 * S.MiB, 10],
    ]);
    expect(m.sites[0]!.frames).toHaveLength(3);
  });
  it('JS boundary (and version-1 traces): a part, with the reason', async () => {
    for (const tracking of ['js-boundary', 'absent'] as const) {
      const m = (await run(S.fragmentation(tracking))).memories[0]!;
      expect(m).toMatchObject({
        usedBytes: 6 * S.MiB,
        liveAllocations: 40,
        tracking: 'js-boundary',
        allocator: null,
        trackingReason: JS_BOUNDARY_REASON,
      });
    }
  });
  it('not counted: the page says why; no heap status at all: none, no reason', async () => {
    const events: PageEvent[] = [
      { t: 'memory', time: 1, key: 'r1:1', origin: 'export', shared: true, bytes: 65536, maxBytes: null, owner: 'https://app.test/a.wasm' },
      {
        t: 'memory',
        time: 1,
        key: 'r1:2',
        origin: 'export',
        shared: false,
        bytes: 65536,
        maxBytes: null,
        owner: 'https://app.test/b.wasm',
      },
      { t: 'heap', time: 2, memory: 'r1:1', module: 'r1:0', tracking: 'none', allocator: null, foundBy: null, reason: 'shared memory' },
    ];
    const [a, b] = (await run(events)).memories;
    expect(a).toMatchObject({ tracking: 'none', allocator: null, trackingReason: 'shared memory', sites: [] });
    expect(a!.usedBytes).toBeUndefined();
    expect(b).toMatchObject({ tracking: 'none', allocator: null, trackingReason: null, sites: [] });
  });
  it('a heap status naming the allocator, before any stats', async () => {
    const events: PageEvent[] = [
      {
        t: 'memory',
        time: 1,
        key: 'r1:1',
        origin: 'export',
        shared: false,
        bytes: 65536,
        maxBytes: null,
        owner: 'https://app.test/a.wasm',
      },
      {
        t: 'heap',
        time: 2,
        memory: 'r1:1',
        module: 'r1:0',
        tracking: 'inside-wasm',
        allocator: 'dlmalloc',
        foundBy: 'exports',
        reason: null,
      },
    ];
    expect((await run(events)).memories[0]).toMatchObject({ tracking: 'inside-wasm', allocator: 'dlmalloc', trackingReason: null });
  });
});
