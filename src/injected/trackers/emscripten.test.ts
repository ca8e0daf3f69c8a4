import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AllocTracker, planEmscripten, shapeOf, type Slot } from './emscripten';
import { replaceExports } from './exports';
import { maskToString } from '../core/transparent';

describe('AllocTracker', () => {
  it('keeps exact live bytes and counts against a model, for any sequence of calls', () => {
    type Op = { kind: 'malloc' | 'calloc' | 'free' | 'realloc'; pick?: number; size: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constantFrom('malloc' as const, 'calloc' as const), size: fc.integer({ min: 0, max: 5000 }) }),
      fc.record({ kind: fc.constantFrom('free' as const, 'realloc' as const), pick: fc.nat(), size: fc.integer({ min: 0, max: 5000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op as fc.Arbitrary<Op>, { maxLength: 200 }), (ops) => {
        const t = new AllocTracker('r:0');
        const model = new Map<number, number>();
        let next = 8;
        let allocs = 0;
        let frees = 0;
        for (const o of ops) {
          if (o.kind === 'malloc' || o.kind === 'calloc') {
            const p = (next += 8);
            if (o.kind === 'malloc') t.malloc(o.size, p);
            else t.calloc(1, o.size, p);
            model.set(p, o.size);
            allocs++;
          } else {
            const live = [...model.keys()];
            const p = live.length > 0 ? live[(o.pick ?? 0) % live.length]! : 0;
            if (o.kind === 'free') {
              t.free(p);
              if (model.delete(p)) frees++;
            } else {
              const np = (next += 8);
              t.realloc(p, o.size, np);
              if (p === 0) allocs++;
              model.delete(p);
              model.set(np, o.size);
            }
          }
        }
        const bytes = [...model.values()].reduce((a, b) => a + b, 0);
        const e = t.event(0);
        expect(e.liveBytes).toBe(bytes);
        expect(e.liveAllocations).toBe(model.size);
        expect(e.totalAllocations).toBe(allocs);
        expect(e.totalFrees).toBe(frees);
        expect(e.totalAllocations - e.totalFrees).toBe(e.liveAllocations);
      }),
    );
  });

  it('ignores failed allocations, free(NULL) and frees of pointers allocated inside wasm', () => {
    const t = new AllocTracker('r:0');
    t.malloc(100, 0);
    t.free(0);
    t.free(4096);
    t.malloc(10, -16); // a pointer above 2 GiB comes back as a negative i32
    t.free(-16);
    expect(t.event(0)).toMatchObject({ liveBytes: 0, liveAllocations: 0, totalAllocations: 1, totalFrees: 1 });
    expect(t.unknownFrees).toBe(1);
    t.malloc(64, 32);
    t.realloc(32, 128, 0); // failed realloc keeps the block
    expect(t.event(0).liveBytes).toBe(64);
    t.realloc(32, 0, 0); // realloc(p, 0) that frees
    expect(t.event(0)).toMatchObject({ liveBytes: 0, liveAllocations: 0 });
  });
});

describe('instance shapes', () => {
  it('tells wasm-bindgen, named and minified Emscripten apart', () => {
    expect(shapeOf(['memory', '__wbindgen_malloc', 'malloc', 'free'], ['wbg'])).toBe('bindgen');
    expect(shapeOf(['memory', 'malloc', 'free', 'main'], ['env', 'wasi_snapshot_preview1'])).toBe('emscripten-named');
    const sqljs = ['O', 'P', 'Q', 'R', 'S', 'T', 'U', 'Ia', 'Ja'];
    expect(shapeOf(sqljs, ['a'])).toBe('emscripten-minified');
    expect(shapeOf(['memory', 'fib', 'run'], ['env'])).toBe('other');
  });

  it('does not treat helper modules (no memory) as apps', () => {
    const f = Object.freeze({ malloc: (n: number) => n, free: (p: number) => void p });
    expect(planEmscripten(f as unknown as WebAssembly.Exports, [], ['env'])).toBeNull();
  });
});

function wasmLike<T extends (...a: never[]) => unknown>(fn: T, name: string): T {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

describe('planEmscripten', () => {
  it('wraps named allocator exports, keeping name, length and results', () => {
    let next = 1024;
    const raw = Object.freeze({
      memory: {},
      malloc: wasmLike((n: number) => { void n; return (next += 64); }, '7'),
      free: wasmLike((p: number) => { void p; }, '8'),
      work: wasmLike((a: number, b: number) => a + b, '9'),
    });
    const plan = planEmscripten(raw as unknown as WebAssembly.Exports, [{ key: 'r:m1' }], ['env']);
    expect(plan).not.toBeNull();
    const ex = replaceExports(raw as unknown as WebAssembly.Exports, plan!.wrappers) as unknown as typeof raw;
    expect(Object.keys(ex)).toEqual(Object.keys(raw));
    expect(Object.isFrozen(ex)).toBe(true);
    expect(Object.getPrototypeOf(ex)).toBeNull();
    expect(ex.work).toBe(raw.work);
    expect(ex.malloc).not.toBe(raw.malloc);
    expect(ex.malloc.name).toBe('7');
    expect(ex.malloc.length).toBe(1);
    const a = ex.malloc(100);
    const b = ex.malloc(28);
    expect(a).toBe(1088);
    ex.free(a);
    expect(plan!.tracker.event(5)).toEqual({ t: 'alloc', time: 5, memory: 'r:m1', liveBytes: 28, liveAllocations: 1, totalAllocations: 2, totalFrees: 1 });
    ex.free(b);
    expect(plan!.tracker.liveBytes).toBe(0);
  });

  it('wrappers are transparent: same toString, no prototype, not a constructor', () => {
    maskToString(Function.prototype);
    const raw = Object.freeze({ memory: {}, malloc: wasmLike((n: number) => n + 8, '3'), free: wasmLike((p: number) => void p, '4') });
    const plan = planEmscripten(raw as unknown as WebAssembly.Exports, [{ key: 'r:m9' }], ['env'])!;
    const w = plan.wrappers.get('malloc') as (n: number) => number;
    expect(w).not.toBe(raw.malloc);
    expect(Function.prototype.toString.call(w)).toBe(Function.prototype.toString.call(raw.malloc));
    expect(Object.getOwnPropertyNames(w).sort()).toEqual(Object.getOwnPropertyNames(raw.malloc).sort());
    expect(() => new (w as unknown as new () => unknown)()).toThrow(TypeError);
    expect(w(1)).toBe(9);
  });

  it('minified builds: wrappers count only once `Module._malloc = wrapper` told which is which', () => {
    let next = 2048;
    const raw = Object.freeze({
      O: {},
      R: wasmLike((p: number) => { void p; }, '3'), // sqlite3_free: not the allocator
      Ia: wasmLike((n: number) => { void n; return (next += 32); }, '4'),
      Ja: wasmLike((p: number) => { void p; }, '5'),
      Xa: wasmLike((a: number, b: number, c: number) => a + b + c, '6'),
    });
    const plan = planEmscripten(raw as unknown as WebAssembly.Exports, [{ key: 'r:m2' }], ['a'])!;
    const ex = replaceExports(raw as unknown as WebAssembly.Exports, plan.wrappers) as unknown as typeof raw;
    expect(ex.Xa).toBe(raw.Xa);
    const before = ex.Ia(10); // before identification: not counted
    expect(plan.tracker.totalAllocations).toBe(0);
    // What the glue does: ca = k._malloc = c.Ia; da = k._free = c.Ja
    (plan.slots.get(ex.Ia) as Slot).role = 'malloc';
    (plan.slots.get(ex.Ja) as Slot).role = 'free';
    const p = ex.Ia(500);
    ex.Ia(12);
    ex.Ja(p);
    ex.Ja(before); // allocated before we knew: an unknown free, not counted
    ex.R(4);
    expect(plan.tracker.event(0)).toMatchObject({ liveBytes: 12, liveAllocations: 1, totalAllocations: 2, totalFrees: 1 });
  });
});
