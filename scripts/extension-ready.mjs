// Wait until the extension's content scripts are registered: on a fresh profile the service
// worker registers them at start-up (src/background/content-scripts.ts), so a page loaded before
// that would run without the extension. Every launcher of the built extension (e2e fixtures,
// `wasm-memory record`, the demo, the benchmarks) awaits this before loading a page.
//
// `sw` is Playwright's (or Puppeteer's) handle of the extension's service worker. Resolves to the
// number of scripts registered (2 with the default settings; 0 when the user turned every site off).
export async function waitForContentScripts(sw) {
  return sw.evaluate(async () => {
    // A build that declares them in its manifest (before 2026-12) has nothing to wait for.
    const declared = globalThis.chrome.runtime.getManifest().content_scripts;
    if (declared) return declared.length;
    // The worker sets wasmMemoryReady when its start-up script runs, which this evaluation may precede.
    for (let i = 0; i < 1000 && globalThis.wasmMemoryReady === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    if (globalThis.wasmMemoryReady === undefined)
      throw new Error('the extension did not start registering its content scripts within 10 s');
    return globalThis.wasmMemoryReady;
  });
}
