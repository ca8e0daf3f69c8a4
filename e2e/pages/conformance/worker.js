// Conformance worker: reports what a worker script sees (relative URLs, WebAssembly, messages).
importScripts('../wasm-fixtures.js'); // relative: must resolve against THIS script's URL
const fp = Function.prototype.toString;
const obs = {
  fixtures: typeof wasmFixtures,
  memoryName: WebAssembly.Memory.name,
  memoryString: fp.call(WebAssembly.Memory),
  growString: fp.call(WebAssembly.Memory.prototype.grow),
  toStringString: fp.call(fp),
  globalsWithWasm: Object.getOwnPropertyNames(self).filter((n) => /wasm/i.test(n)),
  ctorIdentity: new WebAssembly.Memory({ initial: 1 }).constructor === WebAssembly.Memory,
  // self.location is this script's URL (libraries derive asset URLs from it)
  location: (() => { try {
    const parts = ['href', 'origin', 'protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];
    const l = self.location;
    const href = Object.getOwnPropertyDescriptor(WorkerLocation.prototype, 'href');
    let foreign;
    try { href.get.call({}); } catch (e) { foreign = `${e.name}: ${e.message}`; }
    return {
      values: Object.fromEntries(parts.map((k) => [k, l[k]])),
      string: String(l),
      toStringCall: l.toString(),
      json: JSON.stringify({ l }),
      sameObject: self.location === l && l instanceof WorkerLocation,
      resolved: new URL('worker-data.txt', self.location).href,
      request: new Request('worker-data.txt').url,
      eventSource: (() => { const es = new EventSource('worker-data.txt'); es.close(); return es.url; })(),
      webSocket: (() => { const ws = new WebSocket('no-socket-here'); ws.onerror = () => {}; ws.close(); return ws.url; })(),
      requestSubclass: (() => { class R extends Request {} const r = new R('worker-data.txt'); return [r instanceof R, r instanceof Request, r.url]; })(),
      getter: { name: href.get.name, length: href.get.length, text: fp.call(href.get), enumerable: href.enumerable, configurable: href.configurable, set: href.set },
      foreign,
      ownKeys: Reflect.ownKeys(WorkerLocation.prototype).map(String),
      requestCtor: { name: Request.name, length: Request.length, text: fp.call(Request), ctor: Request.prototype.constructor === Request },
    };
  } catch (e) { return { error: `${e.name}: ${e.message}` }; } })(),
};
const firstMessages = [];
self.onmessage = async (ev) => {
  firstMessages.push(ev.data);
  if (ev.data === 'go') {
    const r = await fetch('worker-data.txt'); // relative fetch
    obs.fetched = (await r.text()).trim();
    // Emscripten's way to find its .wasm from a worker: the directory of self.location.href
    const href = self.location.href;
    const scriptDirectory = href.slice(0, href.replace(/[?#].*/, '').lastIndexOf('/') + 1);
    try {
      obs.fetchedFromScriptDirectory = (await (await fetch(scriptDirectory + 'worker-data.txt')).text()).trim();
    } catch (e) {
      obs.fetchedFromScriptDirectory = `${e.name}: ${e.message} (${scriptDirectory})`;
    }
    const inst = await WebAssembly.instantiate(wasmFixtures.exportedMemory({ initial: 2 }));
    obs.grew = inst.instance.exports.grow(1);
    obs.firstMessages = firstMessages.slice();
    obs.portsOnFirst = ev.ports.length;
    postMessage(obs);
  }
};
