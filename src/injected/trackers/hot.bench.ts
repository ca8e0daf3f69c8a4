// Micro-benchmark of the wasm-bindgen hot path (pointer-field setter + free-export wrapper) in Node,
// on a real (tiny) wasm module shaped like resvg's BBox (0.2.92: `__wrap` + registry):
//   npx vitest bench --run src/injected/trackers/hot.bench.ts
import { bench, describe } from 'vitest';
import { BindgenTracker } from './bindgen';
import { freeExportWrappers, hookPointerFields } from './bindgen-hooks';
import { replaceExports } from './exports';

const leb = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const str = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const sec = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
/** bbox_new() -> i32 (a counter stepping by 8), __wbg_bbox_free(i32, i32) -> () */
function tinyModule(): Uint8Array<ArrayBuffer> {
  const f0 = [0, 0x23, 0, 0x41, 8, 0x6a, 0x24, 0, 0x23, 0, 0x0b];
  const f1 = [0, 0x0b];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...sec(1, vec([[0x60, 0, 1, 0x7f], [0x60, 2, 0x7f, 0x7f, 0]])), ...sec(3, vec([[0], [1]])),
    ...sec(6, vec([[0x7f, 1, 0x41, 8, 0x0b]])), ...sec(7, vec([[...str('bbox_new'), 0, 0], [...str('__wbg_bbox_free'), 0, 1]])),
    ...sec(10, vec([[...leb(f0.length), ...f0], [...leb(f1.length), ...f1]]))]);
}
type Wasm = Record<string, (...a: number[]) => number>;
const instance = (): WebAssembly.Exports => new WebAssembly.Instance(new WebAssembly.Module(tinyModule())).exports;

const tracker = new BindgenTracker({ now: () => 0, stackLater: () => () => 'stack', emit: () => undefined });
const rawPlain = instance();
const rawHooked = instance();
const wasmPlain = rawPlain as unknown as Wasm;
const wasmHooked = replaceExports(rawHooked, freeExportWrappers(rawHooked, 'm', tracker)) as unknown as Wasm;
class Base {}
hookPointerFields(Base.prototype, tracker);
const reg = new FinalizationRegistry<number>(() => undefined);
const regHooked = new FinalizationRegistry<number>(() => undefined);
class Plain {
  declare __wbg_ptr: number;
  static __wrap(ptr: number) { const o = Object.create(Plain.prototype) as Plain; o.__wbg_ptr = ptr; reg.register(o, o.__wbg_ptr, o); return o; }
  free() { const p = this.__wbg_ptr; this.__wbg_ptr = 0; reg.unregister(this); wasmPlain.__wbg_bbox_free!(p, 0); }
}
class Hooked extends Base {
  declare __wbg_ptr: number;
  static __wrap(ptr: number) { const o = Object.create(Hooked.prototype) as Hooked; o.__wbg_ptr = ptr; regHooked.register(o, o.__wbg_ptr, o); return o; }
  free() { const p = this.__wbg_ptr; this.__wbg_ptr = 0; regHooked.unregister(this); wasmHooked.__wbg_bbox_free!(p, 0); }
}
// the class record must exist (it appears with the first object)
Hooked.__wrap(wasmHooked.bbox_new!()).free();
describe('create+free', () => {
  bench('plain', () => { for (let i = 0; i < 1000; i++) Plain.__wrap(wasmPlain.bbox_new!()).free(); });
  bench('hooked', () => { for (let i = 0; i < 1000; i++) Hooked.__wrap(wasmHooked.bbox_new!()).free(); tracker.tick(); });
});
class SetterOnly extends Base {
  declare __wbg_ptr: number;
  static __wrap(ptr: number) { const o = Object.create(SetterOnly.prototype) as SetterOnly; o.__wbg_ptr = ptr; reg.register(o, o.__wbg_ptr, o); return o; }
  free() { const p = this.__wbg_ptr; this.__wbg_ptr = 0; reg.unregister(this); wasmPlain.__wbg_bbox_free!(p, 0); }
}
class WrapperOnly {
  declare __wbg_ptr: number;
  static __wrap(ptr: number) { const o = Object.create(WrapperOnly.prototype) as WrapperOnly; o.__wbg_ptr = ptr; reg.register(o, o.__wbg_ptr, o); return o; }
  free() { const p = this.__wbg_ptr; this.__wbg_ptr = 0; reg.unregister(this); wasmHooked.__wbg_bbox_free!(p, 0); }
}
describe('parts', () => {
  bench('plain', () => { for (let i = 0; i < 1000; i++) Plain.__wrap(wasmPlain.bbox_new!()).free(); });
  bench('setter only', () => { for (let i = 0; i < 1000; i++) SetterOnly.__wrap(wasmPlain.bbox_new!()).free(); });
  bench('wrapper only', () => { for (let i = 0; i < 1000; i++) WrapperOnly.__wrap(wasmHooked.bbox_new!()).free(); });
});
