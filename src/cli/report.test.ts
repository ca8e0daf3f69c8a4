import { describe, expect, it } from 'vitest';
import type { Alert, Report } from '../shared/analyzer-api';
import { formatHuman, headroomText, toJsonReport, type TraceInfo } from './report';
import { exitCodeFor, failingAlerts } from './verdict';
import { cycleAlerts, cycleMarkLabel, cycleTrend } from './cycles';
import type { PageEvent } from '../shared/protocol';

function alert(over: Partial<Alert>): Alert {
  return {
    id: over.id ?? 'a',
    kind: 'memory-floor-rising',
    severity: 'warning',
    subject: 'r1:3',
    title: 'Memory floor rising',
    detail: 'floor went from 1 MiB to 9 MiB',
    recommendation: 'free the old engine',
    evidence: {
      series: 'memory:r1:3:bytes',
      fromTime: 1,
      toTime: 2,
      points: [
        [1, 1],
        [2, 9],
      ],
    },
    state: 'active',
    raisedAt: 10,
    updatedAt: 20,
    ...over,
  };
}

const report: Report = {
  memories: [
    {
      key: 'r1:3',
      owner: 'http://x/engine.wasm',
      currentBytes: 9 * 1048576,
      peakBytes: 10 * 1048576,
      growthEvents: 4,
      firstSeen: 0,
      lastSeen: 5,
      collected: false,
      maxBytes: null,
      limitBytes: 4294967296,
      tracking: 'none',
      allocator: null,
      trackingReason: 'no allocator recognised',
      sites: [],
    },
    {
      key: 'r1:4',
      owner: '',
      currentBytes: 65536,
      peakBytes: 65536,
      growthEvents: 0,
      firstSeen: 0,
      lastSeen: 5,
      collected: true,
      maxBytes: null,
      limitBytes: 4294967296,
      usedBytes: 1000,
      liveAllocations: 3,
      tracking: 'js-boundary',
      allocator: null,
      trackingReason: 'only allocations that crossed the JS boundary',
      sites: [],
    },
    {
      key: 'r1:5',
      owner: 'http://x/sql.wasm',
      currentBytes: 2 * 1048576,
      peakBytes: 2 * 1048576,
      growthEvents: 0,
      firstSeen: 0,
      lastSeen: 5,
      collected: false,
      maxBytes: null,
      limitBytes: 4294967296,
      usedBytes: 1048576,
      liveAllocations: 20,
      tracking: 'inside-wasm',
      allocator: 'dlmalloc',
      trackingReason: null,
      sites: [
        { bytes: 700_000, count: 12, samples: 9, frames: ['at malloc (w)', 'at load (a.js:1:1)'], frame: 'load (a.js:1:1)' },
        { bytes: 100_000, count: 2, samples: 1, frames: ['at parse (a.js:2:2)'], frame: 'parse (a.js:2:2)' },
      ],
    },
    {
      key: 'r1:6',
      owner: 'http://x/b.wasm',
      currentBytes: 65536,
      peakBytes: 65536,
      growthEvents: 0,
      firstSeen: 0,
      lastSeen: 5,
      collected: false,
      maxBytes: null,
      limitBytes: 4294967296,
      liveAllocations: 7,
      tracking: 'inside-wasm',
      allocator: 'dlmalloc',
      trackingReason: null,
      sites: [{ bytes: 300_000, count: 1, samples: 3, frames: ['at grow (b.js:3:3)'], frame: 'grow (b.js:3:3)' }],
    },
  ],
  classes: [
    {
      className: 'Doc',
      module: 'r1:1',
      created: 10,
      freed: 3,
      reclaimed: 2,
      live: 5,
      liveStacks: [{ stack: 's', count: 5 }],
      orphanStacks: [],
    },
  ],
  registries: [{ name: 'cache', stats: { entries: 7, bytes: 700 } }],
  alerts: [
    alert({ id: 'info', severity: 'info', kind: 'fragmentation', subject: 'r1:4', raisedAt: 1 }),
    alert({ id: 'old', severity: 'error', state: 'resolved', raisedAt: 2 }),
    alert({ id: 'warn', severity: 'warning', raisedAt: 3 }),
    alert({ id: 'err', severity: 'error', kind: 'memory-replaced', subject: 'r1:2', raisedAt: 4 }),
  ],
  marks: [
    { time: 1000, label: 'start' },
    { time: 3500, label: 'after load' },
  ],
  eventCount: 42,
};
const info: TraceInfo = {
  file: 't.json',
  url: 'http://x/',
  createdAt: '2026-01-01T00:00:00Z',
  generator: 'test',
  events: 42,
  dropped: 0,
  omitted: 0,
  ingestFailures: 0,
  pageLink: { silent: [], notVisible: [], reconnects: 0, lost: 0, gaps: 0 },
  workerSkips: { workers: [], more: 0 },
};

describe('verdict', () => {
  it('counts only active alerts at or above --fail-on', () => {
    expect(failingAlerts(report, 'warning').map((a) => a.id)).toEqual(['warn', 'err']);
    expect(failingAlerts(report, 'error').map((a) => a.id)).toEqual(['err']);
    expect(failingAlerts(report, 'info').map((a) => a.id)).toEqual(['info', 'warn', 'err']);
    expect(exitCodeFor(report, 'warning')).toBe(1);
    expect(exitCodeFor({ alerts: [alert({ state: 'resolved', severity: 'error' })] }, 'info')).toBe(0);
    expect(exitCodeFor({ alerts: [alert({ severity: 'info' })] }, 'warning')).toBe(0);
  });
});

describe('toJsonReport', () => {
  it('names kind, severity and subject of each alert, class counts and memory bytes', () => {
    const j = toJsonReport(report, info, 'warning', '9.9.9');
    expect(j.tool).toBe('wasm-memory');
    expect(j.version).toBe('9.9.9');
    expect(j.verdict).toEqual({ failOn: 'warning', leak: true, exitCode: 1, failingAlerts: 2, outOfMemory: 0, outOfMemoryFails: true });
    expect(j.alerts[0]).toMatchObject({ id: 'err', kind: 'memory-replaced', severity: 'error', subject: 'r1:2', state: 'active' });
    expect(j.classes).toEqual([{ className: 'Doc', module: 'r1:1', created: 10, freed: 3, reclaimed: 2, live: 5 }]);
    expect(j.memories[0]).toEqual({
      key: 'r1:3',
      owner: 'http://x/engine.wasm',
      realm: null,
      moduleUrl: null,
      currentBytes: 9437184,
      peakBytes: 10485760,
      growthEvents: 4,
      collected: false,
      maxBytes: null,
      limitBytes: 4294967296,
      usedBytes: null,
      liveAllocations: null,
      allocator: null,
      allocationTracking: { mode: 'none', reason: 'no allocator recognised' },
    });
    expect(j.memories[1]).toMatchObject({
      usedBytes: 1000,
      liveAllocations: 3,
      allocator: null,
      allocationTracking: { mode: 'js-boundary', reason: 'only allocations that crossed the JS boundary' },
    });
    expect(j.memories[2]).toMatchObject({
      usedBytes: 1048576,
      liveAllocations: 20,
      allocator: 'dlmalloc',
      allocationTracking: { mode: 'inside-wasm', reason: null },
    });
    // Every memory's sites, most bytes first.
    expect(j.allocationSites.map((x) => [x.memory, x.bytes, x.count, x.frame])).toEqual([
      ['r1:5', 700_000, 12, 'load (a.js:1:1)'],
      ['r1:6', 300_000, 1, 'grow (b.js:3:3)'],
      ['r1:5', 100_000, 2, 'parse (a.js:2:2)'],
    ]);
    expect(j.allocationSites[0]?.frames).toEqual(['at malloc (w)', 'at load (a.js:1:1)']);
    expect(j.registries).toEqual([{ name: 'cache', stats: { entries: 7, bytes: 700 } }]);
    // Survives a JSON round trip unchanged (no typed arrays, no undefined).
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it('passes with a higher --fail-on', () => {
    const j = toJsonReport({ ...report, alerts: report.alerts.filter((a) => a.id !== 'err') }, info, 'error', '1');
    expect(j.verdict).toEqual({ failOn: 'error', leak: false, exitCode: 0, failingAlerts: 0, outOfMemory: 0, outOfMemoryFails: true });
  });
});

describe('alert order', () => {
  it('lists alerts as the panel does: active first, highest severity, then latest update', () => {
    const alerts = [
      alert({ id: 'a', severity: 'error', updatedAt: 5 }),
      alert({ id: 'b', severity: 'warning', updatedAt: 50 }),
      alert({ id: 'c', severity: 'error', state: 'resolved', updatedAt: 90 }),
      alert({ id: 'd', severity: 'info', updatedAt: 20 }),
    ];
    const j = toJsonReport({ ...report, alerts }, info, 'warning', '1');
    expect(j.alerts.map((a) => a.id)).toEqual(['a', 'b', 'd', 'c']);
    const text = formatHuman(j);
    expect(text.indexOf('[ERROR]')).toBeLessThan(text.indexOf('[WARNING]'));
    expect(text.indexOf('[WARNING]')).toBeLessThan(text.indexOf('[INFO]'));
  });
});

describe('human report', () => {
  it('lists memories, classes, registries, marks, alerts and the verdict', () => {
    const text = formatHuman(toJsonReport(report, info, 'warning', '1'));
    expect(text).toContain('WASM Memory report for http://x/');
    expect(text).toContain(
      'r1:3  current 9 MiB  peak 10 MiB  heap not counted (no allocator recognised)  headroom 3.99 GiB of 4 GiB (0% used, engine limit)  grew 4x  http://x/engine.wasm',
    );
    expect(text).toContain('(collected)');
    // "used" means the whole heap; a part says which part; not counted says why.
    expect(text).toContain(
      'r1:5  current 2 MiB  peak 2 MiB  used 1 MiB in 20 allocations, dlmalloc  headroom 4 GiB of 4 GiB (0% used, engine limit)  grew 0x',
    );
    expect(text).toContain(
      'r1:4  current 64 KiB  peak 64 KiB  used (JS-boundary allocations only) 1000 B in 3 allocations  headroom 4 GiB of 4 GiB (0% used, engine limit)  grew 0x',
    );
    expect(text).toContain('heap not counted (no allocator recognised)');
    expect(text).toContain(
      'r1:6  current 64 KiB  peak 64 KiB  7 live allocations (bytes not known), dlmalloc  headroom 4 GiB of 4 GiB (0% used, engine limit)  grew 0x',
    );
    expect(text).toContain('Top allocation sites (3 of 3; sampled estimates of live bytes)');
    expect(text).toContain('  ~684 KiB  ~12 allocations  load (a.js:1:1)  (r1:5)');
    expect(text).toContain('Doc  created 10  freed 3  reclaimed 2  live 5');
    expect(text).toContain('cache  entries 7  bytes 700');
    expect(text).toContain('+2.50 s  after load');
    expect(text).toContain('Alerts (3 active, 1 resolved)');
    expect(text).toContain('[ERROR] memory-replaced  r1:2');
    expect(text).toContain('[resolved error] memory-floor-rising');
    expect(text).toContain('Fix: free the old engine');
    expect(text.trimEnd().split('\n').pop()).toBe('LEAK: 2 active alerts at severity warning or above (exit 1)');
  });

  it("names a worker memory's realm, and draws the per-cycle trend of a load-act-repeat recording", () => {
    const worker: Report = {
      ...report,
      alerts: [],
      memories: [
        {
          ...report.memories[0]!,
          key: 'w1:1',
          realm: { kind: 'worker', url: 'blob:http://x/page-made' },
          moduleUrl: 'http://x/engine-v2.wasm',
        },
      ],
    };
    const MIB = 1048576;
    const events = [1, 2, 3, 4, 5].flatMap((i): PageEvent[] => [
      { t: 'sample', time: i * 10, keys: ['w1:1'], bytes: [i * 6 * MIB] },
      { t: 'mark', time: i * 10 + 1, label: cycleMarkLabel(i, 5) },
    ]);
    const trend = cycleTrend([
      { t: 'memory', time: 1, key: 'w1:1', origin: 'export', shared: false, bytes: 0, maxBytes: null, owner: 'x' },
      ...events,
    ]);
    const j = toJsonReport({ ...worker, alerts: cycleAlerts(trend!) }, info, 'warning', '1', trend);
    expect(j.memories[0]?.realm).toEqual({ kind: 'worker', url: 'blob:http://x/page-made' });
    expect(j.cycles?.series[0]).toMatchObject({ kind: 'committed', slopePerCycle: 6 * MIB, leak: true, df: 3 });
    const text = formatHuman(j);
    expect(text).toContain('http://x/engine.wasm  module http://x/engine-v2.wasm  (worker blob:http://x/page-made)');
    expect(j.memories[0]?.moduleUrl).toBe('http://x/engine-v2.wasm');
    expect(text).toContain('Per-cycle trend (5 cycles; values after each cycle, fitted from cycle 1 on: cycle 1 is warm-up)');
    expect(text).toMatch(/ {2}committed {2}▁▃▅▆█ {2}now 30 MiB {2}\+6 MiB\/cycle \(99 % 6 MiB \.\. 6 MiB\) {2}LEAK/);
    expect(text).toContain('Leaks 6 MiB per cycle');
    expect(text.trimEnd().split('\n').pop()).toBe('LEAK: 1 active alert at severity warning or above (exit 1)');
  });

  it('says OK when nothing fails and warns about lost events', () => {
    const text = formatHuman(toJsonReport({ ...report, alerts: [] }, { ...info, dropped: 3 }, 'warning', '1'));
    expect(text).toContain('Alerts (0 active, 0 resolved)');
    expect(text).toContain('warning: events were lost');
    expect(text.trimEnd().endsWith('OK: no active alert at severity warning or above (exit 0)')).toBe(true);
  });

  it('names the documents that were not visible (their page side never connected)', () => {
    const pageLink = { ...info.pageLink, notVisible: [{ url: 'about:blank', frame: true, since: 5 }] };
    const j = toJsonReport({ ...report, alerts: [] }, { ...info, pageLink }, 'warning', '1');
    expect(j.trace.pageLink.notVisible).toEqual([{ url: 'about:blank', frame: true, since: 5 }]);
    expect(formatHuman(j)).toContain('warning: not visible: a frame (about:blank) never connected: nothing in it was recorded');
  });
});

describe('headroom per memory', () => {
  it('says what is left before the limit and where the limit comes from', () => {
    const P = 65536;
    expect(headroomText({ currentBytes: 96 * P, maxBytes: 100 * P, limitBytes: 100 * P })).toBe(
      '  headroom 256 KiB of 6.25 MiB (96% used, declared maximum)',
    );
    expect(headroomText({ currentBytes: 1024 * 1024 * 1024, maxBytes: null, limitBytes: 4 * 1024 * 1024 * 1024 })).toBe(
      '  headroom 3 GiB of 4 GiB (25% used, engine limit)',
    );
  });
});
