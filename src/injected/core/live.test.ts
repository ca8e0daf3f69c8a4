import { describe, expect, it } from 'vitest';
import { LiveKeys } from './live';

describe('LiveKeys', () => {
  it('tracks memories and instances until collected, then drains the rest once', () => {
    const l = new LiveKeys();
    l.note({ t: 'memory', time: 1, key: 'w:1', origin: 'constructor', shared: false, bytes: 0, maxBytes: null, owner: 'u' });
    l.note({ t: 'instance', time: 1, key: 'w:2', module: 'w:0', via: 'Instance', memories: [], toolchain: 'unknown', helper: true });
    l.note({ t: 'module', time: 1, key: 'w:0', url: 'u', byteLength: 1, exports: [] });
    l.note({ t: 'memory', time: 1, key: 'w:3', origin: 'export', shared: false, bytes: 0, maxBytes: null, owner: 'u' });
    l.note({ t: 'collected', time: 2, key: 'w:3' });
    expect(l.size).toBe(2);
    expect(l.drain(9)).toEqual([
      { t: 'collected', time: 9, key: 'w:1' },
      { t: 'collected', time: 9, key: 'w:2' },
    ]);
    expect(l.drain(10)).toEqual([]);
  });
});
