import { describe, expect, it } from 'vitest';
import { fileOf, memoryNames, withMemoryNames, type NamedMemory } from './memory-names';

const mem = (key: string, firstSeen: number, extra: Partial<NamedMemory> = {}): NamedMemory => ({
  key,
  owner: 'https://a.test/app.js',
  firstSeen,
  ...extra,
});

describe('memoryNames', () => {
  it('names memories by module file, numbered in the order they appeared, and by realm when not the page', () => {
    const names = memoryNames([
      mem('7d7a67b66436:3', 30, { moduleUrl: 'https://a.test/pkg/engine.wasm?v=1' }),
      mem('7d7a67b66436:1', 10, { moduleUrl: 'https://a.test/pkg/engine.wasm?v=1', realm: { kind: 'window', url: 'https://a.test/' } }),
      mem('aa:1', 20, { moduleUrl: 'https://a.test/sql-wasm.wasm', realm: { kind: 'worker', url: 'https://a.test/sqlite.js' } }),
      mem('aa:2', 25, { moduleUrl: 'https://a.test/sql-wasm.wasm', realm: { kind: 'worker', url: 'https://a.test/sqlite.js' } }),
      mem('bb:1', 5, { realm: { kind: 'frame', url: 'https://a.test/relay.html?x=1' } }),
      mem('cc:1', 6, { owner: '' }),
    ]);
    expect(Object.fromEntries(names)).toEqual({
      '7d7a67b66436:1': 'engine.wasm #1',
      '7d7a67b66436:3': 'engine.wasm #2',
      'aa:1': 'sql-wasm.wasm #1 · worker sqlite.js',
      'aa:2': 'sql-wasm.wasm #2 · worker sqlite.js',
      'bb:1': 'app.js #1 · frame relay.html',
      'cc:1': 'memory #1',
    });
  });
});

describe('withMemoryNames', () => {
  const names = new Map([
    ['ab:1', 'engine.wasm #1'],
    ['ab:12', 'engine.wasm #2'],
  ]);
  it('replaces whole keys only', () => {
    expect(withMemoryNames('Memory ab:1 replaced by ab:12 (ab:1x, xab:1)', names)).toBe(
      'Memory engine.wasm #1 replaced by engine.wasm #2 (ab:1x, xab:1)',
    );
    expect(withMemoryNames('no keys here', names)).toBe('no keys here');
    expect(withMemoryNames('a (b) [c]', new Map([['(b)', 'B']]))).toBe('a B [c]');
  });
});

describe('fileOf', () => {
  it('is the last path segment; data: URLs keep their type', () => {
    expect(fileOf('https://a.test/pkg/engine.wasm?v=2#x')).toBe('engine.wasm');
    expect(fileOf('data:application/wasm;base64,AGFz')).toBe('data:application/wasm');
    expect(fileOf('engine.wasm')).toBe('engine.wasm');
  });
});
