// A module worker: static import (relative to this module), a memory, a growth inside wasm.
import '../wasm-fixtures.js';
const { instance } = await WebAssembly.instantiate(globalThis.wasmFixtures.exportedMemory({ name: 'modmem', initial: 3 }));
globalThis.keep = instance;
instance.exports.grow(2);
postMessage({ done: true, bytes: instance.exports.modmem.buffer.byteLength, url: import.meta.url });
self.onmessage = (ev) => {
  if (ev.data === 'close') self.close(); // ends the realm from inside
};
