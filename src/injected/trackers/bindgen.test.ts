import { describe, expect, it } from 'vitest';
import type { BindgenEvent } from '../../shared/protocol';
import {
  BindgenTracker,
  MAX_SAMPLED_PER_CLASS,
  MAX_SITES_PER_CLASS,
  ORPHAN_BURST,
  ORPHAN_TRACK_PER_TICK,
  STACK_BURST,
  STACKS_PER_TICK,
} from './bindgen';
import { freeExportIn, ptrOfHeld, registersEveryPointer, toPtr, wrapsEveryPointer } from './glue-source';
import { hookFinalizationRegistry, hookPointerFields, hookWrap, linkFreeCounters } from './bindgen-hooks';
import { LIMITS } from '../../shared/protocol';

/** A FinalizationRegistry stand-in whose cleanup we fire by hand (deterministic "GC"). */
class FakeFR {
  static all: FakeFR[] = [];
  readonly cells = new Map<object, { held: unknown; token: unknown }>();
  constructor(readonly cleanup: (held: unknown) => void) {
    if (typeof cleanup !== 'function') throw new TypeError('cleanup must be callable');
    FakeFR.all.push(this);
  }
  register(target: object, held: unknown, token?: unknown): undefined {
    if (typeof target !== 'object' || target === null) throw new TypeError('invalid target');
    this.cells.set(target, { held, token });
    return undefined;
  }
  unregister(token: unknown): boolean {
    let removed = false;
    for (const [t, c] of this.cells)
      if (c.token === token) {
        this.cells.delete(t);
        removed = true;
      }
    return removed;
  }
  /** Simulate the GC collecting `target`. */
  collect(target: object): void {
    const c = this.cells.get(target);
    if (!c) return;
    this.cells.delete(target);
    this.cleanup(c.held);
  }
}

/**
 * A fake wasm module: malloc-like pointers and free exports that record calls. Free exports take
 * `(ptr, flag)` like 0.2.93+ glue's, or `(ptr)` with `arity` 1 (older glue); wasm functions'
 * `length` is their parameter count. Like a module rewritten by ../core/wasm-rewrite.ts, each
 * free export counts its calls with a non-zero pointer and without the finalizer flag (`calls`).
 */
function fakeWasm(...classes: string[]) {
  return fakeWasmArity(2, ...classes);
}

function fakeWasmArity(arity: 1 | 2, ...classes: string[]) {
  let next = 16;
  const freed: Array<[string, number, unknown]> = [];
  const calls: Record<string, number> = {};
  const count = (name: string, ptr: number, flag: unknown) => {
    if (ptr !== 0 && flag !== 1) calls[name] = (calls[name] ?? 0) + 1;
  };
  const raw: Record<string, unknown> = { memory: {} };
  for (const spec of classes) {
    // 'name' exports a constructor `name_new`; 'name:maker' makes objects through `maker` instead
    // (a method of another class, or a constructor under another name).
    const [c, maker] = spec.split(':') as [string, string | undefined];
    raw[maker ?? `${c}_new`] = () => (next += 16);
    const name = `__wbg_${c}_free`;
    raw[name] =
      arity === 2
        ? function (ptr: number, flag: unknown) {
            count(name, ptr, flag);
            freed.push([c, ptr, flag]);
          }
        : function (ptr: number) {
            count(name, ptr, undefined);
            freed.push([c, ptr, undefined]);
          };
  }
  return { raw: Object.freeze(raw) as unknown as WebAssembly.Exports, freed, calls };
}

/** Instantiate `w` as the hooks would: link its in-wasm call counters to the tracker. */
function instantiateFake(
  w: ReturnType<typeof fakeWasm>,
  moduleKey: string,
  tracker: BindgenTracker,
): Record<string, (...a: unknown[]) => number> {
  linkFreeCounters(w.raw, moduleKey, tracker, (name) => ({ read: () => w.calls[name] ?? 0, global: {} }));
  return w.raw as unknown as Record<string, (...a: unknown[]) => number>;
}

/** A fake wasm module as the glue sees it: the module's own exports, counting inside. */
function glueWasm(tracker: BindgenTracker, moduleKey: string, ...classes: string[]) {
  const w = fakeWasm(...classes);
  return { w, wasm: instantiateFake(w, moduleKey, tracker) };
}

function setup(stackText?: (n: number) => string) {
  const events: BindgenEvent[] = [];
  let stacks = 0;
  let formatted = 0;
  const stackLater = () => {
    ++stacks;
    const s = stackText ? stackText(stacks) : `stack#${stacks % 3}`;
    return () => {
      formatted++;
      return s;
    };
  };
  // orphan tracking's own registries: collected by hand, like the page's (FakeFR)
  const own: FakeFR[] = [];
  const weakRegistry = (cleanup: (held: never) => void) => {
    const r = new FakeFR(cleanup as (held: unknown) => void);
    own.push(r);
    return r;
  };
  const tracker = new BindgenTracker({ now: () => 1, stackLater, emit: (e) => events.push(e), weakRegistry, wrapCreator: hookWrap });
  const global = { FinalizationRegistry: FakeFR as unknown as typeof FinalizationRegistry };
  hookFinalizationRegistry(global, tracker);
  class Base {}
  hookPointerFields(Base.prototype, tracker);
  const last = (name: string) => {
    tracker.tick();
    const e = [...events].reverse().find((x) => x.className === name);
    if (!e) throw new Error(`no event for ${name}`);
    return e;
  };
  /** The GC collects `target`'s wrapper: our orphan registries' callbacks run. */
  const collect = (target: object) => {
    for (const r of own) r.collect(target);
  };
  return { tracker, events, FR: global.FinalizationRegistry, Base, last, formatted: () => formatted, collect };
}

describe('helpers', () => {
  it('finds the free export in glue source of every generation', () => {
    expect(freeExportIn('ptr => wasm.__wbg_tiktoken_free(ptr >>> 0, 1)')).toBe('__wbg_tiktoken_free');
    expect(freeExportIn('free(){const ptr=this.ptr;this.ptr=0;wasm.__wbg_my_class_free(ptr);}')).toBe('__wbg_my_class_free');
    expect(freeExportIn('state => wasm.__wbindgen_export_2.get(state.dtor)(state.a, state.b)')).toBeNull();
  });
  it('tells old-glue classes that make every object in __wrap', () => {
    const photon = `class PhotonImage {
    static __wrap(ptr) {
        const obj = Object.create(PhotonImage.prototype);
        obj.ptr = ptr;

        return obj;
    }
    free() { const ptr = this.ptr; this.ptr = 0; wasm.__wbg_photonimage_free(ptr); }
    constructor(raw, w, h) { var ret = wasm.photonimage_new(0, 0, w, h); return PhotonImage.__wrap(ret); }
}`;
    expect(wrapsEveryPointer(photon)).toBe(true);
    expect(wrapsEveryPointer(photon.replace('return PhotonImage.__wrap(ret);', 'this.ptr = ret;'))).toBe(false); // a second path
    expect(wrapsEveryPointer(photon.replace('static __wrap(ptr)', 'static make(ptr)'))).toBe(false);
    expect(wrapsEveryPointer('class T { static __wrap(ptr) { const o = Object.create(T.prototype); o.__wbg_ptr = ptr; return o; } }')).toBe(
      false,
    );
  });
  it('reads pointers from numbers and held objects', () => {
    expect(toPtr(8)).toBe(8);
    expect(toPtr(-8)).toBe(4294967288);
    expect(toPtr(1.5)).toBe(-1);
    expect(toPtr(16n)).toBe(16);
    expect(ptrOfHeld({ ptr: 24, instance: {} })).toBe(24);
    expect(ptrOfHeld({ __wbg_ptr_Foo: 40, __wbg_ptr_Base: 40 })).toBe(40);
    expect(
      ptrOfHeld({
        get ptr() {
          throw new Error('getter must not run');
        },
      }),
    ).toBe(-1);
  });
});

/**
 * tiktoken-shaped glue of 0.2.93+ (registry always, `free(ptr, 0)`, finalizer `(ptr, 1)`).
 * `registriesFirst`: the real load order (the glue module's top level makes its registry, then
 * init() instantiates); otherwise the instance comes first and its free export is counted inside wasm.
 */
function tiktokenGlue(moduleKey: string, registriesFirst: boolean) {
  const s = setup();
  const w = fakeWasm('tiktoken');
  let wasm: Record<string, (...a: unknown[]) => number> = {};
  const instantiate = () => {
    wasm = instantiateFake(w, moduleKey, s.tracker);
  };
  if (!registriesFirst) instantiate();
  const TiktokenFinalization = new s.FR((ptr: unknown) => wasm.__wbg_tiktoken_free!((ptr as number) >>> 0, 1));
  if (registriesFirst) instantiate();
  class Tiktoken extends s.Base {
    declare __wbg_ptr: number;
    constructor() {
      super();
      const ret = wasm.tiktoken_new!();
      this.__wbg_ptr = ret >>> 0;
      TiktokenFinalization.register(this, this.__wbg_ptr, this);
    }
    __destroy_into_raw() {
      const ptr = this.__wbg_ptr;
      this.__wbg_ptr = 0;
      TiktokenFinalization.unregister(this);
      return ptr;
    }
    free() {
      const ptr = this.__destroy_into_raw();
      wasm.__wbg_tiktoken_free!(ptr, 0);
    }
  }
  /** A Rust function taking a Tiktoken BY VALUE: the glue hands over the pointer, no free export. */
  const consume = (t: Tiktoken) => void t.__destroy_into_raw();
  return { ...s, Tiktoken, consume, reg: FakeFR.all[FakeFR.all.length - 1]!, w };
}

describe('glue 0.2.100 (tiktoken): registry always, free(ptr, 0) vs finalizer (ptr, 1)', () => {
  const glue = () => tiktokenGlue('r:1', false);

  it('counts created, freed and reclaimed exactly, without double counting', () => {
    const { Tiktoken, reg, last, w } = glue();
    const objs = Array.from({ length: 10 }, () => new Tiktoken());
    for (const o of objs.slice(0, 6)) o.free();
    objs[0]!.free(); // double free: free(0) reaches wasm, nothing counted
    for (const o of objs.slice(6, 9)) reg.collect(o);
    const e = last('Tiktoken');
    expect(e).toMatchObject({ created: 10, freed: 6, reclaimed: 3, live: 1, module: 'r:1' });
    expect(w.freed.filter((f) => f[2] === 1)).toHaveLength(3);
    expect(w.freed.filter((f) => f[2] === 0)).toHaveLength(7);
  });

  it('counts creations from register() once the first one is confirmed, and shadows the watch', () => {
    const { Tiktoken, tracker, last } = glue();
    new Tiktoken();
    const cls = tracker.classes.get('__wbg_tiktoken_free')!;
    expect(cls.mode).toBe('register');
    // The watch no longer runs for this class: its prototype has a plain writable data property.
    expect(Object.getOwnPropertyDescriptor(Tiktoken.prototype, '__wbg_ptr')).toEqual({
      value: undefined,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    const t = new Tiktoken();
    expect(Object.getOwnPropertyDescriptor(t, '__wbg_ptr')).toMatchObject({ writable: true, enumerable: true, configurable: true });
    for (let i = 0; i < 5; i++) new Tiktoken().free();
    expect(last('Tiktoken')).toMatchObject({ created: 7, freed: 5, reclaimed: 0, live: 2 });
  });

  it('Symbol.dispose counts as an explicit free', () => {
    const { Tiktoken, last } = glue();
    (Tiktoken.prototype as unknown as Record<symbol, unknown>)[Symbol.dispose] = Tiktoken.prototype.free;
    const t = new Tiktoken() as unknown as Record<symbol, () => void>;
    t[Symbol.dispose]!();
    expect(last('Tiktoken')).toMatchObject({ created: 1, freed: 1, reclaimed: 0, live: 0 });
  });

  it('a burst after a pause: every live object counted at its creation site, exactly (liveSampled = live)', () => {
    const { Tiktoken, last } = glue();
    const objs = Array.from({ length: 66 }, () => new Tiktoken());
    let e = last('Tiktoken');
    const sum = (x: typeof e) => (x.liveStacks ?? []).reduce((n, st) => n + st.count, 0);
    expect(e.live).toBe(66);
    expect(sum(e)).toBe(66);
    expect(e.liveSampled).toBe(66);
    // the fake stacks rotate over three texts: 22 objects at each site
    expect(e.liveStacks?.map((st) => st.count)).toEqual([22, 22, 22]);
    for (const o of objs.slice(0, 30)) o.free();
    e = last('Tiktoken');
    expect(e.live).toBe(36);
    expect(e.liveSampled).toBe(36);
    expect(sum(e)).toBe(36);
    for (const o of objs.slice(30)) o.free();
    e = last('Tiktoken');
    expect(e.liveStacks).toBeUndefined();
    expect(e.liveSampled).toBeUndefined();
    expect(e.live).toBe(0);
  });

  it('creating without pause: at most STACKS_PER_TICK captures per tick once the burst budget is spent, a bounded sample', () => {
    const { Tiktoken, last, tracker } = glue();
    const objs = [];
    for (let tick = 0; tick < 40; tick++) {
      for (let i = 0; i < 40; i++) objs.push(new Tiktoken());
      tracker.tick();
    }
    const e = last('Tiktoken');
    expect(e.live).toBe(1600);
    // the first burst: STACK_BURST; then STACKS_PER_TICK per tick; never past MAX_SAMPLED_PER_CLASS
    expect(e.liveSampled).toBe(Math.min(MAX_SAMPLED_PER_CLASS, STACK_BURST + 39 * STACKS_PER_TICK));
    expect((e.liveStacks ?? []).reduce((n, st) => n + st.count, 0)).toBe(e.liveSampled);
    for (const o of objs) o.free();
    expect(last('Tiktoken').liveStacks).toBeUndefined();
  });

  it('keeps at most MAX_SITES_PER_CLASS distinct sites; objects of further sites are not sampled', () => {
    const events: BindgenEvent[] = [];
    let n = 0;
    const tracker = new BindgenTracker({
      now: () => 1,
      stackLater: () => {
        const s = `site#${n++}`;
        return () => s;
      },
      emit: (e) => events.push(e),
    });
    const cls = tracker.classFor('__wbg_thing_free')!;
    for (let p = 1; p <= MAX_SITES_PER_CLASS + 10; p++) tracker.countRegistered(cls, {}, p * 8);
    tracker.tick();
    const e = events.at(-1)!;
    expect(e.live).toBe(MAX_SITES_PER_CLASS + 10);
    expect(e.liveSampled).toBe(MAX_SITES_PER_CLASS);
    expect(e.liveStacks).toHaveLength(LIMITS.maxStacksPerClass);
  });

  it('formats a sampled stack only if its object is still live at the next event, once', () => {
    const { Tiktoken, last, tracker, formatted } = glue();
    tracker.tick(); // a full stack budget
    const freedSoon = new Tiktoken();
    const kept = new Tiktoken();
    freedSoon.free();
    expect(formatted()).toBe(0); // nothing formatted while the page runs
    let e = last('Tiktoken');
    expect(formatted()).toBe(1); // the live object's stack only
    expect(e.liveStacks).toEqual([{ stack: expect.stringMatching(/^stack#/), count: 1 }]);
    e = last('Tiktoken');
    expect(formatted()).toBe(1);
    kept.free();
    e = last('Tiktoken');
    expect(e.liveStacks).toBeUndefined();
    expect(e).toMatchObject({ created: 2, freed: 2, live: 0 });
  });
});

describe('glue 0.2.93+ in load order (registries made before the instance): frees counted by unregister()', () => {
  const glue = () => tiktokenGlue('r:9', true);

  it('does not use the in-wasm call counter: unregister() counts', () => {
    const { tracker } = glue();
    expect(tracker.countsInWasm('__wbg_tiktoken_free')).toBe(false);
  });

  it('counts created, freed (free(), dispose, or a move into Rust) and reclaimed exactly', () => {
    const { Tiktoken, consume, reg, last, w } = glue();
    const objs = Array.from({ length: 10 }, () => new Tiktoken());
    for (const o of objs.slice(0, 5)) o.free();
    objs[0]!.free(); // double free: unregister removes nothing, not counted
    consume(objs[5]!); // moved into Rust: released by JS, never to be reclaimed
    for (const o of objs.slice(6, 9)) reg.collect(o);
    expect(last('Tiktoken')).toMatchObject({ created: 10, freed: 6, reclaimed: 3, live: 1, module: 'r:9' });
    expect(w.freed.filter((f) => f[2] === 1)).toHaveLength(3);
  });

  it('drops the creation stacks of released objects', () => {
    const { Tiktoken, consume, last } = glue();
    const a = new Tiktoken();
    const b = new Tiktoken();
    expect((last('Tiktoken').liveStacks ?? []).reduce((n, x) => n + x.count, 0)).toBe(2);
    a.free();
    consume(b);
    expect(last('Tiktoken').liveStacks).toBeUndefined();
  });

  it('an instance made before any 0.2.93 registry is counted inside wasm, and that registry then never counts', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:10', 'late');
    expect(s.tracker.countsInWasm('__wbg_late_free')).toBe(true);
    const Reg = new s.FR((p: unknown) => wasm.__wbg_late_free!((p as number) >>> 0, 1));
    class Late extends s.Base {
      declare __wbg_ptr: number;
      constructor() {
        super();
        this.__wbg_ptr = wasm.late_new!() >>> 0;
        Reg.register(this, this.__wbg_ptr, this);
      }
      free() {
        const p = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        Reg.unregister(this);
        wasm.__wbg_late_free!(p, 0);
      }
    }
    for (let i = 0; i < 4; i++) new Late().free();
    expect(s.last('Late')).toMatchObject({ created: 4, freed: 4, live: 0 });
  });
});

for (const order of ['registries first (load order)', 'instance first'] as const)
  describe(`glue 0.2.92 (resvg): \`new\` never registers; __wrap does; no finalizer flag; ${order}`, () => {
    const registriesFirst = order.startsWith('registries');
    function glue() {
      const s = setup();
      let wasm: Record<string, (...a: unknown[]) => number> = {};
      let raw: Record<string, unknown> = {};
      const instantiate = () => {
        const w = fakeWasmArity(1, 'resvg', 'bbox:resvg_getBBox');
        raw = w.raw as unknown as Record<string, unknown>;
        wasm = instantiateFake(w, 'r:2', s.tracker);
      };
      if (!registriesFirst) instantiate();
      const ResvgFinalization = new s.FR((ptr: unknown) => wasm.__wbg_resvg_free!((ptr as number) >>> 0));
      const BBoxFinalization = new s.FR((ptr: unknown) => wasm.__wbg_bbox_free!((ptr as number) >>> 0));
      if (registriesFirst) instantiate();
      class BBox extends s.Base {
        declare __wbg_ptr: number;
        static __wrap(ptr: number) {
          const obj = Object.create(BBox.prototype) as BBox;
          obj.__wbg_ptr = ptr >>> 0;
          BBoxFinalization.register(obj, obj.__wbg_ptr, obj);
          return obj;
        }
        __destroy_into_raw() {
          const ptr = this.__wbg_ptr;
          this.__wbg_ptr = 0;
          BBoxFinalization.unregister(this);
          return ptr;
        }
        free() {
          const ptr = this.__destroy_into_raw();
          wasm.__wbg_bbox_free!(ptr);
        }
      }
      class Resvg extends s.Base {
        declare __wbg_ptr: number;
        constructor() {
          super();
          this.__wbg_ptr = wasm.resvg_new!() >>> 0;
        }
        __destroy_into_raw() {
          const ptr = this.__wbg_ptr;
          this.__wbg_ptr = 0;
          ResvgFinalization.unregister(this);
          return ptr;
        }
        free() {
          const ptr = this.__destroy_into_raw();
          wasm.__wbg_resvg_free!(ptr);
        }
        getBBox() {
          return BBox.__wrap(wasm.resvg_getBBox!());
        }
      }
      class Resvg2 extends Resvg {}
      /** A Rust function taking its argument BY VALUE: the glue hands the pointer over, no free export. */
      const consume = (o: { __destroy_into_raw(): number }) => void o.__destroy_into_raw();
      return { ...s, Resvg: Resvg2, consume, bboxReg: FakeFR.all[FakeFR.all.length - 1]!, raw: () => raw, wasm: () => wasm };
    }

    it(
      registriesFirst
        ? 'counts BBox (no constructor export: every object registered) from unregister(); Resvg (resvg_new) inside wasm'
        : 'counts both inside wasm (no registry existed yet)',
      () => {
        const { raw, wasm, tracker } = glue();
        expect(wasm()).toBe(raw()); // the page keeps the module's own exports
        expect(tracker.countsInWasm('__wbg_bbox_free')).toBe(!registriesFirst);
        expect(tracker.countsInWasm('__wbg_resvg_free')).toBe(true);
      },
    );

    it('sees unregistered objects through the pointer field and free(); dropped ones stay live', () => {
      const { Resvg, last } = glue();
      const a = Array.from({ length: 5 }, () => new Resvg());
      a[0]!.free();
      a[1]!.free();
      a[0]!.free(); // second free(): not counted
      expect(last('Resvg')).toMatchObject({ created: 5, freed: 2, reclaimed: 0, live: 3 });
    });

    it('counts __wrap-only classes from register(), unregistered constructors through the watch', () => {
      const { Resvg, tracker, last } = glue();
      const r = new Resvg();
      const boxes = [r.getBBox(), r.getBBox(), new Resvg().getBBox()];
      expect(tracker.classes.get('__wbg_bbox_free')!.mode).toBe('register');
      expect(tracker.classes.get('__wbg_resvg_free')!.mode).toBe('setter');
      for (const b of boxes) b.free();
      boxes[1]!.free(); // second free(): not counted
      r.getBBox();
      expect(last('BBox')).toMatchObject({ created: 4, freed: 3, live: 1 });
      expect(last('Resvg')).toMatchObject({ created: 2, freed: 0, live: 2 });
    });

    it('tells explicit frees from finalizer frees without the flag', () => {
      const { Resvg, last, bboxReg } = glue();
      const r = new Resvg();
      const boxes = [r.getBBox(), r.getBBox(), r.getBBox()];
      boxes[0]!.free();
      bboxReg.collect(boxes[1]!);
      expect(last('BBox')).toMatchObject({ created: 3, freed: 1, reclaimed: 1, live: 1 });
    });

    it(
      registriesFirst
        ? 'counts BBox objects moved into Rust as released; Resvg ones stay live (counted by free calls)'
        : 'cannot see objects moved into Rust: they stay live',
      () => {
        const { Resvg, consume, last } = glue();
        const r = new Resvg();
        const b = r.getBBox();
        consume(r);
        consume(b);
        b.free(); // after a move, free() finds pointer 0: not counted either way
        expect(last('Resvg')).toMatchObject({ created: 1, freed: 0, live: 1 });
        expect(last('BBox')).toMatchObject({ created: 1, freed: registriesFirst ? 1 : 0 });
      },
    );
  });

describe('glue 0.2.92 whose constructor export has another name (`odd_create`): never registered', () => {
  it('still counts each release once: the class turns out not to register every object, so released objects are marked', () => {
    const s = setup();
    const w = fakeWasmArity(1, 'odd:odd_create');
    let wasm: Record<string, (...a: unknown[]) => number> = {};
    const OddFinalization = new s.FR((ptr: unknown) => wasm.__wbg_odd_free!((ptr as number) >>> 0));
    wasm = instantiateFake(w, 'r:11', s.tracker);
    expect(s.tracker.countsInWasm('__wbg_odd_free')).toBe(false); // no `odd_new`: taken for a __wrap-only class
    class Odd extends s.Base {
      declare __wbg_ptr: number;
      constructor() {
        super();
        this.__wbg_ptr = wasm.odd_create!() >>> 0;
      }
      __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        OddFinalization.unregister(this);
        return ptr;
      }
      free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_odd_free!(ptr);
      }
    }
    const objs = Array.from({ length: 4 }, () => new Odd());
    objs[0]!.free();
    objs[0]!.free(); // second free(): not counted
    objs[1]!.__destroy_into_raw(); // moved into Rust
    objs[1]!.free();
    expect(s.last('Odd')).toMatchObject({ created: 4, freed: 2, live: 2 });
    expect(Reflect.ownKeys(objs[0]!)).toEqual(['__wbg_ptr']);
  });
});

describe('counting mode', () => {
  it('reads from the class source whether every pointer assignment is registered', () => {
    expect(
      registersEveryPointer(
        'class T { constructor() { const ret = wasm.t_new(); this.__wbg_ptr = ret >>> 0;\n TFinalization.register(this, this.__wbg_ptr, this); return this; }\n __destroy_into_raw() { const ptr = this.__wbg_ptr; this.__wbg_ptr = 0; TFinalization.unregister(this); return ptr; } }',
      ),
    ).toBe(true);
    expect(
      registersEveryPointer(
        'class B{static __wrap(e){const t=Object.create(B.prototype);t.__wbg_ptr=e,n.register(t,t.__wbg_ptr,t);return t}free(){const e=this.__wbg_ptr;this.__wbg_ptr=0,n.unregister(this)}}',
      ),
    ).toBe(true);
    // 0.2.88 to 0.2.92: the constructor assigns without registering
    expect(
      registersEveryPointer(
        'class R { static __wrap(p) { const o = Object.create(R.prototype); o.__wbg_ptr = p; RF.register(o, o.__wbg_ptr, o); return o; } constructor(s) { this.__wbg_ptr = r0 >>> 0; return this; } }',
      ),
    ).toBe(false);
    // old glue: `ptr` only; and a comparison is not an assignment
    expect(registersEveryPointer('class F { static __wrap(p) { const o = Object.create(F.prototype); o.ptr = p; return o; } }')).toBe(
      false,
    );
    expect(registersEveryPointer('class G { is(o) { return o.__wbg_ptr === this.__wbg_ptr; } }')).toBe(false);
  });

  it('falls back to the watch when the registrations never reach us (a registry we did not recognise)', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:5', 'quiet');
    const release = (p: number) => wasm.__wbg_quiet_free!(p, 1);
    const Reg = new s.FR((p: unknown) => release(p as number)); // no __wbg_*_free in its source
    class Quiet extends s.Base {
      declare __wbg_ptr: number;
      constructor() {
        super();
        this.__wbg_ptr = wasm.quiet_new!() >>> 0;
        Reg.register(this, this.__wbg_ptr, this);
      }
      free() {
        const p = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        Reg.unregister(this);
        wasm.__wbg_quiet_free!(p, 0);
      }
    }
    const objs = Array.from({ length: 6 }, () => new Quiet());
    objs[0]!.free();
    expect(s.tracker.classes.get('__wbg_quiet_free')!.mode).toBe('setter');
    expect(Object.getOwnPropertyDescriptor(Quiet.prototype, '__wbg_ptr')).toBeUndefined();
    expect(s.last('Quiet')).toMatchObject({ created: 6, freed: 1, live: 5 });
  });
});

describe('two copies of glue sharing a class name', () => {
  it('counts both exactly: the registering copy through register(), the other through the watch', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:6', 'thing');
    const RegA = new s.FR((p: unknown) => wasm.__wbg_thing_free!(p, 1));
    const RegB = new s.FR((p: unknown) => wasm.__wbg_thing_free!(p, 1));
    class ThingA extends s.Base {
      declare __wbg_ptr: number;
      constructor() {
        super();
        this.__wbg_ptr = wasm.thing_new!() >>> 0;
        RegA.register(this, this.__wbg_ptr, this);
      }
      free() {
        const p = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        RegA.unregister(this);
        wasm.__wbg_thing_free!(p, 0);
      }
    }
    class ThingB extends s.Base {
      declare __wbg_ptr: number;
      constructor() {
        super();
        this.__wbg_ptr = wasm.thing_new!() >>> 0;
      }
      static __wrap(p: number) {
        const o = Object.create(ThingB.prototype) as ThingB;
        o.__wbg_ptr = p;
        RegB.register(o, o.__wbg_ptr, o);
        return o;
      }
      free() {
        const p = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        RegB.unregister(this);
        wasm.__wbg_thing_free!(p, 0);
      }
    }
    for (let i = 0; i < 3; i++) new ThingA();
    expect(s.tracker.classes.get('__wbg_thing_free')!.mode).toBe('register');
    const bs = [new ThingB(), new ThingB(), ThingB.__wrap(wasm.thing_new!())];
    for (let i = 0; i < 2; i++) new ThingA();
    bs[0]!.free();
    expect(s.last('ThingA')).toMatchObject({ created: 8, freed: 1, live: 7 });
  });
});

describe('glue <= 0.2.84: `ptr` field, no FinalizationRegistry at all', () => {
  it('counts through the ptr field and the free export', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:3', 'foo');
    class Foo extends s.Base {
      declare ptr: number;
      static __wrap(ptr: number) {
        const obj = Object.create(Foo.prototype) as Foo;
        obj.ptr = ptr;
        return obj;
      }
      free() {
        const ptr = this.ptr;
        this.ptr = 0;
        wasm.__wbg_foo_free!(ptr);
      }
    }
    const objs = Array.from({ length: 4 }, () => Foo.__wrap(wasm.foo_new!()));
    objs[3]!.free();
    objs[3]!.free();
    expect(s.last('Foo')).toMatchObject({ created: 4, freed: 1, reclaimed: 0, live: 3 });
  });

  it('a class making every object through __wrap is counted by a look-alike __wrap, with the watch shadowed', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:w1', 'foo');
    class Foo extends s.Base {
      declare ptr: number;
      static __wrap(ptr: number) {
        const obj = Object.create(Foo.prototype) as Foo;
        obj.ptr = ptr;
        return obj;
      }
      free() {
        const ptr = this.ptr;
        this.ptr = 0;
        wasm.__wbg_foo_free!(ptr);
      }
    }
    const original = Foo.__wrap;
    const source = Function.prototype.toString.call(original);
    const first = Foo.__wrap(wasm.foo_new!()); // seen by the watch: the class is classified
    expect(s.tracker.classes.get('__wbg_foo_free')!.mode).toBe('wrap');
    expect(Foo.__wrap).not.toBe(original);
    expect(Function.prototype.toString.call(Foo.__wrap)).toBe(source);
    expect([Foo.__wrap.name, Foo.__wrap.length]).toEqual(['__wrap', 1]);
    expect(Object.getOwnPropertyDescriptor(Foo.prototype, 'ptr')).toEqual({
      value: undefined,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    const objs = [first, ...Array.from({ length: 4 }, () => Foo.__wrap(wasm.foo_new!()))];
    expect(Object.getOwnPropertyDescriptor(objs[2]!, 'ptr')).toEqual({
      value: objs[2]!.ptr,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(objs[3]).toBeInstanceOf(Foo);
    objs[0]!.free();
    objs[1]!.free();
    expect(s.last('Foo')).toMatchObject({ created: 5, freed: 2, live: 3, orphaned: 0 });
    expect(Foo.__wrap(0)).toMatchObject({ ptr: 0 }); // a null pointer is no object
    expect(s.last('Foo')).toMatchObject({ created: 5 });
  });

  it('frees counted inside wasm drop the creation stacks of the freed objects at the next tick', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:4', 'foo');
    class Foo extends s.Base {
      declare ptr: number;
      static __wrap(ptr: number) {
        const obj = Object.create(Foo.prototype) as Foo;
        obj.ptr = ptr;
        return obj;
      }
      free() {
        const ptr = this.ptr;
        this.ptr = 0;
        wasm.__wbg_foo_free!(ptr);
      }
    }
    const a = Foo.__wrap(wasm.foo_new!());
    const b = Foo.__wrap(wasm.foo_new!());
    const stacked = () => (s.last('Foo').liveStacks ?? []).reduce((n, x) => n + x.count, 0);
    expect(stacked()).toBe(2);
    a.free();
    expect(stacked()).toBe(1);
    b.free();
    expect(s.last('Foo')).toMatchObject({ created: 2, freed: 2, live: 0 });
    expect(s.last('Foo').liveStacks).toBeUndefined();
  });
});

describe('orphans: wrappers collected while their pointer was never released', () => {
  function oldGlue(s: ReturnType<typeof setup>, key: string) {
    const { wasm } = glueWasm(s.tracker, key, 'foo');
    class Foo extends s.Base {
      declare ptr: number;
      static __wrap(ptr: number) {
        const obj = Object.create(Foo.prototype) as Foo;
        obj.ptr = ptr;
        return obj;
      }
      free() {
        const ptr = this.ptr;
        this.ptr = 0;
        wasm.__wbg_foo_free!(ptr);
      }
    }
    return () => Foo.__wrap(wasm.foo_new!());
  }

  it("one site for every object of a __wrap class: the first one, seen inside the glue's __wrap, is not a site of its own", () => {
    const s = setup((n) =>
      n === 1 ? 'at Foo.__wrap (https://app/glue.js:3:9)\nat make (https://app/a.js:7:1)' : 'at make (https://app/a.js:7:1)',
    );
    const make = oldGlue(s, 'r:ws');
    for (let i = 0; i < 5; i++) make();
    expect(s.tracker.classes.get('__wbg_foo_free')!.mode).toBe('wrap');
    expect(s.last('Foo')).toMatchObject({ live: 5, liveSampled: 5, liveStacks: [{ stack: 'at make (https://app/a.js:7:1)', count: 5 }] });
  });

  it('collected without any free of the class: every one is an orphan, with the sampled creation stacks', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o1');
    const objs = Array.from({ length: 5 }, make);
    expect(s.last('Foo')).toMatchObject({ created: 5, live: 5, orphaned: 0 });
    for (const o of objs.slice(0, 3)) s.collect(o);
    s.tracker.tick(); // callbacks are judged at the tick after them
    expect(s.last('Foo')).toMatchObject({ created: 5, freed: 0, live: 5, orphaned: 3 });
    // every object was sampled (a new class's burst budget): the three collected are orphans with stacks
    expect(s.last('Foo').orphanStacks?.reduce((n, x) => n + x.count, 0)).toBe(3);
  });

  it('freed then collected is not an orphan; dropped ones are, even with frees in between (live minus wrappers alive)', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o2');
    const [a, b, c] = [make(), make(), make()];
    a.free();
    for (const o of [a, b, c]) s.collect(o);
    expect(s.last('Foo')).toMatchObject({ created: 3, freed: 1, live: 2, orphaned: 2 });
    const d = make();
    d.free();
    s.collect(d);
    expect(s.last('Foo')).toMatchObject({ created: 4, freed: 2, live: 2, orphaned: 2 });
  });

  it('a sampled object seen holding its pointer at a tick after the last free is a definite orphan, with its stack', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o5');
    const kept = make(); // sampled (the tick's budget)
    for (let i = 0; i < 5; i++) make().free(); // frees after its creation
    s.tracker.tick(); // formats its stack, sees it still holding its pointer
    s.collect(kept);
    expect(s.last('Foo')).toMatchObject({ created: 6, freed: 5, live: 1, orphaned: 1 });
    expect(s.last('Foo').orphanStacks).toEqual([{ stack: 'stack#1', count: 1 }]);
  });

  it('over ORPHAN_BURST objects at once: only a sample is registered, and only its definite orphans count', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o6');
    make().free(); // a free before them: their creation mark is after it
    s.tracker.tick();
    const objs = Array.from({ length: ORPHAN_BURST + 10 }, make);
    for (const o of objs) s.collect(o);
    // the 10 past the bucket were never registered: the live-minus-wrappers bound no longer holds;
    // the registered ones saw no free since their creation: definite orphans
    expect(s.last('Foo')).toMatchObject({
      created: ORPHAN_BURST + 11,
      live: ORPHAN_BURST + 10,
      orphaned: ORPHAN_BURST, // the bucket, refilled to the full burst by the tick
    });
  });

  it('wrap mode: once the stack and registration budgets are spent, the __wrap look-alike counts alone, exactly; a tick turns the tracker back on', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o8');
    const cls = s.tracker.classes.get('__wbg_foo_free') ?? null;
    expect(cls).toBeNull(); // made at the first object
    const n = ORPHAN_BURST + STACK_BURST + 100;
    for (let i = 0; i < n; i++) make().free();
    const c = s.tracker.classes.get('__wbg_foo_free')!;
    expect(c.mode).toBe('wrap');
    expect(c.attention).toBe(0);
    expect(c.created).toBe(n);
    expect(s.last('Foo')).toMatchObject({ created: n, freed: n, live: 0 }); // the tick emits what the look-alike counted
    expect(c.attention).toBe(1); // refilled budgets: the next creations get a stack and a registration
    make();
    expect(s.last('Foo')).toMatchObject({ created: n + 1, live: 1, liveSampled: 1 });
  });

  it('the registration bucket refills by ORPHAN_TRACK_PER_TICK per tick: a dry class gets that many more registered', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o7');
    const first = Array.from({ length: ORPHAN_BURST + 5 }, make); // the bucket runs dry
    s.tracker.tick(); // + ORPHAN_TRACK_PER_TICK
    const second = Array.from({ length: ORPHAN_TRACK_PER_TICK + 5 }, make);
    for (const o of [...first, ...second]) s.collect(o);
    // no free at all: every registered object collected is a definite orphan, and only those
    expect(s.last('Foo')).toMatchObject({
      created: ORPHAN_BURST + ORPHAN_TRACK_PER_TICK + 10,
      orphaned: ORPHAN_BURST + ORPHAN_TRACK_PER_TICK,
    });
  });

  it('a clean create/free loop whose wrappers are collected has no orphan', () => {
    const s = setup();
    const make = oldGlue(s, 'r:o3');
    for (let i = 0; i < 100; i++) {
      const o = make();
      o.free();
      s.collect(o);
      if (i % 10 === 0) s.tracker.tick();
    }
    expect(s.last('Foo')).toMatchObject({ created: 100, freed: 100, live: 0, orphaned: 0 });
    expect(s.last('Foo').orphanStacks).toBeUndefined();
  });

  it('classes counted from register() (their glue finalizer reclaims what is collected) have no orphan figure', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:o4', 'bar');
    const Reg = new s.FR((ptr: unknown) => wasm.__wbg_bar_free!(ptr as number, 1));
    class Bar extends s.Base {
      declare __wbg_ptr: number;
      constructor() {
        super();
        this.__wbg_ptr = wasm.bar_new!() >>> 0;
        Reg.register(this, this.__wbg_ptr, this);
      }
      free() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        Reg.unregister(this);
        wasm.__wbg_bar_free!(ptr, 0);
      }
    }
    for (let i = 0; i < 3; i++) new Bar();
    expect(s.tracker.classes.get('__wbg_bar_free')!.mode).toBe('register');
    expect(s.last('Bar').orphaned).toBeUndefined();
  });
});

describe('event traffic', () => {
  it('a million create/free pairs send one cumulative event per tick, with exact counts', () => {
    const s = setup();
    const { wasm } = glueWasm(s.tracker, 'r:4', 'item');
    const Reg = new s.FR((ptr: unknown) => wasm.__wbg_item_free!(ptr, 1));
    class Item extends s.Base {
      declare __wbg_ptr: number;
      constructor(p: number) {
        super();
        this.__wbg_ptr = p;
        Reg.register(this, p, this);
      }
      free() {
        const p = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        Reg.unregister(this);
        wasm.__wbg_item_free!(p, 0);
      }
    }
    const keep: Item[] = [];
    for (let tick = 0; tick < 10; tick++) {
      for (let i = 0; i < 100_000; i++) {
        const kept = i % 1000 === 999 && tick === 9;
        const it = new Item(kept ? 10_000_000 + i * 8 : 8 + (i % 1000) * 8);
        if (kept) keep.push(it);
        else it.free();
      }
      s.tracker.tick();
    }
    s.tracker.tick(); // nothing changed: no event
    expect(s.events).toHaveLength(10);
    expect(s.events[9]).toMatchObject({ created: 1_000_000, freed: 1_000_000 - 100, live: 100 });
  });
});

describe('FinalizationRegistry hook transparency (real FinalizationRegistry)', () => {
  const Real = FinalizationRegistry;
  const realText = Function.prototype.toString.call(Real);
  const tracker = new BindgenTracker({ now: () => 0, stackLater: () => () => '', emit: () => undefined });
  const global = { FinalizationRegistry: Real };
  hookFinalizationRegistry(global, tracker);
  const P = global.FinalizationRegistry;

  it('looks like the original', () => {
    expect(P).not.toBe(Real);
    expect(P.name).toBe('FinalizationRegistry');
    expect(P.length).toBe(Real.length);
    expect(P.prototype).toBe(Real.prototype);
    expect(Function.prototype.toString.call(P)).toBe(realText);
    expect(String(P)).toBe(realText);
    expect(P.prototype.constructor).toBe(P);
    const r = new P(() => undefined);
    expect(r).toBeInstanceOf(P);
    expect(r).toBeInstanceOf(Real);
    expect(r.constructor).toBe(P);
    expect(Object.getPrototypeOf(r)).toBe(Real.prototype);
    expect(Object.prototype.toString.call(r)).toBe('[object FinalizationRegistry]');
  });

  it('subclassing works', () => {
    class Sub extends P<unknown> {
      extra() {
        return 7;
      }
    }
    const s = new Sub(() => undefined);
    expect(s).toBeInstanceOf(Sub);
    expect(s).toBeInstanceOf(P);
    expect(s.extra()).toBe(7);
    expect(s.register({}, 1)).toBeUndefined();
  });

  it('throws what the original throws', () => {
    const msg = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return `${(e as Error).constructor.name}: ${(e as Error).message}`;
      }
    };
    expect(msg(() => new (P as unknown as new () => unknown)())).toBe(msg(() => new (Real as unknown as new () => unknown)()));
    expect(msg(() => (P as unknown as () => unknown)())).toBe(msg(() => (Real as unknown as () => unknown)()));
    const glueLike = new P((ptr: unknown) => {
      void ptr; /* wasm.__wbg_x_free(ptr) */
    });
    const plain = new Real(() => undefined);
    expect(msg(() => glueLike.register(1 as unknown as object, 1))).toBe(msg(() => plain.register(1 as unknown as object, 1)));
    const o = {};
    expect(msg(() => glueLike.register(o, o))).toBe(msg(() => plain.register(o, o)));
  });

  it('wasm-bindgen registries: register/unregister return what the original returns, and look native', () => {
    const reg = new P((ptr: unknown) => {
      void ptr; /* wasm.__wbg_thing_free(ptr >>> 0, 1) */
    });
    expect(reg).toBeInstanceOf(P);
    expect(reg.constructor).toBe(P);
    const o = {};
    expect(reg.register(o, 8, o)).toBeUndefined();
    expect(reg.unregister(o)).toBe(true);
    expect(reg.unregister(o)).toBe(false);
    expect(reg.register.name).toBe('register');
    expect(reg.register.length).toBe(2);
    expect(Function.prototype.toString.call(reg.register)).toBe('function register() { [native code] }');
    // register() is the look-alike once a wasm-bindgen registry exists: same own keys and attributes
    expect(Reflect.ownKeys(Real.prototype.register)).toEqual(['length', 'name']);
    expect(Object.getOwnPropertyDescriptor(Real.prototype.register, 'length')).toEqual({
      value: 2,
      writable: false,
      enumerable: false,
      configurable: true,
    });
    expect(Object.getOwnPropertyDescriptor(Real.prototype, 'register')).toMatchObject({
      writable: true,
      enumerable: false,
      configurable: true,
    });
    expect('prototype' in Real.prototype.register).toBe(false);
    expect(() => Reflect.construct(String, [], Real.prototype.register)).toThrow(TypeError);
    // absent and undefined unregister tokens are the same; errors are the original's
    const plain = new Real(() => undefined);
    expect(reg.register({}, 1)).toBeUndefined();
    const msg = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return `${(e as Error).constructor.name}: ${(e as Error).message}`;
      }
    };
    expect(msg(() => reg.register({}, 1, 5 as unknown as object))).toBe(msg(() => plain.register({}, 1, 5 as unknown as object)));
    expect(msg(() => Real.prototype.register.call({}, {}, 1))).toMatch(/^TypeError: /);
    // unregister() too (its glue passes the finalizer flag: 0.2.93+)
    expect(Real.prototype.unregister.name).toBe('unregister');
    expect(Real.prototype.unregister.length).toBe(1);
    expect(Function.prototype.toString.call(Real.prototype.unregister)).toBe('function unregister() { [native code] }');
    expect(Reflect.ownKeys(Real.prototype.unregister)).toEqual(['length', 'name']);
    expect('prototype' in Real.prototype.unregister).toBe(false);
    expect(msg(() => reg.unregister(5 as unknown as object))).toBe(msg(() => plain.unregister(5 as unknown as object)));
    expect(msg(() => Real.prototype.unregister.call({}, {}))).toMatch(/^TypeError: /);
    expect(Function.prototype.toString.call(Function.prototype.toString)).toBe('function toString() { [native code] }');
  });
});

describe('class names', () => {
  it('prefers the JS class name, without the underscore bundlers add to self-referencing classes', () => {
    const t = new BindgenTracker({ now: () => 0, stackLater: () => () => '', emit: () => undefined });
    expect(t.classFor('__wbg_bbox_free', '_BBox')!.name).toBe('BBox');
    expect(t.classFor('__wbg_tiktoken_free', 'Tiktoken')!.name).toBe('Tiktoken');
    expect(t.classFor('__wbg_foo_free')!.name).toBe('foo');
    expect(t.classFor('__wbg_foo_free', 'e')!.name).toBe('foo'); // a minified name says less
    expect(t.classFor('__wbg_bar_free', 'Renamed')!.name).toBe('Renamed');
  });
});
