console.debug('[wasm-memory] injected');
