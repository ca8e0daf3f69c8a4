/**
 * Property tests of `wasm-memory analyze` end to end (file on disk, streaming read, the real
 * analyzer wasm): whatever the file holds, the command ends with exit 0 or 1 and a report, or
 * exit 2 and one line that says what is wrong with the file. It never throws, never prints a
 * stack, never hangs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutate, mutationArb, textArb, traceArb } from '../shared/trace-arbitraries';
import { parseTrace, serializeTrace } from '../shared/trace';
import { runMain } from './run-main';
import type { JsonReport } from './report';

const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-analyze-fuzz-'));
let n = 0;

async function analyze(text: string): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `t${n++}.json`);
  writeFileSync(file, text);
  return runMain(['analyze', file, '--json']);
}

function expectWellFormed(r: { code: number; out: string; err: string }): void {
  expect([0, 1, 2]).toContain(r.code);
  if (r.code === 2) {
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^wasm-memory: error: .+: not a valid trace: .+\n$/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack
    return;
  }
  const report = JSON.parse(r.out) as JsonReport;
  expect(report.verdict.exitCode).toBe(r.code);
  expect(Array.isArray(report.memories)).toBe(true);
}

/** Numbers a damaged or hand-edited file may hold where a size or a time belongs. */
const oddNumber = fc.constantFrom(0, -1, 1e308, 2 ** 53 + 1, 4294967296, 0.5, -0);

describe('wasm-memory analyze on any file', () => {
  it('valid traces of every style: a report', async () => {
    await fc.assert(
      fc.asyncProperty(textArb, async (text) => {
        fc.pre(parseTrace(text).ok); // version-1 files cannot hold the newer events the pool has
        const r = await analyze(text);
        expect(r.code).not.toBe(2);
        expectWellFormed(r);
      }),
      { numRuns: 40 },
    );
  });

  it('traces with odd numbers in their events: a report or a precise refusal', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, fc.nat(), fc.nat(), oddNumber, async (trace, which, field, value) => {
        if (trace.events.length > 0) {
          const ev = { ...trace.events[which % trace.events.length] } as Record<string, unknown>;
          const numeric = Object.keys(ev).filter((k) => typeof ev[k] === 'number');
          if (numeric.length > 0) ev[numeric[field % numeric.length]!] = value;
          trace.events[which % trace.events.length] = ev as never;
        }
        expectWellFormed(await analyze(serializeTrace(trace)));
      }),
      { numRuns: 60 },
    );
  });

  it('damaged files: a report or a precise refusal', async () => {
    await fc.assert(
      fc.asyncProperty(textArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (text, ms) => {
        expectWellFormed(await analyze(mutate(text, ms)));
      }),
      { numRuns: 60 },
    );
  });
});
