// A classic worker that makes a memory, grows it inside wasm and from JS, then says 'done'.
importScripts('../wasm-fixtures.js');
self.onmessage = (ev) => {
  if (ev.data !== 'go') return;
  WebAssembly.instantiate(wasmFixtures.exportedMemory({ name: 'wmem', initial: 2 })).then(function workerInstantiated({ instance }) {
    self.keep = instance;
    instance.exports.grow(1); // in wasm
    (function growInWorker() { instance.exports.wmem.grow(1); })(); // from JS
    postMessage({ done: true, bytes: instance.exports.wmem.buffer.byteLength, href: String(self.location.href).slice(0, 5) });
  });
};
