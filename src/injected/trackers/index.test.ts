/**
 * installTrackers wired to a fake core context, with real wasm modules (e2e/pages/wasm-fixtures.js)
 * and the real globals of this test worker (Object.prototype and FinalizationRegistry get hooked).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { InjectedContext, InstanceInfo } from '../context';
import type { PageEvent } from '../../shared/protocol';
import { installTrackers } from './index';

interface Fixtures {
  exportedMemory(o: { initial?: number; extraExports?: string[] }): Uint8Array;
  computeOnly(): Uint8Array;
  build(o: {
    memory?: { initial: number; maximum?: number; import?: [string, string]; export?: string | null };
    extraExports?: string[];
    functionNames?: Partial<Record<'grow' | 'size' | 'store' | 'load' | 'compute', string>>;
  }): Uint8Array;
}
let fx: Fixtures;

function fakeCore() {
  const events: PageEvent[] = [];
  const instanceListeners: Array<(i: InstanceInfo) => WebAssembly.Exports | undefined> = [];
  const tickListeners: Array<() => void> = [];
  const memKeys = new Map<WebAssembly.Memory, string>();
  let n = 0;
  let wakes = 0;
  const ctx: InjectedContext = {
    realm: 'r',
    realmKind: 'window',
    now: () => 1000,
    emit: (e) => events.push(e),
    onInstance: (l) => instanceListeners.push(l),
    memoryKey: (m) => memKeys.get(m),
    stack: () => 'at test (http://x/page.js:1:1)',
    stackLater: () => () => 'at test (http://x/page.js:1:1)',
    onTick: (l) => tickListeners.push(l),
    wake: () => void wakes++,
  };
  /** What the core does for a new instance: register memories, then let the trackers replace exports. */
  let raw: WebAssembly.Exports = {};
  const instantiate = (bytes: Uint8Array, imports: WebAssembly.Imports = {}): WebAssembly.Exports => {
    const module = new WebAssembly.Module(bytes as unknown as BufferSource);
    const instance = new WebAssembly.Instance(module, imports);
    raw = instance.exports;
    const memories = Object.values(instance.exports)
      .filter((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory)
      .map((memory) => {
        const key = `r:${++n}`;
        memKeys.set(memory, key);
        return { key, memory };
      });
    let current = instance.exports;
    for (const l of instanceListeners) {
      const info: InstanceInfo = { instance, module, instanceKey: `r:i${n}`, moduleKey: `r:m${n}`, exports: current, memories, imports: undefined, url: 'http://x/app.wasm' };
      current = l(info) ?? current;
    }
    return current;
  };
  const tick = () => tickListeners.forEach((l) => l());
  return { ctx, events, instantiate, tick, wakes: () => wakes, raw: () => raw };
}

beforeAll(async () => {
  const fixtures = '../../../e2e/pages/wasm-fixtures.js'; // a classic script: defines globalThis.wasmFixtures
  await import(/* @vite-ignore */ fixtures);
  fx = (globalThis as unknown as { wasmFixtures: Fixtures }).wasmFixtures;
});

describe('installTrackers', () => {
  const core = fakeCore();
  beforeAll(() => {
    installTrackers(core.ctx);
  });

  it('is installed once per realm', () => {
    expect(installTrackers(core.ctx)).toBe(installTrackers(core.ctx));
  });

  it('leaves Object.prototype untouched until a module that needs the watches is instantiated', () => {
    const watched = ['__wbg_ptr', 'ptr', '_malloc', '_free'];
    const has = () => watched.filter((k) => Object.getOwnPropertyDescriptor(Object.prototype, k) !== undefined);
    core.instantiate(fx.exportedMemory({})); // a plain module: neither glue nor allocator
    expect(has()).toEqual([]);
    expect('ptr' in {}).toBe(false);
  });

  it('counts a wasm-bindgen class through the pointer field and the free export of a real instance', () => {
    const wasm = core.instantiate(fx.exportedMemory({ extraExports: ['__wbg_widget_free', 'widget_new'] })) as unknown as Record<string, (...a: number[]) => number>;
    expect(Object.isFrozen(wasm)).toBe(true);
    class Widget {
      declare __wbg_ptr: number;
      constructor(i: number) {
        this.__wbg_ptr = wasm.widget_new!(i + 2) >>> 0; // compute(x) = x*x+1: distinct non-zero pointers
      }
      free() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        wasm.__wbg_widget_free!(ptr, 0);
      }
    }
    // A one-argument free export (glue <= 0.2.92): both pointer fields are watched from now on.
    expect(Object.getOwnPropertyDescriptor(Object.prototype, '__wbg_ptr')?.set).toBeTypeOf('function');
    expect(Object.getOwnPropertyDescriptor(Object.prototype, 'ptr')?.set).toBeTypeOf('function');
    const ws = Array.from({ length: 5 }, (_, i) => new Widget(i));
    ws[0]!.free();
    ws[1]!.free();
    ws[1]!.free(); // a second free() passes pointer 0: not counted
    expect(Object.keys(ws[2]!)).toEqual(['__wbg_ptr']);
    core.tick();
    const e = core.events.filter((x) => x.t === 'bindgen').at(-1);
    expect(e).toMatchObject({ className: 'Widget', module: expect.stringMatching(/^r:m/), created: 5, freed: 2, reclaimed: 0, live: 3 });
    // stacks of at most STACKS_PER_TICK (2) creations per tick: ws[0] and ws[1], both freed since
    expect(e && e.t === 'bindgen' ? e.liveStacks : undefined).toBeUndefined();
  });

  it('counts a named Emscripten allocator and reports it against the instance memory', () => {
    const wasm = core.instantiate(fx.exportedMemory({ extraExports: ['malloc', 'free'] })) as unknown as Record<string, (...a: number[]) => number>;
    const p = wasm.malloc!(10); // compute: 101
    wasm.malloc!(20);
    wasm.free!(p);
    core.tick();
    const a = core.events.filter((x) => x.t === 'alloc').at(-1);
    expect(a).toEqual({ t: 'alloc', time: 1000, memory: expect.stringMatching(/^r:/), liveBytes: 20, liveAllocations: 1, totalAllocations: 2, totalFrees: 1 });
    const before = core.events.length;
    core.tick();
    expect(core.events.length).toBe(before); // nothing changed: nothing sent
  });

  it('minified Emscripten: counts once `Module._malloc = ...` named the allocator, and gives the Module the other exports back unwrapped', () => {
    // sql.js-shaped: one import module `a`, short export names, the memory imported and re-exported
    const bytes = fx.build({
      memory: { initial: 1, import: ['a', 'b'], export: 'O' },
      extraExports: ['Ia', 'Ja', 'U', 'V'],
      functionNames: { grow: 'G', size: 'S', store: 'T', load: 'L', compute: 'C' },
    });
    const c = core.instantiate(bytes, { a: { b: new WebAssembly.Memory({ initial: 1 }) } }) as unknown as Record<string, (...a: number[]) => number>;
    const raw = core.raw() as unknown as Record<string, (...a: number[]) => number>;
    expect(c.U).not.toBe(raw.U); // undecided: every one- or two-parameter export is wrapped
    // What the glue does: k._sqlite3_step = c.U; k._sqlite3_reset = c.V; da = k._malloc = c.Ia; ea = k._free = c.Ja; k._later = c.T
    const k: Record<string, unknown> = {};
    k._sqlite3_step = c.U;
    k._sqlite3_reset = c.V;
    const da = (k._malloc = c.Ia) as (n: number) => number;
    const ea = (k._free = c.Ja) as (p: number) => number;
    k._later = c.T;
    expect(k._sqlite3_step).toBe(raw.U);
    expect(k._sqlite3_reset).toBe(raw.V);
    expect(Object.getOwnPropertyDescriptor(k, '_sqlite3_step')).toEqual({ value: raw.U, writable: true, enumerable: true, configurable: true });
    expect(k._malloc).toBe(c.Ia);
    expect(k._later).toBe(c.T); // assigned after the allocators: the wrapper stays (it only passes calls through)
    expect(Object.keys(k)).toEqual(['_sqlite3_step', '_sqlite3_reset', '_malloc', '_free', '_later']);
    const p = da(10); // compute: 101
    da(3);
    ea(p);
    (k._sqlite3_step as (x: number) => number)(4);
    core.tick();
    expect(core.events.filter((x) => x.t === 'alloc').at(-1)).toMatchObject({ liveAllocations: 1, totalAllocations: 2, totalFrees: 1 });
  });

  it('leaves helper modules (no memory) and unknown modules alone', () => {
    const before = core.events.length;
    const helper = core.instantiate(fx.computeOnly());
    expect(Object.getPrototypeOf(helper)).toBeNull();
    const plain = core.instantiate(fx.exportedMemory({}));
    expect(Object.keys(plain)).toContain('compute');
    core.tick();
    expect(core.events.length).toBe(before);
  });

  it('pull registries on globalThis are polled on tick', () => {
    (globalThis as unknown as { __WASM_MEMORY_REGISTRIES__?: unknown[] }).__WASM_MEMORY_REGISTRIES__ = [{ name: 'cache', stats: () => ({ entries: 3 }) }];
    core.tick();
    expect(core.events.filter((x) => x.t === 'registry').at(-1)).toEqual({ t: 'registry', time: 1000, name: 'cache', stats: { entries: 3 } });
  });
});
