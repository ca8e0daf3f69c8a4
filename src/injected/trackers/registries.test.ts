import { describe, expect, it } from 'vitest';
import { LIMITS, type MarkEvent, type RegistryEvent } from '../../shared/protocol';
import {
  ERRORS_FIELD,
  MAX_MARKS_PER_TICK,
  MAX_REGISTRIES,
  PULL_GLOBAL,
  REGISTRY_EVENT,
  MARK_EVENT,
  RegistryTracker,
  cleanLabel,
  cleanStats,
  installRegistries,
} from './registries';

class FakeMemory {}

function setup() {
  const events: Array<RegistryEvent | MarkEvent> = [];
  const keys = new Map<object, string>();
  const t = new RegistryTracker({
    now: () => 42,
    emit: (e) => events.push(e),
    memoryKey: (m) => keys.get(m),
    isMemory: (v): v is WebAssembly.Memory => v instanceof FakeMemory,
  });
  return { t, events, keys };
}

describe('validation', () => {
  it('keeps finite numbers only, bounded', () => {
    const raw: Record<string, unknown> = { a: 1, b: 'x', c: NaN, d: Infinity, e: -2.5, ['x'.repeat(100)]: 3 };
    for (let i = 0; i < 100; i++) raw[`f${i}`] = i;
    const s = cleanStats(raw)!;
    expect(s.a).toBe(1);
    expect(s.e).toBe(-2.5);
    expect('b' in s || 'c' in s || 'd' in s).toBe(false);
    expect(Object.keys(s).length).toBe(LIMITS.maxRegistryFields);
    expect(cleanStats(null)).toBeNull();
    expect(cleanStats([1, 2])).toBeNull();
    expect(
      cleanStats({
        get boom() {
          throw new Error('getter must not run');
        },
        ok: 1,
      }),
    ).toEqual({ ok: 1 });
  });
  it('labels: strings or { label }, bounded', () => {
    expect(cleanLabel('before load')).toBe('before load');
    expect(cleanLabel({ label: 'x'.repeat(2000) })!.length).toBe(LIMITS.maxString);
    expect(cleanLabel({ label: 5 })).toBeNull();
    expect(cleanLabel('')).toBeNull();
  });
});

describe('RegistryTracker', () => {
  it('coalesces pushes: one event per tick per registry, only when changed', () => {
    const { t, events, keys } = setup();
    const mem = new FakeMemory();
    keys.set(mem, 'r:7');
    for (let i = 1; i <= 1000; i++) t.push({ name: 'datasets', stats: { datasetCount: i, datasetTotalBytes: i * 10 }, memory: mem });
    t.flush();
    t.flush();
    expect(events).toEqual([
      { t: 'registry', time: 42, name: 'datasets', memory: 'r:7', stats: { datasetCount: 1000, datasetTotalBytes: 10000 } },
    ]);
    t.push({ name: 'datasets', stats: { datasetCount: 1000, datasetTotalBytes: 10000 } });
    t.flush();
    expect(events).toHaveLength(1);
    t.push({ name: 'datasets', stats: { datasetCount: 999, datasetTotalBytes: 9990 } });
    t.flush();
    expect(events).toHaveLength(2);
  });

  it('rejects malformed pushes and bounds the number of registries', () => {
    const { t, events } = setup();
    expect(t.push(null)).toBe(false);
    expect(t.push({ name: '', stats: {} })).toBe(false);
    expect(t.push({ name: 'x', stats: 'no' })).toBe(false);
    for (let i = 0; i < MAX_REGISTRIES + 10; i++) t.push({ name: `r${i}`, stats: { n: i } });
    t.flush();
    expect(events).toHaveLength(MAX_REGISTRIES);
    expect(t.rejected).toBe(3 + 10);
  });

  it('polls pull registrations; a throwing stats() is reported, not propagated', () => {
    const { t, events } = setup();
    let n = 0;
    let fail = false;
    const list = [
      {
        name: 'cache',
        stats: () => {
          if (fail) throw new Error('boom');
          return { entries: ++n };
        },
      },
      { name: 'bad', stats: 'not a function' },
      42,
    ];
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      t.poll(list);
      t.flush();
      fail = true;
      t.poll(list);
      t.flush();
      t.poll(list);
      t.flush();
    } finally {
      console.warn = warn;
    }
    expect(events.map((e) => (e as RegistryEvent).stats)).toEqual([
      { entries: 1 },
      { entries: 1, [ERRORS_FIELD]: 1 },
      { entries: 1, [ERRORS_FIELD]: 2 },
    ]);
  });

  it('marks', () => {
    const { t, events } = setup();
    t.mark({ label: 'after import' });
    t.mark(17);
    expect(events).toEqual([{ t: 'mark', time: 42, label: 'after import' }]);
  });

  it('marks are bounded per tick: a page marking in a loop cannot flood the channel', () => {
    const { t, events } = setup();
    for (let i = 0; i < 1000; i++) t.mark(`m${i}`);
    expect(events).toHaveLength(MAX_MARKS_PER_TICK);
    expect(t.droppedMarks).toBe(1000 - MAX_MARKS_PER_TICK);
    t.flush();
    t.mark('next tick');
    expect(events.at(-1)).toEqual({ t: 'mark', time: 42, label: 'next tick' });
  });
});

describe('installRegistries', () => {
  it('listens to the documented events and polls the documented global on tick', () => {
    const { t, events } = setup();
    const target = new EventTarget() as EventTarget & Record<string, unknown>;
    let tick: () => void = () => undefined;
    installRegistries(target, t, (fn) => {
      tick = fn;
    });
    target.dispatchEvent(new CustomEvent(REGISTRY_EVENT, { detail: { name: 'pushed', stats: { a: 1 } } }));
    target.dispatchEvent(new CustomEvent(MARK_EVENT, { detail: 'm1' }));
    (target[PULL_GLOBAL] as unknown) = [{ name: 'pulled', stats: () => ({ b: 2 }) }];
    tick();
    expect(events).toEqual([
      { t: 'mark', time: 42, label: 'm1' },
      { t: 'registry', time: 42, name: 'pushed', stats: { a: 1 } },
      { t: 'registry', time: 42, name: 'pulled', stats: { b: 2 } },
    ]);
  });

  it('wakes the realm timer on a push, a mark, or a pull array; not on an idle tick', () => {
    const { t } = setup();
    const target = new EventTarget() as EventTarget & Record<string, unknown>;
    let tick: () => void = () => undefined;
    let wakes = 0;
    installRegistries(
      target,
      t,
      (fn) => {
        tick = fn;
      },
      () => void wakes++,
    );
    tick();
    expect(wakes).toBe(0);
    (target[PULL_GLOBAL] as unknown) = [];
    tick();
    expect(wakes).toBe(1);
    target.dispatchEvent(new CustomEvent(REGISTRY_EVENT, { detail: { name: 'pushed', stats: { a: 1 } } }));
    target.dispatchEvent(new CustomEvent(MARK_EVENT, { detail: 'm1' }));
    expect(wakes).toBe(3);
  });
});
