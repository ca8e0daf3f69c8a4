// The page's own module worker (same as worker.js).
import '/e2e/pages/csp/helper.js';
self.onmessage = () => {
  const m = new WebAssembly.Memory({ initial: 2, maximum: 64 });
  m.grow(2);
  self.keep = m;
  postMessage({ bytes: m.buffer.byteLength, helper: self.helperLoaded === true, location: self.location.href });
};
