// Builds the two content scripts into dist/ (run after `vite build`; npm run build:ext does):
//   dist/src/injected/index.iife.js  MAIN world: the page-side hooks (src/injected/)
//   dist/src/content/index.iife.js   ISOLATED world: the relay (src/content/)
//   dist/src/injected/strict-hint.iife.js  MAIN world, before the injected bundle on remembered
//                                    strict sites only (src/shared/strict-sites.ts)
// They are not declared in manifest.json: the service worker registers them at run time with
// chrome.scripting.registerContentScripts, for the sites the user chose (src/background/
// content-scripts.ts, whose CONTENT_SCRIPT_FILES are these paths).
//
// The injected bundle is wrapped in a named function,
//   (function wasmMemoryInjected() { ...bundle... })();
// so that it can read its own source text for the workers it instruments
// (src/injected/core/self-source.ts) and nothing of the extension is web-accessible.
import { build } from 'rolldown';
import { readFileSync, writeFileSync } from 'node:fs';

const NAME = 'wasmMemoryInjected'; // BUNDLE_FUNCTION_NAME in self-source.ts
const SCRIPTS = [
  { input: 'src/injected/index.iife.ts', file: 'dist/src/injected/index.iife.js', wrap: true },
  { input: 'src/content/index.iife.ts', file: 'dist/src/content/index.iife.js', wrap: false },
  // runs before the injected bundle on remembered strict sites (src/shared/strict-sites.ts)
  { input: 'src/injected/strict-hint.iife.ts', file: 'dist/src/injected/strict-hint.iife.js', wrap: false },
];

try {
  for (const s of SCRIPTS) {
    await build({
      input: s.input,
      platform: 'browser',
      logLevel: 'warn',
      transform: { target: 'chrome111' },
      output: { file: s.file, format: 'iife', minify: true },
      write: true,
    });
    let code = readFileSync(s.file, 'utf8');
    if (s.wrap) {
      code = `(function ${NAME}() {\n${code}\n})();\n`;
      writeFileSync(s.file, code);
    }
    console.log(`build-content-scripts: ${s.file} (${code.length} characters${s.wrap ? `, wrapped in function ${NAME}` : ''})`);
  }
} catch (e) {
  console.error(`build-content-scripts: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
