/**
 * Memory sampling: every tick, read each known memory's committed size. A change not already
 * reported by a JS `grow()` call is a growth made inside wasm (`memory.grow` instruction):
 * reported as `grow` via 'wasm'. A `sample` event is produced when any size changed, and at
 * least once per `heartbeatMs` while memories exist.
 *
 * Memories are held weakly (`makeRef`), so sampling never keeps one alive beyond the current job.
 * Within it, a WeakRef does keep its target (the spec's KeepDuringJob): a page that makes
 * hundreds of throwaway memories in one synchronous loop would run out of address space with
 * us (every memory reserves gigabytes) where the GC would have freed them without us. So at most
 * MAX_NEW_PER_JOB memories start being sampled per job; later ones in the same job are reported
 * (memory event, JS grow() calls, collection) but their growth inside wasm is not sampled.
 * Pure apart from the injected `readBytes` / `makeRef` / `defer` (see sampler.test.ts).
 */
import { LIMITS, type GrowEvent, type ObjectKey, type PageEvent } from '../../shared/protocol';
import { arrayFilter, arraySlice, SafeMap } from './intrinsics';

export interface WeakLike<T> {
  deref(): T | undefined;
}

interface Entry<M> {
  key: ObjectKey;
  ref: WeakLike<M>;
  bytes: number;
}

export interface SamplerDeps<M> {
  readBytes(memory: M): number;
  makeRef(memory: M): WeakLike<M>;
  now(): number;
  /** Run `fn` after the current job (a 0 ms timer); default: never (no per-job limit reset). */
  defer?(fn: () => void): void;
}

/** Memories whose sampling may start within one synchronous job (see the module comment). */
export const MAX_NEW_PER_JOB = 64;

export class Sampler<M> {
  private entries: Array<Entry<M>> = [];
  private byKey = new SafeMap<ObjectKey, Entry<M>>();
  private lastSample = -Infinity;
  /** Did the last tick see a size change or a memory go away? */
  changedLastTick = false;

  constructor(
    private readonly deps: SamplerDeps<M>,
    private readonly heartbeatMs = 1000,
    private readonly maxEntries: number = LIMITS.maxSampleEntries,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** Memories not sampled because too many were made in one job. */
  skipped = 0;
  private newThisJob = 0;

  /** Start sampling a memory; false when too many started in this job already (see above). */
  add(key: ObjectKey, memory: M, bytes: number): boolean {
    if (this.byKey.has(key)) return true;
    if (this.newThisJob >= MAX_NEW_PER_JOB) {
      this.skipped++;
      return false;
    }
    if (this.newThisJob++ === 0 && this.deps.defer) this.deps.defer(() => void (this.newThisJob = 0));
    const e: Entry<M> = { key, ref: this.deps.makeRef(memory), bytes };
    this.entries[this.entries.length] = e;
    this.byKey.set(key, e);
    return true;
  }

  remove(key: ObjectKey): void {
    const e = this.byKey.get(key);
    if (!e) return;
    this.byKey.delete(key);
    this.entries = arrayFilter(this.entries, (x) => x !== e);
  }

  /** Last known bytes of a memory. */
  bytesOf(key: ObjectKey): number | undefined {
    return this.byKey.get(key)?.bytes;
  }

  /** A JS grow() already reported this change: the next tick must not report it again. */
  noteBytes(key: ObjectKey, bytes: number): void {
    const e = this.byKey.get(key);
    if (e) e.bytes = bytes;
  }

  /** One tick: growth events for changes seen, then sample event(s) if due. */
  tick(): PageEvent[] {
    const out: PageEvent[] = [];
    const time = this.deps.now();
    let changed = false;
    let gone = false;
    const liveKeys: ObjectKey[] = [];
    const liveBytes: number[] = [];
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const m = e.ref.deref();
      if (m === undefined) {
        gone = true;
        continue;
      }
      const bytes = this.deps.readBytes(m);
      if (bytes !== e.bytes) {
        changed = true;
        if (bytes > e.bytes) {
          const g: GrowEvent = { t: 'grow', time, key: e.key, fromBytes: e.bytes, toBytes: bytes, via: 'wasm' };
          out[out.length] = g;
        }
        e.bytes = bytes;
      }
      liveKeys[liveKeys.length] = e.key;
      liveBytes[liveBytes.length] = bytes;
    }
    this.changedLastTick = changed || gone;
    if (gone) {
      this.entries = arrayFilter(this.entries, (e) => e.ref.deref() !== undefined);
      const byKey = new SafeMap<ObjectKey, Entry<M>>();
      for (let i = 0; i < this.entries.length; i++) byKey.set(this.entries[i]!.key, this.entries[i]!);
      this.byKey = byKey;
    }
    if (liveKeys.length > 0 && (changed || time - this.lastSample >= this.heartbeatMs)) {
      this.lastSample = time;
      for (let i = 0; i < liveKeys.length; i += this.maxEntries) {
        const whole = liveKeys.length <= this.maxEntries;
        out[out.length] = {
          t: 'sample',
          time,
          keys: whole ? liveKeys : arraySlice(liveKeys, i, i + this.maxEntries),
          bytes: whole ? liveBytes : arraySlice(liveBytes, i, i + this.maxEntries),
        };
      }
    }
    return out;
  }
}
