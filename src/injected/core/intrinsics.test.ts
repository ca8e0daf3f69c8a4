import { describe, expect, it } from 'vitest';
import { arrayJoin, arraySlice, arraySortInPlace, SafeMap, SafeSet, SafeWeakMap, SafeWeakSet, sequence } from './intrinsics';

/**
 * Replace every method and accessor of `targets` by one that throws, run `fn` (synchronous, so
 * nothing else of the test runner runs meanwhile; it must itself use no replaced method), restore.
 */
function withPoisoned(targets: object[], fn: () => void): string[] {
  const calls: string[] = [];
  const saved: Array<[object, PropertyKey, PropertyDescriptor]> = [];
  // Index loops and index stores only: Array.prototype is among the targets.
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const keys = Reflect.ownKeys(t);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      const d = Reflect.getOwnPropertyDescriptor(t, k)!;
      if (k === 'constructor' || !d.configurable) continue;
      const trip = () => {
        calls[calls.length] = String(k);
        throw new Error(`tampered: ${String(k)}`);
      };
      if (typeof d.value === 'function') Reflect.defineProperty(t, k, { ...d, value: trip });
      else if (d.get) Reflect.defineProperty(t, k, { ...d, get: trip });
      else continue;
      saved[saved.length] = [t, k, d];
    }
  }
  try {
    fn();
  } finally {
    for (let i = saved.length - 1; i >= 0; i--) Reflect.defineProperty(saved[i]![0], saved[i]![1], saved[i]![2]);
  }
  return calls;
}

const ITERATORS = [Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(new Map()[Symbol.iterator]())];

describe('safe collections and array helpers', () => {
  it('work while the page has made every Map/Set/WeakMap/WeakSet/Array method throw', () => {
    const out: unknown[] = [];
    const note = (...v: unknown[]) => {
      for (let i = 0; i < v.length; i++) out[out.length] = v[i];
    };
    const calls = withPoisoned([Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype, Array.prototype, ...ITERATORS], () => {
      const m = new SafeMap<string, number>();
      m.set('a', 1).set('b', 2);
      m.delete('a');
      m.forEach((v, k) => note(`${k}=${v}`));
      note(m.size, m.has('b'), m.get('b'));
      const s = new SafeSet<number>();
      s.add(3);
      s.forEach((v) => note(v));
      const key = {};
      const wm = new SafeWeakMap<object, number>();
      wm.set(key, 4);
      const ws = new SafeWeakSet<object>();
      ws.add(key);
      note(wm.get(key), ws.has(key));
      const a = ['3', '1', '2'];
      note(
        arrayJoin(
          arraySlice(
            arraySortInPlace(a, (x, y) => Number(x) - Number(y)),
            1,
          ),
          ',',
        ),
      );
      const it = sequence(['x', 'y'])[Symbol.iterator]();
      note(it.next().value, it.next().value, it.next().done);
    });
    expect(calls).toEqual([]);
    expect(out).toEqual(['b=2', 1, true, 2, 3, 4, true, '2,3', 'x', 'y', true]);
  });

  it('have no iterators (their `next` would be the page’s): for...of over one throws', () => {
    const m = new SafeMap<number, number>();
    expect(() => {
      for (const e of m as unknown as Iterable<unknown>) void e;
    }).toThrow(TypeError);
    expect((m as unknown as { values: unknown }).values).toBeUndefined();
    expect(m instanceof Map).toBe(true);
  });

  it('a WebIDL sequence of ours is read without Array.prototype', () => {
    let size = 0;
    const calls = withPoisoned([Array.prototype, ...ITERATORS], () => {
      size = new Blob(sequence(['ab', 'c']) as unknown as BlobPart[]).size;
    });
    expect(calls).toEqual([]);
    expect(size).toBe(3);
  });
});
