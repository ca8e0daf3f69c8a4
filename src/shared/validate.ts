/**
 * Validation of untrusted page data.
 *
 * Everything the page sends (and everything read back from a trace file) passes through here
 * before it is stored, relayed or analysed. The page can forge any message, so:
 * - every field is type-checked; an event with a wrong type, a missing field or an unknown
 *   discriminant is rejected as a whole;
 * - strings are cut to LIMITS.maxString (stacks to LIMITS.maxStack), arrays are capped;
 * - the result is a FRESH plain object holding only the known fields (no getters, no
 *   prototype tricks, no extra payload travels further).
 *
 * `checkPageEvent` says precisely what is wrong (a path and a problem) for trace import;
 * `validatePageEvent` is the cheap yes/no used on the relay's hot path.
 */
import {
  ADDRESS_TYPES,
  ALLOCATION_TRACKING,
  GROW_FAILURE_VIAS,
  type GrowFailedEvent,
  HEAP_SIZES,
  GROW_VIAS,
  INSTANTIATE_VIAS,
  LIMITS,
  MEMORY_ORIGINS,
  PAGE_ERROR_KINDS,
  LINK_STATES,
  WORKER_SKIP_REASONS,
  type WorkerSkippedEvent,
  type LinkEvent,
  PAGE_EVENT_TYPES,
  PROTOCOL_VERSION,
  type SitesEvent,
  REALM_KINDS,
  TOOLCHAINS,
  type BindgenEvent,
  type InstanceEvent,
  type MemoryEvent,
  type PageErrorEvent,
  type PageEvent,
  type PageEventType,
} from './protocol';

export type CheckResult = { ok: true; event: PageEvent } | { ok: false; path: string; problem: string };

class Invalid {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {}
}

type Rec = Record<string, unknown>;

function describe(x: unknown): string {
  if (x === undefined) return 'nothing (the field is missing)';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return x.length > 40 ? `a string "${x.slice(0, 40)}…"` : `"${x}"`;
  if (typeof x === 'number') return Number.isFinite(x) ? String(x) : `${x}`;
  return typeof x;
}

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function record(x: unknown, path: string): Rec {
  if (!isRecord(x)) throw new Invalid(path, `expected an object, got ${describe(x)}`);
  return x;
}

function field(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** A finite number >= 0. */
function nonNeg(o: Rec, name: string, path: string): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Invalid(field(path, name), `expected a non-negative number, got ${describe(v)}`);
  }
  return v;
}

function nonNegValue(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Invalid(path, `expected a non-negative number, got ${describe(v)}`);
  }
  return v;
}

function finiteValue(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Invalid(path, `expected a finite number, got ${describe(v)}`);
  }
  return v;
}

function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function str(o: Rec, name: string, path: string, max: number = LIMITS.maxString): string {
  const v = o[name];
  if (typeof v !== 'string') throw new Invalid(field(path, name), `expected a string, got ${describe(v)}`);
  return cut(v, max);
}

function optStr(o: Rec, name: string, path: string, max: number = LIMITS.maxString): string | undefined {
  return o[name] === undefined ? undefined : str(o, name, path, max);
}

function nullableStr(o: Rec, name: string, path: string): string | null {
  return o[name] === null ? null : str(o, name, path);
}

function bool(o: Rec, name: string, path: string): boolean {
  const v = o[name];
  if (typeof v !== 'boolean') throw new Invalid(field(path, name), `expected true or false, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(o: Rec, name: string, path: string, allowed: readonly T[]): T {
  const v = o[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Invalid(field(path, name), `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function arr(o: Rec, name: string, path: string): unknown[] {
  const v = o[name];
  if (!Array.isArray(v)) throw new Invalid(field(path, name), `expected an array, got ${describe(v)}`);
  return v;
}

function strArray(o: Rec, name: string, path: string, maxItems: number): string[] {
  const a = arr(o, name, path);
  const n = Math.min(a.length, maxItems);
  const out: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (typeof v !== 'string') {
      throw new Invalid(`${field(path, name)}[${i}]`, `expected a string, got ${describe(v)}`);
    }
    out[i] = cut(v, LIMITS.maxString);
  }
  return out;
}

/** Put the optional fields that are present; keeps objects free of `undefined` members. */
function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(extra)) {
    if (v !== undefined) (base as Rec)[k] = v;
  }
  return base;
}

function parseEvent(x: unknown, path: string): PageEvent {
  const o = record(x, path);
  const t = o.t;
  if (typeof t !== 'string' || !(PAGE_EVENT_TYPES as readonly string[]).includes(t)) {
    throw new Invalid(field(path, 't'), `unknown event type ${describe(t)}`);
  }
  const time = nonNeg(o, 'time', path);
  switch (t as PageEventType) {
    case 'realm':
      return withOptional(
        {
          t: 'realm',
          time,
          realm: str(o, 'realm', path),
          kind: oneOf(o, 'kind', path, REALM_KINDS),
          url: str(o, 'url', path),
        },
        { parent: optStr(o, 'parent', path) },
      );
    case 'module':
      return {
        t: 'module',
        time,
        key: str(o, 'key', path),
        url: str(o, 'url', path),
        byteLength: nonNeg(o, 'byteLength', path),
        exports: strArray(o, 'exports', path, LIMITS.maxExportNames),
      };
    case 'memory': {
      const maxRaw = o.maxBytes;
      const maxBytes = maxRaw === null ? null : nonNeg(o, 'maxBytes', path);
      const ev: MemoryEvent = {
        t: 'memory',
        time,
        key: str(o, 'key', path),
        origin: oneOf(o, 'origin', path, MEMORY_ORIGINS),
        shared: bool(o, 'shared', path),
        bytes: nonNeg(o, 'bytes', path),
        maxBytes,
        owner: str(o, 'owner', path),
      };
      return withOptional(ev, {
        address: o.address === undefined ? undefined : oneOf(o, 'address', path, ADDRESS_TYPES),
        exportName: optStr(o, 'exportName', path),
        module: optStr(o, 'module', path),
        stack: optStr(o, 'stack', path, LIMITS.maxStack),
      });
    }
    case 'instance': {
      const ev: InstanceEvent = {
        t: 'instance',
        time,
        key: str(o, 'key', path),
        module: str(o, 'module', path),
        via: oneOf(o, 'via', path, INSTANTIATE_VIAS),
        memories: strArray(o, 'memories', path, LIMITS.maxInstanceMemories),
        toolchain: oneOf(o, 'toolchain', path, TOOLCHAINS),
        helper: bool(o, 'helper', path),
      };
      return ev;
    }
    case 'sample': {
      const keysRaw = arr(o, 'keys', path);
      const bytesRaw = arr(o, 'bytes', path);
      if (keysRaw.length !== bytesRaw.length) {
        throw new Invalid(field(path, 'bytes'), `expected as many entries as keys (${keysRaw.length}), got ${bytesRaw.length}`);
      }
      const keys = strArray(o, 'keys', path, LIMITS.maxSampleEntries);
      const bytes: number[] = new Array<number>(keys.length);
      for (let i = 0; i < keys.length; i++) bytes[i] = nonNegValue(bytesRaw[i], `${field(path, 'bytes')}[${i}]`);
      return { t: 'sample', time, keys, bytes };
    }
    case 'grow':
      return withOptional(
        {
          t: 'grow',
          time,
          key: str(o, 'key', path),
          fromBytes: nonNeg(o, 'fromBytes', path),
          toBytes: nonNeg(o, 'toBytes', path),
          via: oneOf(o, 'via', path, GROW_VIAS),
        },
        { stack: optStr(o, 'stack', path, LIMITS.maxStack) },
      );
    case 'grow-failed': {
      const maxRaw = o.maxBytes;
      const ev: GrowFailedEvent = {
        t: 'grow-failed',
        time,
        key: str(o, 'key', path),
        via: oneOf(o, 'via', path, GROW_FAILURE_VIAS),
        requestedBytes: nonNeg(o, 'requestedBytes', path),
        committedBytes: nonNeg(o, 'committedBytes', path),
        maxBytes: maxRaw === null ? null : nonNeg(o, 'maxBytes', path),
      };
      return withOptional(ev, { stack: optStr(o, 'stack', path, LIMITS.maxStack) });
    }
    case 'collected':
      return { t: 'collected', time, key: str(o, 'key', path) };
    case 'bindgen': {
      const modRaw = o.module;
      const module = modRaw === null ? null : str(o, 'module', path);
      const ev: BindgenEvent = {
        t: 'bindgen',
        time,
        module,
        className: str(o, 'className', path),
        created: nonNeg(o, 'created', path),
        freed: nonNeg(o, 'freed', path),
        reclaimed: nonNeg(o, 'reclaimed', path),
        live: nonNeg(o, 'live', path),
      };
      if (o.liveStacks !== undefined) {
        const a = arr(o, 'liveStacks', path);
        const n = Math.min(a.length, LIMITS.maxStacksPerClass);
        const stacks: Array<{ stack: string; count: number }> = [];
        for (let i = 0; i < n; i++) {
          const p = `${field(path, 'liveStacks')}[${i}]`;
          const s = record(a[i], p);
          stacks.push({ stack: str(s, 'stack', p, LIMITS.maxStack), count: nonNeg(s, 'count', p) });
        }
        ev.liveStacks = stacks;
      }
      if (o.liveSampled !== undefined) ev.liveSampled = nonNeg(o, 'liveSampled', path);
      if (o.orphaned !== undefined) ev.orphaned = nonNeg(o, 'orphaned', path);
      if (o.orphanStacks !== undefined) {
        const a = arr(o, 'orphanStacks', path);
        const n = Math.min(a.length, LIMITS.maxStacksPerClass);
        const stacks: Array<{ stack: string; count: number }> = [];
        for (let i = 0; i < n; i++) {
          const p = `${field(path, 'orphanStacks')}[${i}]`;
          const s = record(a[i], p);
          stacks.push({ stack: str(s, 'stack', p, LIMITS.maxStack), count: nonNeg(s, 'count', p) });
        }
        ev.orphanStacks = stacks;
      }
      return ev;
    }
    case 'alloc':
      return withOptional(
        {
          t: 'alloc',
          time,
          memory: str(o, 'memory', path),
          liveBytes: nonNeg(o, 'liveBytes', path),
          liveAllocations: nonNeg(o, 'liveAllocations', path),
          totalAllocations: nonNeg(o, 'totalAllocations', path),
          totalFrees: nonNeg(o, 'totalFrees', path),
        },
        {
          tracking: o.tracking === undefined ? undefined : oneOf(o, 'tracking', path, ['inside-wasm', 'js-boundary'] as const),
          allocator: optStr(o, 'allocator', path),
          sizes: o.sizes === undefined ? undefined : oneOf(o, 'sizes', path, HEAP_SIZES),
        },
      );
    case 'heap':
      return {
        t: 'heap',
        time,
        memory: str(o, 'memory', path),
        module: str(o, 'module', path),
        tracking: oneOf(o, 'tracking', path, ALLOCATION_TRACKING),
        allocator: nullableStr(o, 'allocator', path),
        foundBy: nullableStr(o, 'foundBy', path),
        reason: nullableStr(o, 'reason', path),
      };
    case 'sites': {
      const a = arr(o, 'sites', path);
      const n = Math.min(a.length, LIMITS.maxSites);
      const sites: SitesEvent['sites'] = [];
      for (let i = 0; i < n; i++) {
        const p = `${field(path, 'sites')}[${i}]`;
        const s = record(a[i], p);
        sites.push({
          bytes: nonNeg(s, 'bytes', p),
          count: nonNeg(s, 'count', p),
          samples: nonNeg(s, 'samples', p),
          frames: strArray(s, 'frames', p, LIMITS.maxSiteFrames),
        });
      }
      return { t: 'sites', time, memory: str(o, 'memory', path), interval: nonNeg(o, 'interval', path), sites };
    }
    case 'registry': {
      const statsRaw = record(o.stats, field(path, 'stats'));
      // Null prototype: a page-chosen key such as "__proto__" stays an ordinary key.
      const stats = Object.create(null) as Record<string, number>;
      let n = 0;
      for (const k of Object.keys(statsRaw)) {
        if (n >= LIMITS.maxRegistryFields) break;
        stats[cut(k, LIMITS.maxString)] = finiteValue(statsRaw[k], `${field(path, 'stats')}.${cut(k, 64)}`);
        n++;
      }
      return withOptional({ t: 'registry', time, name: str(o, 'name', path), stats }, { memory: optStr(o, 'memory', path) });
    }
    case 'mark':
      return { t: 'mark', time, label: str(o, 'label', path) };
    case 'link': {
      const ev: LinkEvent = { t: 'link', time, state: oneOf(o, 'state', path, LINK_STATES), url: str(o, 'url', path) };
      return withOptional(ev, {
        reconnects: o.reconnects === undefined ? undefined : nonNeg(o, 'reconnects', path),
        lost: o.lost === undefined ? undefined : nonNeg(o, 'lost', path),
        frame: o.frame === undefined ? undefined : bool(o, 'frame', path),
        worker: o.worker === undefined ? undefined : bool(o, 'worker', path),
      });
    }
    case 'worker-skipped': {
      const ev: WorkerSkippedEvent = {
        t: 'worker-skipped',
        time,
        realm: str(o, 'realm', path),
        url: str(o, 'url', path),
        reason: oneOf(o, 'reason', path, WORKER_SKIP_REASONS),
      };
      return withOptional(ev, { directive: optStr(o, 'directive', path, 64) });
    }
    case 'page-error': {
      const ev: PageErrorEvent = {
        t: 'page-error',
        time,
        realm: str(o, 'realm', path),
        kind: oneOf(o, 'kind', path, PAGE_ERROR_KINDS),
        message: str(o, 'message', path),
      };
      return withOptional(ev, {
        source: optStr(o, 'source', path),
        skipped: o.skipped === undefined ? undefined : nonNeg(o, 'skipped', path),
      });
    }
  }
}

/** Validate one event; on failure say where (path below `path`) and what is wrong. */
export function checkPageEvent(x: unknown, path = ''): CheckResult {
  try {
    return { ok: true, event: parseEvent(x, path) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, path: e.path === '' ? '(event)' : e.path, problem: e.problem };
    // Only a hostile object (a throwing getter or proxy) gets here: refuse it, say why.
    return { ok: false, path: path === '' ? '(event)' : path, problem: `unreadable value (${String(e)})` };
  }
}

/** Validate and bound one untrusted event; null when it is not a well-formed PageEvent. */
export function validatePageEvent(x: unknown): PageEvent | null {
  const r = checkPageEvent(x);
  return r.ok ? r.event : null;
}

export interface ValidBatch {
  events: PageEvent[];
  /** Cumulative page-side drop count as the page reported it (bounded to a sane number). */
  dropped: number;
  /** Events of this batch refused here: malformed ones and those beyond LIMITS.maxBatch. */
  rejected: number;
  /** Events the sender says it sent before this batch (cumulative), when it says so. */
  sent?: number;
}

/** Most realms whose page errors `PageErrorLimit` tracks (a page can invent realm ids). */
export const MAX_PAGE_ERROR_REALMS = 256;

/**
 * The per-realm cap on `page-error` events, enforced again where page data enters the
 * extension (the content script), so a page that does not keep the injected script's cap
 * cannot flood the pipeline with them: per realm, at most LIMITS.maxPageErrorsPerRealm single
 * errors pass, then only summaries (`skipped`) whose count grows; errors of realms beyond the
 * first MAX_PAGE_ERROR_REALMS are refused. One instance per page connection.
 */
export class PageErrorLimit {
  private readonly realms = new Map<string, { singles: number; skipped: number }>();

  /** Whether this (valid) event may pass. Events other than page-error always pass. */
  admit(e: PageEvent): boolean {
    if (e.t !== 'page-error') return true;
    let r = this.realms.get(e.realm);
    if (r === undefined) {
      if (this.realms.size >= MAX_PAGE_ERROR_REALMS) return false;
      r = { singles: 0, skipped: 0 };
      this.realms.set(e.realm, r);
    }
    if (e.skipped === undefined) {
      if (r.singles >= LIMITS.maxPageErrorsPerRealm) return false;
      r.singles++;
      return true;
    }
    if (e.skipped <= r.skipped) return false;
    r.skipped = e.skipped;
    return true;
  }
}

/**
 * Validate a `PageBatchMessage` (page -> content) or the equivalent batch forwarded
 * content -> background. Null when the envelope itself is wrong (not a batch, other version).
 * With `limit`, page-error events beyond the per-realm cap are refused (counted in `rejected`).
 */
export function validateBatch(x: unknown, limit?: PageErrorLimit): ValidBatch | null {
  if (!isRecord(x) || x.kind !== 'batch' || x.v !== PROTOCOL_VERSION) return null;
  const raw = x.events;
  if (!Array.isArray(raw)) return null;
  const d = x.dropped;
  const dropped = typeof d === 'number' && Number.isFinite(d) && d >= 0 ? Math.min(Math.floor(d), Number.MAX_SAFE_INTEGER) : 0;
  const n = Math.min(raw.length, LIMITS.maxBatch);
  const events: PageEvent[] = [];
  let rejected = raw.length - n;
  for (let i = 0; i < n; i++) {
    const ev = validatePageEvent(raw[i]);
    if (ev && (limit === undefined || limit.admit(ev))) events.push(ev);
    else rejected++;
  }
  const s = x.sent;
  if (typeof s === 'number' && Number.isFinite(s) && s >= 0)
    return { events, dropped, rejected, sent: Math.min(Math.floor(s), Number.MAX_SAFE_INTEGER) };
  return { events, dropped, rejected };
}
