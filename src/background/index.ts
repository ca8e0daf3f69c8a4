console.debug('[wasm-memory] background');
