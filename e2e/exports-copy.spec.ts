/**
 * The exports object a page gets from a rewritten module (src/injected/core/hidden-exports.ts):
 * our counters are not in it, and it keeps fast properties as the real one has. Glue reads
 * `wasm.foo` on every call; in a dictionary-mode copy each read is a hash lookup (the copy made by
 * spread-then-delete was one in Chromium 156: about 6 % of photon's create/grayscale/free loop).
 * V8's %HasFastProperties needs --allow-natives-syntax, so this spec runs with it.
 */
import { expect, test } from './fixtures';

test.use({ chromiumArgs: ['--js-flags=--allow-natives-syntax'] });

for (const tracking of [true, false]) {
  test(`photon 0.3.11 (152 exports), allocation tracking ${tracking ? 'on' : 'off'}: instance.exports has no hidden export and fast properties`, async ({
    page,
    context,
  }) => {
    if (!tracking) {
      const sw = context.serviceWorkers()[0]!;
      await sw.evaluate((key) => chrome.storage.local.set({ [key]: false }), 'wasmMemory.allocationTracking');
    }
    await page.goto('/e2e/pages/blank.html');
    const r = await page.evaluate(async () => {
      const base = new URL('/node_modules/@silvia-odwyer/photon/', location.href);
      const src = await (await fetch(new URL('photon_rs_bg.js', base))).text();
      const glue = src.replace("import * as wasm from './photon_rs_bg.wasm';", 'let wasm; export function __wbg_set_wasm(w) { wasm = w; }');
      const bg = (await import(URL.createObjectURL(new Blob([glue], { type: 'text/javascript' })))) as WebAssembly.ModuleImports;
      const bytes = await (await fetch(new URL('photon_rs_bg.wasm', base))).arrayBuffer();
      const { instance, module } = await WebAssembly.instantiate(bytes, { './photon_rs_bg.js': bg });
      const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
      const ex = instance.exports;
      return {
        keys: Object.keys(ex),
        declared: WebAssembly.Module.exports(module).map((d) => d.name),
        fast: fast(ex),
        frozen: Object.isFrozen(ex),
        nullProto: Object.getPrototypeOf(ex) === null,
        // the page's own exports object, as a control: a spread of it is fast too
        spreadFast: fast({ ...ex }),
      };
    });
    expect(r.keys).toHaveLength(152);
    expect(r.keys).toEqual(r.declared);
    expect(r.keys.some((k) => k.startsWith('__wasm_memory$'))).toBe(false);
    expect(r).toMatchObject({ frozen: true, nullProto: true, spreadFast: true });
    expect(r.fast).toBe(true);
  });
}
