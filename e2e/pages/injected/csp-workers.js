// Start a worker and report whether it answered (or failed), e.g. under a CSP without blob:.
window.tryWorker = () => new Promise((resolve) => {
  const w = new Worker('/e2e/pages/injected/worker-wasm.js');
  w.onmessage = (ev) => resolve({ ok: true, bytes: ev.data.bytes });
  w.onerror = () => resolve({ ok: false });
  w.postMessage('go');
});
