// The flood page's workloads (bench/flood.mjs, e2e/scale.spec.ts). Plain script, no wasm module:
// WebAssembly.Memory objects are what the extension tracks, and grows made from JS carry a stack.
'use strict';

const PAGE = 65536;
const collectGarbage = typeof globalThis.gc === 'function' ? () => globalThis.gc() : () => {};
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Collect the dropped memories (with --expose-gc) and give FinalizationRegistry callbacks a turn. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await nextTask();
  }
}

/** Recurse `depth` frames, then grow `memory` by one page: the grow's stack is ~depth lines. */
function recurseThroughAFrameWithALongNameLikeABundledApp(depth, memory) {
  if (depth > 0) return recurseThroughAFrameWithALongNameLikeABundledApp(depth - 1, memory);
  return memory.grow(1);
}

window.flood = {
  /** `n` memories created and dropped at once (each is collected, then only history). */
  async throwaway(n, chunk = 250) {
    for (let i = 0; i < n; i += chunk) {
      for (let j = i; j < Math.min(n, i + chunk); j++) new WebAssembly.Memory({ initial: 1 });
      await settle();
    }
    await settle();
    return n;
  },

  /**
   * `n` grows from JS, each with a deep stack (`depth` frames: ~3.8 KB of stack text at 40),
   * `perMemory` per memory (then the memory is dropped, so the page's own memory stays small).
   */
  async grows(n, depth = 40, perMemory = 100) {
    let memory = null;
    for (let i = 0; i < n; i++) {
      if (i % perMemory === 0) memory = new WebAssembly.Memory({ initial: 0, maximum: perMemory });
      recurseThroughAFrameWithALongNameLikeABundledApp(depth, memory);
      if (i % 500 === 499) {
        memory = i % perMemory === perMemory - 1 ? null : memory;
        await nextTask();
        if (i % 5000 === 4999) collectGarbage();
      }
    }
    await settle();
    return n;
  },

  /** `live` memories kept, each growing by one page every `everyMs`, until stopStream(). */
  kept: [],
  timer: 0,
  stream(live = 50, everyMs = 1000) {
    for (let i = 0; i < live; i++) this.kept.push(new WebAssembly.Memory({ initial: 1, maximum: 4096 }));
    this.timer = setInterval(() => {
      for (const m of this.kept) if (m.buffer.byteLength < 4096 * PAGE) m.grow(1);
    }, everyMs);
    return live;
  },
  stopStream() {
    clearInterval(this.timer);
    this.kept = [];
  },
};
document.title = 'ready';
