// Wait until the extension's content scripts are registered: on a fresh profile the service
// worker registers them at start-up (src/background/content-scripts.ts), so a page loaded before
// that would run without the extension. Every launcher of the built extension (e2e fixtures,
// `wasm-memory record`, the demo, the benchmarks) awaits this before loading a page.
//
// `sw` is Playwright's (or Puppeteer's) handle of the extension's service worker. Resolves to the
// number of scripts registered (2 with the default settings; 0 when the user turned every site off).
export async function waitForContentScripts(sw) {
  // The worker's start-up script may not have run yet (a debugger attached at its start sees a
  // bare global, without even setTimeout): ask until it has, from here.
  const started = () =>
    sw.evaluate(() => {
      if (globalThis.wasmMemoryReady !== undefined) return 'registering';
      // A build that declares them in its manifest (before 2026-12) has nothing to wait for.
      return globalThis.chrome?.runtime?.getManifest?.().content_scripts ? 'declared' : 'starting';
    });
  const deadline = Date.now() + 10_000;
  let state = await started();
  while (state === 'starting') {
    if (Date.now() > deadline) throw new Error('the extension did not start registering its content scripts within 10 s');
    await new Promise((r) => setTimeout(r, 10));
    state = await started();
  }
  if (state === 'declared') return sw.evaluate(() => globalThis.chrome.runtime.getManifest().content_scripts.length);
  return sw.evaluate(() => globalThis.wasmMemoryReady);
}
