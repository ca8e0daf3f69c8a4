// Every way a page can make or obtain a WebAssembly.Memory. The spec calls these one by one
// and checks the events the injected core sent. Objects are kept in window.keep (alive).
const F = globalThis.wasmFixtures;
window.keep = {};
window.paths = {
  memoryConstructor() {
    keep.ctor = new WebAssembly.Memory({ initial: 2, maximum: 10 });
    return keep.ctor.buffer.byteLength;
  },
  async instantiateBytes() {
    const r = await WebAssembly.instantiate(F.exportedMemory({ name: 'O', initial: 3, maximum: 100 }));
    keep.bytes = r;
    return Object.keys(r.instance.exports);
  },
  async instantiateModuleImported() {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 8 });
    const mod = new WebAssembly.Module(F.importedMemory({ initial: 1, maximum: 8 }));
    const inst = await WebAssembly.instantiate(mod, { env: { memory: mem } });
    keep.imported = { mem, mod, inst };
    return inst instanceof WebAssembly.Instance;
  },
  async instantiateStreaming() {
    const r = await WebAssembly.instantiateStreaming(fetch('/e2e/pages/injected/exported-memory.wasm'));
    keep.streaming = r;
    return Object.keys(r.instance.exports);
  },
  async compileStreamingThenInstantiate() {
    const mod = await WebAssembly.compileStreaming(fetch('/e2e/pages/injected/imported-memory.wasm'));
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 64 });
    const inst = await WebAssembly.instantiate(mod, { env: { memory: mem } });
    keep.compileStreaming = { mod, mem, inst };
    return true;
  },
  async compileThenInstantiate() {
    const mod = await WebAssembly.compile(F.exportedMemory({ name: 'heap', initial: 4 }));
    const inst = await WebAssembly.instantiate(mod);
    keep.compile = { mod, inst };
    return Object.keys(inst.exports);
  },
  moduleAndInstance() {
    const mod = new WebAssembly.Module(F.exportedMemory({ name: 'm', initial: 5 }));
    const inst = new WebAssembly.Instance(mod);
    keep.sync = { mod, inst };
    return inst.exports.size();
  },
  helper() {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(F.computeOnly()));
    keep.helper = inst;
    return inst.exports.compute(7);
  },
  sameModuleTwice() {
    const mod = new WebAssembly.Module(F.exportedMemory({ name: 'twice', initial: 1 }));
    keep.twice = [new WebAssembly.Instance(mod), new WebAssembly.Instance(mod)];
    return true;
  },
  growInWasm() {
    return keep.sync.inst.exports.grow(3); // memory.grow instruction: no JS grow call
  },
  growFromJs: function growFromJsNamed() {
    return keep.ctor.grow(1);
  },
  subclass() {
    class Mem extends WebAssembly.Memory {}
    keep.sub = new Mem({ initial: 1 });
    return keep.sub instanceof Mem && keep.sub instanceof WebAssembly.Memory;
  },
  shared() {
    keep.shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(F.importedMemory({ initial: 1, maximum: 4, shared: true })), { env: { memory: keep.shared } });
    keep.sharedInst = inst;
    return inst.exports.grow(2); // in wasm: a shared memory gets a new, longer buffer
  },
  dropMemory() {
    keep.dropped = undefined;
    (() => { new WebAssembly.Memory({ initial: 1 }); })();
    return true;
  },
};
