import { beforeAll, describe, expect, it } from 'vitest';
import type { PageEvent } from '../../shared/protocol';
import { KeyAllocator } from './keys';
import { Sampler } from './sampler';
import { maskToString } from './transparent';
import { WasmHooks } from './wasm-hooks';
import type { InstanceInfo } from '../context';
import { bumpAllocator, buildModule } from './rewrite/test-builder';
import { rewriteModule, type RewriteResult } from './wasm-rewrite';
import '../../../e2e/pages/wasm-fixtures.js';

interface Fixtures {
  exportedMemory(o?: { name?: string; initial?: number; maximum?: number }): Uint8Array<ArrayBuffer>;
  importedMemory(o?: { initial?: number; maximum?: number }): Uint8Array<ArrayBuffer>;
  computeOnly(o?: { extraExports?: string[] }): Uint8Array<ArrayBuffer>;
}
const F = (globalThis as unknown as { wasmFixtures: Fixtures }).wasmFixtures;

// Originals, saved before the hooks replace them (for with/without comparisons).
const orig = {
  instantiate: WebAssembly.instantiate,
  compile: WebAssembly.compile,
  Memory: WebAssembly.Memory,
  exportsGetter: Object.getOwnPropertyDescriptor(WebAssembly.Instance.prototype, 'exports')!.get!,
  growDescriptor: Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'grow')!,
};

const events: PageEvent[] = [];
let hooks: WasmHooks;
let sampler: Sampler<WebAssembly.Memory>;
const seen: string[] = [];
const infos: InstanceInfo[] = [];
const realRewrite = (bytes: Uint8Array): RewriteResult =>
  rewriteModule(bytes, { allocators: true, callCounters: () => false, maxModuleBytes: 1 << 26 });
/** The rewriter the hooks use (a test may swap in a broken one). */
let rewriter = realRewrite;

beforeAll(() => {
  maskToString(Function.prototype);
  const keys = new KeyAllocator('test');
  sampler = new Sampler<WebAssembly.Memory>({
    readBytes: (m) => hooks.readBytes(m),
    makeRef: (m) => new WeakRef(m),
    now: () => 1,
  });
  hooks = new WasmHooks({
    global: globalThis,
    keys,
    emit: (e) => void events.push(e),
    now: () => 1,
    stack: () => new Error().stack ?? '',
    owner: () => 'https://owner.example/app.js',
    sampler,
    fail: (where, e) => {
      throw new Error(`internal failure in ${where}: ${String(e)}`);
    },
    rewrite: (bytes) => rewriter(bytes),
  });
  hooks.onInstance((info) => {
    seen.push(`listener:${info.instanceKey}`);
    infos.push(info);
  });
  hooks.install();
});

const ofType = <T extends PageEvent['t']>(t: T) => events.filter((e): e is Extract<PageEvent, { t: T }> => e.t === t);

describe('WasmHooks', () => {
  it('keeps names, lengths, prototypes, descriptors and toString of what it wraps', () => {
    expect(WebAssembly.Memory).not.toBe(orig.Memory);
    expect(WebAssembly.Memory.name).toBe('Memory');
    expect(WebAssembly.Memory.length).toBe(1);
    expect(WebAssembly.Memory.prototype).toBe(orig.Memory.prototype);
    expect(WebAssembly.Memory.prototype.constructor).toBe(WebAssembly.Memory);
    expect(Function.prototype.toString.call(WebAssembly.Memory)).toBe('function Memory() { [native code] }');
    expect(Function.prototype.toString.call(WebAssembly.instantiate)).toBe('function instantiate() { [native code] }');
    expect(Function.prototype.toString.call(Function.prototype.toString)).toBe('function toString() { [native code] }');
    const d = Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'grow')!;
    expect({ ...d, value: undefined }).toEqual({ ...orig.growDescriptor, value: undefined });
    expect(() => (WebAssembly.Memory as unknown as (x: unknown) => unknown)({ initial: 1 })).toThrow(TypeError);
  });

  it('new Memory (and subclasses) are reported with their owner and maximum', () => {
    class Sub extends WebAssembly.Memory {}
    const m = new Sub({ initial: 2, maximum: 3 });
    expect(m).toBeInstanceOf(Sub);
    const ev = ofType('memory').at(-1)!;
    expect(ev).toMatchObject({
      origin: 'constructor',
      bytes: 131072,
      maxBytes: 196608,
      owner: 'https://owner.example/app.js',
      shared: false,
    });
    expect(hooks.memoryKey(m)).toBe(ev.key);
  });

  it('instantiate(bytes): module, exported memory (any name), instance; listener runs before the page', async () => {
    const before = events.length;
    const p: Promise<WebAssembly.WebAssemblyInstantiatedSource> = WebAssembly.instantiate(F.exportedMemory({ name: 'O', initial: 1 }));
    const r = await p.then((x) => {
      seen.push('page');
      return x;
    });
    // Only ours: Node itself may instantiate wasm meanwhile (undici's llhttp), and the GC may run.
    const all = events.slice(before);
    const mod = all.find((e): e is Extract<PageEvent, { t: 'module' }> => e.t === 'module' && e.exports.includes('O'))!;
    const added = all.filter((e) => (e.t === 'module' && e === mod) || ((e.t === 'memory' || e.t === 'instance') && e.module === mod.key));
    expect(added.map((e) => e.t)).toEqual(['module', 'memory', 'instance']);
    const [, mem, inst] = added as [unknown, Extract<PageEvent, { t: 'memory' }>, Extract<PageEvent, { t: 'instance' }>];
    expect(mem).toMatchObject({ origin: 'export', exportName: 'O', module: mod.key, bytes: 65536 });
    expect(inst).toMatchObject({ module: mod.key, memories: [mem.key], via: 'instantiate', helper: false });
    expect(seen.slice(-2)).toEqual([`listener:${inst.key}`, 'page']);
    expect(hooks.memoryKey((r.instance.exports as { O: WebAssembly.Memory }).O)).toBe(mem.key);
  });

  it('a rewritten module counts its heap inside wasm; its counters never reach the page, on every path', async () => {
    const bytes = buildModule({ funcs: bumpAllocator(), exportMemory: 'memory' });
    const names = ['malloc', 'free', 'memory'];
    const viaNew = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const viaInstantiate: WebAssembly.WebAssemblyInstantiatedSource = await WebAssembly.instantiate(bytes);
    const viaCompile = new WebAssembly.Instance(await WebAssembly.compile(bytes));
    for (const inst of [viaNew, viaInstantiate.instance, viaCompile]) {
      expect(Object.keys(inst.exports)).toEqual(names);
      expect(Object.isFrozen(inst.exports)).toBe(true);
      expect(Object.getPrototypeOf(inst.exports)).toBeNull();
      expect(WebAssembly.Module.exports(viaInstantiate.module).map((d) => d.name)).toEqual(names);
      // the page's malloc is the module's own wasm function: a Table takes it
      const table = new WebAssembly.Table({ initial: 1, element: 'anyfunc' });
      table.set(0, inst.exports.malloc as () => number);
      expect(table.get(0)).toBe(inst.exports.malloc);
      const info = infos.find((i) => i.instance === inst)!;
      expect(info.rewrite?.allocator).toMatchObject({ kind: 'dlmalloc', foundBy: 'exports' });
      const p = (inst.exports.malloc as (n: number) => number)(100);
      expect(info.heap?.counters?.liveBytes()).toBe(104);
      (inst.exports.free as (p: number) => void)(p);
      expect(info.heap?.counters?.liveBytes()).toBe(0);
    }
    // Module.exports of an unrewritten module: the native list
    expect(WebAssembly.Module.exports(new WebAssembly.Module(F.computeOnly())).map((d) => d.name)).toEqual(['compute']);
    const getter = Object.getOwnPropertyDescriptor(WebAssembly.Instance.prototype, 'exports')!.get!;
    expect(getter).not.toBe(orig.exportsGetter);
    expect(getter.name).toBe('get exports');
    expect(Function.prototype.toString.call(getter)).toBe('function get exports() { [native code] }');
    expect(() => getter.call({})).toThrow(TypeError);
    expect(Function.prototype.toString.call(WebAssembly.Module.exports)).toBe('function exports() { [native code] }');
  });

  it('rewritten bytes that fail to compile: the page gets what its own bytes give', async () => {
    rewriter = (b) => {
      const r = realRewrite(b);
      return r.ok ? { ...r, bytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) } : r;
    };
    try {
      const bytes = buildModule({ funcs: bumpAllocator(), exportMemory: 'memory' });
      const viaNew = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      const { instance } = await WebAssembly.instantiate(bytes);
      const compiled = await WebAssembly.compile(bytes);
      for (const inst of [viaNew, instance, new WebAssembly.Instance(compiled)]) {
        expect(Object.keys(inst.exports)).toEqual(['malloc', 'free', 'memory']);
        expect(infos.find((i) => i.instance === inst)).toMatchObject({ rewrite: null, unchanged: 'the rewritten module did not compile' });
      }
      // and invalid bytes reject with the native error, not one about our bytes
      const bad = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 2]);
      const native = await orig.compile(bad).catch((e: Error) => e.message);
      expect(await WebAssembly.compile(bad).catch((e: Error) => e.message)).toBe(native);
    } finally {
      rewriter = realRewrite;
    }
  });

  it('JS grow is reported with its stack; in-wasm growth is left to the sampler', () => {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(F.exportedMemory({ initial: 1, maximum: 10 })));
    const ex = inst.exports as { memory: WebAssembly.Memory; grow(n: number): number };
    const key = hooks.memoryKey(ex.memory)!;
    expect(ofType('memory').find((m) => m.key === key)).toMatchObject({ origin: 'export', maxBytes: 10 * 65536 }); // from the module's bytes
    sampler.tick();
    expect(ex.grow(2)).toBe(1); // in wasm: no event yet
    expect(ofType('grow').filter((g) => g.key === key)).toHaveLength(0);
    expect(ex.memory.grow(1)).toBe(3);
    const grows = ofType('grow').filter((g) => g.key === key);
    expect(grows.map((g) => [g.via, g.fromBytes, g.toBytes])).toEqual([
      ['wasm', 65536, 196608],
      ['js', 196608, 262144],
    ]);
    expect(grows[1]!.stack).toContain('wasm-hooks.test.ts');
    expect(sampler.tick().filter((e) => e.t === 'grow')).toHaveLength(0);
    expect(() => ex.memory.grow(100)).toThrow(RangeError);
    expect(ex.memory.grow(0)).toBe(4);
    expect(ofType('grow').filter((g) => g.key === key)).toHaveLength(2);
  });

  it('a grow that throws is a grow-failed event (delta, committed, maximum, stack); the page gets the same error', () => {
    const m = new WebAssembly.Memory({ initial: 96, maximum: 100 });
    const key = hooks.memoryKey(m)!;
    let err: unknown;
    try {
      m.grow(10);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    const failed = ofType('grow-failed').filter((g) => g.key === key);
    expect(failed).toMatchObject([{ via: 'js', requestedBytes: 10 * 65536, committedBytes: 96 * 65536, maxBytes: 100 * 65536 }]);
    expect(failed[0]!.stack).toContain('wasm-hooks.test.ts');
    // a bad argument is the page's TypeError, not an out-of-memory
    expect(() => m.grow(-1 as number)).toThrow(TypeError);
    expect(() => m.grow({} as number)).toThrow();
    expect(ofType('grow-failed').filter((g) => g.key === key)).toHaveLength(1);
    // memory64 is said so (when the engine has it)
    let m64: WebAssembly.Memory | null = null;
    try {
      m64 = new WebAssembly.Memory({ initial: 1n, address: 'i64' } as unknown as WebAssembly.MemoryDescriptor);
    } catch (e) {
      void e; // no memory64 in this engine
    }
    if (m64 !== null) expect(ofType('memory').find((e) => e.key === hooks.memoryKey(m64!))?.address).toBe('i64');
  });

  it('keeps the order of instantiate(Module) reactions against other microtasks', async () => {
    const mod = new WebAssembly.Module(F.computeOnly());
    const run = async (inst: (m: WebAssembly.Module) => Promise<unknown>) => {
      const log: string[] = [];
      const p = inst(mod);
      p.then(() => log.push('then'));
      void Promise.resolve()
        .then(() => log.push('m1'))
        .then(() => log.push('m2'));
      queueMicrotask(() => log.push('qm'));
      await p;
      log.push('await');
      await new Promise((r) => setTimeout(r, 0));
      return log;
    };
    const hooked = await run((m) => WebAssembly.instantiate(m));
    const bare = await run((m) => orig.instantiate.call(WebAssembly, m));
    expect(hooked).toEqual(bare);
    const p = WebAssembly.instantiate(mod);
    expect(Reflect.ownKeys(p)).toEqual([]);
    expect(p.constructor).toBe(Promise);
    await p;
  });

  it('rejections keep their error and leave no frame of ours', async () => {
    const err = await WebAssembly.instantiate(new Uint8Array([1, 2, 3])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAssembly.CompileError);
    const sync = (() => {
      try {
        new WebAssembly.Memory({ initial: -1 });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(sync).toBeInstanceOf(TypeError);
  });
});
