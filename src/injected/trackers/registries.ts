/**
 * App registry stats and marks: the documented page-side API (docs/PAGE-API.md).
 *
 * - push: `dispatchEvent(new CustomEvent('wasm-memory:registry', { detail: { name, stats, memory? } }))`
 * - pull: `(globalThis.__WASM_MEMORY_REGISTRIES__ ??= []).push({ name, stats: () => ({...}), memory? })`,
 *   polled on every sampling tick; a stats function that throws is reported (field `_errors`
 *   counts the failures, the last good values are kept), never propagated.
 * - mark: `dispatchEvent(new CustomEvent('wasm-memory:mark', { detail: { label } }))` (or a string detail).
 *
 * Everything the page hands us is validated and bounded; pushes are coalesced per registry and
 * sent at most once per tick, and only when a value changed.
 */
import { LIMITS, type MarkEvent, type ObjectKey, type RegistryEvent } from '../../shared/protocol';
import { apply, ArrayIsArray, call, getOwnPropertyDescriptor, ObjectKeys, SafeMap } from '../core/intrinsics';

export const REGISTRY_EVENT = 'wasm-memory:registry';
export const MARK_EVENT = 'wasm-memory:mark';
export const PULL_GLOBAL = '__WASM_MEMORY_REGISTRIES__';
/** Distinct registry names tracked per realm. */
export const MAX_REGISTRIES = 64;
/** Pull entries polled per tick. */
export const MAX_PULL_ENTRIES = 64;
/** Name of the field that counts failed stats() calls of a pulled registry. */
export const ERRORS_FIELD = '_errors';
/** Longest registry field name kept. */
export const MAX_FIELD_NAME = 64;
/** Page-API marks accepted per sampling tick; more are dropped (and counted). */
export const MAX_MARKS_PER_TICK = 10;

export interface RegistryInput {
  name: string;
  stats: Record<string, number>;
  /** A WebAssembly.Memory or a memory key string, if the app said. */
  memory?: unknown;
}

/** Own data property value, without running page getters. */
function own(obj: object, key: string): unknown {
  const d = getOwnPropertyDescriptor(obj, key);
  return d !== undefined && 'value' in d ? d.value : undefined;
}

/** Validate a stats record: finite numbers only, bounded field count and name length. */
export function cleanStats(raw: unknown): Record<string, number> | null {
  if (typeof raw !== 'object' || raw === null || ArrayIsArray(raw)) return null;
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  let n = 0;
  let scanned = 0;
  const keys = ObjectKeys(raw);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (++scanned > LIMITS.maxRegistryFields * 4) break;
    if (key.length === 0 || key.length > MAX_FIELD_NAME || key === '__proto__') continue;
    const v = own(raw, key);
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    out[key] = v;
    if (++n >= LIMITS.maxRegistryFields) break;
  }
  return { ...out };
}

/** Validate a registry name. */
export function cleanName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = raw.trim().slice(0, LIMITS.maxString);
  return name.length > 0 ? name : null;
}

/** Validate a mark label (CustomEvent detail: a string or `{ label }`). */
export function cleanLabel(detail: unknown): string | null {
  const raw = typeof detail === 'object' && detail !== null ? own(detail, 'label') : detail;
  if (typeof raw !== 'string') return null;
  const label = raw.slice(0, LIMITS.maxString);
  return label.length > 0 ? label : null;
}

function sameStats(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = ObjectKeys(a);
  if (ka.length !== ObjectKeys(b).length) return false;
  for (let i = 0; i < ka.length; i++) if (a[ka[i]!] !== b[ka[i]!]) return false;
  return true;
}

export interface RegistryDeps {
  now(): number;
  emit(event: RegistryEvent | MarkEvent): void;
  memoryKey(memory: WebAssembly.Memory): ObjectKey | undefined;
  /** Is `v` a WebAssembly.Memory of this realm? */
  isMemory(v: unknown): v is WebAssembly.Memory;
}

interface Entry {
  name: string;
  memory: ObjectKey | undefined;
  stats: Record<string, number>;
  sent: Record<string, number> | null;
  sentMemory: ObjectKey | undefined;
  errors: number;
}

export class RegistryTracker {
  /** Inputs rejected as malformed (not reported to the page). */
  rejected = 0;
  /** Marks dropped because a page sent more than MAX_MARKS_PER_TICK in one tick. */
  droppedMarks = 0;
  private marksThisTick = 0;
  private readonly entries = new SafeMap<string, Entry>();

  constructor(private readonly deps: RegistryDeps) {}

  private resolveMemory(raw: unknown): ObjectKey | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'string') return raw.slice(0, LIMITS.maxString) || undefined;
    if (this.deps.isMemory(raw)) return this.deps.memoryKey(raw);
    return undefined;
  }

  private entry(name: string): Entry | null {
    let e = this.entries.get(name);
    if (e === undefined) {
      if (this.entries.size >= MAX_REGISTRIES) return null;
      e = { name, memory: undefined, stats: {}, sent: null, sentMemory: undefined, errors: 0 };
      this.entries.set(name, e);
    }
    return e;
  }

  /** A pushed update (CustomEvent detail). Returns false when rejected. */
  push(detail: unknown): boolean {
    if (typeof detail !== 'object' || detail === null) return this.reject();
    const name = cleanName(own(detail, 'name'));
    const stats = cleanStats(own(detail, 'stats'));
    if (name === null || stats === null) return this.reject();
    const e = this.entry(name);
    if (e === null) return this.reject();
    e.stats = e.errors > 0 ? { ...stats, [ERRORS_FIELD]: e.errors } : stats;
    const memory = this.resolveMemory(own(detail, 'memory'));
    if (memory !== undefined) e.memory = memory;
    return true;
  }

  /** Poll the pull-style registrations in `list` (the page's global array). */
  poll(list: unknown): void {
    if (!ArrayIsArray(list)) return;
    const n = Math.min(list.length, MAX_PULL_ENTRIES);
    for (let i = 0; i < n; i++) {
      const item: unknown = list[i];
      if (typeof item !== 'object' || item === null) continue;
      const name = cleanName(own(item, 'name'));
      const fn = own(item, 'stats');
      if (name === null || typeof fn !== 'function') continue;
      const e = this.entry(name);
      if (e === null) continue;
      const memory = this.resolveMemory(own(item, 'memory'));
      if (memory !== undefined) e.memory = memory;
      let raw: unknown;
      try {
        raw = apply(fn as () => unknown, item, []);
      } catch (err) {
        e.errors++;
        e.stats = { ...e.stats, [ERRORS_FIELD]: e.errors };
        if (e.errors === 1) console.warn(`[wasm-memory] stats() of registry "${name}" threw`, err);
        continue;
      }
      const stats = cleanStats(raw);
      if (stats === null) {
        e.errors++;
        e.stats = { ...e.stats, [ERRORS_FIELD]: e.errors };
        continue;
      }
      e.stats = e.errors > 0 ? { ...stats, [ERRORS_FIELD]: e.errors } : stats;
    }
  }

  /** Emit one event per registry whose stats or memory changed since the last one. */
  flush(): void {
    this.marksThisTick = 0;
    this.entries.forEach((e) => {
      if (e.sent !== null && e.sentMemory === e.memory && sameStats(e.sent, e.stats)) return;
      e.sent = e.stats;
      e.sentMemory = e.memory;
      const event: RegistryEvent = { t: 'registry', time: this.deps.now(), name: e.name, stats: { ...e.stats } };
      if (e.memory !== undefined) event.memory = e.memory;
      this.deps.emit(event);
    });
  }

  mark(detail: unknown): boolean {
    const label = cleanLabel(detail);
    if (label === null) return this.reject();
    if (this.marksThisTick >= MAX_MARKS_PER_TICK) {
      this.droppedMarks++;
      return false;
    }
    this.marksThisTick++;
    this.deps.emit({ t: 'mark', time: this.deps.now(), label });
    return true;
  }

  private reject(): false {
    this.rejected++;
    return false;
  }
}

interface EventTargetLike {
  addEventListener(type: string, listener: (e: Event) => void): void;
}

/**
 * Listen for pushes and marks on `global`; poll its pull array on every tick. A push, a mark or a
 * pull array calls `wake` (the realm's timer then ticks at the full rate).
 */
export function installRegistries(
  global: object,
  tracker: RegistryTracker,
  onTick: (fn: () => void) => void,
  wake: () => void = () => undefined,
): void {
  const target = global as Partial<EventTargetLike>;
  if (typeof target.addEventListener === 'function') {
    const detailOf = (e: Event): unknown => (e as CustomEvent<unknown>).detail;
    call(target.addEventListener, global, REGISTRY_EVENT, (e: Event) => {
      wake();
      tracker.push(detailOf(e));
    });
    call(target.addEventListener, global, MARK_EVENT, (e: Event) => {
      wake();
      tracker.mark(detailOf(e));
    });
  }
  onTick(() => {
    const pull = own(global, PULL_GLOBAL);
    if (pull !== undefined) wake();
    tracker.poll(pull);
    tracker.flush();
  });
}
