console.debug('[wasm-memory] content');
