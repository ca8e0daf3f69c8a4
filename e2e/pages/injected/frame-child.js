// The child frame's own memory (its own realm, its own injected core).
window.childMemory = new WebAssembly.Memory({ initial: 7 });
window.childReady = true;
