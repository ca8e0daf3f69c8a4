// A worker with a wasm memory of its own (so it reports every second), which on 'busy' runs one
// synchronous task of `ms` milliseconds: its parent hears nothing from it meanwhile.
const keep = new WebAssembly.Memory({ initial: 1 });
self.keep = keep;
self.onmessage = (e) => {
  if (e.data?.busy) {
    const until = Date.now() + e.data.busy;
    while (Date.now() < until);
  }
  postMessage({ done: true, bytes: keep.buffer.byteLength });
};
postMessage({ ready: true });
