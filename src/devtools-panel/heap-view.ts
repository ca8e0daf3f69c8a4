/**
 * What the Memories table says about a memory's heap (pure). "Used" is the allocator's live
 * bytes: shown as such only when the heap is counted inside wasm with sizes; a part of it (only
 * the allocations that crossed the JS boundary, old traces) is labelled as that part; a heap
 * that is not counted says so, with the reason.
 */
import type { MemoryStats } from '../shared/analyzer-api';
import { formatBytes } from '../shared/bytes';
import { formatCount } from './format';

export interface UsedCell {
  /**
   * `counted`: the whole heap's live bytes; `partial`: JS-boundary allocations only;
   * `no-sizes`: counted inside wasm, but the allocator gives no sizes (counts only);
   * `not-counted`: the heap is not counted (see `title`).
   */
  state: 'counted' | 'partial' | 'no-sizes' | 'not-counted';
  /** What the cell reads. */
  text: string;
  /** The raw bytes, when the cell shows bytes. */
  value?: number;
  /** Tooltip: allocator, live allocations, or why the heap is not counted. */
  title: string;
}

export function usedCell(m: MemoryStats): UsedCell {
  const allocs = m.liveAllocations !== undefined ? `${formatCount(m.liveAllocations)} live allocations` : null;
  const by = m.allocator ? `allocator: ${m.allocator}` : 'allocator not recognised';
  if (m.tracking === 'inside-wasm') {
    if (m.usedBytes !== undefined) {
      return {
        state: 'counted',
        text: formatBytes(m.usedBytes),
        value: m.usedBytes,
        title: [`live bytes of the heap, counted inside wasm (${by})`, allocs].filter(Boolean).join('; '),
      };
    }
    return {
      state: 'no-sizes',
      text: 'sizes unknown',
      title: [`counted inside wasm without sizes (${by})`, allocs].filter(Boolean).join('; '),
    };
  }
  if (m.tracking === 'js-boundary' && m.usedBytes !== undefined) {
    return {
      state: 'partial',
      text: `${formatBytes(m.usedBytes)} (JS-boundary allocs only)`,
      value: m.usedBytes,
      title: m.trackingReason ?? 'only allocations that crossed the JS boundary were counted: a part of the heap',
    };
  }
  return {
    state: 'not-counted',
    text: 'not counted',
    title: m.trackingReason ?? 'the heap of this memory is not counted (reason unknown)',
  };
}
