// Wraps the built injected bundle (dist/src/injected/index.iife.js) in a named function,
//   (function wasmMemoryInjected() { ...bundle... })();
// so that the bundle can read its own source text for the workers it instruments
// (src/injected/core/self-source.ts) and nothing of the extension is web-accessible.
// Run after `vite build` (npm run build:ext does).
import { readFileSync, writeFileSync } from 'node:fs';

const FILE = 'dist/src/injected/index.iife.js';
const NAME = 'wasmMemoryInjected'; // BUNDLE_FUNCTION_NAME in self-source.ts
let code;
try {
  code = readFileSync(FILE, 'utf8');
} catch (e) {
  console.error(`wrap-injected: cannot read ${FILE}: ${e instanceof Error ? e.message : e} (run vite build first)`);
  process.exit(1);
}
if (code.startsWith(`(function ${NAME}(`)) {
  console.log(`wrap-injected: ${FILE} already wrapped`);
} else {
  writeFileSync(FILE, `(function ${NAME}() {\n${code}\n})();\n`);
  console.log(`wrap-injected: ${FILE} wrapped in function ${NAME} (${code.length} characters)`);
}
