// A worker that starts a nested worker by a relative URL (resolved against THIS script's URL).
const inner = new Worker('worker-wasm.js');
inner.onmessage = (ev) => postMessage({ nested: ev.data });
inner.onerror = (ev) => postMessage({ error: ev.message || 'nested worker error' });
inner.postMessage('go');
