// The page's own classic worker: loads a helper with importScripts (a string: with Trusted Types
// enforced in this worker that would throw), makes a wasm memory and grows it.
importScripts('/e2e/pages/csp/helper.js');
self.onmessage = () => {
  const m = new WebAssembly.Memory({ initial: 2, maximum: 64 });
  m.grow(2);
  self.keep = m;
  postMessage({ bytes: m.buffer.byteLength, helper: self.helperLoaded === true, location: self.location.href });
};
