// Test-only observer, added with page.addInitScript: listens for the injected core's `connect`
// message (the page can legitimately see it), acknowledges it like the content script does, and
// records every batch sent on the port into window.__wm. Works with or without the real
// content script (whose ack is identical; the core takes the first).
(() => {
  const wm = { connects: 0, acks: 0, batches: [], events: [], dropped: 0 };
  Object.defineProperty(window, '__wm', { value: wm, configurable: true });
  window.addEventListener('message', (ev) => {
    const d = ev.data;
    if (ev.source !== window || !d || d.source !== 'wasm-memory-injected' || d.kind !== 'connect') return;
    wm.connects++;
    const port = ev.ports[0];
    if (!port) return;
    port.onmessage = (e) => {
      const m = e.data;
      if (!m || m.kind !== 'batch') return;
      wm.batches.push({ n: m.events.length, dropped: m.dropped, other: m.events.filter((x) => x.t !== 'sample').length });
      for (const x of m.events) wm.events.push(x);
      wm.dropped = m.dropped;
    };
    port.postMessage({ kind: 'ack', v: d.v });
    wm.acks++;
  });
})();
