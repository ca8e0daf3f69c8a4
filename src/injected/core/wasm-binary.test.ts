import { buildModule } from './rewrite/test-builder';
import { describe, expect, it } from 'vitest';
import { moduleMemories } from './wasm-binary';
import '../../../e2e/pages/wasm-fixtures.js';

interface Fixtures {
  exportedMemory(o?: { name?: string; initial?: number; maximum?: number; shared?: boolean }): Uint8Array;
  importedMemory(o?: {
    module?: string;
    name?: string;
    initial?: number;
    maximum?: number;
    shared?: boolean;
    reexport?: string;
  }): Uint8Array;
  computeOnly(): Uint8Array;
}
const F = (globalThis as unknown as { wasmFixtures: Fixtures }).wasmFixtures;

describe('moduleMemories', () => {
  it('reads the limits of an exported memory under any name', () => {
    const m = moduleMemories(F.exportedMemory({ name: 'O', initial: 3, maximum: 300 }));
    expect(m.exports.O).toEqual({ initial: 3, maximum: 300, shared: false, is64: false });
    expect(moduleMemories(F.exportedMemory({ initial: 2 })).exports.memory).toEqual({
      initial: 2,
      maximum: null,
      shared: false,
      is64: false,
    });
  });
  it('reads imported memories (and their re-export) with sharedness', () => {
    const m = moduleMemories(F.importedMemory({ module: 'env', name: 'mem', initial: 1, maximum: 70000, shared: true, reexport: 'again' }));
    expect(m.imports['env\u0000mem']).toEqual({ initial: 1, maximum: 70000, shared: true, is64: false });
    expect(m.exports.again).toEqual({ initial: 1, maximum: 70000, shared: true, is64: false });
  });
  it('says whether a memory is memory64', () => {
    const bytes = buildModule({ memory: { min: 1, max: 10, is64: true }, exportMemory: 'memory', funcs: [] });
    expect(moduleMemories(bytes).exports.memory).toEqual({ initial: 1, maximum: 10, shared: false, is64: true });
  });

  it('gives nothing for modules without memory, garbage or truncated bytes, and never throws', () => {
    expect(Object.keys(moduleMemories(F.computeOnly()).exports)).toEqual([]);
    expect(Object.keys(moduleMemories(new Uint8Array([1, 2, 3])).exports)).toEqual([]);
    const full = F.exportedMemory({ name: 'x', maximum: 9 });
    for (let cut = 0; cut < full.length; cut++) expect(() => moduleMemories(full.subarray(0, cut))).not.toThrow();
  });
});
