import { describe, expect, it } from 'vitest';
import type { MemoryStats } from '../shared/analyzer-api';
import { fileOf } from '../shared/memory-names';
import { ALL_REALMS, matchesRealm, realmOptions } from './realm-filter';

const mem = (key: string, realm?: MemoryStats['realm']): MemoryStats => ({
  key,
  owner: '',
  currentBytes: 1,
  peakBytes: 1,
  growthEvents: 0,
  firstSeen: 0,
  lastSeen: 0,
  collected: false,
  maxBytes: null,
  limitBytes: 4 * 2 ** 30,
  tracking: 'none',
  allocator: null,
  trackingReason: null,
  sites: [],
  ...(realm ? { realm } : {}),
});

describe('realm filter', () => {
  const page = { kind: 'window', url: 'https://app.test/' } as const;
  const w1 = { kind: 'worker', url: 'https://app.test/sqlite.js' } as const;
  const w2 = { kind: 'worker', url: 'https://app.test/engine.js' } as const;
  const f1 = { kind: 'frame', url: 'https://ads.test/frame.html' } as const;
  const mems = [mem('a', page), mem('b', w1), mem('c', w1), mem('d', w2), mem('e', f1), mem('f')];

  it('offers every realm, each kind present, and single realms where a kind has several', () => {
    expect(realmOptions(mems, fileOf)).toEqual([
      { value: ALL_REALMS, label: 'All realms', count: 6 },
      { value: 'kind:window', label: 'Page', count: 1 },
      { value: 'kind:frame', label: 'Frames', count: 1 },
      { value: 'kind:worker', label: 'Workers', count: 3 },
      { value: 'realm:worker https://app.test/sqlite.js', label: 'worker sqlite.js', count: 2 },
      { value: 'realm:worker https://app.test/engine.js', label: 'worker engine.js', count: 1 },
    ]);
  });

  it('offers nothing when every memory is in one realm', () => {
    expect(realmOptions([mem('a', page), mem('b', page), mem('c')], fileOf)).toEqual([]);
  });

  it('selects by kind or by one realm', () => {
    const keys = (choice: string) => mems.filter((m) => matchesRealm(m, choice)).map((m) => m.key);
    expect(keys(ALL_REALMS)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(keys('kind:worker')).toEqual(['b', 'c', 'd']);
    expect(keys('kind:frame')).toEqual(['e']);
    expect(keys('realm:worker https://app.test/sqlite.js')).toEqual(['b', 'c']);
  });
});
