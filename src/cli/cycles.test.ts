import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../shared/protocol';
import { cycleAlerts, cycleMarkLabel, cycleSnapshots, cycleTrend, fitTrend, parseCycleMark, sparkline, t99 } from './cycles';

const MIB = 1024 * 1024;

/** A recording of `values.length` cycles: one memory whose committed bytes after cycle i are values[i]. */
function run(values: number[], extra: (i: number, t: number) => PageEvent[] = () => []): PageEvent[] {
  const ev: PageEvent[] = [
    { t: 'realm', time: 0, realm: 'r', kind: 'window', url: 'https://a.test/' },
    {
      t: 'memory',
      time: 1,
      key: 'r:1',
      origin: 'export',
      shared: false,
      bytes: values[0] ?? 0,
      maxBytes: null,
      owner: 'https://a.test/e.wasm',
    },
  ];
  values.forEach((v, i) => {
    const t = 1000 * (i + 1);
    ev.push({ t: 'sample', time: t - 10, keys: ['r:1'], bytes: [v] });
    ev.push(...extra(i, t - 5));
    ev.push({ t: 'mark', time: t, label: 'wasm-memory: end of recording' });
    ev.push({ t: 'mark', time: t, label: cycleMarkLabel(i + 1, values.length) });
  });
  return ev;
}

/** Deterministic noise in [-1, 1]. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

describe('fitTrend', () => {
  it('a flat series has slope 0 and no leak', () => {
    const f = fitTrend([5, 5, 5, 5, 5]);
    expect(f).toMatchObject({ n: 5, slope: 0, se: 0, lower: 0, t: 0, df: 3 });
  });

  it('a linear leak: slope exact, bounds tight', () => {
    const f = fitTrend([10, 20, 30, 40, 50, 60]);
    expect(f?.slope).toBeCloseTo(10);
    expect(f?.lower).toBeCloseTo(10);
    expect(f?.t).toBe(Infinity);
  });

  it('needs at least 3 points; t quantiles shrink with the degrees of freedom', () => {
    expect(fitTrend([1, 2])).toBeNull();
    expect(t99(1)).toBeCloseTo(31.821);
    expect(t99(8)).toBeCloseTo(2.896);
    expect(t99(200)).toBeLessThan(t99(30));
    expect(t99(0)).toBe(Infinity);
  });
});

describe('cycleTrend: the verdict per series', () => {
  it('flat committed memory passes', () => {
    const trend = cycleTrend(run([32 * MIB, 32 * MIB, 32 * MIB, 32 * MIB, 32 * MIB]));
    expect(trend?.cycles).toBe(5);
    expect(trend?.series[0]).toMatchObject({ kind: 'committed', leak: false });
    expect(cycleAlerts(trend!)).toEqual([]);
  });

  it('a linear leak of 6 MiB per cycle is an alert naming the slope and its confidence', () => {
    const trend = cycleTrend(run([1, 2, 3, 4, 5].map((i) => 16 * MIB + i * 6 * MIB)))!;
    const alerts = cycleAlerts(trend);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'memory-floor-rising', severity: 'warning', state: 'active' });
    expect(alerts[0]?.title).toMatch(/^Leaks 6(\.0)? MiB per cycle/);
    expect(alerts[0]?.detail).toContain('99 % confidence');
    expect(alerts[0]?.detail).toContain('cycle 1 is warm-up');
    expect(alerts[0]?.evidence.points).toHaveLength(5);
    // A long run lists the first and the latest values only.
    const long = cycleAlerts(cycleTrend(run(Array.from({ length: 40 }, (_, i) => (i + 1) * MIB)))!)[0]!;
    expect(long.detail).toContain('1 MiB, 2 MiB, 3 MiB, … (21 more), 25 MiB,');
    expect(long.evidence.points).toHaveLength(32);
  });

  it('noisy but flat passes (±2 MiB of noise around 64 MiB, 10 cycles)', () => {
    const values = Array.from({ length: 10 }, (_, i) => 64 * MIB + Math.round(noise(i) * 2 * MIB));
    const trend = cycleTrend(run(values))!;
    expect(trend.series[0]?.leak).toBe(false);
    expect(trend.series[0]?.fit?.lower).toBeLessThan(trend.series[0]?.floor ?? 0);
  });

  it('a noisy leak (1 MiB per cycle under ±256 KiB of noise, 10 cycles) is found', () => {
    const values = Array.from({ length: 10 }, (_, i) => 64 * MIB + i * MIB + Math.round(noise(i) * 256 * 1024));
    expect(cycleTrend(run(values))!.series[0]?.leak).toBe(true);
  });

  it('a one-off warm-up in cycle 1 is not a leak (the fit starts after cycle 1)', () => {
    // Before cycle 1 the page had 16 MiB; cycle 1 loads a 48 MiB engine once; later cycles add nothing.
    const trend = cycleTrend(run([64 * MIB, 64 * MIB, 64 * MIB, 64 * MIB, 64 * MIB]))!;
    expect(trend.series[0]?.leak).toBe(false);
    // A cache that fills once during cycle 2 (one 64 KiB page), then stays: not a leak either.
    const step = cycleTrend(run([64 * MIB, 64 * MIB + 65536, 64 * MIB + 65536, 64 * MIB + 65536, 64 * MIB + 65536]))!;
    expect(step.series[0]?.leak).toBe(false);
  });

  it('class live counts, registry fields and whole-heap used bytes are series too', () => {
    const ev = run([MIB, MIB, MIB, MIB, MIB], (i, t) => [
      {
        t: 'bindgen',
        time: t,
        module: 'r:m',
        className: 'Doc',
        created: 10 * (i + 1),
        freed: 8 * (i + 1),
        reclaimed: 0,
        live: 2 * (i + 1),
      },
      { t: 'registry', time: t, name: 'cache', stats: { entries: 4 } },
      {
        t: 'alloc',
        time: t,
        memory: 'r:1',
        liveBytes: 1000,
        liveAllocations: 1,
        totalAllocations: 1,
        totalFrees: 0,
        tracking: 'inside-wasm',
      },
    ]);
    const trend = cycleTrend(ev)!;
    expect(trend.series.map((s) => [s.kind, s.name, s.leak])).toEqual([
      ['committed', 'committed', false],
      ['used', 'used', false],
      ['class', 'Doc', true],
      ['registry', 'cache entries', false],
    ]);
    expect(cycleAlerts(trend).map((a) => [a.kind, a.subject])).toEqual([['bindgen-live-growth', 'Doc']]);
  });

  it('used bytes counted at the JS boundary only are not a series; collected memories leave the totals', () => {
    const ev = run([MIB, MIB, MIB], (i, t) => [
      {
        t: 'alloc',
        time: t,
        memory: 'r:1',
        liveBytes: i * MIB,
        liveAllocations: 1,
        totalAllocations: 1,
        totalFrees: 0,
        tracking: 'js-boundary',
      },
    ]);
    expect(cycleTrend(ev)!.series.map((s) => s.kind)).toEqual(['committed']);
    const snaps = cycleSnapshots([
      { t: 'memory', time: 1, key: 'r:1', origin: 'export', shared: false, bytes: 5, maxBytes: null, owner: 'x' },
      { t: 'memory', time: 1, key: 'r:2', origin: 'export', shared: false, bytes: 7, maxBytes: null, owner: 'x' },
      { t: 'collected', time: 2, key: 'r:1' },
      { t: 'mark', time: 3, label: cycleMarkLabel(1, 3) },
    ]);
    expect(snaps[0]?.committed).toBe(7);
  });

  it('no cycle marks: no trend; fewer than 3 cycles: no fit and no alert', () => {
    expect(cycleTrend([{ t: 'mark', time: 1, label: 'opened a file' }])).toBeNull();
    const two = cycleTrend(run([MIB, 10 * MIB]))!;
    expect(two.series[0]?.fit).toBeNull();
    expect(cycleAlerts(two)).toEqual([]);
  });
});

describe('labels and sparklines', () => {
  it('parses only well-formed cycle marks', () => {
    expect(parseCycleMark(cycleMarkLabel(2, 5))).toEqual({ cycle: 2, of: 5 });
    expect(parseCycleMark('wasm-memory: cycle 6/5')).toBeNull();
    expect(parseCycleMark('wasm-memory: cycle x/5')).toBeNull();
    expect(parseCycleMark('cycle 1/5')).toBeNull();
  });

  it('draws eight levels, flat as the lowest', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 3, 3])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
    const long = sparkline(Array.from({ length: 1000 }, (_, i) => i));
    expect(long).toHaveLength(60);
    expect(long[0]).toBe('▁');
    expect(long[59]).toBe('█');
  });
});
