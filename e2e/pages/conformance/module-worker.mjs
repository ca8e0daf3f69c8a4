// Module worker for the conformance suite: sets onmessage at top level; early messages must arrive.
import '../wasm-fixtures.js';
const seen = [];
self.onmessage = (ev) => {
  seen.push(ev.data);
  if (ev.data === 'report') postMessage({ seen, fixtures: typeof wasmFixtures, metaUrl: import.meta.url.replace(/^.*\/e2e\//, '/e2e/'), location: self.location.pathname, locationIsMeta: self.location.href === import.meta.url });
};
