import { describe, expect, it } from 'vitest';
import type { MemoryStats } from '../shared/analyzer-api';
import { usedCell } from './heap-view';

const mem = (over: Partial<MemoryStats>): MemoryStats => ({
  key: 'm:1',
  owner: 'app.wasm',
  currentBytes: 1 << 24,
  peakBytes: 1 << 24,
  growthEvents: 0,
  firstSeen: 0,
  lastSeen: 0,
  collected: false,
  maxBytes: null,
  limitBytes: 4294967296,
  tracking: 'none',
  allocator: null,
  trackingReason: null,
  sites: [],
  ...over,
});

describe('usedCell', () => {
  it('shows live bytes only when counted inside wasm with sizes', () => {
    const c = usedCell(mem({ tracking: 'inside-wasm', allocator: 'dlmalloc', usedBytes: 1536, liveAllocations: 12 }));
    expect(c).toMatchObject({ state: 'counted', text: '1.5 KiB', value: 1536 });
    expect(c.title).toContain('dlmalloc');
    expect(c.title).toContain('12 live allocations');
  });

  it('says counts only when inside wasm without sizes', () => {
    const c = usedCell(mem({ tracking: 'inside-wasm', allocator: 'emmalloc', liveAllocations: 3 }));
    expect(c.state).toBe('no-sizes');
    expect(c.value).toBeUndefined();
    expect(c.title).toContain('3 live allocations');
  });

  it('labels JS-boundary bytes as that part of the heap', () => {
    const c = usedCell(mem({ tracking: 'js-boundary', usedBytes: 1.2 * 1024 * 1024, trackingReason: 'old trace' }));
    expect(c).toMatchObject({ state: 'partial', text: '1.2 MiB (JS-boundary allocs only)', title: 'old trace' });
  });

  it('says not counted with the reason', () => {
    const c = usedCell(mem({ tracking: 'none', trackingReason: 'allocation tracking is off' }));
    expect(c).toEqual({ state: 'not-counted', text: 'not counted', title: 'allocation tracking is off' });
    expect(usedCell(mem({})).title).toMatch(/not counted/);
  });
});
