/*
 * exercise.js: what the hostile page (window) and its worker both do with WebAssembly, written
 * for a realm whose built-in methods are tripwires (poison.js): saved originals only, index
 * loops, `await` (which never looks up `then`) instead of promise methods.
 *
 *   await hostileExercise(label) -> { memories: [{ label, bytes }], promiseSource }
 *     every memory made, with its final size; what compileStreaming(a promise) did
 * Memories are kept alive in `globalThis.keep`.
 */
(function (root) {
  'use strict';
  const base = '/e2e/pages/injected/';
  const PAGE = 65536;

  async function bytesOf(url) {
    const r = await fetch(url);
    return new Uint8Array(await r.arrayBuffer());
  }

  async function hostileExercise(label) {
    const out = [];
    const keep = (root.keep = root.keep || []);
    const note = (name, memory) => {
      keep[keep.length] = memory;
      out[out.length] = { label: label + ' ' + name, bytes: memory.buffer.byteLength };
    };
    const exported = await bytesOf(base + 'exported-memory.wasm');

    // sync: new Module + new Instance; grown by JS and by the in-wasm memory.grow
    const sync = new WebAssembly.Instance(new WebAssembly.Module(exported), {});
    sync.exports.mem0.grow(1);
    sync.exports.grow(2);
    sync.exports.store(3 * PAGE, 7);
    note('sync', sync.exports.mem0);

    // a JS-made memory, imported, grown both ways
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 64 });
    const imported = await WebAssembly.instantiate(await bytesOf(base + 'imported-memory.wasm'), { env: { memory } });
    memory.grow(3);
    imported.instance.exports.grow(1);
    note('imported', memory);

    // async: compile, then instantiate the module; instantiate from bytes
    const compiled = await WebAssembly.compile(exported);
    const fromModule = await WebAssembly.instantiate(compiled, {});
    fromModule.exports.grow(4);
    note('compile+instantiate', fromModule.exports.mem0);
    const fromBytes = await WebAssembly.instantiate(exported, {});
    fromBytes.instance.exports.mem0.grow(5);
    note('instantiate(bytes)', fromBytes.instance.exports.mem0);

    // streaming: instantiateStreaming and compileStreaming of a fetch (a promise the page made)
    const streamed = await WebAssembly.instantiateStreaming(await fetch(base + 'exported-memory.wasm'), {});
    streamed.instance.exports.grow(6);
    note('instantiateStreaming', streamed.instance.exports.mem0);
    const streamedModule = await WebAssembly.compileStreaming(await fetch(base + 'exported-memory.wasm'));
    const fromStreamed = new WebAssembly.Instance(streamedModule, {});
    fromStreamed.exports.mem0.grow(7);
    note('compileStreaming', fromStreamed.exports.mem0);

    // a module with an allocator (the demo's Rust engine): its heap is counted inside wasm
    const engine = (await WebAssembly.instantiateStreaming(await fetch('/demo/dist/engine.wasm'), {})).instance.exports;
    const text = new TextEncoder().encode('alpha beta gamma\n'.repeat(20000));
    const at = engine.engine_alloc(text.length);
    new Uint8Array(engine.memory.buffer, at, text.length).set(text);
    if (engine.engine_open(text.length) !== 0) throw new Error('engine_open failed');
    note('engine', engine.memory);
    // A promise as the streaming source: Chromium resolves a promise of its own with it, which
    // calls the page's `then` (a tripwire here): it rejects, with the extension as without.
    let promiseSource;
    try {
      const m = await WebAssembly.compileStreaming(fetch(base + 'exported-memory.wasm'));
      promiseSource = 'compiled: ' + (m instanceof WebAssembly.Module);
    } catch (e) {
      promiseSource = 'rejected: ' + String(e);
    }
    return { memories: out, promiseSource };
  }
  root.hostileExercise = hostileExercise;
})(globalThis);
