/**
 * PageEvent -> fixed-stride f64 records for analyzer-rs (layout: analyzer-rs/src/records.rs).
 * Pure: no wasm here, so it is unit-testable and shared by the wrapper and the benchmark.
 *
 * Every string is interned to a small integer id once; the caller learns new ids through
 * `onNewName` and tells the analyzer their text. An absent id is -1.
 */
import type { PageEvent } from '../shared/protocol';

/** Numbers per record. */
export const STRIDE = 8;

/** Record type tags (analyzer-rs/src/records.rs `tag`). */
export const TAG = {
  memory: 1,
  sample: 2,
  grow: 3,
  collected: 4,
  bindgen: 5,
  alloc: 6,
  registry: 7,
  mark: 8,
  module: 9,
  instanceMemory: 10,
} as const;

/** Largest id the analyzer accepts (records.rs MAX_ID). */
export const MAX_ID = 1 << 20;

/** Interns strings to dense ids. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  /** Ids of the previous sample event's keys, by position (samplers repeat the same keys). */
  readonly sampleKeys: unknown[] = [];
  readonly sampleIds: number[] = [];
  constructor(private readonly onNewName: (id: number, name: string) => void) {}

  /** Id of `s`, or -1 when the table is full. */
  id(s: string): number {
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    const id = this.names.length;
    if (id > MAX_ID) return -1;
    this.ids.set(s, id);
    this.names.push(s);
    this.onNewName(id, s);
    return id;
  }

  /** Name of an id (or `#id`). */
  name(id: number): string {
    return this.names[id] ?? `#${id}`;
  }
}

/** Where records go: the wrapper writes straight into wasm memory; tests collect arrays. */
export interface RecordSink {
  /** Append one record. */
  put(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): void;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function idOf(interner: Interner, s: unknown): number {
  return isStr(s) ? interner.id(s) : -1;
}

/** Realm part of an ObjectKey `${realm}:${n}` ('' when there is no colon). */
export function realmOf(key: string): string {
  const i = key.lastIndexOf(':');
  return i > 0 ? key.slice(0, i) : '';
}

/**
 * Encode one event. Returns the number of records written, or -1 if the event is malformed
 * (nothing is written then). Events the analyzer does not use (realm, page-error) return 0.
 */
export function encodeEvent(ev: PageEvent, interner: Interner, sink: RecordSink): number {
  // Untrusted shape: the static type is a promise, checked field by field.
  const e = ev as unknown as Record<string, unknown>;
  const time = e.time;
  if (!isNum(time) || !isStr(e.t)) return -1;
  const id = (s: unknown): number => idOf(interner, s);
  switch (ev.t) {
    case 'sample': {
      const { keys, bytes } = ev;
      if (!Array.isArray(keys) || !Array.isArray(bytes) || keys.length !== bytes.length) return -1;
      let n = 0;
      const cachedKeys = interner.sampleKeys;
      const cachedIds = interner.sampleIds;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const b = bytes[i];
        if (!isNum(b) || b < 0) continue;
        let kid: number;
        if (cachedKeys[i] === k) kid = cachedIds[i] ?? -1;
        else {
          if (!isStr(k)) continue;
          kid = interner.id(k);
          if (i < 256) {
            cachedKeys[i] = k;
            cachedIds[i] = kid;
          }
        }
        if (kid < 0) continue;
        sink.put(TAG.sample, time, kid, b, 0, 0, 0, 0);
        n++;
      }
      return n === keys.length ? n : n > 0 ? n : -1;
    }
    case 'memory': {
      if (!isStr(ev.key) || !isNum(ev.bytes) || ev.bytes < 0) return -1;
      const max = ev.maxBytes === null || !isNum(ev.maxBytes) ? -1 : ev.maxBytes;
      const realm = realmOf(ev.key);
      sink.put(TAG.memory, time, id(ev.key), ev.bytes, max, id(ev.owner), ev.module === undefined ? -1 : id(ev.module), realm ? id(realm) : -1);
      return 1;
    }
    case 'grow': {
      if (!isStr(ev.key) || !isNum(ev.fromBytes) || !isNum(ev.toBytes) || ev.fromBytes < 0 || ev.toBytes < 0) return -1;
      sink.put(TAG.grow, time, id(ev.key), ev.fromBytes, ev.toBytes, ev.via === 'js' ? 0 : 1, 0, 0);
      return 1;
    }
    case 'collected': {
      if (!isStr(ev.key)) return -1;
      sink.put(TAG.collected, time, id(ev.key), 0, 0, 0, 0, 0);
      return 1;
    }
    case 'bindgen': {
      if (!isStr(ev.className) || !isNum(ev.created) || !isNum(ev.freed) || !isNum(ev.reclaimed) || !isNum(ev.live)) return -1;
      if (ev.created < 0 || ev.freed < 0 || ev.reclaimed < 0) return -1;
      const mod = ev.module === null || ev.module === undefined ? -1 : id(ev.module);
      sink.put(TAG.bindgen, time, id(ev.className), mod, ev.created, ev.freed, ev.reclaimed, ev.live);
      return 1;
    }
    case 'alloc': {
      if (!isStr(ev.memory) || !isNum(ev.liveBytes) || !isNum(ev.liveAllocations) || !isNum(ev.totalAllocations) || !isNum(ev.totalFrees)) return -1;
      if (ev.liveBytes < 0 || ev.liveAllocations < 0 || ev.totalAllocations < 0 || ev.totalFrees < 0) return -1;
      sink.put(TAG.alloc, time, id(ev.memory), ev.liveBytes, ev.liveAllocations, ev.totalAllocations, ev.totalFrees, 0);
      return 1;
    }
    case 'registry': {
      if (!isStr(ev.name) || typeof ev.stats !== 'object' || ev.stats === null) return -1;
      const name = id(ev.name);
      const mem = ev.memory === undefined ? -1 : id(ev.memory);
      let n = 0;
      for (const [field, value] of Object.entries(ev.stats)) {
        if (!isNum(value)) continue;
        sink.put(TAG.registry, time, name, interner.id(field), value, mem, 0, 0);
        n++;
      }
      return n;
    }
    case 'mark': {
      if (!isStr(ev.label)) return -1;
      sink.put(TAG.mark, time, id(ev.label), 0, 0, 0, 0, 0);
      return 1;
    }
    case 'module': {
      if (!isStr(ev.key)) return -1;
      sink.put(TAG.module, time, id(ev.key), id(ev.url), isNum(ev.byteLength) && ev.byteLength >= 0 ? ev.byteLength : 0, 0, 0, 0);
      return 1;
    }
    case 'instance': {
      if (!isStr(ev.key) || !Array.isArray(ev.memories)) return -1;
      let n = 0;
      for (const m of ev.memories) {
        if (!isStr(m)) continue;
        sink.put(TAG.instanceMemory, time, id(ev.key), id(ev.module), interner.id(m), ev.helper ? 1 : 0, 0, 0);
        n++;
      }
      return n;
    }
    case 'realm':
    case 'page-error': // for the CLI's exit code and the panel's count, not the analyzer
      return 0;
    default:
      return -1;
  }
}

/** A sink that collects records into a growable Float64Array (tests, benchmarks). */
export class ArraySink implements RecordSink {
  buf = new Float64Array(STRIDE * 1024);
  count = 0;
  put(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): void {
    let o = this.count * STRIDE;
    if (o + STRIDE > this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const b = this.buf;
    b[o++] = a0;
    b[o++] = a1;
    b[o++] = a2;
    b[o++] = a3;
    b[o++] = a4;
    b[o++] = a5;
    b[o++] = a6;
    b[o] = a7;
    this.count++;
  }
  records(): Float64Array {
    return this.buf.subarray(0, this.count * STRIDE);
  }
}
