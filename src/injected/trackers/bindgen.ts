/**
 * wasm-bindgen classes: per class, objects created, freed explicitly (free(), Symbol.dispose),
 * reclaimed by the glue's GC finalizer without ever being freed ("forgot to free"), and live.
 * The counting state machine; reading glue source is ./glue-source.ts, the hooks are
 * ./bindgen-hooks.ts, and which signal serves which glue generation is docs/GLUE-VERSIONS.md.
 *
 * - created: the first pointer-field assignment (`__wbg_ptr`, or `ptr` in old glue) on an object
 *   of a class with a `free()` calling a `__wbg_<class>_free` export (the Object.prototype watch);
 *   or, for classes that register every object, `register()` on their wasm-bindgen registry once
 *   the first object confirmed it (the watch is then shadowed on the prototype: `CountMode`);
 *   or, for old glue whose objects all come from `static __wrap`, calls of a look-alike of it.
 * - orphaned: objects counted one by one (not by register()) are registered in a
 *   FinalizationRegistry of ours (at most ORPHAN_TRACK_PER_TICK per tick); a wrapper collected
 *   while its pointer was never released is an orphan (orphanedOf: a lower bound).
 * - freed: `unregister()` calls on the class's registry where they count releases
 *   (releasesCountedFor, onUnregistered); otherwise the free export's calls counted INSIDE wasm
 *   by the rewritten module (linkFreeCounter), minus those its cleanup callbacks made.
 * - reclaimed: a wasm-bindgen registry's cleanup callback ran.
 * Not seen in glue without a registry: an object passed BY VALUE into Rust (its pointer is
 * consumed without the free export) stays counted as live.
 *
 * Pure bookkeeping: no globals touched, except the per-class shadow of the watch, through
 * deps.shadowPointerField.
 */
import { LIMITS, type BindgenEvent, type ObjectKey } from '../../shared/protocol';
import {
  apply,
  arrayFilter,
  arrayIncludes,
  arraySlice,
  arraySortInPlace,
  functionToString,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  OrigFinalizationRegistry,
  OrigWeakRef,
  SafeMap,
  SafeSet,
  SafeWeakMap,
  SafeWeakSet,
  stringIndexOf,
  stringSlice,
  weakRefDeref,
} from '../core/intrinsics';
import { shadowField, Stamp } from './proto-setters';
import {
  classNameFromExport,
  constructorExportOf,
  freeExportIn,
  isFreeExportName,
  pointerFieldOf,
  ptrOfHeld,
  registersEveryPointer,
  toPtr,
  wrapsEveryPointer,
  type RegistryGlue,
} from './glue-source';

/**
 * Creation stacks: a per-class budget of captures (a token bucket), refilled by STACKS_PER_TICK
 * at every sampling tick up to STACK_BURST (also the budget of a new class). A capture costs
 * ~8 µs (stack-capture.ts); a class creating objects without pause pays at most
 * STACKS_PER_TICK captures per tick (160/s at the busy 100 ms rate, ~1.3 ms/s), while a burst
 * after a pause (a document opened: tens of objects at once) has a stack for every object, so
 * its creation sites count every live object exactly.
 */
export const STACKS_PER_TICK = 16;
/** The most captures a class can save up between bursts (see STACKS_PER_TICK). */
export const STACK_BURST = 256;
/**
 * Live objects whose creation stack is kept, per class at most (a pointer -> site entry each;
 * the stack text is shared by the objects of one site).
 */
export const MAX_SAMPLED_PER_CLASS = 512;
/** Distinct creation sites (stack texts) kept per class; objects of further sites are not sampled. */
export const MAX_SITES_PER_CLASS = 64;
/** Classes tracked per realm. */
export const MAX_CLASSES = 512;
/** Creation stacks of orphaned objects kept per class (each a sampled object). */
export const MAX_ORPHAN_STACKS = 8;
/**
 * Orphan tracking registrations: a per-class token bucket like the stacks', refilled by
 * ORPHAN_TRACK_PER_TICK at every sampling tick up to ORPHAN_BURST (also a new class's budget).
 * A registration (and the cell the GC then processes) measured +45% CPU on photon's 4x4
 * PhotonImage create/grayscale/free loop when every object was registered, and +2.6% with 1,024
 * per tick. A class whose creations fit the bucket (a burst of up to 1,024 objects, or a steady
 * 640 objects/s at the busy rate) has every object registered, and its figure is the stronger
 * bound; beyond that, a sample is.
 */
export const ORPHAN_TRACK_PER_TICK = 64;
/** The most registrations a class can save up between bursts (see ORPHAN_TRACK_PER_TICK). */
export const ORPHAN_BURST = 1024;

/** Saved before any hook: our own registrations never go through the register() look-alike. */
const frRegister = OrigFinalizationRegistry.prototype.register;

/**
 * Orphan tracking of one class: every object the watch counts is registered, with the class's
 * free mark at its creation (see BindgenTracker.freeMark), in a FinalizationRegistry of ours (the
 * original, never the page's), so that a wrapper collected while its pointer was never released
 * is seen. Only for classes whose objects are all counted by the watch (`all`): there, a wrapper
 * collected is an object that was freed or is leaked for good.
 */
interface OrphanWatch {
  registry: WeakRegistry;
  /**
   * Objects of the class counted before the watch began. Every object created since was
   * registered while `tracked` equals the class's `created` minus this (see orphanedOf); once
   * the bucket ran dry at a creation, only a sample is.
   */
  createdBefore: number;
  /** Registrations left (see ORPHAN_TRACK_PER_TICK). */
  budget: number;
  /** Its objects count by register(): not watched any more. */
  off: boolean;
  /** Objects registered. */
  tracked: number;
  /** Of those, collected (our callback ran), counted at the tick after the callback (see settle). */
  collected: number;
  /** Collected since the last tick: judged at the next tick (a glue finalizer may run after ours). */
  pending: SafeMap<number, number>;
  /** Collected objects whose class had no release at all between their creation and their collection. */
  definite: number;
  /** Sampled objects collected since the last tick. */
  pendingBoxes: StackBox[];
  /**
   * Pointer -> the box of a sampled object (creation stack kept): its held value. The box gets
   * the stack text when formatPending formats it (the held value never holds the capture: an
   * unformatted capture holds its frames' receivers, the object among them, and held values are
   * strong), and its mark is moved forward at every tick that sees the object still holding its
   * pointer, so a sampled orphan is told even while other objects of its class are freed.
   */
  boxes: SafeMap<number, StackBox>;
  /** Formatted creation stack -> sampled orphans created there. */
  stacks: SafeMap<string, number>;
}
type OrphanHeld = number | StackBox;
interface StackBox {
  mark: number;
  stack: string | null;
}

/** A creation site of a class: its stack text and the sampled objects made there still live. */
interface Site {
  stack: string;
  live: number;
}

/** An in-wasm free counter of one instance: its reader, and its value at the last tick. */
interface FreeReader {
  read: () => number;
  seen: number;
  counter: object;
}

/** The running total of `readers` now (a reader that cannot be read counts its last value). */
function readTotal(readers: readonly FreeReader[]): number {
  let total = 0;
  for (let i = 0; i < readers.length; i++) {
    const r = readers[i]!;
    const n = r.read();
    total += Number.isNaN(n) ? r.seen : n;
  }
  return total;
}

/** The `max` most frequent stacks of `counts`, most frequent first (ties: first seen first). */
function topStacks(counts: SafeMap<string, number>, max: number): Array<{ stack: string; count: number }> {
  const all: Array<{ stack: string; count: number }> = [];
  counts.forEach((count, stack) => void (all[all.length] = { stack, count }));
  return arraySlice(
    arraySortInPlace(all, (a, b) => b.count - a.count),
    0,
    max,
  );
}

/**
 * A stack of a class counted through its `__wrap` look-alike (CountMode `wrap`) without a first
 * frame inside the glue's own `__wrap`: the class's first object was seen there (by the watch,
 * before the look-alike existed), the later ones after `__wrap` returned. Both are the same site.
 */
function withoutWrapFrame(text: string): string {
  const nl = apply(stringIndexOf, text, ['\n']) as number;
  const first = nl < 0 ? text : (apply(stringSlice, text, [0, nl]) as string);
  if ((apply(stringIndexOf, first, ['.__wrap (']) as number) < 0) return text;
  return nl < 0 ? '' : (apply(stringSlice, text, [nl + 1]) as string);
}

/** The `max` sites with the most live objects, most first (ties: first seen first). */
function topSites(sites: SafeMap<string, Site>, max: number): Array<{ stack: string; count: number }> {
  const all: Array<{ stack: string; count: number }> = [];
  sites.forEach((site) => void (all[all.length] = { stack: site.stack, count: site.live }));
  return arraySlice(
    arraySortInPlace(all, (a, b) => b.count - a.count),
    0,
    max,
  );
}

/** What orphan tracking needs of a FinalizationRegistry (tests pass a deterministic one). */
export interface WeakRegistry {
  register(target: object, held: OrphanHeld): void;
}

/** Our own FinalizationRegistry: the original constructor and register(), saved before any hook. */
function ownRegistry(cleanup: (held: OrphanHeld) => void): WeakRegistry {
  const fr = new OrigFinalizationRegistry<OrphanHeld>(cleanup);
  return {
    register(target: object, held: OrphanHeld): void {
      apply(frRegister, fr, [target, held]);
    },
  };
}

/**
 * Objects released through unregister() of a registry that does not see every object registered:
 * a private field on the object itself (invisible to the page; no weak table to grow and to
 * process in every GC, which a WeakSet measured at 1.08x on resvg's `new Resvg` + free loop).
 */
class Released extends Stamp {
  #released = true;
  static mark(o: object): void {
    try {
      new Released(o);
    } catch {
      // not extensible to private fields (a Proxy, or a future spec): remember it weakly instead
      releasedFallback.add(o);
    }
  }
  static seen(o: object): boolean {
    return #released in o || releasedFallback.has(o);
  }
}
const releasedFallback = new SafeWeakSet<object>();

/**
 * How a class's creations are counted.
 * - `unknown`: not classified yet.
 * - `setter`: by the pointer-field watch (every object's first pointer assignment).
 * - `probe`: the class source says every object is registered; the watch still counts, until the
 *   first object it saw is registered with one of the class's wasm-bindgen registries (then
 *   `register`), or a second object is created first (then `setter`: the source misled us).
 * - `register`: by `register()` calls on the class's wasm-bindgen registry; the watch is
 *   shadowed on the class prototype, so creating an object costs the page nothing extra.
 * - `wrap`: old glue (`ptr` field) whose class makes every object through its static `__wrap`
 *   (glue-source wrapsEveryPointer): by calls of a look-alike of `__wrap` (deps.wrapCreator);
 *   the `ptr` watch is shadowed on the class prototype (the watch cost 3x on a tiny object's
 *   create/free loop).
 */
export type CountMode = 'unknown' | 'setter' | 'probe' | 'register' | 'wrap';

function liveOf(cls: BindgenClass): number {
  return cls.created - cls.freed - cls.reclaimed;
}

export interface BindgenClass {
  /** `__wbg_<lowercased class>_free`: the key. */
  freeExport: string;
  name: string;
  created: number;
  freed: number;
  reclaimed: number;
  /**
   * Pointer -> creation site, for the live objects whose creation stack was captured (at most
   * MAX_SAMPLED_PER_CLASS): the site, or a capture not formatted yet (formatted at the next
   * event of the class, if still live). While every live object is in it, the sites' counts are
   * exact (`liveSampled` of the event equals `live`).
   */
  sampled: SafeMap<number, Site | (() => string)>;
  /** Pointer -> the sampled object, for classes whose frees are counted inside wasm. */
  sampledRefs: SafeMap<number, WeakRef<object>>;
  /** Formatted stack -> its site (live sampled objects created there); at most MAX_SITES_PER_CLASS. */
  sites: SafeMap<string, Site>;
  /** Sampled objects formatted into a site (the sum of the sites' `live`). */
  sitedLive: number;
  /** Captures left (see STACKS_PER_TICK). */
  stackBudget: number;
  dirty: boolean;
  mode: CountMode;
  /** Orphan tracking (objects counted by the watch), or null. */
  orphans: OrphanWatch | null;
  /**
   * `wrap` mode: nonzero while a creation has more to do than be counted (a stack or an orphan
   * registration left in the budgets, or the orphan watch not begun). The `__wrap` look-alike
   * counts every creation itself and calls the tracker only then (BindgenDeps.wrapCreator), so
   * a class in a tight loop costs one increment per object once its budgets are spent.
   */
  attention: number;
  /** `created` at the last event emitted (creations counted by the look-alike do not set `dirty`). */
  emittedCreated: number;
}

/** What a `__wrap` look-alike updates itself (a class record in `wrap` mode). */
export interface WrapTally {
  created: number;
  attention: number;
}

/** Does `Foo.__wrap(ptr)` returning `obj` make an object to count? (the look-alike's test) */
export function wrapCounts(obj: unknown, ptr: unknown): boolean {
  return typeof obj === 'object' && obj !== null && toPtr(ptr) > 0;
}

export interface BindgenDeps {
  now(): number;
  /** Capture the caller's stack now; format it when the returned function is called. */
  stackLater(): () => string;
  emit(event: BindgenEvent): void;
  /** Stop the pointer-field watch for objects of `proto` (default: ./proto-setters shadowField). */
  shadowPointerField?(proto: object): boolean;
  /**
   * Replace `ctor.__wrap` with a look-alike that calls the original, counts the new object in
   * `tally.created` (an object and a pointer > 0: wrapCounts), and while `tally.attention` is
   * nonzero also calls `onCreate(obj, ptr)`; and shadow the `ptr` watch on `proto`
   * (./bindgen-hooks hookWrap). false: nothing changed. Absent: old glue stays on the watch.
   */
  wrapCreator?(ctor: object, proto: object, tally: WrapTally, onCreate: (obj: unknown, ptr: unknown) => void): boolean;
  /** A weak registry for orphan tracking (default: our own FinalizationRegistry). */
  weakRegistry?(cleanup: (held: OrphanHeld) => void): WeakRegistry;
}

/** A wasm-bindgen registry, as the hooks know it. */
export interface RegistrationSite {
  /** The free export its cleanup callback calls. */
  freeExport: string;
  /** Do its registrations count as creations? */
  counting: boolean;
  /** Which glue made it (see RegistryGlue): can its unregistrations count as releases? */
  glue: RegistryGlue;
  /** Do its unregistrations count as releases? null until the free export's first instance decided it. */
  releases: boolean | null;
}

/** A class in `probe` mode: the prototype that owns its `free`, and the first object seen. */
interface Probe {
  owner: object;
  first: WeakRef<object> | null;
}

/**
 * Counting needs no per-object bookkeeping: the glue zeroes the pointer field before it frees,
 * so a second free() reaches the export with pointer 0 (ignored); creation is seen once per
 * object (the first assignment of its pointer field); the finalizer runs once per registered
 * object. Only the sampled objects (at most LIMITS.maxStacksPerClass per class) are remembered
 * by pointer, to drop their stacks when they go away.
 */
export class BindgenTracker {
  readonly classes = new SafeMap<string, BindgenClass>();
  /** Depth of cleanup callbacks of wasm-bindgen registries currently running. */
  finalizing = 0;
  /** Errors thrown by our own bookkeeping (never propagated to the page). */
  errors = 0;
  private readonly protoCache = new SafeWeakMap<object, BindgenClass | null>();
  private lastProto: object | null = null;
  private lastClass: BindgenClass | null = null;
  private readonly exportModule = new SafeMap<string, ObjectKey>();
  private readonly probes = new SafeMap<BindgenClass, Probe>();
  /** Counters of free-export calls kept inside wasm, per free export name (one per instance). */
  private readonly freeCounters = new SafeMap<string, FreeReader[]>();
  /** Counted calls made by cleanup callbacks since the last tick, per free export name. */
  private readonly finalizerCalls = new SafeMap<string, number>();
  /** Free exports with a wasm-bindgen registry whose glue unregisters on release, by glue (made so far). */
  private readonly releaseRegistries = new SafeMap<string, SafeSet<RegistryGlue>>();
  /** Per free export: are releases counted by unregister() (true) or by the in-wasm call counter (false)? */
  private readonly releaseCounting = new SafeMap<string, boolean>();
  /** Sampled objects (creation stack kept) -> their pointer, to drop the stack when released. */
  private readonly sampledObjects = new SafeWeakMap<object, number>();

  constructor(private readonly deps: BindgenDeps) {}

  /** The class record for a free export, created on first use (bounded). */
  classFor(freeExport: string, displayName?: string): BindgenClass | null {
    let cls = this.classes.get(freeExport);
    if (cls === undefined) {
      if (this.classes.size >= MAX_CLASSES) return null;
      cls = {
        freeExport,
        name: classNameFromExport(freeExport),
        created: 0,
        freed: 0,
        reclaimed: 0,
        sampled: new SafeMap(),
        sampledRefs: new SafeMap(),
        sites: new SafeMap(),
        sitedLive: 0,
        stackBudget: STACK_BURST,
        dirty: false,
        mode: 'unknown',
        orphans: null,
        attention: 1,
        emittedCreated: 0,
      };
      this.classes.set(freeExport, cls);
    }
    if (displayName !== undefined && displayName !== cls.name) {
      // A JS class name wins over the lower-cased export name when it is the same word
      // (Tiktoken vs tiktoken; bundlers rename a self-referencing `class BBox` to `_BBox`),
      // or when the export name is all we had.
      const bare = classNameFromExport(freeExport).toLowerCase();
      const unprefixed = displayName.replace(/^_+/, '');
      if (unprefixed.toLowerCase() === bare) cls.name = unprefixed.slice(0, LIMITS.maxString);
      else if (cls.name === classNameFromExport(freeExport) && displayName.length > 2) cls.name = displayName.slice(0, LIMITS.maxString);
    }
    return cls;
  }

  /** The wasm-bindgen class of an object, by its prototype chain (cached per prototype). */
  classOfObject(obj: object): BindgenClass | null {
    const proto = getPrototypeOf(obj) as object | null;
    if (proto === this.lastProto) return this.lastClass;
    if (proto === null) return null;
    let found = this.protoCache.get(proto);
    if (found === undefined) {
      found = this.classify(proto);
      this.protoCache.set(proto, found);
    }
    this.lastProto = proto;
    this.lastClass = found;
    return found;
  }

  private classify(proto: object): BindgenClass | null {
    let p: object | null = proto;
    for (let depth = 0; p !== null && p !== Object.prototype && depth < 8; depth++) {
      const d = getOwnPropertyDescriptor(p, 'free');
      if (d !== undefined && typeof d.value === 'function') {
        const source = apply(functionToString, d.value, []) as string;
        const fe = freeExportIn(source);
        if (fe === null) return null;
        const ctor = getOwnPropertyDescriptor(p, 'constructor')?.value as unknown;
        const name = typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name.length > 0 ? ctor.name : undefined;
        const cls = this.classFor(fe, name);
        if (cls !== null && cls.mode === 'unknown') {
          cls.mode = 'setter';
          const ctorSource = typeof ctor === 'function' ? (apply(functionToString, ctor, []) as string) : '';
          if (registersEveryPointer(ctorSource)) {
            cls.mode = 'probe';
            this.probes.set(cls, { owner: p, first: null });
          } else if (this.deps.wrapCreator !== undefined && typeof ctor === 'function' && wrapsEveryPointer(ctorSource)) {
            const counted = cls;
            if (this.deps.wrapCreator(ctor, p, counted, (obj, ptr) => this.onWrapped(counted, obj, ptr))) cls.mode = 'wrap';
          }
        }
        return cls;
      }
      p = getPrototypeOf(p) as object | null;
    }
    return null;
  }

  /** Which module exports a class's free function (latest instance wins). */
  noteInstance(moduleKey: ObjectKey, exportNames: readonly string[]): string[] {
    const free: string[] = [];
    for (let i = 0; i < exportNames.length; i++) {
      const name = exportNames[i]!;
      if (!isFreeExportName(name)) continue;
      this.exportModule.set(name, moduleKey);
      free[free.length] = name;
    }
    return free;
  }

  /** A wasm-bindgen registry was made (hooks): remember which free exports can be counted from it. */
  noteRegistry(site: RegistrationSite): void {
    if (site.glue === 'old') return;
    let kinds = this.releaseRegistries.get(site.freeExport);
    if (kinds === undefined) this.releaseRegistries.set(site.freeExport, (kinds = new SafeSet()));
    kinds.add(site.glue);
  }

  /**
   * An instance exports `name`, a free export of `length` parameters (and `exportNames`): are
   * its explicit frees counted by unregister() (else by the in-wasm call counter)? Glue modules
   * make their registries before they instantiate, so a registry of the glue that matches the
   * export (0.2.93+ for two parameters, 0.2.85 to 0.2.92 for one) exists by then. Decided once
   * per free export name, by its first instance: if that one is counted inside wasm, every later one is too
   * and no registry of that name counts releases, so no free is counted twice. After a "yes", an
   * instance without a matching registry (glue with no registry at all) is counted inside wasm: its objects
   * never reach a counting registry.
   */
  releasesCountedFor(name: string, length: number, exportNames: readonly string[]): boolean {
    const kinds = this.releaseRegistries.get(name);
    // A one-parameter export (0.2.85 to 0.2.92): only for a class without a constructor export
    // (`<class>_new`), whose objects all come from `__wrap`, which registers them. A class with
    // `new` has objects that are never registered; a release of one could only be told from a
    // second free() per object (measured: 1.06x-1.08x on resvg's `new Resvg` + free loop), so
    // its calls are counted inside wasm. (A constructor under another name is caught when the class turns
    // out not to register every object: see onUnregistered.)
    const matching =
      kinds !== undefined &&
      (length === 2
        ? kinds.has('flagged')
        : length === 1 && kinds.has('unsigned') && !arrayIncludes(exportNames, constructorExportOf(name)));
    let decided = this.releaseCounting.get(name);
    if (decided === undefined) {
      decided = matching;
      this.releaseCounting.set(name, decided);
    }
    return decided && matching;
  }

  /**
   * unregister(token) on `site` returned `removed` (hooks; the look-alike counts the common case
   * inline and calls this for the rest): an object released by JS through `__destroy_into_raw()`
   * (free(), Symbol.dispose, or a move into Rust), if that registry counts releases. A second
   * free() unregisters too, and is told apart: where every object is registered (0.2.93+ glue, or
   * a class counted from its registrations) only a removed cell is a release; elsewhere released
   * objects carry a private mark (Released).
   */
  onUnregistered(site: RegistrationSite & { cls: BindgenClass | null }, token: unknown, removed: boolean): void {
    let releases = site.releases;
    if (releases === null) {
      if (site.glue === 'old') releases = site.releases = false;
      else {
        const decided = this.releaseCounting.get(site.freeExport);
        if (decided === undefined) return; // no instance yet: nothing of it can have been created
        releases = site.releases = decided;
      }
    }
    if (!releases) return;
    if (!(site.glue === 'flagged' || site.counting)) {
      if (typeof token !== 'object' || token === null || Released.seen(token)) return;
      Released.mark(token);
    } else if (!removed) {
      return;
    }
    const cls = site.cls ?? (site.cls = this.classes.get(site.freeExport) ?? null);
    if (cls === null) return;
    cls.freed++;
    cls.dirty = true;
    if (cls.sampled.size !== 0 && typeof token === 'object' && token !== null) {
      const ptr = this.sampledObjects.get(token);
      if (ptr !== undefined) this.unsample(cls, ptr);
    }
  }

  /** First `__wbg_ptr` / `ptr` assignment on an object: a new object of a class, if it is one. */
  onPtrAssigned(obj: object, value: unknown): void {
    const cls = this.classOfObject(obj);
    if (cls === null) return;
    // Glue stores `ret >>> 0`: a non-negative integer (fast path); anything else is normalised.
    const ptr = typeof value === 'number' && value > 0 && value <= 0xffffffff && value % 1 === 0 ? value : toPtr(value);
    if (ptr <= 0) return;
    // (In `register` mode, an object reaching the watch is not of the shadowed prototype: another
    // copy of the glue, whose registrations are not counted. Count it here.)
    if (cls.mode === 'probe') {
      const probe = this.probes.get(cls);
      if (probe !== undefined && probe.first === null) {
        probe.first = new OrigWeakRef(obj);
      } else {
        // A second object came before the first was registered: count by the watch for good.
        this.probes.delete(cls);
        cls.mode = 'setter';
      }
    }
    this.countCreated(cls, ptr, obj);
  }

  /**
   * `Foo.__wrap(ptr)` returned `obj` (a class in `wrap` mode), already counted by the look-alike
   * (wrapCounts), which calls this only while the class wants attention: its stack and orphan
   * budgets, then whether it still wants attention.
   */
  onWrapped(cls: BindgenClass, obj: unknown, value: unknown): void {
    if (!wrapCounts(obj, value)) return;
    this.noteCreated(cls, toPtr(value), obj as object);
    cls.attention = this.wantsAttention(cls) ? 1 : 0;
  }

  /** A creation in `wrap` mode has more to do than be counted (see BindgenClass.attention). */
  private wantsAttention(cls: BindgenClass): boolean {
    if (cls.stackBudget > 0 && cls.sampled.size < MAX_SAMPLED_PER_CLASS) return true;
    const w = cls.orphans;
    // (no watch: it begins at the class's first creation, never after)
    return w === null ? cls.created === 0 : !w.off && w.budget > 0;
  }

  /** Stop the pointer-field watch for objects of `proto` (deps.shadowPointerField, or ./proto-setters shadowField). */
  private shadow(proto: object): boolean {
    return this.deps.shadowPointerField !== undefined ? this.deps.shadowPointerField(proto) : shadowField(proto, '__wbg_ptr');
  }

  /**
   * `register(target, held)` was called on `site`, a wasm-bindgen registry whose cleanup frees
   * objects of `cls`. Counts a creation when that registry was confirmed (`site.counting`);
   * confirms it when this is the first object of a `probe` class.
   *
   * Counting is per registry, not per class, because two copies of glue in one realm (two
   * packages, or one loaded twice) can share a class record (same `__wbg_<name>_free`): only the
   * confirmed copy's prototype is shadowed and its registry counted; the other copy's objects
   * still reach the watch, which counts them.
   */
  onRegistered(cls: BindgenClass, site: RegistrationSite, target: unknown, held: unknown): void {
    if (site.counting) {
      this.countRegistered(cls, target, held);
      return;
    }
    if (cls.mode !== 'probe') return;
    const probe = this.probes.get(cls);
    if (probe === undefined || probe.first === null || apply(weakRefDeref, probe.first, []) !== target) return;
    // The first object (already counted by the watch) is registered with a registry we see:
    // from now on count this registry's registrations, and let this class's stores bypass the watch.
    this.probes.delete(cls);
    if (this.shadow(probe.owner)) {
      cls.mode = 'register';
      site.counting = true;
      // Its objects are now counted by register(), not seen one by one: no orphan figure (the
      // glue's finalizer reclaims what is collected).
      if (cls.orphans !== null) cls.orphans.off = true;
    } else {
      cls.mode = 'setter';
    }
  }

  /**
   * register() on a registry that counts (hot path, called by the register() look-alike): one
   * object created. `held` is what the glue registers: the pointer, or an object holding it.
   */
  countRegistered(cls: BindgenClass, target: unknown, held: unknown): void {
    cls.created++;
    cls.dirty = true;
    if (cls.stackBudget === 0) return;
    const ptr = typeof held === 'number' && held > 0 && held <= 0xffffffff && held % 1 === 0 ? held : ptrOfHeld(held);
    if (ptr > 0) this.sampleStack(cls, ptr, target);
  }

  private countCreated(cls: BindgenClass, ptr: number, obj: object): void {
    cls.created++;
    this.noteCreated(cls, ptr, obj);
  }

  /** A creation already counted in `cls.created`: its stack and orphan registration, within budget. */
  private noteCreated(cls: BindgenClass, ptr: number, obj: object): void {
    cls.dirty = true;
    const budget = cls.stackBudget;
    this.sampleStack(cls, ptr, obj);
    let w = cls.orphans;
    if (w === null) {
      if (cls.created !== 1) return; // objects counted before (by register()) were not watched
      w = cls.orphans = this.newOrphanWatch(cls.created - 1);
    }
    if (w.budget === 0 || w.off) return; // (a sample from now on: see allRegistered)
    w.budget--;
    w.tracked++;
    const mark = this.freeMark(cls);
    if (budget === cls.stackBudget || !cls.sampled.has(ptr)) {
      w.registry.register(obj, mark);
      return;
    }
    const box: StackBox = { mark, stack: null };
    w.boxes.set(ptr, box);
    w.registry.register(obj, box);
  }

  private newOrphanWatch(createdBefore: number): OrphanWatch {
    const cleanup = (held: OrphanHeld): void => {
      try {
        this.onWrapperCollected(w, held);
      } catch (err) {
        void err;
        this.errors++;
      }
    };
    const w: OrphanWatch = {
      registry: (this.deps.weakRegistry ?? ownRegistry)(cleanup),
      createdBefore,
      budget: ORPHAN_BURST,
      off: false,
      tracked: 0,
      collected: 0,
      pending: new SafeMap(),
      definite: 0,
      pendingBoxes: [],
      boxes: new SafeMap(),
      stacks: new SafeMap(),
    };
    return w;
  }

  /**
   * The class's release mark: a number that changes whenever an object of the class may have
   * been released. For frees counted inside wasm: the running total of the free export's calls
   * read at the last tick (the raw counter, finalizer calls included); otherwise freed +
   * reclaimed as counted so far.
   */
  private freeMark(cls: BindgenClass): number {
    const readers = this.freeCounters.get(cls.freeExport);
    if (readers === undefined) return cls.freed + cls.reclaimed;
    let total = 0;
    for (let i = 0; i < readers.length; i++) total += readers[i]!.seen;
    return total;
  }

  /** The release mark now (a fresh read of the in-wasm counters). */
  private freeMarkNow(cls: BindgenClass): number {
    const readers = this.freeCounters.get(cls.freeExport);
    return readers === undefined ? cls.freed + cls.reclaimed : readTotal(readers);
  }

  /** Our registry's callback: a wrapper of the class was collected. Judged at the next tick. */
  private onWrapperCollected(w: OrphanWatch, held: OrphanHeld): void {
    if (typeof held === 'object' && w.pendingBoxes.length < 1024) w.pendingBoxes[w.pendingBoxes.length] = held;
    else {
      const mark = typeof held === 'number' ? held : held.mark;
      w.pending.set(mark, (w.pending.get(mark) ?? 0) + 1);
    }
  }

  /**
   * At the tick: the wrappers collected before it are counted, one tick late so that a glue
   * finalizer running after our callback (glue whose registry reclaims some objects) is counted
   * first. A collected object whose class saw no release at all between its creation and now
   * was never freed: a definite orphan (its pointer can only have been released by the free
   * export, whose calls the mark counts, or by a move into Rust: see docs/GLUE-VERSIONS.md).
   */
  private settleOrphans(cls: BindgenClass, w: OrphanWatch): void {
    if (w.boxes.size === 0 && w.pending.size === 0 && w.pendingBoxes.length === 0) return;
    const now = this.freeMarkNow(cls);
    if (w.pending.size !== 0 || w.pendingBoxes.length !== 0) {
      w.pending.forEach((n, mark) => {
        w.collected += n;
        if (mark === now) w.definite += n;
      });
      w.pending.clear();
      for (let i = 0; i < w.pendingBoxes.length; i++) {
        const box = w.pendingBoxes[i]!;
        w.collected++;
        if (box.mark !== now) continue;
        w.definite++;
        const stack = box.stack;
        if (stack !== null && (w.stacks.has(stack) || w.stacks.size < MAX_ORPHAN_STACKS))
          w.stacks.set(stack, (w.stacks.get(stack) ?? 0) + 1);
      }
      w.pendingBoxes.length = 0;
      cls.dirty = true;
    }
    // Sampled objects still holding their pointer: not released up to now.
    w.boxes.forEach((box, ptr) => {
      const ref = cls.sampledRefs.get(ptr);
      const obj = ref === undefined ? undefined : (apply(weakRefDeref, ref, []) as object | undefined);
      if (obj !== undefined && pointerFieldOf(obj) === ptr) box.mark = now;
    });
  }

  /**
   * Orphaned objects of a class, a lower bound: the larger of (a) the collected wrappers that
   * were definitely never released and (b) live minus the wrappers not collected yet (every
   * object is registered, so an object live in wasm whose wrapper is gone is an orphan; a
   * wrapper still alive may hold a released pointer, hence a bound). Never above live. null
   * when the class is not watched object by object.
   */
  orphanedOf(cls: BindgenClass): number | null {
    const w = cls.orphans;
    if (w === null || w.off) return null;
    const live = liveOf(cls);
    // Once only a sample is registered, the objects not registered may be anything: only the
    // definite orphans among the registered ones remain a bound.
    const bound = w.tracked === cls.created - w.createdBefore ? live - (w.tracked - w.collected) : 0;
    return Math.max(0, Math.min(live, Math.max(w.definite, bound)));
  }

  /**
   * Keep the creation stack of the object at `ptr`, within the class's budget and bound. It is
   * captured now and formatted only if the object is still live at the class's next event
   * (most sampled objects of a create/free loop are freed before that).
   */
  private sampleStack(cls: BindgenClass, ptr: number, obj: unknown): void {
    if (cls.stackBudget > 0 && cls.sampled.size < MAX_SAMPLED_PER_CLASS) {
      cls.stackBudget--;
      this.unsample(cls, ptr); // a pointer reused without our seeing its release: the old sample goes
      if (typeof obj === 'object' && obj !== null) {
        this.sampledObjects.set(obj, ptr);
        cls.sampledRefs.set(ptr, new OrigWeakRef(obj));
      }
      cls.sampled.set(ptr, this.deps.stackLater());
    }
  }

  /**
   * Format the class's samples not formatted yet (objects still live) and count them at their
   * site. A stack of a new site past MAX_SITES_PER_CLASS: the object is no longer sampled.
   */
  private formatPending(cls: BindgenClass): void {
    // Setting the value of the entry being visited, or deleting it, is allowed in Map.prototype.forEach.
    cls.sampled.forEach((sample, ptr) => {
      if (typeof sample !== 'function') return;
      let text = apply(stringSlice, sample(), [0, LIMITS.maxStack]) as string;
      if (cls.mode === 'wrap') text = withoutWrapFrame(text);
      let site = cls.sites.get(text);
      if (site === undefined) {
        if (cls.sites.size >= MAX_SITES_PER_CLASS) {
          this.unsample(cls, ptr);
          return;
        }
        site = { stack: text, live: 0 };
        cls.sites.set(text, site);
      }
      site.live++;
      cls.sitedLive++;
      cls.sampled.set(ptr, site);
      const box = cls.orphans?.boxes.get(ptr);
      if (box !== undefined) box.stack = site.stack;
    });
  }

  /** A wasm-bindgen registry's cleanup callback is about to run for `held`. */
  onFinalized(freeExport: string, held: unknown): void {
    const cls = this.classes.get(freeExport);
    if (cls === undefined) return;
    cls.reclaimed++;
    cls.dirty = true;
    if (cls.sampled.size !== 0) this.unsample(cls, ptrOfHeld(held));
  }

  /**
   * A module instance counts calls of the free export `name` inside wasm (the rewritten export,
   * ../core/wasm-rewrite.ts): `read()` is its running total of calls with a non-zero pointer and
   * without the finalizer flag. Used for classes whose releases unregister() does not count
   * (see releasesCountedFor): the page keeps the module's own export, a real wasm function.
   */
  linkFreeCounter(name: string, read: () => number, counter: object = {}): void {
    let readers = this.freeCounters.get(name);
    if (readers === undefined) this.freeCounters.set(name, (readers = []));
    readers[readers.length] = { read, seen: 0, counter };
  }

  /** Are releases of the free export `name` counted from in-wasm call counters? */
  countsInWasm(name: string): boolean {
    return this.freeCounters.has(name);
  }

  /** Calls of the free export `name` counted inside wasm so far, over every instance (-1: none linked). */
  freeCalls(name: string): number {
    const readers = this.freeCounters.get(name);
    return readers === undefined ? -1 : readTotal(readers);
  }

  /**
   * A wasm-bindgen cleanup callback made `calls` counted calls of the free export `name` (glue
   * whose finalizer frees without the flag): those are reclaims, counted by onFinalized, not
   * explicit frees.
   */
  noteFinalizerCalls(name: string, calls: number): void {
    if (calls > 0) this.finalizerCalls.set(name, (this.finalizerCalls.get(name) ?? 0) + calls);
  }

  /**
   * Fold the calls counted inside wasm since the last tick into the classes' `freed`.
   *
   * Free exports that are one wasm function (identical code folding: photon's `__wbg_rgb_free`
   * and `__wbg_rgba_free`) share one counter: its calls are frees of objects of any of those
   * classes, and which one is not known. They go to the classes with live objects, most live
   * first, never more than a class has live: the group's total stays exact, a class's share is
   * a best guess (an object freed is an object of that group).
   */
  private pollFreeCounters(): void {
    const groups = new SafeMap<object, { delta: number; names: string[] }>();
    // Setting the value of the entry being visited is allowed in Map.prototype.forEach.
    this.freeCounters.forEach((readers, name) => {
      let delta = 0;
      let counter: object | null = null;
      let gone = false;
      for (let i = 0; i < readers.length; i++) {
        const r = readers[i]!;
        const now = r.read();
        if (Number.isNaN(now)) {
          gone = true; // its instance was collected: its calls were folded in at earlier ticks
          continue;
        }
        delta += now - r.seen;
        r.seen = now;
        counter ??= r.counter;
      }
      if (gone)
        this.freeCounters.set(
          name,
          arrayFilter(readers, (r) => !Number.isNaN(r.read())),
        );
      const fin = this.finalizerCalls.get(name) ?? 0;
      if (fin !== 0) this.finalizerCalls.set(name, 0);
      const g = groups.get(counter ?? readers);
      if (g === undefined) groups.set(counter ?? readers, { delta: delta - fin, names: [name] });
      else {
        g.names[g.names.length] = name;
        g.delta -= fin; // one counter read twice: the calls once, each name's finalizer calls out
      }
    });
    groups.forEach(({ delta, names }) => {
      if (delta <= 0) return;
      if (names.length === 1) {
        const cls = this.classes.get(names[0] as string);
        if (cls !== undefined) this.addFreed(cls, delta); // else no object of it was ever seen created
        return;
      }
      const classes: BindgenClass[] = [];
      for (let i = 0; i < names.length; i++) {
        const cls = this.classes.get(names[i]!);
        if (cls !== undefined) classes[classes.length] = cls;
      }
      arraySortInPlace(classes, (a, b) => liveOf(b) - liveOf(a));
      let left = delta;
      for (let i = 0; i < classes.length; i++) {
        const cls = classes[i]!;
        const share = Math.min(left, Math.max(0, liveOf(cls)));
        if (share > 0) this.addFreed(cls, share);
        left -= share;
      }
    });
  }

  private addFreed(cls: BindgenClass, n: number): void {
    cls.freed += n;
    cls.dirty = true;
    if (cls.sampled.size !== 0) this.unsampleReleased(cls);
  }

  /**
   * Drop the samples of objects released since the last tick, for classes whose frees are
   * counted inside wasm (no per-object call reaches us): the glue zeroes an object's pointer
   * field before it frees it, so a sampled object whose field no longer holds its pointer (or
   * that is gone) was released.
   */
  private unsampleReleased(cls: BindgenClass): void {
    // unsample() deletes the entry being visited, which Map.prototype.forEach allows.
    cls.sampled.forEach((_sample, ptr) => {
      const ref = cls.sampledRefs.get(ptr);
      const obj = ref === undefined ? undefined : (apply(weakRefDeref, ref, []) as object | undefined);
      if (obj !== undefined && pointerFieldOf(obj) === ptr) return;
      this.unsample(cls, ptr);
    });
  }

  private unsample(cls: BindgenClass, ptr: number): void {
    const site = cls.sampled.get(ptr);
    if (site === undefined) return;
    cls.sampled.delete(ptr);
    cls.sampledRefs.delete(ptr);
    cls.orphans?.boxes.delete(ptr);
    if (typeof site === 'function') return; // never formatted: nothing was counted
    cls.sitedLive--;
    if (--site.live <= 0) cls.sites.delete(site.stack);
  }

  /** On every sampling tick: refill stack budgets, emit one cumulative event per changed class. */
  tick(): void {
    // Orphans first, against the counters as they stood before this tick's poll: a free counted
    // now may be of an object collected since (conservative: then it is not a definite orphan).
    this.classes.forEach((cls) => {
      if (cls.orphans !== null) {
        this.settleOrphans(cls, cls.orphans);
        const b = cls.orphans.budget + ORPHAN_TRACK_PER_TICK;
        cls.orphans.budget = b < ORPHAN_BURST ? b : ORPHAN_BURST;
      }
    });
    if (this.freeCounters.size !== 0) this.pollFreeCounters();
    this.classes.forEach((cls) => {
      cls.stackBudget = cls.stackBudget + STACKS_PER_TICK < STACK_BURST ? cls.stackBudget + STACKS_PER_TICK : STACK_BURST;
      if (cls.mode === 'wrap') cls.attention = this.wantsAttention(cls) ? 1 : 0;
      if (!cls.dirty && cls.created === cls.emittedCreated) return;
      cls.dirty = false;
      cls.emittedCreated = cls.created;
      this.deps.emit(this.eventOf(cls));
    });
  }

  eventOf(cls: BindgenClass): BindgenEvent {
    this.formatPending(cls);
    const liveStacks = topSites(cls.sites, LIMITS.maxStacksPerClass);
    const event: BindgenEvent = {
      t: 'bindgen',
      time: this.deps.now(),
      module: this.exportModule.get(cls.freeExport) ?? null,
      className: cls.name,
      created: cls.created,
      freed: cls.freed,
      reclaimed: cls.reclaimed,
      live: cls.created - cls.freed - cls.reclaimed,
    };
    if (liveStacks.length > 0) {
      event.liveStacks = liveStacks;
      event.liveSampled = cls.sitedLive;
    }
    const orphaned = this.orphanedOf(cls);
    if (orphaned !== null) {
      event.orphaned = orphaned;
      const w = cls.orphans;
      if (orphaned > 0 && w !== null && w.stacks.size > 0) event.orphanStacks = topStacks(w.stacks, MAX_ORPHAN_STACKS);
    }
    return event;
  }
}
