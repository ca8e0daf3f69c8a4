/**
 * installTrackers wired to a fake core context, with real wasm modules (e2e/pages/wasm-fixtures.js)
 * and the real globals of this test worker (Object.prototype and FinalizationRegistry get hooked).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { InjectedContext, InstanceInfo } from '../context';
import type { PageEvent } from '../../shared/protocol';
import { HeapAccess } from '../core/heap-access';
import { withoutHidden } from '../core/hidden-exports';
import { bumpAllocator, buildModule, i32, op } from '../core/rewrite/test-builder';
import { rewriteModule } from '../core/wasm-rewrite';
import { isFreeExportName } from './glue-source';
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
  const instanceListeners: Array<(i: InstanceInfo) => void> = [];
  const access = new HeapAccess(WebAssembly);
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
    memoryMaxBytes: () => 6553600,
    stack: () => 'at test (http://x/page.js:1:1)',
    stackLater: () => () => 'at test (http://x/page.js:1:1)',
    onTick: (l) => tickListeners.push(l),
    wake: () => void wakes++,
  };
  /**
   * What the core does for a new module and instance: rewrite the bytes to count inside wasm,
   * register memories, hide the counters, hand the instance to the trackers.
   */
  let raw: WebAssembly.Exports = {};
  const instantiate = (bytes: Uint8Array, imports: WebAssembly.Imports = {}): WebAssembly.Exports => {
    const r = rewriteModule(bytes, { allocators: true, callCounters: isFreeExportName, maxModuleBytes: 1 << 26 });
    const module = new WebAssembly.Module((r.ok ? r.bytes : bytes) as unknown as BufferSource);
    const instance = new WebAssembly.Instance(module, imports);
    raw = instance.exports;
    const memories = Object.values(instance.exports)
      .filter((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory)
      .map((memory) => {
        const key = `r:${++n}`;
        memKeys.set(memory, key);
        return { key, memory };
      });
    const visible = withoutHidden(instance.exports) ?? instance.exports;
    const layout = r.ok ? r.layout : null;
    for (const l of instanceListeners) {
      l({
        instance,
        module,
        instanceKey: `r:i${n}`,
        moduleKey: `r:m${n}`,
        exports: visible,
        memories,
        imports: undefined,
        url: 'http://x/app.wasm',
        rewrite: layout,
        unchanged: r.ok ? null : r.reason,
        heap: layout !== null ? access.of(instance.exports, layout.allocator !== null) : null,
      });
    }
    return visible;
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
    // widget_new(x) = x*x+1 (distinct non-zero pointers); __wbg_widget_free(ptr): a function of its own
    const { local_get: lg, i32_mul, i32_const: c, i32_add } = { ...op, i32_mul: 0x6c };
    const wasm = core.instantiate(
      buildModule({
        exportMemory: 'memory',
        funcs: [
          { params: [i32], results: [i32], export: 'widget_new', code: [lg, 0, lg, 0, i32_mul, c, 1, i32_add] },
          { params: [i32], results: [], export: '__wbg_widget_free', code: [] },
        ],
      }),
    ) as unknown as Record<string, (...a: number[]) => number>;
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
    // every creation of a new class's burst has its stack: the three live ones, counted at their site
    const b = e && e.t === 'bindgen' ? e : undefined;
    expect(b?.liveSampled).toBe(3);
    expect(b?.liveStacks?.reduce((n, st) => n + st.count, 0)).toBe(3);
  });

  it('counts a heap inside wasm: every malloc/free, with its chunk size, and says how', () => {
    const wasm = core.instantiate(buildModule({ funcs: bumpAllocator(), exportMemory: 'memory' })) as unknown as Record<
      string,
      (...a: number[]) => number
    >;
    expect(Object.keys(wasm)).toEqual(['malloc', 'free', 'memory']); // the counters stay hidden
    expect(wasm.malloc).toBe((core.raw() as unknown as Record<string, unknown>).malloc); // the module's own function
    const heap = core.events.filter((x) => x.t === 'heap').at(-1);
    expect(heap).toMatchObject({ tracking: 'inside-wasm', allocator: 'dlmalloc', foundBy: 'exports', reason: null });
    const p = wasm.malloc!(100);
    wasm.malloc!(20);
    wasm.free!(p);
    core.tick();
    const a = core.events.filter((x) => x.t === 'alloc').at(-1);
    expect(a).toEqual({
      t: 'alloc',
      time: 1000,
      memory: heap && heap.t === 'heap' ? heap.memory : '',
      liveBytes: 24,
      liveAllocations: 1,
      totalAllocations: 2,
      totalFrees: 1,
      tracking: 'inside-wasm',
      allocator: 'dlmalloc',
      sizes: 'chunk-header',
    });
    const before = core.events.length;
    core.tick();
    expect(core.events.length).toBe(before); // nothing changed: nothing sent
  });

  it('reports a malloc that returns NULL inside wasm as a grow-failed event, with the size asked', () => {
    const wasm = core.instantiate(
      buildModule({ funcs: bumpAllocator({ failAbove: 1 << 20 }), exportMemory: 'memory' }),
    ) as unknown as Record<string, (n: number) => number>;
    const heapEvent = [...core.events].reverse().find((e) => e.t === 'heap');
    const memory = heapEvent?.t === 'heap' ? heapEvent.memory : '';
    const before = core.events.length;
    expect(wasm.malloc!(64)).not.toBe(0);
    expect(wasm.malloc!(2 << 20)).toBe(0);
    const failed = core.events.slice(before).filter((e) => e.t === 'grow-failed');
    expect(failed).toEqual([
      {
        t: 'grow-failed',
        time: 1000,
        key: memory,
        via: 'malloc',
        requestedBytes: 2 << 20,
        committedBytes: 65536,
        maxBytes: 6553600,
        stack: 'at test (http://x/page.js:1:1)',
      },
    ]);
    core.tick(); // its heap stats go now (the next test counts the events of its own instances)
  });

  it('says why a heap is not counted', () => {
    core.instantiate(fx.exportedMemory({}));
    const heap = core.events.filter((x) => x.t === 'heap').at(-1);
    expect(heap).toMatchObject({ tracking: 'none', allocator: null });
    expect(heap && heap.t === 'heap' ? heap.reason : '').toMatch(/allocator/);
  });

  it("leaves helper modules (no memory) alone, and only says why an unknown module's heap is not counted", () => {
    const before = core.events.length;
    const helper = core.instantiate(fx.computeOnly());
    expect(Object.getPrototypeOf(helper)).toBeNull();
    const plain = core.instantiate(fx.exportedMemory({}));
    expect(Object.keys(plain)).toContain('compute');
    core.tick();
    // the helper: nothing; the plain module: only why its heap is not counted
    expect(core.events.slice(before).map((e) => e.t)).toEqual(['heap']);
  });

  it('pull registries on globalThis are polled on tick', () => {
    (globalThis as unknown as { __WASM_MEMORY_REGISTRIES__?: unknown[] }).__WASM_MEMORY_REGISTRIES__ = [
      { name: 'cache', stats: () => ({ entries: 3 }) },
    ];
    core.tick();
    expect(core.events.filter((x) => x.t === 'registry').at(-1)).toEqual({
      t: 'registry',
      time: 1000,
      name: 'cache',
      stats: { entries: 3 },
    });
  });
});
