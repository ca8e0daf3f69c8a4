// Loaders for the real third-party npm packages used by the third-party e2e pages and the
// overhead benchmark. Each does what the package's bundler integration would do in an app.

/** tiktoken 1.0.22 (wasm-bindgen 0.2.100), bundler target: instantiate tiktoken_bg.wasm as a bundler would. */
export async function loadTiktoken() {
  const bg = await import('/node_modules/tiktoken/lite/tiktoken_bg.js');
  const { instance } = await WebAssembly.instantiateStreaming(
    fetch('/node_modules/tiktoken/lite/tiktoken_bg.wasm'),
    { './tiktoken_bg.js': bg },
  );
  bg.__wbg_set_wasm(instance.exports);
  return bg;
}

/** A tiny byte-level BPE (256 single-byte tokens) so that constructing an encoder is cheap. */
export function tinyEncoding() {
  const ranks = [];
  for (let i = 0; i < 256; i++) ranks.push(`${btoa(String.fromCharCode(i))} ${i}`);
  const pat = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
  return [ranks.join('\n'), { '<|endoftext|>': 256 }, pat];
}

/** @resvg/resvg-wasm 2.6.2 (wasm-bindgen 0.2.92): initWasm needs a fetch of the .wasm. */
export async function loadResvg() {
  const mod = await import('/node_modules/@resvg/resvg-wasm/index.mjs');
  await mod.initWasm(fetch('/node_modules/@resvg/resvg-wasm/index_bg.wasm'));
  return mod;
}

export const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect x="2" y="2" width="8" height="8" fill="teal"/></svg>';

/** sql.js 1.16 (Emscripten, minified exports). */
export async function loadSqlJs() {
  if (typeof globalThis.initSqlJs !== 'function') {
    await new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/node_modules/sql.js/dist/sql-wasm-browser.js';
      s.onload = resolve;
      s.onerror = () => reject(new Error('sql.js failed to load'));
      document.head.append(s);
    });
  }
  return globalThis.initSqlJs({ locateFile: (f) => `/node_modules/sql.js/dist/${f}` });
}

/** Report the page's own view of what it did, for the test to compare with the panel. */
export function done(result) {
  globalThis.pageResult = result;
  document.title = 'done';
}

/**
 * @silvia-odwyer/photon 0.3.11: old wasm-bindgen glue (`ptr` field, no FinalizationRegistry at
 * all), bundler target whose glue does `import * as wasm from './photon_rs_bg.wasm'`. Chromium
 * cannot import a .wasm file, so we do what a bundler does: give the (otherwise unchanged) glue
 * the instance's exports.
 */
export async function loadPhoton() {
  const base = new URL('/node_modules/@silvia-odwyer/photon/', location.href);
  const src = await (await fetch(new URL('photon_rs_bg.js', base))).text();
  const IMPORT = "import * as wasm from './photon_rs_bg.wasm';";
  if (!src.includes(IMPORT)) throw new Error('unexpected photon glue');
  const patched = `${src.replace(IMPORT, 'let wasm; export function __wbg_set_wasm(w) { wasm = w; }')}\n//# sourceURL=${new URL('photon_rs_bg.js', base)}`;
  const url = URL.createObjectURL(new Blob([patched], { type: 'text/javascript' }));
  const bg = await import(url);
  const { instance } = await WebAssembly.instantiateStreaming(fetch(new URL('photon_rs_bg.wasm', base)), { './photon_rs_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  return bg;
}
