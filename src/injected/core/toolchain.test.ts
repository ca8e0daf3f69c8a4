import { describe, expect, it } from 'vitest';
import { detectToolchain } from './toolchain';

describe('detectToolchain', () => {
  it('recognises wasm-bindgen by its exports or imports', () => {
    expect(detectToolchain(['memory', 'tiktoken_new', '__wbg_tiktoken_free', '__wbindgen_malloc'], [])).toBe('wasm-bindgen');
    expect(detectToolchain(['memory', 'run'], ['__wbg_log_12ab', '__wbindgen_throw'])).toBe('wasm-bindgen');
  });
  it('recognises unminified Emscripten with two signals, not one', () => {
    expect(
      detectToolchain(
        ['memory', 'malloc', 'free', 'stackSave', 'stackRestore', '__errno_location'],
        ['emscripten_resize_heap', 'fd_write'],
      ),
    ).toBe('emscripten');
    expect(detectToolchain(['stackSave'], [])).toBe('unknown');
  });
  it('leaves minified or plain modules unknown', () => {
    expect(detectToolchain(['O', 'P', 'Q'], ['a', 'b'])).toBe('unknown');
    expect(detectToolchain(['grow', 'size', 'compute', 'memory'], [])).toBe('unknown');
  });
});
