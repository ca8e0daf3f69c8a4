/*
 * wasm-fixtures.js: a tiny WebAssembly binary builder for test pages (no toolchain needed).
 *
 * Classic script: load it with <script src="/e2e/pages/wasm-fixtures.js">, importScripts() in a
 * worker, or `import '/e2e/pages/wasm-fixtures.js'` for its side effect. It defines
 * `globalThis.wasmFixtures` (and works in Node too: `require`/`import` then read globalThis).
 *
 *   const { build, exportedMemory, importedMemory, computeOnly } = wasmFixtures;
 *   exportedMemory({ name: 'O', initial: 1, maximum: 100 })  // Uint8Array: defines + exports a memory
 *   importedMemory({ module: 'env', name: 'memory', initial: 1, maximum: 100, shared: false })
 *   computeOnly()                                            // no memory at all
 *
 * Every module with a memory exports these functions (besides the memory, if exported):
 *   grow(pages) -> old size in pages, or -1   (the in-wasm `memory.grow` instruction: no JS grow call)
 *   size()      -> current size in pages      (`memory.size`)
 *   store(addr, value) / load(addr) -> i32    (i32 store / load)
 * and every module (with or without memory) exports
 *   compute(x) -> x * x + 1                   (pure arithmetic, touches no memory)
 *
 * build(options) is the general form:
 *   { memory?: { initial, maximum?, shared?, import?: [module, name], export?: string | null },
 *     extraExports?: string[]    // extra names for `compute` (e.g. '__wbindgen_malloc')
 *     functionNames?: { grow?, size?, store?, load?, compute? } // rename function exports }
 */
(function (root) {
  'use strict';

  function u32(n) { // unsigned LEB128
    const out = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  }
  function str(s) {
    const bytes = Array.from(new TextEncoder().encode(s));
    return [...u32(bytes.length), ...bytes];
  }
  function section(id, payload) { return [id, ...u32(payload.length), ...payload]; }
  function vec(items) { return [...u32(items.length), ...items.flat()]; }
  function limits(m) {
    const shared = !!m.shared;
    const hasMax = m.maximum !== undefined && m.maximum !== null;
    if (shared && !hasMax) throw new Error('wasm-fixtures: a shared memory needs a maximum');
    const flags = (hasMax ? 1 : 0) | (shared ? 2 : 0);
    return [flags, ...u32(m.initial ?? 1), ...(hasMax ? u32(m.maximum) : [])];
  }

  const I32 = 0x7f;
  const TYPES = [
    [0x60, 1, I32, 1, I32], // 0: (i32) -> i32   grow, load, compute
    [0x60, 0, 1, I32], // 1: () -> i32          size
    [0x60, 2, I32, I32, 0], // 2: (i32, i32) -> ()  store
  ];
  const BODIES = {
    grow: { type: 0, code: [0x20, 0x00, 0x40, 0x00, 0x0b] }, // local.get 0; memory.grow 0
    size: { type: 1, code: [0x3f, 0x00, 0x0b] }, // memory.size 0
    store: { type: 2, code: [0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b] }, // i32.store
    load: { type: 0, code: [0x20, 0x00, 0x28, 0x02, 0x00, 0x0b] }, // i32.load
    compute: { type: 0, code: [0x20, 0x00, 0x20, 0x00, 0x6c, 0x41, 0x01, 0x6a, 0x0b] }, // x*x+1
  };

  function build(options) {
    const o = options || {};
    const mem = o.memory || null;
    const names = o.functionNames || {};
    const fnList = mem ? ['grow', 'size', 'store', 'load', 'compute'] : ['compute'];
    const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    bytes.push(...section(1, vec(TYPES)));
    if (mem && mem.import) {
      const [m, n] = mem.import;
      bytes.push(...section(2, vec([[...str(m), ...str(n), 0x02, ...limits(mem)]])));
    }
    bytes.push(...section(3, vec(fnList.map((f) => u32(BODIES[f].type)))));
    if (mem && !mem.import) bytes.push(...section(5, vec([limits(mem)])));
    const exports = [];
    fnList.forEach((f, i) => exports.push([...str(names[f] || f), 0x00, ...u32(i)]));
    const computeIndex = fnList.indexOf('compute');
    for (const extra of o.extraExports || []) exports.push([...str(extra), 0x00, ...u32(computeIndex)]);
    if (mem) {
      const exportName = mem.export === undefined ? (mem.import ? null : 'memory') : mem.export;
      if (exportName !== null) exports.push([...str(exportName), 0x02, 0x00]);
    }
    bytes.push(...section(7, vec(exports)));
    bytes.push(...section(10, vec(fnList.map((f) => {
      const body = [0x00, ...BODIES[f].code]; // no locals
      return [...u32(body.length), ...body];
    }))));
    return new Uint8Array(bytes);
  }

  /** A module that defines its own memory and exports it under `name` (default 'memory'). */
  function exportedMemory(opts) {
    const p = opts || {};
    return build({ memory: { initial: p.initial ?? 1, maximum: p.maximum, shared: p.shared, export: p.name ?? 'memory' }, extraExports: p.extraExports });
  }
  /** A module that imports its memory as (module, name); `reexport` also exports it. */
  function importedMemory(opts) {
    const p = opts || {};
    return build({
      memory: { initial: p.initial ?? 1, maximum: p.maximum, shared: p.shared, import: [p.module ?? 'env', p.name ?? 'memory'], export: p.reexport ?? null },
      extraExports: p.extraExports,
    });
  }
  /** A module with no memory: only `compute`. */
  function computeOnly(opts) {
    return build({ extraExports: (opts || {}).extraExports });
  }

  const api = Object.freeze({ build, exportedMemory, importedMemory, computeOnly, PAGE: 65536 });
  root.wasmFixtures = api;
})(typeof globalThis !== 'undefined' ? globalThis : self);
