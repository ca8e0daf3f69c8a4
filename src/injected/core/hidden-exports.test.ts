import { describe, expect, it } from 'vitest';
import { HIDDEN_EXPORT_PREFIX } from './wasm-rewrite';
import { isHiddenExport, visibleDescriptors, withoutHidden } from './hidden-exports';

const P = HIDDEN_EXPORT_PREFIX;

describe('hidden exports', () => {
  it('the page sees the same keys, order and values, without ours; a null-prototype frozen object', () => {
    const f = () => 1;
    const g = () => 2;
    const mem = {};
    const real = Object.freeze(Object.assign(Object.create(null), { f, memory: mem, g, [`${P}live_bytes`]: {}, [`${P}calls_0`]: {} }));
    const seen = withoutHidden(real as WebAssembly.Exports)!;
    expect(Object.keys(seen)).toEqual(['f', 'memory', 'g']);
    expect(seen.f).toBe(f);
    expect(seen.memory).toBe(mem);
    expect(Object.getPrototypeOf(seen)).toBeNull();
    expect(Object.isFrozen(seen)).toBe(true);
    expect(withoutHidden(Object.freeze({ f }) as WebAssembly.Exports)).toBeUndefined(); // nothing of ours: the real object
  });

  it('Module.exports descriptors: ours dropped, order kept, the same array when none', () => {
    const list = [
      { name: 'a', kind: 'function' },
      { name: `${P}x`, kind: 'global' },
      { name: 'b', kind: 'memory' },
    ];
    expect(visibleDescriptors(list).map((d) => d.name)).toEqual(['a', 'b']);
    const plain = [{ name: 'a', kind: 'function' }];
    expect(visibleDescriptors(plain)).toBe(plain);
    expect(isHiddenExport(`${P}live_bytes`)).toBe(true);
    expect(isHiddenExport('malloc')).toBe(false);
    expect(isHiddenExport(Symbol('x'))).toBe(false);
  });
});
