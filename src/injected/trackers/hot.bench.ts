// Micro-benchmark of the wasm-bindgen hot path (pointer-field setter + free-export wrapper) in Node:
//   npx vitest bench --run src/injected/trackers/hot.bench.ts
import { bench, describe } from 'vitest';
import { BindgenTracker } from './bindgen';
import { freeExportWrappers, hookPointerFields } from './bindgen-hooks';
import { replaceExports } from './exports';

const tracker = new BindgenTracker({ now: () => 0, stack: () => 'stack', emit: () => undefined });
let next = 8;
const raw = Object.freeze({ bbox_new: () => (next += 8) & 0xffff, __wbg_bbox_free: (p: number) => p }) as unknown as WebAssembly.Exports;
const wasmPlain = raw as unknown as Record<string, (...a: number[]) => number>;
const wasmHooked = replaceExports(raw, freeExportWrappers(raw, 'm', tracker)) as unknown as Record<string, (...a: number[]) => number>;
class Base {}
hookPointerFields(Base.prototype, tracker);
class Plain {
  declare __wbg_ptr: number;
  static __wrap(ptr: number) { const o = Object.create(Plain.prototype) as Plain; o.__wbg_ptr = ptr; return o; }
  free() { const p = this.__wbg_ptr; this.__wbg_ptr = 0; wasmPlain.__wbg_bbox_free!(p); }
}
class Hooked extends Base {
  declare __wbg_ptr: number;
  static __wrap(ptr: number) { const o = Object.create(Hooked.prototype) as Hooked; o.__wbg_ptr = ptr; return o; }
  free() { const p = this.__wbg_ptr; this.__wbg_ptr = 0; wasmHooked.__wbg_bbox_free!(p); }
}
describe('create+free', () => {
  bench('plain', () => { for (let i = 0; i < 1000; i++) Plain.__wrap(wasmPlain.bbox_new!()).free(); });
  bench('hooked', () => { for (let i = 0; i < 1000; i++) Hooked.__wrap(wasmHooked.bbox_new!()).free(); tracker.tick(); });
});
