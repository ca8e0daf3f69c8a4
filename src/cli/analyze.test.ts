/**
 * `analyze` end to end in-process: real trace text, the real analyzer wasm (built by
 * npm run build:analyzer), through main() as the bin runs it.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnalyzer } from '../analyzer/analyzer';
import { TRACE_FORMAT, TRACE_VERSION, type PageEvent, type Trace } from '../shared/protocol';
import { serializeTrace } from '../shared/trace';
import { analyzeTraceText } from './analyze';
import { runMain } from './run-main';
import type { JsonReport } from './report';

const PAGE = 65536;
const T0 = 1_763_000_000_000;
const URL_ = 'http://app.test/engine.wasm';

/** `engines` instances of one module, each with its own 17-page memory, sampled for `ms`. */
function engineTrace(engines: number, ms: number): Trace {
  const events: PageEvent[] = [
    { t: 'realm', time: T0, realm: 'r1', kind: 'window', url: 'http://app.test/' },
    { t: 'module', time: T0, key: 'r1:1', url: URL_, byteLength: 300, exports: ['memory', 'grow'] },
  ];
  const keys: string[] = [];
  for (let i = 0; i < engines; i++) {
    const key = `r1:${10 + i}`;
    const time = T0 + 100 + i * 150;
    keys.push(key);
    events.push({
      t: 'memory',
      time,
      key,
      origin: 'export',
      shared: false,
      bytes: PAGE,
      maxBytes: null,
      owner: URL_,
      exportName: 'memory',
      module: 'r1:1',
    });
    events.push({
      t: 'instance',
      time,
      key: `r1:${100 + i}`,
      module: 'r1:1',
      via: 'Instance',
      memories: [key],
      toolchain: 'unknown',
      helper: false,
    });
    events.push({ t: 'grow', time: time + 1, key, fromBytes: PAGE, toBytes: 17 * PAGE, via: 'wasm' });
  }
  for (let t = T0 + 500; t <= T0 + ms; t += 500) {
    const live = keys.filter((_, i) => T0 + 100 + i * 150 < t);
    events.push({ t: 'sample', time: t, keys: live, bytes: live.map(() => 17 * PAGE) });
  }
  events.push({ t: 'mark', time: T0 + ms, label: 'end' });
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    createdAt: new Date(T0).toISOString(),
    generator: 'test',
    page: { url: 'http://app.test/' },
    events,
    dropped: 0,
  };
}

describe('wasm-memory analyze (real analyzer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-analyze-'));
  const leaky = join(dir, 'leaky.json');
  const clean = join(dir, 'clean.json');
  // Two superseded engines: memory-replaced at warning severity (error from three on).
  const warningOnly = join(dir, 'warning-only.json');
  writeFileSync(leaky, serializeTrace(engineTrace(4, 12_000)));
  writeFileSync(warningOnly, serializeTrace(engineTrace(3, 12_000)));
  writeFileSync(clean, serializeTrace(engineTrace(1, 12_000)));

  it('fails a trace whose engines are replaced but kept alive, naming kind, severity and subject', async () => {
    const r = await runMain(['analyze', leaky, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.verdict).toEqual({
      failOn: 'warning',
      leak: true,
      exitCode: 1,
      failingAlerts: 3,
      outOfMemory: 0,
      outOfMemoryFails: true,
    });
    const replaced = report.alerts.filter((a) => a.kind === 'memory-replaced');
    // The three older engines are superseded; the newest is the one in use.
    expect(replaced.map((a) => a.subject).sort()).toEqual(['r1:10', 'r1:11', 'r1:12']);
    expect(replaced.every((a) => a.severity === 'error' && a.state === 'active')).toBe(true);
    expect(report.memories).toHaveLength(4);
    expect(report.memories.every((m) => m.currentBytes === 17 * PAGE && m.peakBytes === 17 * PAGE)).toBe(true);
    expect(report.trace).toMatchObject({ file: leaky, url: 'http://app.test/', dropped: 0, ingestFailures: 0 });
  });

  it('prints the human report with the alerts and the verdict', async () => {
    const r = await runMain(['analyze', leaky]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('[ERROR] memory-replaced  r1:10');
    expect(r.out).toContain('LEAK: 3 active alerts at severity warning or above (exit 1)');
  });

  it('--fail-on on a trace whose alerts are all warnings: fails at warning (the default) and info, passes at error', async () => {
    const byDefault = await runMain(['analyze', warningOnly, '--json']);
    const report = JSON.parse(byDefault.out) as JsonReport;
    const active = report.alerts.filter((a) => a.state === 'active');
    expect(active.map((a) => `${a.kind}:${a.subject}:${a.severity}`).sort()).toEqual([
      'memory-replaced:r1:10:warning',
      'memory-replaced:r1:11:warning',
    ]);
    expect(byDefault.code).toBe(1);
    expect(report.verdict).toEqual({
      failOn: 'warning',
      leak: true,
      exitCode: 1,
      failingAlerts: 2,
      outOfMemory: 0,
      outOfMemoryFails: true,
    });
    expect((await runMain(['analyze', warningOnly, '--fail-on', 'info'])).code).toBe(1);
    const strict = await runMain(['analyze', warningOnly, '--fail-on', 'error']);
    expect(strict.code).toBe(0);
    expect(strict.out).toContain('[WARNING] memory-replaced  r1:10');
    expect(strict.out).toContain('OK: no active alert at severity error or above (exit 0)');
  });

  it('passes a trace with one engine', async () => {
    const r = await runMain(['analyze', clean]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Alerts (0 active, 0 resolved)');
    expect(r.out).toContain('OK: no active alert at severity warning or above (exit 0)');
  });

  it('exits 2 on a missing file and on a malformed trace, saying what is wrong', async () => {
    const missing = await runMain(['analyze', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`wasm-memory: error: trace file not found: ${join(dir, 'nope.json')}\n`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...engineTrace(1, 1000), format: 'something-else' }));
    const r = await runMain(['analyze', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: not a valid trace: format: expected "wasm-memory-trace", got "something-else"`);
    expect(r.out).toBe('');
  });

  it('reports an analyzer module that does not load as an environment error', async () => {
    const err = await analyzeTraceText(serializeTrace(engineTrace(1, 1000)), 't.json', new Uint8Array([0, 97, 115, 109]), (w) =>
      createAnalyzer(w),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('UsageError');
    expect((err as Error).message).toMatch(/^the analyzer wasm could not be loaded \(.+\); rebuild it with npm run build$/);
  });

  const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'heap-inside-wasm.trace.json');
  const sqljsV1 = join(dirname(fileURLToPath(import.meta.url)), '..', 'analyzer', 'traces', 'sqljs-leaky-gc.trace.json');

  it('--json: how each heap was counted, live allocations, allocator and the allocation sites (hand-written v2 trace)', async () => {
    const r = await runMain(['analyze', fixture, '--json']);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.memories.map((m) => [m.key, m.usedBytes, m.liveAllocations, m.allocator, m.allocationTracking])).toEqual([
      ['7f3e9a:2', 6 * 1048576, 92, 'dlmalloc', { mode: 'inside-wasm', reason: null }],
      ['7f3e9a:5', null, null, null, { mode: 'none', reason: 'shared memory (threads): not counted' }],
    ]);
    // Live heap bytes rose at every mark while committed memory stayed at 16 MiB: a leak.
    expect(report.memories[0]).toMatchObject({ currentBytes: 16 * 1048576, growthEvents: 0 });
    expect(report.alerts.map((a) => [a.id, a.severity, a.state])).toEqual([['memory-floor-rising:7f3e9a:2:used', 'warning', 'active']]);
    expect(r.code).toBe(1);
    // The same figures as the report's table of sites (fmt_bytes writes what formatBytes writes).
    expect(report.alerts[0]!.recommendation).toContain(
      'Top allocation sites by live bytes (sampled estimates): sqlite3VdbeMemSetStr (wasm://wasm/7f3e9a12:wasm-function[610]:0x9e10) ' +
        '(~3.75 MiB in ~60 allocations); sqlite3VdbeCreate (wasm://wasm/7f3e9a12:wasm-function[700]:0xa000) (~1.25 MiB in ~20 allocations); ' +
        'sqlite3_initialize (wasm://wasm/7f3e9a12:wasm-function[90]:0x5000) (~64 KiB in ~1 allocations).',
    );
    // The latest snapshot's sites, most bytes first, with their whole stacks.
    expect(report.allocationSites.map((x) => [x.memory, x.bytes, x.count, x.frames.length])).toEqual([
      ['7f3e9a:2', 3932160, 60, 4],
      ['7f3e9a:2', 1310720, 20, 3],
      ['7f3e9a:2', 65536, 1, 1],
    ]);
    expect(report.allocationSites[0]!.frames[3]).toBe('at bindBlob (https://app.test/report.js:88:14)');
  });

  it('text: "used" for a whole heap, the reason a heap is not counted, the top sites', async () => {
    const r = await runMain(['analyze', fixture]);
    expect(r.out).toContain(
      '7f3e9a:2  current 16 MiB  peak 16 MiB  used 6 MiB in 92 allocations, dlmalloc  headroom 1.98 GiB of 2 GiB (0% used, declared maximum)  grew 0x',
    );
    expect(r.out).toContain('7f3e9a:5  current 1 MiB  peak 1 MiB  heap not counted (shared memory (threads): not counted)');
    expect(r.out).toContain('Top allocation sites (3 of 3; sampled estimates of live bytes)');
    expect(r.out).toContain(
      '  ~3.75 MiB  ~60 allocations  sqlite3VdbeMemSetStr (wasm://wasm/7f3e9a12:wasm-function[610]:0x9e10)  (7f3e9a:2)',
    );
  });

  it('a version-1 trace (recorded sql.js page): JS-boundary counts, labelled as a part, and nothing raised from them', async () => {
    const json = JSON.parse((await runMain(['analyze', sqljsV1, '--json'])).out) as JsonReport;
    const m = json.memories[0]!;
    expect(m.allocationTracking.mode).toBe('js-boundary');
    expect(m.allocationTracking.reason).toMatch(/crossed the JS boundary/);
    expect(m.usedBytes).toBeGreaterThanOrEqual(6 * 20 * 65536);
    expect(m.allocator).toBeNull();
    expect(json.allocationSites).toEqual([]);
    expect(json.alerts).toEqual([]);
    const text = await runMain(['analyze', sqljsV1]);
    expect(text.out).toMatch(/used \(JS-boundary allocations only\) 7\.5 MiB in \d+ allocations/);
    expect(text.code).toBe(0);
  });

  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
