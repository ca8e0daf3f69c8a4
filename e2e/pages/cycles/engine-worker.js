// An engine worker (classic): a 6 MiB WebAssembly engine that works when asked. Loaded by
// watchdog.html and worker-pool.html from its URL, or from a blob: URL the page made of this
// text (so it imports the fixtures by absolute URL: a blob: script has no base to resolve a
// relative one against).
importScripts(`${self.location.origin}/e2e/pages/wasm-fixtures.js`);
const { exportedMemory, PAGE } = self.wasmFixtures;
const engine = new WebAssembly.Instance(new WebAssembly.Module(exportedMemory({ initial: (6 * 1024 * 1024) / PAGE, maximum: 1024 })), {});
let jobs = 0;
self.onmessage = (e) => {
  if (e.data === 'work') {
    // A job: the engine takes one more page (memory.grow inside wasm) and uses it.
    const old = engine.exports.grow(1);
    engine.exports.store(old * PAGE, ++jobs);
    self.postMessage({ jobs, pages: engine.exports.size() });
  }
};
self.postMessage({ ready: true, pages: engine.exports.size() });
