// Conformance, tables: wasm exported functions are not just callables. They can be put in a
// WebAssembly.Table (set, grow), read back from one with their identity, passed as imports of
// another module (where their signature is checked at link time), and are the very values
// `ref.func` and element segments produce. A JS stand-in for an export breaks each of these.
// e2e/conformance.spec.ts runs this with and without the extension and requires equality.
//
// The modules are written byte by byte here (no toolchain), shaped like the exports the
// trackers care about: Emscripten's `malloc`/`free`, wasm-bindgen's `__wbg_foo_free` (one and
// two parameters) and `foo_new`; and the 70-byte module that exports memory, malloc and free.
(() => {
  'use strict';
  const WA = WebAssembly;

  // --- a tiny module writer ----------------------------------------------------------------
  const u32 = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n !== 0) b |= 0x80; out.push(b); } while (n !== 0); return out; };
  const str = (s) => { const b = Array.from(new TextEncoder().encode(s)); return [...u32(b.length), ...b]; };
  const section = (id, payload) => [id, ...u32(payload.length), ...payload];
  const vec = (items) => [...u32(items.length), ...items.flat()];
  const I32 = 0x7f, F64 = 0x7c, FUNCREF = 0x70;
  const KIND = { func: 0, table: 1, memory: 2 };

  /**
   * spec: { types: [[params], [results]][], imports?: [{ module, name, type }] (functions),
   *   funcs: [{ type, code: number[] (body without locals, ending in 0x0b) }],
   *   table?: { min, max? }, memory?: { min }, exports: [[name, kind, index]],
   *   elem?: { offset, funcs: number[] } (active, table 0) }
   * Function indices count imports first.
   */
  function module(spec) {
    const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    bytes.push(...section(1, vec(spec.types.map(([p, r]) => [0x60, ...u32(p.length), ...p, ...u32(r.length), ...r]))));
    if (spec.imports && spec.imports.length) bytes.push(...section(2, vec(spec.imports.map((i) => [...str(i.module), ...str(i.name), 0x00, ...u32(i.type)]))));
    bytes.push(...section(3, vec(spec.funcs.map((f) => u32(f.type)))));
    if (spec.table) bytes.push(...section(4, vec([[FUNCREF, ...(spec.table.max === undefined ? [0, ...u32(spec.table.min)] : [1, ...u32(spec.table.min), ...u32(spec.table.max)])]])));
    if (spec.memory) bytes.push(...section(5, vec([[0, ...u32(spec.memory.min)]])));
    bytes.push(...section(7, vec(spec.exports.map(([name, kind, index]) => [...str(name), KIND[kind], ...u32(index)]))));
    if (spec.elem) bytes.push(...section(9, vec([[0x00, 0x41, ...u32(spec.elem.offset), 0x0b, ...vec(spec.elem.funcs.map((f) => u32(f)))]])));
    bytes.push(...section(10, vec(spec.funcs.map((f) => { const body = [0x00, ...f.code]; return [...u32(body.length), ...body]; }))));
    return new Uint8Array(bytes);
  }

  // Bodies. (i32)->i32 returns 16 (an allocator's pointer); ()->i32 returns 8; void ones do nothing.
  const RET16 = [0x41, 0x10, 0x0b];
  const RET8 = [0x41, 0x08, 0x0b];
  const NOP = [0x0b];
  const refFunc = (i) => [0xd2, ...u32(i), 0x0b];

  /**
   * A module in the style of a toolchain's output: a memory, the named functions, a table `t`
   * holding every function (element segment), and `ref_<name>` returning `ref.func <name>`.
   * fns: [name, [params], [results]]
   */
  function flavour(fns) {
    const types = [];
    const typeOf = (p, r) => {
      const key = JSON.stringify([p, r]);
      let i = types.findIndex((t) => JSON.stringify(t) === key);
      if (i < 0) { i = types.length; types.push([p, r]); }
      return i;
    };
    const funcs = fns.map(([, p, r]) => ({ type: typeOf(p, r), code: r.length === 0 ? NOP : p.length === 0 ? RET8 : RET16 }));
    const refType = typeOf([], [FUNCREF]);
    fns.forEach((_, i) => funcs.push({ type: refType, code: refFunc(i) }));
    const exports = [['memory', 'memory', 0], ['t', 'table', 0]];
    fns.forEach(([name], i) => exports.push([name, 'func', i], ['ref_' + name, 'func', fns.length + i]));
    return module({ types, funcs, table: { min: fns.length, max: fns.length + 8 }, memory: { min: 1 }, exports, elem: { offset: 0, funcs: fns.map((_, i) => i) } });
  }

  const FLAVOURS = {
    emscripten: [['malloc', [I32], [I32]], ['free', [I32], []]],
    bindgenFree1: [['__wbg_foo_free', [I32], []], ['foo_new', [], [I32]], ['__wbindgen_malloc', [I32], [I32]]],
    bindgenFree2: [['__wbg_foo_free', [I32, I32], []], ['foo_new', [], [I32]], ['__wbindgen_malloc', [I32, I32], [I32]]],
  };

  function describeError(e) {
    if (!(e instanceof Object)) return { thrown: String(e) };
    return { name: e.name, message: e.message, isTypeError: e instanceof TypeError, isLink: e instanceof WA.LinkError, stack: e.stack };
  }
  function attempt(fn) {
    try { const v = fn(); return { ok: v === undefined ? 'undefined' : v }; } catch (e) { return { error: describeError(e) }; }
  }

  /** Every role an export can play, for the export `name` of `ex` (its signature `p -> r`). */
  function roles(ex, name, index, p, r) {
    const f = ex[name];
    const o = {};
    o.type = typeof f;
    o.identity = ex[name] === ex[name];
    o.call = attempt(() => f(...p.map(() => 1)));
    // The module's own table (filled by its element segment) and ref.func give the export back.
    o.tableGet = attempt(() => ex.t.get(index) === f);
    o.refFunc = attempt(() => ex['ref_' + name]() === f);
    o.refFuncIsTableEntry = attempt(() => ex['ref_' + name]() === ex.t.get(index));
    // Table.set / Table.grow with the export, on a new table and on the module's own.
    const tb = new WA.Table({ element: 'anyfunc', initial: 1, maximum: 4 });
    o.tableSet = attempt(() => tb.set(0, f));
    o.tableSetGet = attempt(() => tb.get(0) === f);
    o.tableGrow = attempt(() => tb.grow(1, f));
    o.tableGrowGet = attempt(() => tb.get(1) === f);
    o.ownTableSet = attempt(() => { ex.t.set(0, f); return ex.t.get(0) === f; });
    o.ownTableGrow = attempt(() => { const before = ex.t.grow(1, f); return ex.t.get(before) === f; });
    // As an import of a second module: linked with its signature checked, re-exported as the
    // same function, callable through a wasm call.
    const types = [[p, r]];
    const reexport = module({
      types: [...types, [[], r]],
      imports: [{ module: 'env', name: 'f', type: 0 }],
      funcs: [{ type: 1, code: [...p.flatMap(() => [0x41, 0x01]), 0x10, 0x00, 0x0b] }], // call the import with 1s
      exports: [['g', 'func', 0], ['callIt', 'func', 1]],
    });
    o.asImport = attempt(() => {
      const second = new WA.Instance(new WA.Module(reexport), { env: { f } });
      return { reexportIsSame: second.exports.g === f, callThrough: second.exports.callIt() ?? 'undefined' };
    });
    // With the wrong signature: a wasm function is refused at link time (LinkError); a JS
    // callable in its place would be accepted.
    const wrong = module({ types: [[[F64, F64, F64], [F64]]], imports: [{ module: 'env', name: 'f', type: 0 }], funcs: [], exports: [['g', 'func', 0]] });
    o.asImportWrongSignature = attempt(() => { new WA.Instance(new WA.Module(wrong), { env: { f } }); return 'linked'; });
    return o;
  }

  async function run() {
    const out = {};
    for (const [flavourName, fns] of Object.entries(FLAVOURS)) {
      const bytes = flavour(fns);
      for (const path of ['Instance', 'instantiate']) {
        const ex = path === 'Instance'
          ? new WA.Instance(new WA.Module(bytes)).exports
          : (await WA.instantiate(bytes)).instance.exports;
        const perExport = {};
        fns.forEach(([name, p, r], i) => { perExport[name] = roles(ex, name, i, p, r); });
        out[`${flavourName}.${path}`] = perExport;
      }
    }

    // The 70-byte case: a module exporting memory, malloc and free, nothing else; then the
    // page puts malloc in a table (as Emscripten's addFunction and Pyodide do).
    const small = module({
      types: [[[I32], [I32]], [[I32], []]],
      funcs: [{ type: 0, code: RET16 }, { type: 1, code: NOP }],
      memory: { min: 1 },
      exports: [['memory', 'memory', 0], ['malloc', 'func', 0], ['free', 'func', 1]],
    });
    const smallCase = async (ex) => {
      const table = new WA.Table({ element: 'anyfunc', initial: 1 });
      return {
        set: attempt(() => table.set(0, ex.malloc)),
        same: attempt(() => table.get(0) === ex.malloc),
        callFromTable: attempt(() => table.get(0)(100)),
      };
    };
    out.seventyBytes = {
      byteLength: small.byteLength,
      Instance: await smallCase(new WA.Instance(new WA.Module(small)).exports),
      instantiate: await smallCase((await WA.instantiate(small)).instance.exports),
    };
    return out;
  }
  window.runTableConformance = () => run();
})();
