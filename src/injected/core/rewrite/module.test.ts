import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MALFORMED } from './bytes';
import { Finder } from './find';
import { parseModule } from './module';
import { buildModule, i32, type Fn } from './test-builder';

const read = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL('../../../../node_modules/' + p, import.meta.url)));

describe('parseModule: function and code sections', () => {
  it('reads one-byte type indices (under 128 types) and multi-byte ones (130 types) alike', () => {
    for (const n of [5, 130]) {
      // function k takes k i32 params: n distinct types, type index k
      const funcs: Fn[] = Array.from({ length: n }, (_, k) => ({ params: Array<number>(k).fill(i32), results: [], code: [] }));
      const bytes = buildModule({ funcs, memory: null });
      expect(WebAssembly.validate(bytes)).toBe(true);
      const m = parseModule(bytes);
      expect(m.funcTypes).toEqual(Array.from({ length: n }, (_, k) => k));
      expect(m.bodyStart.length).toBe(n);
      for (let k = 0; k < n; k++) {
        expect(m.bodyEnd[k]! - m.bodyStart[k]!).toBe(2); // no locals, end
        expect(m.bodyStart[k]! - m.entryStart[k]!).toBe(1);
      }
    }
  });

  it('rejects a truncated code section and a one-byte type index with its continuation bit set', () => {
    const bytes = buildModule({ funcs: [{ params: [], results: [], code: [] }], memory: null });
    expect(() => parseModule(bytes.subarray(0, bytes.length - 1))).toThrow();
    // the function section is id 3, size 2, count 1, type 0: set the continuation bit of the index
    const at = bytes.findIndex((b, i) => b === 3 && bytes[i + 1] === 2 && bytes[i + 2] === 1 && bytes[i + 3] === 0);
    const bad = bytes.slice();
    bad[at + 3] = 0x80;
    let thrown: unknown = null;
    try {
      parseModule(bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(MALFORMED);
  });

  it("tiles a real module's code section (sql.js): every body ends where the next entry starts, the last at the section's end", () => {
    const m = parseModule(read('sql.js/dist/sql-wasm.wasm'));
    const defined = m.funcTypes.length - m.importedFuncs;
    expect(m.bodyStart.length).toBe(defined);
    for (let d = 1; d < defined; d++) expect(m.entryStart[d]).toBe(m.bodyEnd[d - 1]);
    const code = m.sections.find((s) => s.id === 10)!;
    expect(m.bodyEnd[defined - 1]).toBe(code.end);
  });
});

describe('Finder', () => {
  it('rawHas finds a pattern anywhere inside one body, and never past its end', () => {
    // f0's body ends with i32.const 245; f1's body starts with it
    const funcs: Fn[] = [
      { params: [], results: [i32], code: [0x41, 0xf5, 0x01] },
      { params: [], results: [i32], code: [0x41, 0xf5, 0x01] },
      { params: [], results: [i32], code: [0x41, 0x01] },
    ];
    const bytes = buildModule({ funcs, memory: null });
    const m = parseModule(bytes);
    const f = new Finder(m);
    // f0's body (locals 0, i32.const 245, end) is followed by f1's size byte, 5
    const crossing = [0x01, 0x0b, 0x05];
    expect(bytes.findIndex((_, i) => crossing.every((x, k) => bytes[i + k] === x))).toBe(m.bodyEnd[0]! - 2);
    expect(f.rawHas(0, [0x41, 0xf5, 0x01])).toBe(true);
    expect(f.rawHas(1, [0x41, 0xf5, 0x01])).toBe(true);
    expect(f.rawHas(2, [0x41, 0xf5, 0x01])).toBe(false);
    expect(f.rawHas(0, [0xf5, 0x01, 0x0b])).toBe(true); // the body's final `end`
    expect(f.rawHas(0, crossing)).toBe(false); // would need the byte after the body
  });

  it('the fingerprint over the exported functions finds what the whole-module fingerprint finds (sql.js)', () => {
    const m = parseModule(read('sql.js/dist/sql-wasm.wasm'));
    const exported = new Finder(m);
    const whole = new Finder(m);
    const a = exported.fingerprint(exported.exportedFunctions());
    const b = whole.fingerprint(null);
    expect(a).not.toBeNull();
    expect(a).toEqual(b);
    // and it decodes far fewer bodies
    expect(exported.decodedBytes).toBeLessThan(whole.decodedBytes);
  });
});
