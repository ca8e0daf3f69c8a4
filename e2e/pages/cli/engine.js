/*
 * A toy "document engine" for the CLI e2e pages, built from wasm-fixtures.js: each engine is a
 * wasm instance with its own exported memory; loading a file grows that memory in wasm
 * (memory.grow, as Rust/wasm-bindgen apps do) and writes into it.
 *
 *   cliEngine.newEngine()            -> engine
 *   cliEngine.loadFile(engine, pages)   grow the engine's memory to hold a file of `pages` pages
 *   cliEngine.status(text)              shows progress in #status (tests wait on it)
 */
(function (root) {
  'use strict';
  const bytes = root.wasmFixtures.exportedMemory({ initial: 1, maximum: 1024 });
  const module = new WebAssembly.Module(bytes);

  function newEngine() {
    const instance = new WebAssembly.Instance(module, {});
    return { exports: instance.exports, files: 0 };
  }

  function loadFile(engine, pages) {
    const e = engine.exports;
    const have = e.size();
    if (have < pages + 1 && e.grow(pages + 1 - have) < 0) throw new Error('engine: out of memory');
    // Touch every page of the "file" so the memory is really used.
    for (let p = 0; p < pages; p++) e.store((p + 1) * 65536, engine.files * 1000 + p);
    engine.files += 1;
  }

  function status(text) {
    const el = document.getElementById('status');
    if (el) el.textContent = text;
  }

  root.cliEngine = { newEngine, loadFile, status };
})(globalThis);
