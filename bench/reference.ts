/**
 * A straightforward TypeScript implementation of the analyzer's algorithms (the same model,
 * bounded min/max series, rest-level / window / marks detectors and heuristics as
 * analyzer-rs), written the way one would without wasm: objects, Maps keyed by strings,
 * PageEvents consumed directly. It exists only for the throughput benchmark
 * (bench/analyzer-throughput.mjs); bench/reference.test.ts keeps it computing what the wasm
 * build computes, so the ratio compares the same work. Nothing in the product imports it.
 * Alert texts are left out: ids, kinds, subjects, severity and lifecycle are computed exactly
 * as in Rust.
 */
import type { AlertKind, Severity } from '../src/shared/analyzer-api';
import type { PageEvent } from '../src/shared/protocol';

/** Mirrors REPLACED_GROWTH_LAG_MS in analyzer-rs/src/alerts.rs (sampler lag of in-wasm growth). */
const REPLACED_GROWTH_LAG_MS = 1000;

interface Bucket {
  t0: number;
  t1: number;
  min: number;
  max: number;
  last: number;
  n: number;
}

interface Level {
  buf: Bucket[];
  pending: Bucket | null;
  parts: number;
  dropped: boolean;
}

function merge(a: Bucket, b: Bucket): void {
  if (b.t0 < a.t0) a.t0 = b.t0;
  if (b.t1 >= a.t1) {
    a.t1 = b.t1;
    a.last = b.last;
  }
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  a.n += b.n;
}

/** Bounded multi-resolution min/max series (analyzer-rs/src/series.rs). */
export class RefSeries {
  private levels: Level[];
  count = 0;
  constructor(
    private readonly capacity = 1024,
    private readonly fanout = 8,
    levels = 6,
  ) {
    this.levels = Array.from({ length: levels }, () => ({ buf: [], pending: null, parts: 0, dropped: false }));
  }

  push(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    this.count++;
    let carry: Bucket = { t0: t, t1: t, min: v, max: v, last: v, n: 1 };
    const top = this.levels.length - 1;
    for (let i = 0; ; i++) {
      const level = this.levels[i]!;
      level.buf.push(carry);
      if (i === top) {
        if (level.buf.length >= this.capacity) {
          const merged: Bucket[] = [];
          for (let j = 0; j < level.buf.length; j += 2) {
            const b = { ...level.buf[j]! };
            const second = level.buf[j + 1];
            if (second) merge(b, second);
            merged.push(b);
          }
          level.buf = merged;
        }
        return;
      }
      if (level.buf.length > this.capacity) {
        level.buf.shift();
        level.dropped = true;
      }
      const next = this.levels[i + 1]!;
      if (next.pending) merge(next.pending, carry);
      else next.pending = { ...carry };
      next.parts++;
      if (next.parts < this.fanout) return;
      carry = next.pending;
      next.pending = null;
      next.parts = 0;
    }
  }
}

type Lv = [number, number];

/** Rest levels (analyzer-rs/src/detect.rs RestTracker). */
class RefRest {
  value: number | null = null;
  since = 0;
  recorded = false;
  levels: Lv[] = [];
  update(t: number, v: number, restMs: number): void {
    if (this.value === v) {
      if (t - this.since >= restMs) this.record();
    } else {
      this.value = v;
      this.since = t;
      this.recorded = false;
    }
  }
  settle(now: number, restMs: number): void {
    if (now - this.since >= 2 * restMs) this.record();
  }
  private record(): void {
    if (this.recorded || this.value === null) return;
    this.recorded = true;
    if (this.levels.length > 0 && this.levels[this.levels.length - 1]![1] === this.value) return;
    this.levels.push([this.since, this.value]);
    if (this.levels.length > 64) this.levels.shift();
  }
}

/** Window minima (analyzer-rs/src/detect.rs WindowMin). */
class RefWindow {
  start: number | null = null;
  min = 0;
  mins: Lv[] = [];
  update(t: number, v: number, windowMs: number): void {
    if (this.start === null) {
      this.start = t;
      this.min = v;
    } else if (t - this.start >= windowMs) {
      this.mins.push([this.start, this.min]);
      if (this.mins.length > 64) this.mins.shift();
      this.start += Math.floor((t - this.start) / windowMs) * windowMs;
      this.min = v;
    } else if (v < this.min) this.min = v;
  }
}

interface RefMemory {
  key: string;
  owner: string | null;
  module: string | null;
  realm: string | null;
  current: number;
  peak: number;
  growthEvents: number;
  firstSeen: number;
  lastSeen: number;
  lastGrowth: number;
  collected: boolean;
  series: RefSeries;
  rest: RefRest;
  /** `insideWasm`: the whole heap's bytes; false: counted at the JS boundary (a part) or without sizes: never reasoned from. */
  alloc: { liveBytes: number; time: number; insideWasm: boolean } | null;
  usedRest: RefRest;
  usedWindow: RefWindow;
  fragSince: number | null;
  /** Committed bytes when the whole heap was first seen. */
  heapStartCommitted: number | null;
}

interface RefClass {
  name: string;
  created: number;
  freed: number;
  reclaimed: number;
  live: number;
  firstSeen: number;
  lastSeen: number;
  rest: RefRest;
  window: RefWindow;
}

interface RefRegistry {
  name: string;
  field: string;
  value: number;
  rest: RefRest;
  window: RefWindow;
}

interface RefMark {
  time: number;
  label: string;
  memories: Map<string, number>;
  classes: Map<string, number>;
  registries: Map<string, number>;
  /** Live heap bytes of memories counted inside wasm. */
  used: Map<string, number>;
}

export interface RefAlert {
  id: string;
  kind: AlertKind;
  subject: string;
  severity: Severity;
  state: 'active' | 'resolved';
  raisedAt: number;
  updatedAt: number;
}

interface RefFinding {
  id: string;
  kind: AlertKind;
  subject: string;
  severity: Severity;
}

export const REF_DEFAULTS = {
  restMs: 1000,
  floorCycles: 4,
  floorMinStepBytes: 1024 * 1024,
  holdMs: 30_000,
  windowMs: 3000,
  windowCycles: 6,
  classMinStep: 1,
  classWindowMinRise: 10,
  registryMinStep: 1,
  markCycles: 4,
  replacedGraceMs: 10_000,
  replacedMinBytes: 1024 * 1024,
  fragMinCommitted: 64 * 1024 * 1024,
  fragMaxRatio: 0.25,
  fragMinWasted: 48 * 1024 * 1024,
  fragMinMs: 5000,
  evalIntervalMs: 1000,
  forgotFreeErrorCount: 100,
  neverFreedMin: 10,
  pageBudget: null as number | null,
  memoryBudget: null as number | null,
  budgetLevels: [0.6, 0.75, 0.85, 0.95],
};

const rises = (p: number, n: number, step: number) => n - p > 0 && n - p >= step;

function recentRun(levels: Lv[], minStep: number, cycles: number, now: number, hold: number): Lv[] | null {
  let best: [number, number] | null = null;
  let run = 0;
  for (let i = 0; i < levels.length; i++) {
    run = i > 0 && rises(levels[i - 1]![1], levels[i]![1], minStep) ? run + 1 : 1;
    if (run >= Math.max(cycles, 2)) best = [i + 1 - run, i];
  }
  if (!best) return null;
  const r = levels.slice(best[0], best[1] + 1);
  const first = r[0]!;
  const last = r[r.length - 1]!;
  const mean = (last[0] - first[0]) / Math.max(1, r.length - 1);
  return now - last[0] <= Math.max(hold, 3 * mean) ? r : null;
}

function marksRun(values: Lv[], minStep: number, cycles: number): Lv[] | null {
  let run = 0;
  for (let i = values.length - 1; i >= 0; i--) {
    if (i === values.length - 1) run = 1;
    else if (rises(values[i]![1], values[i + 1]![1], minStep)) run++;
    else break;
  }
  return run >= Math.max(cycles, 2) ? values.slice(values.length - run) : null;
}

/** The reference analyzer. */
export class ReferenceAnalyzer {
  config = { ...REF_DEFAULTS, budgetLevels: [...REF_DEFAULTS.budgetLevels] };
  memories = new Map<string, RefMemory>();
  classes = new Map<string, RefClass>();
  registries = new Map<string, RefRegistry>();
  modules = new Map<string, { url: string; byteLength: number }>();
  marks: RefMark[] = [];
  alerts = new Map<string, RefAlert>();
  now = -Infinity;
  lastEval = -Infinity;
  eventCount = 0;
  failures = 0;
  private markSeq = 0;
  private runsSeq = -1;
  private runs = {
    memory: new Map<string, Lv[] | null>(),
    used: new Map<string, Lv[] | null>(),
    class: new Map<string, Lv[] | null>(),
    registry: new Map<string, Lv[] | null>(),
  };

  private memory(key: string, t: number, bytes: number): RefMemory {
    let m = this.memories.get(key);
    if (!m) {
      m = {
        key,
        owner: null,
        module: null,
        realm: null,
        current: bytes,
        peak: bytes,
        growthEvents: 0,
        firstSeen: t,
        lastSeen: t,
        lastGrowth: t,
        collected: false,
        series: new RefSeries(),
        rest: new RefRest(),
        alloc: null,
        usedRest: new RefRest(),
        usedWindow: new RefWindow(),
        fragSince: null,
        heapStartCommitted: null,
      };
      this.memories.set(key, m);
    }
    return m;
  }

  private setBytes(m: RefMemory, t: number, bytes: number): void {
    m.current = bytes;
    if (bytes > m.peak) m.peak = bytes;
    m.lastSeen = Math.max(m.lastSeen, t);
    m.series.push(t, bytes);
    m.rest.update(t, bytes, this.config.restMs);
  }

  ingest(events: readonly PageEvent[]): void {
    const c = this.config;
    for (const ev of events) {
      if (ev === null || typeof ev !== 'object' || typeof ev.time !== 'number' || !Number.isFinite(ev.time)) {
        this.failures++;
        continue;
      }
      const t = ev.time;
      if (t > this.now) {
        if (Number.isFinite(this.now) && t - this.lastEval >= c.evalIntervalMs) this.evaluate();
        this.now = t;
        if (!Number.isFinite(this.lastEval)) this.lastEval = t;
      }
      this.eventCount++;
      switch (ev.t) {
        case 'memory': {
          const m = this.memory(ev.key, t, ev.bytes);
          m.owner = ev.owner;
          if (ev.module) m.module = ev.module;
          const i = ev.key.lastIndexOf(':');
          m.realm = i > 0 ? ev.key.slice(0, i) : null;
          if (m.heapStartCommitted !== null) m.heapStartCommitted = Math.max(m.heapStartCommitted, ev.bytes);
          this.setBytes(m, t, ev.bytes);
          break;
        }
        case 'sample':
          for (let i = 0; i < ev.keys.length; i++) this.setBytes(this.memory(ev.keys[i]!, t, ev.bytes[i]!), t, ev.bytes[i]!);
          break;
        case 'grow': {
          const m = this.memory(ev.key, t, ev.fromBytes);
          m.growthEvents++;
          m.lastGrowth = t;
          this.setBytes(m, t, ev.toBytes);
          break;
        }
        case 'collected': {
          const m = this.memories.get(ev.key);
          if (m) m.collected = true;
          break;
        }
        case 'bindgen': {
          const k = `${ev.className}\u0000${ev.module ?? ''}`;
          let cl = this.classes.get(k);
          if (!cl) {
            cl = {
              name: ev.className,
              created: 0,
              freed: 0,
              reclaimed: 0,
              live: 0,
              firstSeen: t,
              lastSeen: t,
              rest: new RefRest(),
              window: new RefWindow(),
            };
            this.classes.set(k, cl);
          }
          Object.assign(cl, { created: ev.created, freed: ev.freed, reclaimed: ev.reclaimed, live: ev.live, lastSeen: t });
          cl.rest.update(t, ev.live, c.restMs);
          cl.window.update(t, ev.live, c.windowMs);
          break;
        }
        case 'alloc': {
          const m = this.memory(ev.memory, t, this.memories.has(ev.memory) ? 0 : ev.liveBytes);
          // The whole heap's bytes (inside wasm, sizes read at free): the only ones reasoned from.
          const insideWasm = ev.tracking === 'inside-wasm' && ev.sizes !== 'none';
          if (m.alloc && m.alloc.insideWasm !== insideWasm) {
            m.usedRest = new RefRest();
            m.usedWindow = new RefWindow();
            m.fragSince = null;
            m.heapStartCommitted = null;
          }
          if (insideWasm && m.heapStartCommitted === null) m.heapStartCommitted = m.current;
          m.alloc = { liveBytes: ev.liveBytes, time: t, insideWasm };
          m.usedRest.update(t, ev.liveBytes, c.restMs);
          m.usedWindow.update(t, ev.liveBytes, c.windowMs);
          break;
        }
        case 'registry':
          for (const [field, value] of Object.entries(ev.stats)) {
            const k = `${ev.name}\u0000${field}`;
            let r = this.registries.get(k);
            if (!r) {
              r = { name: ev.name, field, value, rest: new RefRest(), window: new RefWindow() };
              this.registries.set(k, r);
            }
            r.value = value;
            r.rest.update(t, value, c.restMs);
            r.window.update(t, value, c.windowMs);
          }
          break;
        case 'mark': {
          const memories = new Map<string, number>();
          for (const m of this.memories.values()) if (!m.collected) memories.set(m.key, m.current);
          const classes = new Map<string, number>();
          for (const [k, cl] of this.classes) classes.set(k, cl.live);
          const registries = new Map<string, number>();
          for (const [k, r] of this.registries) registries.set(k, r.value);
          const used = new Map<string, number>();
          for (const m of this.memories.values()) if (!m.collected && m.alloc?.insideWasm) used.set(m.key, m.alloc.liveBytes);
          this.marks.push({ time: t, label: ev.label, memories, classes, registries, used });
          if (this.marks.length > 1024) this.marks.shift();
          this.markSeq++;
          break;
        }
        case 'module':
          this.modules.set(ev.key, { url: ev.url, byteLength: ev.byteLength });
          break;
        case 'instance':
          if (!ev.helper) {
            for (const k of ev.memories) {
              const m = this.memories.get(k);
              if (m && m.module === null) m.module = ev.module;
            }
          }
          break;
        default:
          break;
      }
    }
  }

  evaluate(): void {
    if (!Number.isFinite(this.now)) return;
    this.lastEval = this.now;
    const now = this.now;
    const c = this.config;
    for (const m of this.memories.values()) {
      m.rest.settle(now, c.restMs);
      m.usedRest.settle(now, c.restMs);
      const holds =
        m.alloc !== null &&
        m.alloc.insideWasm &&
        !m.collected &&
        m.heapStartCommitted !== null &&
        m.current > m.heapStartCommitted &&
        m.current >= c.fragMinCommitted &&
        m.alloc.liveBytes <= m.current * c.fragMaxRatio &&
        m.current - m.alloc.liveBytes >= c.fragMinWasted;
      m.fragSince = holds ? (m.fragSince ?? now) : null;
    }
    for (const cl of this.classes.values()) cl.rest.settle(now, c.restMs);
    for (const r of this.registries.values()) r.rest.settle(now, c.restMs);
    const found = this.findings();
    const seen = new Set<string>();
    for (const f of found) {
      seen.add(f.id);
      const a = this.alerts.get(f.id);
      if (!a) this.alerts.set(f.id, { ...f, state: 'active', raisedAt: now, updatedAt: now });
      else {
        if (a.state === 'resolved') Object.assign(a, { state: 'active', raisedAt: now, updatedAt: now });
        else if (a.severity !== f.severity) a.updatedAt = now;
        a.severity = f.severity;
      }
    }
    for (const a of this.alerts.values()) {
      if (a.state === 'active' && !seen.has(a.id)) Object.assign(a, { state: 'resolved', updatedAt: now });
    }
  }

  /** Marks runs depend only on the marks: recomputed once per new mark, latest 32 values. */
  private latestRun(pick: (m: RefMark) => number | undefined, minStep: number): Lv[] | null {
    const values: Lv[] = [];
    for (let i = this.marks.length - 1; i >= 0 && values.length < 32; i--) {
      const v = pick(this.marks[i]!);
      if (v !== undefined) values.push([this.marks[i]!.time, v]);
    }
    values.reverse();
    return this.marks.length < Math.max(this.config.markCycles, 2) ? null : marksRun(values, minStep, this.config.markCycles);
  }

  private updateMarkRuns(): void {
    if (this.runsSeq === this.markSeq) return;
    this.runsSeq = this.markSeq;
    const c = this.config;
    for (const m of this.memories.values())
      this.runs.memory.set(
        m.key,
        this.latestRun((mk) => mk.memories.get(m.key), c.floorMinStepBytes),
      );
    for (const m of this.memories.values())
      this.runs.used.set(
        m.key,
        this.latestRun((mk) => mk.used.get(m.key), c.floorMinStepBytes),
      );
    for (const k of this.classes.keys())
      this.runs.class.set(
        k,
        this.latestRun((mk) => mk.classes.get(k) ?? 0, c.classMinStep),
      );
    for (const k of this.registries.keys())
      this.runs.registry.set(
        k,
        this.latestRun((mk) => mk.registries.get(k) ?? 0, c.registryMinStep),
      );
  }

  private findings(): RefFinding[] {
    this.updateMarkRuns();
    const out: RefFinding[] = [];
    const c = this.config;
    const now = this.now;
    for (const [k, cl] of this.classes) {
      let run = this.runs.class.get(k) ?? null;
      let cycles = c.markCycles;
      if (!run) {
        run = recentRun(cl.rest.levels, c.classMinStep, c.floorCycles, now, c.holdMs);
        cycles = c.floorCycles;
      }
      if (!run) {
        const w = recentRun(cl.window.mins, Number.MIN_VALUE, c.windowCycles, now, c.holdMs);
        if (w && w[w.length - 1]![1] - w[0]![1] >= c.classWindowMinRise) run = w;
        cycles = c.windowCycles;
      }
      if (run) {
        out.push({
          id: `bindgen-live-growth:${cl.name}`,
          kind: 'bindgen-live-growth',
          subject: cl.name,
          severity: run.length >= 2 * cycles || cl.live >= 10_000 ? 'error' : 'warning',
        });
      } else if (c.neverFreedMin > 0 && cl.live >= c.neverFreedMin && cl.freed === 0 && cl.reclaimed === 0) {
        out.push({ id: `bindgen-live-growth:${cl.name}`, kind: 'bindgen-live-growth', subject: cl.name, severity: 'warning' });
      }
      if (cl.reclaimed > 0) {
        out.push({
          id: `bindgen-forgot-free:${cl.name}`,
          kind: 'bindgen-forgot-free',
          subject: cl.name,
          severity: cl.reclaimed >= c.forgotFreeErrorCount ? 'error' : 'warning',
        });
      }
    }
    let liveTotal = 0;
    for (const m of this.memories.values()) {
      if (m.collected) continue;
      liveTotal += m.current;
      let run = this.runs.memory.get(m.key) ?? null;
      let cycles = c.markCycles;
      if (!run) {
        run = recentRun(m.rest.levels, c.floorMinStepBytes, c.floorCycles, now, c.holdMs);
        cycles = c.floorCycles;
      }
      if (run)
        out.push({
          id: `memory-floor-rising:${m.key}`,
          kind: 'memory-floor-rising',
          subject: m.key,
          severity: run.length >= 2 * cycles ? 'error' : 'warning',
        });
      if (m.alloc?.insideWasm) {
        let used = this.runs.used.get(m.key) ?? recentRun(m.usedRest.levels, c.floorMinStepBytes, c.floorCycles, now, c.holdMs);
        if (!used) {
          const w = recentRun(m.usedWindow.mins, Number.MIN_VALUE, c.windowCycles, now, c.holdMs);
          if (w && w[w.length - 1]![1] - w[0]![1] >= 4 * c.floorMinStepBytes) used = w;
        }
        if (used) out.push({ id: `memory-floor-rising:${m.key}:used`, kind: 'memory-floor-rising', subject: m.key, severity: 'warning' });
      }
      if (m.fragSince !== null && now - m.fragSince >= c.fragMinMs)
        out.push({ id: `fragmentation:${m.key}`, kind: 'fragmentation', subject: m.key, severity: 'warning' });
      if (c.memoryBudget !== null) this.budget(out, c.memoryBudget, m.current, `budget:${m.key}`, m.key);
    }
    if (c.pageBudget !== null) this.budget(out, c.pageBudget, liveTotal, 'budget:page', 'page');
    this.replaced(out);
    for (const [k, r] of this.registries) {
      const run =
        this.runs.registry.get(k) ??
        recentRun(r.rest.levels, c.registryMinStep, c.floorCycles, now, c.holdMs) ??
        recentRun(r.window.mins, c.registryMinStep, c.windowCycles, now, c.holdMs);
      if (run) out.push({ id: `registry-growth:${r.name}:${r.field}`, kind: 'registry-growth', subject: r.name, severity: 'warning' });
    }
    return out;
  }

  private budget(out: RefFinding[], budget: number, bytes: number, id: string, subject: string): void {
    const levels = this.config.budgetLevels;
    const ratio = bytes / budget;
    const crossed = levels.filter((l) => ratio >= l).length;
    if (crossed === 0) return;
    const severity: Severity = ratio >= 1 || crossed === levels.length ? 'error' : crossed === 1 && levels.length > 2 ? 'info' : 'warning';
    out.push({ id, kind: 'budget', subject, severity });
  }

  private replaced(out: RefFinding[]): void {
    const c = this.config;
    const groups = new Map<string, RefMemory[]>();
    for (const m of this.memories.values()) {
      const mod = m.module !== null ? this.modules.get(m.module) : undefined;
      const g =
        mod && mod.url ? `${m.realm}\u0000${mod.url}\u0000${mod.byteLength}` : m.owner !== null ? `${m.realm}\u0000${m.owner}\u0000` : null;
      if (g === null) continue;
      const list = groups.get(g) ?? [];
      list.push(m);
      groups.set(g, list);
    }
    for (const mems of groups.values()) {
      if (mems.length < 2) continue;
      const candidate = (old: RefMemory, graceOnly: boolean) =>
        !old.collected &&
        old.current >= c.replacedMinBytes &&
        mems.some(
          (n) =>
            n.firstSeen > old.firstSeen &&
            n.firstSeen + REPLACED_GROWTH_LAG_MS >= old.lastGrowth &&
            (!graceOnly || this.now - n.firstSeen >= c.replacedGraceMs),
        );
      // Once one is past the grace period, the pattern is established: all superseded idle ones.
      const established = mems.some((m) => candidate(m, true));
      const stale = established ? mems.filter((m) => candidate(m, false)).sort((x, y) => x.firstSeen - y.firstSeen) : [];
      for (const old of stale) {
        out.push({
          id: `memory-replaced:${old.key}`,
          kind: 'memory-replaced',
          subject: old.key,
          severity: stale.length >= 3 ? 'error' : 'warning',
        });
      }
    }
  }

  report(): {
    alerts: RefAlert[];
    memories: Array<{ key: string; currentBytes: number; peakBytes: number; growthEvents: number; collected: boolean }>;
    eventCount: number;
  } {
    this.evaluate();
    return {
      alerts: [...this.alerts.values()],
      memories: [...this.memories.values()].map((m) => ({
        key: m.key,
        currentBytes: m.current,
        peakBytes: m.peak,
        growthEvents: m.growthEvents,
        collected: m.collected,
      })),
      eventCount: this.eventCount,
    };
  }
}
