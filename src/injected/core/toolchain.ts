/** Which toolchain produced a module, as far as its export and import names tell. Pure. */

export type Toolchain = 'wasm-bindgen' | 'emscripten' | 'unknown';

const BINDGEN = /^__wbindgen_|^__wbg_|^__externref_|^__wbgtest_/;
const EMSCRIPTEN_EXPORTS =
  /^_?emscripten_|^stackSave$|^stackRestore$|^stackAlloc$|^__errno_location$|^_?emscripten_stack_|^__wasm_call_ctors$|^dynCall_/;
const EMSCRIPTEN_IMPORTS = /^_?emscripten_|^__syscall_|^_embind_|^fd_write$|^invoke_/;

export function detectToolchain(exportNames: readonly string[], importNames: readonly string[]): Toolchain {
  for (let i = 0; i < exportNames.length; i++) if (BINDGEN.test(exportNames[i]!)) return 'wasm-bindgen';
  for (let i = 0; i < importNames.length; i++) {
    const n = importNames[i]!;
    if (n.startsWith('__wbg_') || n.startsWith('__wbindgen_')) return 'wasm-bindgen';
  }
  let emscripten = 0;
  for (let i = 0; i < exportNames.length; i++) if (EMSCRIPTEN_EXPORTS.test(exportNames[i]!)) emscripten++;
  for (let i = 0; i < importNames.length; i++) if (EMSCRIPTEN_IMPORTS.test(importNames[i]!)) emscripten++;
  return emscripten >= 2 ? 'emscripten' : 'unknown';
}
