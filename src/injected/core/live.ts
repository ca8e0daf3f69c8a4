/**
 * Which memories and instances of a realm are still alive, from its own event stream. When a
 * whole realm ends (a worker terminated or closed), `drain` yields the `collected` events the
 * realm's FinalizationRegistry will never get to send. Pure (see live.test.ts).
 */
import type { CollectedEvent, ObjectKey, PageEvent } from '../../shared/protocol';
import { SafeSet } from './intrinsics';

export class LiveKeys {
  private readonly keys = new SafeSet<ObjectKey>();
  /** The memories among them (a realm with one reports at least once a second: ./sampler.ts). */
  private readonly memories = new SafeSet<ObjectKey>();

  note(e: PageEvent): void {
    if (e.t === 'memory' || e.t === 'instance') {
      this.keys.add(e.key);
      if (e.t === 'memory') this.memories.add(e.key);
    } else if (e.t === 'collected') {
      this.keys.delete(e.key);
      this.memories.delete(e.key);
    }
  }

  hasMemory(): boolean {
    return this.memories.size > 0;
  }

  get size(): number {
    return this.keys.size;
  }

  drain(time: number): CollectedEvent[] {
    const out: CollectedEvent[] = [];
    this.keys.forEach((key) => void (out[out.length] = { t: 'collected', time, key }));
    this.keys.clear();
    this.memories.clear();
    return out;
  }
}
