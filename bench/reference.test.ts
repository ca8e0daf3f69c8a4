/**
 * The plain-TypeScript reference implementation (used by the throughput benchmark) must be
 * the same algorithms as analyzer-rs: same alerts (id, kind, subject, severity, state,
 * raisedAt) and the same per-memory stats on every synthetic scenario.
 */
import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../src/shared/protocol';
import { createAnalyzer } from '../src/analyzer/analyzer';
import { readAnalyzerWasm } from '../src/analyzer/node';
import { ReferenceAnalyzer } from './reference';
import * as S from './scenarios';

const wasm = new WebAssembly.Module(readAnalyzerWasm());

const cases: Array<[string, () => PageEvent[]]> = [
  ['floorRising', () => S.floorRising(5)],
  ['warmUpPlateau', S.warmUpPlateau],
  ['cacheFillsOnce', S.cacheFillsOnce],
  ['enginesReplaced', () => S.enginesReplaced(4)],
  ['enginesReplacedAndCollected', () => S.enginesReplacedAndCollected()],
  ['twoModules', S.twoModules],
  ['bindgenLeak', () => S.bindgenLeak(6)],
  ['bindgenChurn', () => S.bindgenChurn()],
  ['forgotFree', S.forgotFree],
  ['registryGrowth', S.registryGrowth],
  ['fragmentation', () => S.fragmentation()],
  ['fragmentationJsBoundary', () => S.fragmentation('js-boundary')],
  ['fragmentationVersion1', () => S.fragmentation('absent')],
  ['usedAtMarks', () => S.usedAtMarks(5)],
  ['usedAtMarksJsBoundary', () => S.usedAtMarks(5, 'js-boundary')],
  ['budgetClimb', S.budgetClimb],
  ['marksAndLoads', S.marksAndLoads],
  ['longRecording', () => S.longRecording(20_000, 3)],
];

describe('reference implementation = wasm', () => {
  for (const [name, make] of cases) {
    it(name, async () => {
      const events = make();
      const a = await createAnalyzer(wasm, { memoryBudgetBytes: 100 * S.MiB });
      const ref = new ReferenceAnalyzer();
      ref.config.memoryBudget = 100 * S.MiB;
      a.ingest(events);
      ref.ingest(events);
      const r = a.report();
      const rr = ref.report();
      expect(
        rr.alerts.map(({ id, kind, subject, severity, state, raisedAt }) => ({ id, kind, subject, severity, state, raisedAt })),
      ).toEqual(r.alerts.map(({ id, kind, subject, severity, state, raisedAt }) => ({ id, kind, subject, severity, state, raisedAt })));
      expect(rr.memories).toEqual(
        r.memories.map(({ key, currentBytes, peakBytes, growthEvents, collected }) => ({
          key,
          currentBytes,
          peakBytes,
          growthEvents,
          collected,
        })),
      );
      a.dispose();
    });
  }
});
