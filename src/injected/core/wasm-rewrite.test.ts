import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  HIDDEN_EXPORT_PREFIX,
  isHiddenExport,
  readCounters,
  rewriteModule,
  samplerModuleBytes,
  type RewriteOptions,
  type RewriteResult,
} from './wasm-rewrite';
import { buildModule, bumpAllocator, i32, op, sleb, type Fn } from './rewrite/test-builder';
import { parseModule } from './rewrite/module';

const require = createRequire(import.meta.url);
const P = HIDDEN_EXPORT_PREFIX;
const read = (p: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL('../../../node_modules/' + p, import.meta.url)));
const opts = (o: Partial<RewriteOptions> = {}): RewriteOptions => ({
  allocators: true,
  callCounters: (name) => /^__wbg_[a-z0-9_]+_free$/.test(name),
  maxModuleBytes: 64 * 1024 * 1024,
  ...o,
});
function ok(r: RewriteResult): Extract<RewriteResult, { ok: true }> {
  if (!r.ok) throw new Error('rewrite failed: ' + r.reason);
  return r;
}
function noImports(mod: WebAssembly.Module): WebAssembly.Imports {
  const imp: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(mod)) {
    imp[i.module] ??= {};
    imp[i.module]![i.name] = () => {
      throw new Error('import ' + i.name + ' called');
    };
  }
  return imp as WebAssembly.Imports;
}
type G = WebAssembly.Global;
const counter = (ex: WebAssembly.Exports, name: string): bigint => (ex[P + name] as G).value as bigint;

function sameShape(orig: Uint8Array<ArrayBuffer>, out: Uint8Array<ArrayBuffer>): void {
  expect(WebAssembly.validate(out)).toBe(true);
  const a = new WebAssembly.Module(orig);
  const b = new WebAssembly.Module(out);
  expect(WebAssembly.Module.exports(b).filter((e) => !isHiddenExport(e.name))).toEqual(WebAssembly.Module.exports(a));
  expect(WebAssembly.Module.imports(b)).toEqual(WebAssembly.Module.imports(a));
  for (const name of ['name', 'producers', 'target_features', 'dylink.0', 'sourceMappingURL']) {
    const ca = WebAssembly.Module.customSections(a, name);
    const cb = WebAssembly.Module.customSections(b, name);
    expect(cb.length).toBe(ca.length);
    for (let i = 0; i < ca.length; i++) expect(Buffer.compare(Buffer.from(cb[i]!), Buffer.from(ca[i]!))).toBe(0);
  }
}

describe('rewriteModule on real packages', () => {
  const cases: [string, string, string, string][] = [
    ['sql.js', 'sql.js/dist/sql-wasm.wasm', 'fingerprint', 'dlmalloc'],
    ['sql.js debug', 'sql.js/dist/sql-wasm-debug.wasm', 'exports', 'dlmalloc'],
    ['tiktoken', 'tiktoken/tiktoken_bg.wasm', 'wbindgen-wrapper', 'dlmalloc'],
    ['resvg', '@resvg/resvg-wasm/index_bg.wasm', 'wbindgen-wrapper', 'dlmalloc'],
    ['photon', '@silvia-odwyer/photon/photon_rs_bg.wasm', 'wbindgen-wrapper', 'dlmalloc'],
  ];
  for (const [label, path, foundBy, kind] of cases) {
    it(`${label}: valid, same exports/imports/custom sections, allocator found by ${foundBy}`, () => {
      const orig = read(path);
      const copy = orig.slice();
      const t0 = performance.now();
      const r = ok(rewriteModule(orig, opts()));
      const t1 = performance.now();
      const c0 = performance.now();
      new WebAssembly.Module(orig);
      const c1 = performance.now();
      console.log(
        `[rewrite] ${label}: ${orig.length} B, rewrite ${(t1 - t0).toFixed(1)} ms, compile ${(c1 - c0).toFixed(1)} ms, +${r.bytes.length - orig.length} B`,
        JSON.stringify(r.layout.allocator),
      );
      expect(Buffer.compare(orig, copy)).toBe(0); // input untouched
      sameShape(orig, r.bytes);
      expect(r.layout.allocator?.foundBy).toBe(foundBy);
      expect(r.layout.allocator?.kind).toBe(kind);
      expect(r.layout.allocator?.sizes).toBe('chunk-header');
      expect(r.layout.sampleTable).toBe(P + 'sample_table');
      // written in one buffer sized up front: no regrowth
      expect(r.bytes.buffer.byteLength).toBeLessThan(r.bytes.length + 64 * 1024);
    });
  }

  it('code-section-relative offsets (DWARF) of every original function stay the same when the wrappers fit', () => {
    // (in the sql.js debug build, emscripten_builtin_memalign is a 25-byte function: its wrapper
    // cannot fit, and the functions after it move)
    for (const path of [
      'sql.js/dist/sql-wasm.wasm',
      'tiktoken/tiktoken_bg.wasm',
      '@resvg/resvg-wasm/index_bg.wasm',
      '@silvia-odwyer/photon/photon_rs_bg.wasm',
    ]) {
      const orig = read(path);
      const r = ok(rewriteModule(orig, opts()));
      const a = parseModule(orig);
      const b = parseModule(r.bytes);
      const codeA = a.sections.find((x) => x.id === 10)!.content;
      const codeB = b.sections.find((x) => x.id === 10)!.content;
      let moved = 0;
      for (let d = 0; d < a.bodyStart.length; d++) {
        if (b.entryStart[d]! - codeB !== a.entryStart[d]! - codeA) moved++;
      }
      expect(moved, path).toBe(0);
      expect(b.bodyStart.length).toBeGreaterThan(a.bodyStart.length);
    }
  });

  it('sql.js: the fingerprint finds Ia/Ja and the +8 realloc; hints give the same functions', () => {
    const orig = read('sql.js/dist/sql-wasm.wasm');
    const mod = new WebAssembly.Module(orig);
    void mod;
    const r = ok(rewriteModule(orig, opts()));
    const h = ok(rewriteModule(orig, opts({ allocatorHints: { malloc: 'Ia', free: 'Ja', memalign: 'La' } })));
    expect(h.layout.allocator?.foundBy).toBe('hints');
    expect(h.layout.allocator?.functions.malloc).toBe(r.layout.allocator?.functions.malloc);
    expect(h.layout.allocator?.functions.free).toBe(r.layout.allocator?.functions.free);
    expect(r.layout.allocator?.functions.realloc).toBeTypeOf('number');
    expect(r.layout.allocator?.functions.memalign).toBe(h.layout.allocator?.functions.memalign); // La
    // the debug build exports malloc/free/emscripten_builtin_memalign; dlrealloc is found by its calls
    const dbg = ok(rewriteModule(read('sql.js/dist/sql-wasm-debug.wasm'), opts()));
    expect(dbg.layout.allocator?.functions.realloc).toBeTypeOf('number');
  });

  for (const [label, wasm, glue] of [
    ['sql.js', 'sql.js/dist/sql-wasm.wasm', 'sql.js/dist/sql-wasm.js'],
    ['sql.js debug', 'sql.js/dist/sql-wasm-debug.wasm', 'sql.js/dist/sql-wasm-debug.js'],
  ] as const)
    it(`${label} runs on the rewritten bytes: live bytes rise with a database and come back when closed`, async () => {
      const orig = read(wasm);
      const r = ok(rewriteModule(orig, opts()));
      let instance: WebAssembly.Instance | null = null;
      const realInstantiate = WebAssembly.instantiate;
      WebAssembly.instantiate = (async (...args: unknown[]) => {
        const res = (await (realInstantiate as (...a: unknown[]) => Promise<unknown>)(
          ...args,
        )) as WebAssembly.WebAssemblyInstantiatedSource;
        instance = res.instance;
        return res;
      }) as unknown as typeof WebAssembly.instantiate;
      let SQL: { Database: new () => { run(sql: string, params?: unknown[]): void; exec(sql: string): unknown; close(): void } };
      try {
        const initSqlJs = require(glue) as (o: { wasmBinary: ArrayBuffer }) => Promise<typeof SQL>;
        SQL = await initSqlJs({ wasmBinary: r.bytes.slice().buffer });
      } finally {
        WebAssembly.instantiate = realInstantiate;
      }
      expect(instance).not.toBeNull();
      const ex = instance!.exports;
      const snap = () => ({
        bytes: counter(ex, 'live_bytes'),
        allocs: counter(ex, 'live_allocs'),
        total: counter(ex, 'total_allocs'),
        frees: counter(ex, 'total_frees'),
      });
      // warm-up: one database opened and closed (SQLite's one-time state)
      {
        const db = new SQL.Database();
        db.run('CREATE TABLE t (a INTEGER, b TEXT)');
        db.close();
      }
      const before = snap();
      const db = new SQL.Database();
      db.run('CREATE TABLE t (a INTEGER, b TEXT)');
      for (let i = 0; i < 500; i++) db.run('INSERT INTO t VALUES (?, ?)', [i, 'row ' + i + ' '.repeat(i % 50)]);
      db.exec('SELECT count(*), sum(length(b)) FROM t');
      const during = snap();
      db.close();
      const after = snap();
      console.log(
        `[${label} counters]`,
        JSON.stringify({ before, during, after }, (_, v) => (typeof v === 'bigint' ? Number(v) : v)),
      );
      expect(during.bytes - before.bytes).toBeGreaterThan(20_000n);
      expect(during.total).toBeGreaterThan(before.total + 500n);
      const drift = after.bytes - before.bytes;
      expect(drift < 0n ? -drift : drift).toBeLessThan(512n);
      expect(after.allocs - before.allocs).toBeLessThan(8n);
      expect(after.allocs - before.allocs).toBeGreaterThan(-8n);
    });

  it('the demo engine (Rust opt-level s: dlmalloc takes its state as param 0) counts to 0 after close', () => {
    const orig = new Uint8Array(readFileSync(new URL('./rewrite/fixtures/demo-engine-opt-s.wasm', import.meta.url)));
    const r = ok(rewriteModule(orig, opts()));
    sameShape(orig, r.bytes);
    expect(r.layout.allocator).toMatchObject({ kind: 'dlmalloc', foundBy: 'fingerprint', sizes: 'chunk-header' });
    expect(Object.keys(r.layout.allocator!.functions).sort()).toEqual(['free', 'malloc', 'memalign', 'realloc']);
    const ex = instantiate(r.bytes);
    const text = new TextEncoder().encode('hello world\nthis is a test\n'.repeat(200));
    const p = (ex.engine_alloc as (n: number) => number)(text.length);
    expect(counter(ex, 'live_bytes')).toBe(BigInt((text.length + 4 + 7) & ~7));
    new Uint8Array((ex.memory as WebAssembly.Memory).buffer, p, text.length).set(text);
    (ex.engine_open as (n: number) => void)(text.length);
    const open = counter(ex, 'live_bytes');
    expect(open).toBeGreaterThan(BigInt((ex.engine_index_bytes as () => number)()));
    (ex.engine_close as () => void)();
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs')]).toEqual([0n, 0n]);
    expect(counter(ex, 'total_allocs')).toBe(counter(ex, 'total_frees'));
  });

  it("playwright's webp_codec (minified Emscripten, emmalloc) is found by the fingerprint and counted without sizes", () => {
    const orig = read('playwright-core/lib/webp_codec.wasm');
    const r = ok(rewriteModule(orig, opts()));
    sameShape(orig, r.bytes);
    expect(r.layout.allocator).toMatchObject({ kind: 'emmalloc', foundBy: 'fingerprint', sizes: 'none' });
    const mod = new WebAssembly.Module(r.bytes);
    const ex = new WebAssembly.Instance(mod, noImports(mod)).exports;
    (ex.g as () => void)(); // __wasm_call_ctors
    const malloc = ex.k as (n: number) => number; // the glue's _malloc (a wrapper that calls emmalloc's)
    const free = ex.l as (p: number) => void;
    const ps = [1, 8, 100, 1000, 100000].map((n) => malloc(n));
    expect([counter(ex, 'live_allocs'), counter(ex, 'total_allocs'), counter(ex, 'live_bytes')]).toEqual([5n, 5n, 0n]);
    for (const p of ps) free(p);
    expect([counter(ex, 'live_allocs'), counter(ex, 'total_frees')]).toEqual([0n, 5n]);
  });

  it('resvg runs on the rewritten bytes through initWasm: a render and its frees come back to the baseline', async () => {
    const orig = read('@resvg/resvg-wasm/index_bg.wasm');
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.callCounted).toEqual(['__wbg_bbox_free', '__wbg_resvg_free', '__wbg_renderedimage_free']);
    let instance: WebAssembly.Instance | null = null;
    const realInstantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (async (...args: unknown[]) => {
      const res = (await (realInstantiate as (...a: unknown[]) => Promise<unknown>)(...args)) as WebAssembly.WebAssemblyInstantiatedSource;
      instance = res.instance;
      return res;
    }) as unknown as typeof WebAssembly.instantiate;
    type Rendered = { asPng(): Uint8Array; free(): void };
    let resvg: { initWasm(b: unknown): Promise<void>; Resvg: new (svg: string) => { render(): Rendered; free(): void } };
    try {
      resvg = require('@resvg/resvg-wasm') as typeof resvg;
      await resvg.initWasm(r.bytes.slice().buffer);
    } finally {
      WebAssembly.instantiate = realInstantiate;
    }
    const ex = instance!.exports;
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="40" height="30" fill="red"/></svg>';
    const cycle = (): bigint => {
      const doc = new resvg.Resvg(svg);
      const img = doc.render();
      const png = img.asPng();
      expect(png.length).toBeGreaterThan(50);
      const during = counter(ex, 'live_bytes');
      img.free();
      doc.free();
      return during;
    };
    cycle(); // warm-up
    const before = counter(ex, 'live_bytes');
    const calls = [counter(ex, 'calls_1'), counter(ex, 'calls_2')];
    const during = cycle();
    const after = counter(ex, 'live_bytes');
    console.log('[resvg counters]', { before, during, after });
    expect(during - before).toBeGreaterThan(16_000n); // 64x64 RGBA pixmap at least
    expect(after).toBe(before);
    expect([counter(ex, 'calls_1') - calls[0]!, counter(ex, 'calls_2') - calls[1]!]).toEqual([1n, 1n]);
  });

  it('tiktoken runs on the rewritten bytes through its init glue; free is call-counted', async () => {
    const orig = read('tiktoken/tiktoken_bg.wasm');
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.callCounted).toEqual(['__wbg_tiktoken_free']);
    let instance: WebAssembly.Instance | null = null;
    const { init } = require('tiktoken/init') as { init: (cb: (imports: WebAssembly.Imports) => Promise<unknown>) => Promise<unknown> };
    await init(async (imports) => {
      const res = await WebAssembly.instantiate(r.bytes, imports);
      instance = res.instance;
      return res;
    });
    const { get_encoding } = require('tiktoken/init') as { get_encoding: (n: string) => { encode(s: string): Uint32Array; free(): void } };
    const ex = instance!.exports;
    // warm-up: the first encoder builds one-time statics
    get_encoding('gpt2').free();
    expect(counter(ex, 'calls_0')).toBe(1n);
    const b0 = counter(ex, 'live_bytes');
    const enc = get_encoding('gpt2');
    const b1 = counter(ex, 'live_bytes');
    expect(enc.encode('hello world').length).toBe(2);
    expect(b1 - b0).toBeGreaterThan(1_000_000n);
    expect(counter(ex, 'calls_0')).toBe(1n);
    enc.free();
    expect(counter(ex, 'calls_0')).toBe(2n);
    const b2 = counter(ex, 'live_bytes');
    console.log('[tiktoken counters]', { b0, b1, b2 });
    const d = b2 - b0;
    expect(d < 0n ? -d : d).toBeLessThan(256n);
    // the wasm-bindgen malloc/free exports (export_1 = malloc(size, align), export_3 = free(ptr, size, align))
    const malloc = ex.__wbindgen_export_1 as (n: number, a: number) => number;
    const free = ex.__wbindgen_export_3 as (p: number, n: number, a: number) => void;
    const s0 = counter(ex, 'live_bytes');
    const p = malloc(100, 1);
    expect(counter(ex, 'live_bytes') - s0).toBe(104n);
    free(p, 100, 1);
    expect(counter(ex, 'live_bytes') - s0).toBe(0n);
  });
});

/** A module with the bump allocator exported as malloc/free plus extra functions. */
function allocModule(extra: Fn[] = [], o: Parameters<typeof bumpAllocator>[0] = {}, table?: number): Uint8Array<ArrayBuffer> {
  return buildModule({ funcs: [...bumpAllocator(o), ...extra], exportMemory: 'memory', nameSection: true, table });
}
function instantiate(bytes: Uint8Array<ArrayBuffer>, imports: WebAssembly.Imports = {}): WebAssembly.Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
}

describe('rewriteModule on hand-built modules', () => {
  it('counts malloc/free by export names: malloc(100) is +104 bytes, free brings it back', () => {
    const orig = allocModule();
    const r = ok(rewriteModule(orig, opts()));
    sameShape(orig, r.bytes);
    expect(r.layout.allocator).toEqual({ kind: 'dlmalloc', foundBy: 'exports', functions: { malloc: 0, free: 1 }, sizes: 'chunk-header' });
    const ex = instantiate(r.bytes);
    const malloc = ex.malloc as (n: number) => number;
    const free = ex.free as (p: number) => void;
    const a = malloc(100);
    const b = malloc(1);
    expect(counter(ex, 'live_bytes')).toBe(104n + 16n);
    expect(counter(ex, 'live_allocs')).toBe(2n);
    free(a);
    free(0);
    expect(counter(ex, 'live_bytes')).toBe(16n);
    free(b);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_allocs'), counter(ex, 'total_frees')]).toEqual([
      0n,
      0n,
      2n,
      2n,
    ]);
    expect(counter(ex, 'sample_countdown')).toBe(2n ** 63n - 1n - 120n);
    expect(readCounters(ex, r.layout)).toEqual({ liveBytes: 0, liveAllocs: 0, totalAllocs: 2, totalFrees: 2, calls: [] });
  });

  it('the wrappers never trap on pointers whose header is not a valid address', () => {
    const [malloc] = bumpAllocator();
    const noopFree: Fn = { params: [i32], results: [], export: 'free', code: [] };
    const r = ok(rewriteModule(buildModule({ funcs: [malloc!, noopFree], exportMemory: 'memory' }), opts()));
    const ex = instantiate(r.bytes);
    const free = ex.free as (p: number) => void;
    for (const p of [1, 3, 4, 6, 65536 * 1 + 4, 0xfffffff8, -4]) expect(() => free(p)).not.toThrow();
    // every call is a free; the headers that could be read (at 0, at 65536) hold 0
    expect([counter(ex, 'live_bytes'), counter(ex, 'total_frees')]).toEqual([0n, 7n]);
  });

  it('counts calls made inside wasm and through a table, and exports still go into a Table', () => {
    // f2: calls malloc(24) directly; the table holds malloc at slot 0
    const inner: Fn = { params: [], results: [i32], export: 'inner', code: [op.i32_const, 24, op.call, 0] };
    const orig = allocModule([inner], {}, 2);
    const r = ok(rewriteModule(orig, opts()));
    const ex = instantiate(r.bytes);
    (ex.inner as () => number)();
    expect(counter(ex, 'live_bytes')).toBe(32n);
    const t = ex.table as WebAssembly.Table;
    t.set(0, ex.malloc);
    t.set(1, ex.free);
    const p = (t.get(0) as (n: number) => number)(8);
    expect(counter(ex, 'live_bytes')).toBe(48n);
    (t.get(1) as (p: number) => void)(p);
    expect(counter(ex, 'live_bytes')).toBe(32n);
    // and into a table of another instance
    const other = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    other.set(0, ex.malloc);
    expect(typeof other.get(0)).toBe('function');
  });

  it('realloc by export name: net effect only (no double counting of its inner malloc/free)', () => {
    // realloc(p, n) = { q = malloc(n); free(p); return q }  (and realloc(p, 0) frees p, returns 0)
    const { local_get: lg, call, i32_const: c } = op;
    const realloc: Fn = {
      params: [i32, i32],
      results: [i32],
      locals: [i32],
      export: 'realloc',
      code: [lg, 1, op.i32_eqz, op.if_, 0x40, lg, 0, call, 1, c, 0, 0x0f, op.end, lg, 1, call, 0, op.local_set, 2, lg, 0, call, 1, lg, 2],
    };
    const orig = allocModule([realloc]);
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.allocator?.functions).toEqual({ malloc: 0, free: 1, realloc: 2 });
    const ex = instantiate(r.bytes);
    const re = ex.realloc as (p: number, n: number) => number;
    const p = re(0, 10); // 16
    expect([counter(ex, 'live_bytes'), counter(ex, 'total_allocs'), counter(ex, 'total_frees')]).toEqual([16n, 1n, 0n]);
    const q = re(p, 100); // 104
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_allocs'), counter(ex, 'total_frees')]).toEqual([
      104n,
      1n,
      2n,
      1n,
    ]);
    expect(re(q, 0)).toBe(0);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_frees')]).toEqual([0n, 0n, 2n]);
  });

  it('finds an unexported realloc by its calls, also when call indices are padded LEBs (wasm-ld output)', () => {
    const { local_get: lg, i32_const: c } = op;
    const pad0 = [0x80, 0x80, 0x80, 0x80, 0x00]; // function 0 as a 5-byte LEB
    const pad1 = [0x81, 0x80, 0x80, 0x80, 0x00];
    const realloc: Fn = {
      params: [i32, i32],
      results: [i32],
      locals: [i32],
      export: 're',
      code: [
        c,
        ...sleb(1024),
        op.drop,
        c,
        ...sleb(1028),
        op.drop,
        lg,
        1,
        op.call,
        ...pad0,
        op.local_set,
        2,
        lg,
        0,
        op.call,
        ...pad1,
        lg,
        2,
      ],
    };
    const orig = allocModule([realloc]);
    expect(WebAssembly.validate(orig)).toBe(true);
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.allocator?.functions).toEqual({ malloc: 0, free: 1, realloc: 2 });
    const ex = instantiate(r.bytes);
    const p = (ex.re as (p: number, n: number) => number)(0, 100);
    (ex.re as (p: number, n: number) => number)(p, 10);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_allocs'), counter(ex, 'total_frees')]).toEqual([
      16n,
      1n,
      2n,
      1n,
    ]);
  });

  it('memalign whose body starts by handing small alignments to malloc (dlmalloc-rs): both paths count once', () => {
    const { local_get: lg, i32_const: c } = op;
    // memalign(align, size): if (align <= 8) return malloc(size); p = malloc(size + align); return p
    const fastPath = [lg, 0, c, 8, 0x4d /* i32.le_u */, op.if_, 0x40, lg, 1, op.call, 0, 0x0f /* return */, op.end];
    const slow = [lg, 1, lg, 0, op.i32_add, op.call, 0];
    const memalign: Fn = { params: [i32, i32], results: [i32], export: 'memalign', code: [...fastPath, ...slow] };
    const orig = allocModule([memalign]);
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.allocator?.functions).toEqual({ malloc: 0, free: 1, memalign: 2 });
    // the wrapper carries the original's leading test, byte for byte, before its save/restore path
    const mod = parseModule(r.bytes);
    const wrapper = r.bytes.subarray(mod.bodyStart[2]!, mod.bodyEnd[2]!);
    expect(Buffer.from(wrapper).includes(Buffer.from(fastPath))).toBe(true);
    const ex = instantiate(r.bytes);
    const ma = ex.memalign as (a: number, n: number) => number;
    const free = ex.free as (p: number) => void;
    const small = ma(8, 100); // fast path: malloc(100), 104 bytes
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_allocs')]).toEqual([104n, 1n, 1n]);
    const big = ma(64, 100); // slow path: malloc(164), 168 bytes, counted once by the net rule
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_allocs')]).toEqual([272n, 2n, 2n]);
    free(small);
    free(big);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_frees')]).toEqual([0n, 0n, 2n]);
  });

  it('no fast path when the leading test calls something other than malloc', () => {
    const { local_get: lg, i32_const: c } = op;
    // the same shape, but the early return calls free's index: not a malloc hand-off
    const code = [lg, 0, c, 8, 0x4d, op.if_, 0x40, lg, 1, op.call, 1, c, 0, 0x0f, op.end, lg, 1, lg, 0, op.i32_add, op.call, 0];
    const memalign: Fn = { params: [i32, i32], results: [i32], export: 'memalign', code };
    const r = ok(rewriteModule(allocModule([memalign]), opts()));
    const mod = parseModule(r.bytes);
    const wrapper = r.bytes.subarray(mod.bodyStart[2]!, mod.bodyEnd[2]!);
    expect(Buffer.from(wrapper).includes(Buffer.from(code.slice(0, 11)))).toBe(false);
    const ex = instantiate(r.bytes);
    (ex.memalign as (a: number, n: number) => number)(64, 100);
    expect([counter(ex, 'live_bytes'), counter(ex, 'total_allocs')]).toEqual([168n, 1n]);
  });

  it('posix_memalign by export name: counts the block stored at *out when it returns 0', () => {
    const { local_get: lg, i32_const: c } = op;
    // posix_memalign(out, align, size): *out = malloc(size); return 0  (size 0: return 12, no block)
    const pm: Fn = {
      params: [i32, i32, i32],
      results: [i32],
      export: 'posix_memalign',
      code: [lg, 2, op.i32_eqz, op.if_, 0x40, c, 12, 0x0f, op.end, lg, 0, lg, 2, op.call, 0, op.i32_store, 2, 0, c, 0],
    };
    const r = ok(rewriteModule(allocModule([pm]), opts()));
    expect(r.layout.allocator?.functions).toEqual({ malloc: 0, free: 1, posixMemalign: 2 });
    const ex = instantiate(r.bytes);
    const posix = ex.posix_memalign as (o: number, a: number, n: number) => number;
    expect(posix(64, 16, 100)).toBe(0);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs'), counter(ex, 'total_allocs')]).toEqual([104n, 1n, 1n]);
    expect(posix(64, 16, 0)).toBe(12);
    expect(posix(3, 16, 0)).toBe(12);
    expect(counter(ex, 'live_allocs')).toBe(1n);
    const p = new Uint32Array((ex.memory as WebAssembly.Memory).buffer, 64, 1)[0]!;
    (ex.free as (p: number) => void)(p);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs')]).toEqual([0n, 0n]);
  });

  it('finds the allocator in the name section, from hints, and reports why not', () => {
    const byName = ok(rewriteModule(allocModule([], { mallocName: 'a', freeName: 'b' }), opts()));
    expect(byName.layout.allocator?.foundBy).toBe('name-section');
    expect(byName.layout.allocator?.functions).toEqual({ malloc: 0, free: 1 });
    const noNames = buildModule({ funcs: bumpAllocator({ mallocName: 'Ia', freeName: 'Ja' }) });
    const hinted = ok(rewriteModule(noNames, opts({ allocatorHints: { malloc: 'Ia', free: 'Ja' } })));
    expect(hinted.layout.allocator?.foundBy).toBe('hints');
    expect(rewriteModule(noNames, opts())).toEqual({ ok: false, reason: 'no allocator recognised' });
    const imported = buildModule({ memory: { min: 1, imported: true }, funcs: bumpAllocator({ mallocName: 'x', freeName: 'y' }) });
    expect(rewriteModule(imported, opts())).toEqual({ ok: false, reason: 'imports its memory and exports no allocator' });
  });

  it('without dlmalloc constants the kind is unknown and only counts are kept', () => {
    const r = ok(rewriteModule(allocModule([], { dlConstants: false }), opts()));
    expect(r.layout.allocator?.kind).toBe('unknown');
    expect(r.layout.allocator?.sizes).toBe('none');
    const ex = instantiate(r.bytes);
    (ex.free as (p: number) => void)((ex.malloc as (n: number) => number)(100));
    expect([counter(ex, 'live_bytes'), counter(ex, 'total_allocs'), counter(ex, 'total_frees')]).toEqual([0n, 1n, 1n]);
  });

  it('refuses shared memory, memory64 and multiple memories (unless call counters apply)', () => {
    const shared = buildModule({ memory: { min: 1, max: 2, shared: true }, funcs: bumpAllocator() });
    expect(rewriteModule(shared, opts())).toEqual({ ok: false, reason: 'memory is shared' });
    const m64 = buildModule({ memory: { min: 1, is64: true }, funcs: [] });
    expect(rewriteModule(m64, opts())).toEqual({ ok: false, reason: 'memory64' });
    const two = buildModule({ memory: { min: 1, count: 2 }, funcs: [] });
    expect(rewriteModule(two, opts())).toEqual({ ok: false, reason: 'multiple memories' });
    const freeFn: Fn = { params: [i32], results: [], export: '__wbg_foo_free', code: [] };
    const sharedWithFree = buildModule({ memory: { min: 1, max: 2, shared: true }, funcs: [...bumpAllocator(), freeFn] });
    const r = ok(rewriteModule(sharedWithFree, opts()));
    expect(r.layout.allocator).toBeNull();
    expect(r.layout.allocatorReason).toBe('memory is shared');
    expect(r.layout.callCounted).toEqual(['__wbg_foo_free']);
  });

  it('counts __wbg_<class>_free calls by the flag rule and passes results through', () => {
    const { local_get: lg } = op;
    const free2: Fn = { params: [i32, i32], results: [], export: '__wbg_foo_free', code: [] };
    const free1: Fn = { params: [i32], results: [], export: '__wbg_bar_free', code: [] };
    const add: Fn = { params: [i32, i32], results: [i32], export: 'add', code: [lg, 0, lg, 1, op.i32_add] };
    const orig = buildModule({ funcs: [free2, free1, add], memory: null });
    const r = ok(rewriteModule(orig, opts({ callCounters: (n, params) => (n === 'add' ? params === 2 : /^__wbg_.*_free$/.test(n)) })));
    sameShape(orig, r.bytes);
    expect(r.layout.allocator).toBeNull();
    expect(r.layout.allocatorReason).toBe('no memory');
    expect(r.layout.callCounted).toEqual(['__wbg_foo_free', '__wbg_bar_free', 'add']);
    expect(r.layout.sampleTable).toBeNull();
    const ex = instantiate(r.bytes);
    const f2 = ex.__wbg_foo_free as (a: number, b: number) => void;
    f2(8, 0);
    f2(8, 1); // finalizer call: not counted
    f2(0, 0); // null: not counted
    f2(16, 0);
    (ex.__wbg_bar_free as (a: number) => void)(4);
    expect((ex.add as (a: number, b: number) => number)(2, 3)).toBe(5);
    expect(counter(ex, 'calls_0')).toBe(2n);
    expect(counter(ex, 'calls_1')).toBe(1n);
    expect(counter(ex, 'calls_2')).toBe(1n);
    expect(readCounters(ex, r.layout)).toEqual({ liveBytes: 0, liveAllocs: 0, totalAllocs: 0, totalFrees: 0, calls: [2, 1, 1] });
    expect(Object.keys(ex).filter((k) => !isHiddenExport(k))).toEqual(['__wbg_foo_free', '__wbg_bar_free', 'add']);
  });

  it('exports sharing one function share its counter (photon: __wbg_rgb_free and __wbg_rgba_free)', () => {
    const r = ok(rewriteModule(read('@silvia-odwyer/photon/photon_rs_bg.wasm'), opts({ allocators: false })));
    expect(r.layout.callCounted).toEqual(['__wbg_photonimage_free', '__wbg_rgb_free', '__wbg_rgba_free']);
    expect(r.layout.allocator).toBeNull();
    const mod = new WebAssembly.Module(r.bytes);
    const ex = new WebAssembly.Instance(mod, noImports(mod)).exports;
    expect(ex.__wbg_rgb_free).toBe(ex.__wbg_rgba_free);
    (ex[P + 'calls_1'] as G).value = 5n; // one global under two names
    expect(counter(ex, 'calls_2')).toBe(5n);
    expect(counter(ex, 'calls_0')).toBe(0n);
  });

  it('sampling: slot 0 of the hidden table gets (ptr, size) when the countdown goes negative', () => {
    const r = ok(rewriteModule(allocModule(), opts()));
    const ex = instantiate(r.bytes);
    const seen: [number, number][] = [];
    const countdown = ex[P + 'sample_countdown'] as G;
    // the helper module turns the JS function into a wasm function of the sampler's type
    const wrapped = new WebAssembly.Instance(new WebAssembly.Module(samplerModuleBytes()), {
      js: {
        f: (ptr: number, size: number) => {
          seen.push([ptr, size]);
          countdown.value = 200n;
        },
      },
    }).exports.f;
    (ex[P + 'sample_table'] as WebAssembly.Table).set(0, wrapped);
    const malloc = ex.malloc as (n: number) => number;
    malloc(10); // no sample: countdown is huge
    expect(seen).toEqual([]);
    countdown.value = 100n;
    const a = malloc(50); // 56: 44 left
    expect(seen).toEqual([]);
    const b = malloc(50); // 56: -12 -> sample
    expect(seen).toEqual([[b, 56]]);
    expect((ex[P + 'sample_ptr'] as G).value).toBe(b);
    expect((ex[P + 'sample_size'] as G).value).toBe(56);
    expect(countdown.value).toBe(200n);
    void a;
  });

  it('out of memory: once armed, a malloc returning 0 calls slot 1 with (requested size, pages), then returns 0', () => {
    const r = ok(rewriteModule(allocModule([], { failAbove: 4096 }), opts()));
    const ex = instantiate(r.bytes);
    const seen: [number, number][] = [];
    const malloc = ex.malloc as (n: number) => number;
    expect(malloc(5000)).toBe(0); // not armed: nothing called (slot 1 is still null: no trap)
    const notice = new WebAssembly.Instance(new WebAssembly.Module(samplerModuleBytes()), {
      js: { f: (size: number, pages: number) => void seen.push([size, pages]) },
    }).exports.f;
    (ex[P + 'sample_table'] as WebAssembly.Table).set(1, notice);
    (ex[P + 'oom_armed'] as G).value = 1;
    expect(malloc(100)).not.toBe(0);
    expect(seen).toEqual([]);
    expect(malloc(5000)).toBe(0);
    const pages = (ex.memory as WebAssembly.Memory).buffer.byteLength / 65536;
    expect(seen).toEqual([[5000, pages]]);
    // a failed allocation is not counted
    expect([counter(ex, 'live_allocs'), counter(ex, 'total_allocs')]).toEqual([1n, 1n]);
  });

  it('keeps globals, tables, element and data segments, the start function and data count in place', () => {
    // start (function 3) stores 7 at address 64 and allocates through malloc
    const { i32_const: c } = op;
    const start: Fn = { params: [], results: [], code: [c, ...sleb(64), c, 7, op.i32_store, 2, 0, c, 40, op.call, 0, op.drop] };
    const get: Fn = { params: [i32], results: [i32], export: 'load', code: [op.local_get, 0, op.i32_load, 2, 0] };
    const orig = buildModule({
      funcs: [...bumpAllocator(), get, start],
      exportMemory: 'memory',
      table: 3,
      globals: [11, 22],
      start: 3,
      elem: [1, 0, 2],
      data: [1, 2, 3, 4],
    });
    expect(WebAssembly.validate(orig)).toBe(true);
    const r = ok(rewriteModule(orig, opts()));
    sameShape(orig, r.bytes);
    const ex = instantiate(r.bytes);
    expect(counter(ex, 'live_bytes')).toBe(48n); // the start function's malloc(40)
    expect((ex.load as (p: number) => number)(64)).toBe(7);
    expect((ex.load as (p: number) => number)(16)).toBe(0x04030201);
    expect((ex.g0 as G).value).toBe(11);
    expect((ex.g1 as G).value).toBe(22);
    const t = ex.table as WebAssembly.Table;
    expect(t.length).toBe(3);
    const p = (t.get(1) as (n: number) => number)(100); // malloc through the element segment
    expect(counter(ex, 'live_bytes')).toBe(48n + 104n);
    (t.get(0) as (p: number) => void)(p);
    expect(counter(ex, 'live_bytes')).toBe(48n);
    // the sampler table is a second table: sampling works beside the module's own table
    const seen: number[] = [];
    const cd = ex[P + 'sample_countdown'] as G;
    const fn = new WebAssembly.Instance(new WebAssembly.Module(samplerModuleBytes()), {
      js: {
        f: (_p: number, n: number) => {
          seen.push(n);
          cd.value = 1n << 40n;
        },
      },
    }).exports.f;
    (ex[P + 'sample_table'] as WebAssembly.Table).set(0, fn);
    cd.value = 0n;
    (ex.malloc as (n: number) => number)(1);
    expect(seen).toEqual([16]);
  });

  it('a module with an exception tag section (13) and no table or global section', () => {
    const thrower: Fn = { params: [], results: [], export: 'boom', code: [op.i32_const, 5, 0x08, 0] }; // throw tag 0
    const orig = buildModule({ funcs: [...bumpAllocator(), thrower], tags: 1, exportMemory: 'memory' });
    expect(WebAssembly.validate(orig)).toBe(true);
    const r = ok(rewriteModule(orig, opts()));
    sameShape(orig, r.bytes);
    const ex = instantiate(r.bytes);
    (ex.malloc as (n: number) => number)(1);
    expect(counter(ex, 'live_bytes')).toBe(16n);
    expect(() => (ex.boom as () => void)()).toThrow();
  });

  it('emmalloc (by name) is counted without sizes; an imported allocator is not counted', () => {
    const [malloc, free] = bumpAllocator({ dlConstants: false });
    const orig = buildModule({
      funcs: [
        { ...malloc!, name: 'emmalloc_malloc' },
        { ...free!, name: 'emmalloc_free' },
      ],
      nameSection: true,
    });
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.allocator).toMatchObject({ kind: 'emmalloc', foundBy: 'exports', sizes: 'none' });
    const ex = instantiate(r.bytes);
    (ex.malloc as (n: number) => number)(100);
    expect([counter(ex, 'live_bytes'), counter(ex, 'live_allocs')]).toEqual([0n, 1n]);
    // malloc/free imported and re-exported: nothing to swap
    const imported = buildModule({
      imports: [
        { module: 'env', name: 'malloc', params: [i32], results: [i32] },
        { module: 'env', name: 'free', params: [i32], results: [] },
      ],
      funcs: [
        { params: [i32], results: [i32], export: 'malloc', code: [op.local_get, 0, op.call, 0] },
        { params: [i32], results: [], export: 'free', code: [op.local_get, 0, op.call, 1] },
      ],
    });
    const ri = ok(rewriteModule(imported, opts()));
    expect(ri.layout.allocator?.kind).toBe('unknown'); // wrappers around imports: counts only
    expect(ri.layout.allocator?.functions).toEqual({ malloc: 2, free: 3 });
  });

  it('Rust names in the name section: dlmalloc methods are preferred over __rust_alloc', () => {
    const [malloc, free] = bumpAllocator({ mallocName: 'a', freeName: 'b' });
    const shimA: Fn = { params: [i32, i32], results: [i32], name: '__rust_alloc', code: [op.local_get, 0, op.call, 0] };
    const shimD: Fn = { params: [i32, i32, i32], results: [], name: '__rust_dealloc', code: [op.local_get, 0, op.call, 1] };
    const orig = buildModule({
      funcs: [
        { ...malloc!, name: 'dlmalloc::dlmalloc::Dlmalloc<A>::malloc::h0123456789abcdef' },
        { ...free!, name: 'dlmalloc::dlmalloc::Dlmalloc<A>::free::hfedcba9876543210' },
        shimA,
        shimD,
      ],
      nameSection: true,
    });
    const r = ok(rewriteModule(orig, opts()));
    expect(r.layout.allocator).toMatchObject({ foundBy: 'name-section', functions: { malloc: 0, free: 1 } });
    const onlyShims = buildModule({ funcs: [{ ...malloc!, name: 'x' }, { ...free!, name: 'y' }, shimA, shimD], nameSection: true });
    const r2 = ok(rewriteModule(onlyShims, opts()));
    expect(r2.layout.allocator).toMatchObject({ foundBy: 'name-section', kind: 'dlmalloc', functions: { malloc: 2, free: 3 } });
    const ex = instantiate(r2.bytes);
    (ex.b as (p: number) => void)((ex.a as (n: number) => number)(8)); // exports bypass the shims: not counted
    expect(counter(ex, 'total_allocs')).toBe(0n);
  });

  it('malformed, truncated, oversized or already rewritten input gives a reason and never throws', () => {
    expect(rewriteModule(new Uint8Array([1, 2, 3]), opts()).ok).toBe(false);
    expect(rewriteModule(new Uint8Array(0), opts()).ok).toBe(false);
    const full = allocModule();
    for (let cut = 0; cut < full.length; cut++) {
      const r = rewriteModule(full.subarray(0, cut), opts());
      if (r.ok) expect(WebAssembly.validate(r.bytes)).toBe(WebAssembly.validate(full.subarray(0, cut)));
    }
    const garbage = full.slice();
    for (let i = 8; i < garbage.length; i += 7) garbage[i] = 0xff;
    expect(() => rewriteModule(garbage, opts())).not.toThrow();
    expect(rewriteModule(full, opts({ maxModuleBytes: 10 }))).toEqual({
      ok: false,
      reason: `module is ${full.length} bytes, over maxModuleBytes (10)`,
    });
    const once = ok(rewriteModule(full, opts()));
    expect(rewriteModule(once.bytes, opts())).toEqual({ ok: false, reason: 'already rewritten (has hidden exports)' });
    expect(rewriteModule(new Int8Array(full.buffer) as unknown as Uint8Array, opts())).toEqual({ ok: false, reason: 'not a Uint8Array' });
    expect(rewriteModule([0, 97, 115, 109] as unknown as Uint8Array, opts())).toEqual({ ok: false, reason: 'not a Uint8Array' });
    const throwing = opts({
      callCounters: () => {
        throw new Error('boom');
      },
    });
    expect(rewriteModule(full, throwing).ok).toBe(true);
  });

  it('random byte flips: never throws, and a valid input gives a valid output', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const small = buildModule({
      funcs: [...bumpAllocator(), { params: [i32, i32], results: [], export: '__wbg_x_free', code: [] }],
      exportMemory: 'memory',
      nameSection: true,
      table: 2,
      globals: [1],
    });
    const sql = read('sql.js/dist/sql-wasm.wasm');
    for (const [orig, rounds] of [
      [small, 400],
      [sql, 12],
    ] as const) {
      for (let i = 0; i < rounds; i++) {
        const b = orig.slice();
        const flips = 1 + rnd(3);
        for (let k = 0; k < flips; k++) b[8 + rnd(b.length - 8)] = rnd(256);
        let r: RewriteResult | null = null;
        expect(() => (r = rewriteModule(b, opts()))).not.toThrow();
        const res = r as RewriteResult | null;
        if (res && res.ok && WebAssembly.validate(b)) expect(WebAssembly.validate(res.bytes)).toBe(true);
      }
    }
  });

  it('works while the page has patched Array, Uint8Array and String prototypes', () => {
    const full = allocModule();
    const expected = ok(rewriteModule(full, opts())).bytes;
    const saved = {
      push: Array.prototype.push,
      set: Uint8Array.prototype.set,
      sub: Uint8Array.prototype.subarray,
      sw: String.prototype.startsWith,
      slice: Array.prototype.slice,
    };
    const boom = () => {
      throw new Error('patched');
    };
    const TA = Object.getPrototypeOf(Uint8Array.prototype) as object;
    const lengthDesc = Object.getOwnPropertyDescriptor(TA, 'length')!;
    try {
      Object.defineProperty(TA, 'length', { get: () => 3, configurable: true });
      Array.prototype.push = boom;
      Uint8Array.prototype.set = boom;
      Uint8Array.prototype.subarray = boom;
      String.prototype.startsWith = boom;
      const r = rewriteModule(full, { allocators: true, callCounters: () => false, maxModuleBytes: 1e6 });
      expect(r.ok).toBe(true);
      expect(isHiddenExport(P + 'x')).toBe(true);
      const got = r.ok ? r.bytes : null;
      Object.defineProperty(TA, 'length', lengthDesc);
      expect(got?.length).toBe(expected.length);
    } finally {
      Object.defineProperty(TA, 'length', lengthDesc);
      Array.prototype.push = saved.push;
      Uint8Array.prototype.set = saved.set;
      Uint8Array.prototype.subarray = saved.sub;
      String.prototype.startsWith = saved.sw;
    }
  });
});
