// A page that makes a million objects and a million wasm calls, plus exactly known numbers of
// memories and JS growths: the injected core must send few messages and exact counts.
window.burst = function burst(memories, grows) {
  const t0 = performance.now();
  const objects = [];
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasmFixtures.computeOnly()));
  let sum = 0;
  for (let i = 0; i < 1_000_000; i++) {
    objects.push({ i });
    sum += exports.compute(i & 1023);
  }
  const mems = [];
  for (let i = 0; i < memories; i++) mems.push(new WebAssembly.Memory({ initial: 0, maximum: 1 }));
  const big = new WebAssembly.Memory({ initial: 0, maximum: grows + 1 });
  for (let i = 0; i < grows; i++) big.grow(1);
  window.keepBurst = { mems, big };
  return { objects: objects.length, sum, ms: performance.now() - t0 };
};

// Micro-benchmarks of the hooked hot paths (reported by the spec, with and without us).
window.bench = function bench() {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasmFixtures.exportedMemory({ initial: 1, maximum: 2 })));
  const N = 1_000_000;
  let t = performance.now();
  let x = 0;
  for (let i = 0; i < N; i++) x += inst.exports.compute(i & 7);
  const exportsGetterMs = performance.now() - t;
  const m = inst.exports.memory;
  t = performance.now();
  for (let i = 0; i < 100_000; i++) m.grow(0);
  const grow0Ms = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 100; i++) new WebAssembly.Memory({ initial: 0 }); // >~120 live at once exhaust address space here
  const newMemoryMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 1000; i++) new WebAssembly.Instance(new WebAssembly.Module(wasmFixtures.computeOnly()));
  const moduleInstanceMs = performance.now() - t;
  return { x, exportsGetterMs, grow0Ms, newMemoryMs, moduleInstanceMs };
};
