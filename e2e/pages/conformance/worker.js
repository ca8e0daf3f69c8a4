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
};
const firstMessages = [];
self.onmessage = async (ev) => {
  firstMessages.push(ev.data);
  if (ev.data === 'go') {
    const r = await fetch('worker-data.txt'); // relative fetch
    obs.fetched = (await r.text()).trim();
    const inst = await WebAssembly.instantiate(wasmFixtures.exportedMemory({ initial: 2 }));
    obs.grew = inst.instance.exports.grow(1);
    obs.firstMessages = firstMessages.slice();
    obs.portsOnFirst = ev.ports.length;
    postMessage(obs);
  }
};
