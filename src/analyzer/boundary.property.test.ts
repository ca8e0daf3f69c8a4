/**
 * Property tests of the wasm boundary from TypeScript (fast-check, real wasm): any event
 * stream, valid or garbage, any query arguments: nothing throws, the wasm never traps, and
 * the results keep their invariants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../shared/protocol';
import { createAnalyzer } from './analyzer';
import { readAnalyzerWasm } from './node';

const wasm = new WebAssembly.Module(readAnalyzerWasm());

const key = fc.constantFrom('r1:1', 'r1:2', 'r2:1', 'w:9', '', ':', 'x'.repeat(600), '\u{1F600}:1', 'a"b\\c\n:1');
const num = fc.oneof(
  fc.double(),
  fc.integer({ min: -2, max: 1 << 30 }),
  fc.constantFrom(0, -0, -1, NaN, Infinity, -Infinity, Number.MAX_VALUE, 2 ** 53),
);
const time = fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), num);
const str = fc.oneof(fc.string(), key);

const event: fc.Arbitrary<PageEvent> = fc
  .oneof<fc.Arbitrary<unknown>[]>(
    fc.record({
      t: fc.constant('memory' as const),
      time,
      key,
      origin: fc.constant('export' as const),
      shared: fc.boolean(),
      bytes: num,
      maxBytes: fc.oneof(fc.constant(null), num),
      owner: str,
      module: fc.option(key, { nil: undefined }),
    }),
    fc.record({ t: fc.constant('sample' as const), time, keys: fc.array(key, { maxLength: 4 }), bytes: fc.array(num, { maxLength: 4 }) }),
    fc.record({
      t: fc.constant('grow' as const),
      time,
      key,
      fromBytes: num,
      toBytes: num,
      via: fc.constantFrom('js' as const, 'wasm' as const),
    }),
    fc.record({ t: fc.constant('collected' as const), time, key }),
    fc.record({
      t: fc.constant('bindgen' as const),
      time,
      module: fc.option(key, { nil: null }),
      className: str,
      created: num,
      freed: num,
      reclaimed: num,
      live: num,
    }),
    fc.record({
      t: fc.constant('alloc' as const),
      time,
      memory: key,
      liveBytes: num,
      liveAllocations: num,
      totalAllocations: num,
      totalFrees: num,
      tracking: fc.option(fc.constantFrom('inside-wasm' as const, 'js-boundary' as const), { nil: undefined }),
    }),
    fc.record({
      t: fc.constant('heap' as const),
      time,
      memory: key,
      module: key,
      tracking: fc.oneof(fc.constantFrom('inside-wasm' as const, 'js-boundary' as const, 'none' as const), fc.anything()),
      allocator: fc.option(fc.oneof(str, fc.anything()), { nil: null }),
      foundBy: fc.constant(null),
      reason: fc.option(str, { nil: null }),
    }),
    fc.record({
      t: fc.constant('sites' as const),
      time,
      memory: key,
      interval: num,
      sites: fc.array(
        fc.record({
          bytes: num,
          count: num,
          frames: fc.array(fc.oneof(str, fc.anything()), { maxLength: 4 }),
          samples: fc.oneof(num, fc.anything()),
        }),
        { maxLength: 5 },
      ),
    }),
    fc.record({ t: fc.constant('registry' as const), time, name: str, stats: fc.dictionary(str, num, { maxKeys: 4 }) }),
    fc.record({ t: fc.constant('mark' as const), time, label: str }),
    fc.record({ t: fc.constant('module' as const), time, key, url: str, byteLength: num, exports: fc.constant([]) }),
    fc.record({
      t: fc.constant('instance' as const),
      time,
      key,
      module: key,
      via: fc.constant('Instance' as const),
      memories: fc.array(key, { maxLength: 3 }),
      toolchain: fc.constant('unknown' as const),
      helper: fc.boolean(),
    }),
    // Garbage of any shape.
    fc.anything(),
  )
  .map((x) => x as PageEvent);

describe('wasm boundary properties', () => {
  it('never throws or traps on any event stream; results keep their invariants', async () => {
    const a = await createAnalyzer(wasm);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(event, { maxLength: 40 }), { maxLength: 5 }),
        fc.integer({ min: -5, max: 5000 }),
        num,
        num,
        async (batches, points, from, to) => {
          a.reset();
          for (const b of batches) a.ingest(b);
          const r = a.report();
          expect(Array.isArray(r.memories)).toBe(true);
          for (const m of r.memories) {
            expect(m.peakBytes).toBeGreaterThanOrEqual(m.currentBytes);
            expect(['inside-wasm', 'js-boundary', 'none']).toContain(m.tracking);
            for (const x of [m.allocator, m.trackingReason]) expect(x === null || typeof x === 'string').toBe(true);
            for (const site of m.sites)
              expect(typeof site.frame === 'string' && site.frames.every((f) => typeof f === 'string')).toBe(true);
          }
          for (const al of r.alerts) expect(al.id.startsWith(al.kind)).toBe(true);
          const series = a.series(points, from, to);
          for (const s of series) {
            expect(s.times.length).toBeLessThanOrEqual(Math.max(1, points));
            for (let i = 0; i < s.times.length; i++) expect(s.min[i]!).toBeLessThanOrEqual(s.max[i]!);
          }
          const n = r.marks.length;
          const d = a.diff(0, n - 1);
          if (n === 0) expect(d).toBeNull();
          else expect(d!.to.time).toBe(r.marks[n - 1]!.time);
        },
      ),
      { numRuns: 300, seed: 20261122 },
    );
    a.dispose();
  });

  it('a garbage threshold is refused without changing anything', async () => {
    const a = await createAnalyzer(wasm);
    await fc.assert(
      fc.asyncProperty(num, async (v) => {
        try {
          a.configure({ thresholds: { windowMs: v } });
          expect(Number.isFinite(v) && v > 0).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
        a.report();
      }),
      { numRuns: 200, seed: 7 },
    );
    a.dispose();
  });
});
