/**
 * Per-realm settings of the injected script that change what it does to the page.
 *
 * Allocation tracking (counting the heap inside wasm, ./wasm-rewrite.ts) is on by default. The
 * user's switch reaches a window realm with the content script's handshake reply (`ack`), so it
 * applies to every module compiled after the handshake: in practice from the next load ("takes
 * effect on reload"); a worker inherits its parent's setting when it starts.
 */

/** Module bytes above this are compiled unchanged (the rewrite copies the module once). */
export const MAX_REWRITE_BYTES = 64 * 1024 * 1024;

/** The reason a heap is not counted while the switch is off. */
export const TRACKING_OFF = 'allocation tracking is off';

let tracking = true;

export function allocationTracking(): boolean {
  return tracking;
}

export function setAllocationTracking(on: boolean): void {
  tracking = on;
}

/** The user's busy sampling interval (ms), once known (workers inherit it); null: the default. */
let sampleInterval: number | null = null;

export function sampleIntervalMs(): number | null {
  return sampleInterval;
}

export function setSampleIntervalMs(ms: number): void {
  sampleInterval = ms;
}
