import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { replaceExports, wrapExport } from './exports';
import { isWrapper, maskToString } from '../core/transparent';

const leb = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const str = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const sec = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
/** add(i32, i32) -> i32, trap(i32) -> () (unreachable), three(i32, i32, i32) -> i32 */
function exportsOf(): Record<string, (...a: unknown[]) => unknown> {
  const add = [0, 0x20, 0, 0x20, 1, 0x6a, 0x0b];
  const trap = [0, 0x00, 0x0b];
  const three = [0, 0x20, 2, 0x0b];
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...sec(1, vec([[0x60, 2, 0x7f, 0x7f, 1, 0x7f], [0x60, 1, 0x7f, 0], [0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f]])),
    ...sec(3, vec([[0], [1], [2]])),
    ...sec(7, vec([[...str('add'), 0, 0], [...str('trap'), 0, 1], [...str('three'), 0, 2]])),
    ...sec(10, vec([[...leb(add.length), ...add], [...leb(trap.length), ...trap], [...leb(three.length), ...three]]))]);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Record<string, (...a: unknown[]) => unknown>;
}

describe('wrapExport on wasm functions', () => {
  maskToString(Function.prototype);
  const describeFn = (f: (...a: unknown[]) => unknown) => ({
    name: f.name,
    length: f.length,
    text: Function.prototype.toString.call(f),
    keys: Reflect.ownKeys(f),
    descriptors: Reflect.ownKeys(f).map((k) => Object.getOwnPropertyDescriptor(f, k)),
    proto: Object.getPrototypeOf(f) === Function.prototype,
    hasPrototype: 'prototype' in f,
    constructor: (() => { try { Reflect.construct(String, [], f); return true; } catch { return false; } })(),
  });

  it('looks like the original and passes calls and results through', () => {
    const ex = exportsOf();
    const seen: unknown[] = [];
    const w = wrapExport(ex.add!, (a, b, r) => seen.push([a, b, r]));
    expect(isWrapper(w)).toBe(true);
    expect(describeFn(w)).toEqual(describeFn(ex.add!));
    expect(w(2, 3)).toBe(5);
    expect(w.call({}, 2, '4', 99)).toBe(6);
    expect(w(7)).toBe(7);
    expect(seen).toEqual([[2, 3, 5], [2, '4', 6], [7, undefined, 7]]);
    expect(() => new (w as unknown as new () => unknown)()).toThrow(TypeError);
  });

  it('surfaces the wasm error itself', () => {
    const ex = exportsOf();
    let after = 0;
    const w = wrapExport(ex.trap!, () => after++);
    let direct: unknown;
    let wrapped: unknown;
    try { ex.trap!(1); } catch (e) { direct = e; }
    try { w(1); } catch (e) { wrapped = e; }
    expect(wrapped).toBeInstanceOf(WebAssembly.RuntimeError);
    expect((wrapped as Error).message).toBe((direct as Error).message);
    expect(after).toBe(0);
    // a conversion error thrown on entry (BigInt to i32) is a TypeError, as without the wrapper
    expect(() => w(1n)).toThrow(TypeError);
  });

  it('wraps functions of more parameters the same way (constructor exports): same calls with fewer or more arguments', () => {
    const ex = exportsOf();
    const seen: unknown[] = [];
    const w = wrapExport(ex.three!, (a, b, r) => seen.push([a, b, r]));
    expect(describeFn(w)).toEqual(describeFn(ex.three!));
    for (const args of [[1, 2, 3], [1, 2, 3, 4], [1, 2], [], [1, 2, '9']]) expect(w(...args)).toBe(ex.three!(...args));
    expect(seen).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 0], [undefined, undefined, 0], [1, 2, 9]]);
    expect(() => w(1, 2, 3n)).toThrow(TypeError);
  });
});

describe('replaceExports', () => {
  // V8's own check, available once the flag is set (it applies to functions compiled afterwards).
  setFlagsFromString('--allow-natives-syntax');
  const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

  it('is the real object with the wrappers substituted: same keys in order, null prototype, frozen, fast properties', () => {
    const ex = exportsOf() as unknown as WebAssembly.Exports;
    const w = wrapExport((ex as Record<string, (...a: never[]) => unknown>).add!, () => undefined);
    const out = replaceExports(ex, new Map([['add', w]])) as Record<string, unknown>;
    expect(Reflect.ownKeys(out)).toEqual(Reflect.ownKeys(ex));
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(Object.isFrozen(out)).toBe(true);
    for (const k of Object.keys(ex)) {
      const d = Object.getOwnPropertyDescriptor(out, k);
      expect(d).toEqual({ ...Object.getOwnPropertyDescriptor(ex, k), value: k === 'add' ? w : (ex as Record<string, unknown>)[k] });
    }
    // Glue reads `wasm.foo` on every call: a dictionary-mode object would cost a hash lookup
    // per read and block inlining. The real exports object is fast; so must the copy be.
    expect(hasFastProperties(ex)).toBe(true);
    expect(hasFastProperties(out)).toBe(true);
    expect(replaceExports(ex, new Map())).toBeUndefined();
  });
});
