/**
 * Finding the allocator of a module, in this order (the first that yields malloc and free wins):
 *   1. export names (malloc/free/... with or without '_', emscripten_builtin_*, dl*);
 *   2. allocatorHints (export names learned elsewhere, e.g. sql.js's minified "Ia");
 *   3. the name section's function names (lowest level first: dlmalloc, then malloc, then Rust's
 *      dlmalloc methods, then __rust_alloc & co.);
 *   4. wasm-bindgen wrappers (__wbindgen_malloc/_realloc/_free and __wbindgen_export_N): the
 *      fingerprint below, restricted to the functions their direct calls reach (depth <= 4);
 *   5. the code fingerprint, over the exported functions first, then over the whole module
 *      (INSIDE-WASM.md): malloc is the (i32)->i32
 *      function of 1.5-20 KB holding the i32 constants 244|245, 11 and -8 (bonus: 0x55555558,
 *      -64/-65; candidates prefiltered by a raw scan for `i32.const 244|245`); free is the
 *      (i32)->() function sharing the most static addresses with it. Variants: dlmalloc taking
 *      its state as param 0 (Rust at opt-level s/z: malloc(state, size) compares param 1 with
 *      245; free(state, ptr) shares field offsets of the state), and emmalloc (malloc holds
 *      MAX_ALLOC_SIZE 0xFFFFFFC7; free shares the free-list addresses).
 * Then realloc / memalign when not found yet (complete()): functions returning i32 that call
 * malloc (raw call-site prefilter: minimal or 5-byte padded LEB), scored by addresses shared with
 * malloc plus allocator helpers they call; realloc also calls free, memalign does not. For
 * wasm-bindgen modules the wrappers' reach is searched first.
 * Decoding is bounded by DECODE_BUDGET bytes of function bodies per module.
 */
import { MALFORMED, UNKNOWN_OPCODE, view } from './bytes';
import { scanBody, type BodyFacts } from './decode';
import { functionNames, type ParsedModule } from './module';

export type AllocatorKind = 'dlmalloc' | 'emmalloc' | 'unknown';
export type FoundBy = 'exports' | 'name-section' | 'wbindgen-wrapper' | 'fingerprint' | 'hints';

export interface AllocatorHints {
  malloc?: string;
  free?: string;
  realloc?: string;
  calloc?: string;
  memalign?: string;
  posixMemalign?: string;
}

export interface AllocatorFunctions {
  malloc: number;
  free: number;
  realloc?: number;
  calloc?: number;
  memalign?: number;
  /** posix_memalign(out, align, size) -> status. */
  posixMemalign?: number;
}

export interface AllocatorPlan {
  kind: AllocatorKind;
  foundBy: FoundBy;
  functions: AllocatorFunctions;
  sizes: 'chunk-header' | 'usable-size' | 'none';
  /** Mask applied to the i32 at (payload - 4): -8 for dlmalloc, -4 for emmalloc. */
  sizeMask: number;
  /** realloc: its pointers are offset by this many bytes from the allocator's (SQLite: 8). */
  reallocOffset: number;
  /** realloc: index of the new-size parameter (-1: a null result always means failure). */
  reallocSizeParam: number;
  /** free: index of the pointer parameter (1 when the allocator state is passed as param 0). */
  freePtrParam: number;
  /** realloc: index of the pointer parameter. */
  reallocPtrParam: number;
}

const I32 = 0x7f;
const DECODE_BUDGET = 4 * 1024 * 1024;
/**
 * Up to this many realloc-shaped callers of malloc (and this many bytes of their bodies) are
 * decoded rather than prefiltered by a raw pass over the code section for calls of free: one
 * native pass over a 700 KB code section costs about as much as copying it.
 */
const FEW_CALLERS = 32;
const FEW_BYTES = 64 * 1024;
const create = Object.create;
const stringEndsWith = String.prototype.endsWith;
const stringIndexOf = String.prototype.indexOf;
const stringSlice = String.prototype.slice;
const apply = Reflect.apply;
const u8indexOf = Uint8Array.prototype.indexOf;

function endsWith(s: string, t: string): boolean {
  return apply(stringEndsWith, s, [t]) as boolean;
}
function contains(s: string, t: string): boolean {
  return (apply(stringIndexOf, s, [t]) as number) >= 0;
}

type Role = 'malloc' | 'free' | 'realloc' | 'calloc' | 'memalign' | 'posixMemalign';
const ROLES: Role[] = ['malloc', 'free', 'realloc', 'calloc', 'memalign', 'posixMemalign'];

/** Candidate export / function names per role, lowest level first. */
const NAMES: Record<Role, string[]> = {
  malloc: ['dlmalloc', 'emscripten_builtin_malloc', 'malloc'],
  free: ['dlfree', 'emscripten_builtin_free', 'free'],
  realloc: ['dlrealloc', 'emscripten_builtin_realloc', 'realloc'],
  calloc: ['dlcalloc', 'emscripten_builtin_calloc', 'calloc'],
  memalign: ['dlmemalign', 'emscripten_builtin_memalign', 'memalign', 'aligned_alloc'],
  posixMemalign: ['dlposix_memalign', 'posix_memalign'],
};
const RUST_NAMES: Record<Role, string> = {
  malloc: '__rust_alloc',
  free: '__rust_dealloc',
  realloc: '__rust_realloc',
  calloc: '__rust_alloc_zeroed',
  memalign: '',
  posixMemalign: '',
};

export class Finder {
  private facts = create(null) as Record<number, BodyFacts | null | undefined>;
  private budget = DECODE_BUDGET;
  decodedBytes = 0;
  /**
   * Set by the fingerprint when dlmalloc takes its state as param 0 (Rust at opt-level s/z:
   * malloc(state, size), free(state, ptr), realloc(state, ptr, size)): the functions share
   * field offsets of that state instead of static addresses.
   */
  stateParam = false;
  constructor(readonly m: ParsedModule) {}

  defined(f: number): boolean {
    return f >= this.m.importedFuncs && f < this.m.funcTypes.length;
  }
  sig(f: number, params: number[] | null, results: number[]): boolean {
    const t = this.m.types[this.m.funcTypes[f]!];
    if (!t) return false;
    if (t.results.length !== results.length) return false;
    for (let i = 0; i < results.length; i++) if (t.results[i] !== results[i]) return false;
    if (params) {
      if (t.params.length !== params.length) return false;
      for (let i = 0; i < params.length; i++) if (t.params[i] !== params[i]) return false;
    }
    return true;
  }
  bodySize(f: number): number {
    const d = f - this.m.importedFuncs;
    return this.m.bodyEnd[d]! - this.m.bodyStart[d]!;
  }
  /** Decoded facts of a defined function, or null (unknown opcode, malformed, or over budget). */
  scan(f: number): BodyFacts | null {
    const cached = this.facts[f];
    if (cached !== undefined) return cached;
    if (!this.defined(f)) return null;
    const d = f - this.m.importedFuncs;
    const size = this.m.bodyEnd[d]! - this.m.bodyStart[d]!;
    let out: BodyFacts | null = null;
    if (size <= this.budget) {
      this.budget -= size;
      this.decodedBytes += size;
      try {
        out = scanBody(this.m.bytes, this.m.bodyStart[d]!, this.m.bodyEnd[d]!);
      } catch (e) {
        if (e !== MALFORMED && e !== UNKNOWN_OPCODE) throw e;
        out = null;
      }
    }
    this.facts[f] = out;
    return out;
  }

  /** Whether a role's signature fits what the wrappers assume. */
  fits(role: Role, f: number): boolean {
    if (!this.defined(f)) return false;
    const t = this.m.types[this.m.funcTypes[f]!]!;
    if (role === 'free') return t.params.length >= 1 && t.params[0] === I32;
    if (t.results.length !== 1 || t.results[0] !== I32) return false;
    if (role === 'realloc') return t.params.length >= 2 && t.params[0] === I32 && t.params[1] === I32;
    if (role === 'posixMemalign') return t.params.length === 3 && t.params[0] === I32;
    return true;
  }

  private fromTable(lookup: (role: Role) => number | undefined): AllocatorFunctions | null {
    const got = create(null) as Partial<Record<Role, number>>;
    for (let i = 0; i < ROLES.length; i++) {
      const role = ROLES[i]!;
      const f = lookup(role);
      if (f !== undefined && this.fits(role, f)) got[role] = f;
    }
    if (got.malloc === undefined || got.free === undefined || got.malloc === got.free) return null;
    const out: AllocatorFunctions = { malloc: got.malloc, free: got.free };
    if (got.realloc !== undefined) out.realloc = got.realloc;
    if (got.calloc !== undefined) out.calloc = got.calloc;
    if (got.memalign !== undefined) out.memalign = got.memalign;
    if (got.posixMemalign !== undefined) out.posixMemalign = got.posixMemalign;
    return out;
  }

  byExports(): AllocatorFunctions | null {
    const ex = create(null) as Record<string, number | undefined>;
    for (let i = 0; i < this.m.exports.length; i++) {
      const e = this.m.exports[i]!;
      if (e.kind === 0 && ex[e.name] === undefined) ex[e.name] = e.index;
    }
    return this.fromTable((role) => {
      const list = NAMES[role];
      for (let i = 0; i < list.length; i++) {
        const n = list[i]!;
        const f = ex[n] ?? ex['_' + n];
        if (f !== undefined && this.fits(role, f)) return f;
      }
      return undefined;
    });
  }

  byHints(h: AllocatorHints): AllocatorFunctions | null {
    const ex = create(null) as Record<string, number | undefined>;
    for (let i = 0; i < this.m.exports.length; i++) {
      const e = this.m.exports[i]!;
      if (e.kind === 0 && ex[e.name] === undefined) ex[e.name] = e.index;
    }
    return this.fromTable((role) => {
      const n = h[role];
      return typeof n === 'string' ? ex[n] : undefined;
    });
  }

  byNames(): AllocatorFunctions | null {
    const names = functionNames(this.m);
    if (!names) return null;
    // rank per role: 0..2 exact C names, 3 Rust dlmalloc method, 4 __rust_* shim
    const best = create(null) as Partial<Record<Role, number>>;
    const rank = create(null) as Partial<Record<Role, number>>;
    const n = this.m.funcTypes.length;
    for (let f = this.m.importedFuncs; f < n; f++) {
      const raw = names[f];
      if (raw === undefined) continue;
      let name = raw;
      // strip a Rust hash suffix "::h0123456789abcdef"
      if (name.length > 19 && contains(name, '::h') && apply(stringIndexOf, name, ['::h', name.length - 19]) === name.length - 19)
        name = apply(stringSlice, name, [0, name.length - 19]) as string;
      for (let i = 0; i < ROLES.length; i++) {
        const role = ROLES[i]!;
        let r = -1;
        const list = NAMES[role];
        for (let k = 0; k < list.length; k++) if (name === list[k] || name === '_' + list[k]) r = k;
        if (r < 0 && role !== 'posixMemalign' && contains(name, 'dlmalloc') && endsWith(name, '::' + role)) r = 3;
        if (r < 0 && RUST_NAMES[role] !== '' && name === RUST_NAMES[role]) r = 4;
        if (r >= 0 && (rank[role] === undefined || r < rank[role]!) && this.fits(role, f)) {
          rank[role] = r;
          best[role] = f;
        }
      }
    }
    return this.fromTable((role) => best[role]);
  }

  /** The defined functions the module exports, each once, in export order. */
  exportedFunctions(): number[] {
    const out: number[] = [];
    const seen = create(null) as Record<number, number | undefined>;
    for (let i = 0; i < this.m.exports.length; i++) {
      const e = this.m.exports[i]!;
      if (e.kind !== 0 || !this.defined(e.index) || seen[e.index] !== undefined) continue;
      seen[e.index] = 1;
      out[out.length] = e.index;
    }
    return out;
  }

  /** Functions reached by direct calls from the wasm-bindgen allocator wrappers. */
  wbindgenReach(): number[] | null {
    const seen = create(null) as Record<number, number | undefined>;
    let frontier: number[] = [];
    for (let i = 0; i < this.m.exports.length; i++) {
      const e = this.m.exports[i]!;
      if (e.kind !== 0) continue;
      const nm = e.name;
      if (
        nm === '__wbindgen_malloc' ||
        nm === '__wbindgen_realloc' ||
        nm === '__wbindgen_free' ||
        apply(stringIndexOf, nm, ['__wbindgen_export_']) === 0
      ) {
        if (this.defined(e.index) && seen[e.index] === undefined) {
          seen[e.index] = 1;
          frontier[frontier.length] = e.index;
        }
      }
    }
    if (frontier.length === 0) return null;
    const all: number[] = [];
    for (let i = 0; i < frontier.length; i++) all[all.length] = frontier[i]!;
    for (let depth = 0; depth < 4 && all.length < 96; depth++) {
      const next: number[] = [];
      for (let i = 0; i < frontier.length; i++) {
        const facts = this.bodySize(frontier[i]!) <= 4096 ? this.scan(frontier[i]!) : null; // wrappers are small
        if (!facts) continue;
        for (let k = 0; k < facts.calls.length; k++) {
          const c = facts.calls[k]!;
          if (!this.defined(c) || seen[c] !== undefined) continue;
          seen[c] = 1;
          next[next.length] = c;
          all[all.length] = c;
        }
      }
      frontier = next;
    }
    return all;
  }

  /** Static addresses of malloc (or its state's field offsets when stateParam). */
  private addressSet(facts: BodyFacts): Record<number, number | undefined> {
    const set = create(null) as Record<number, number | undefined>;
    const list = this.stateParam ? facts.offsets : facts.addresses;
    for (let i = 0; i < list.length; i++) set[list[i]!] = 1;
    return set;
  }
  private shared(set: Record<number, number | undefined>, facts: BodyFacts): number {
    const seen = create(null) as Record<number, number | undefined>;
    let n = 0;
    const list = this.stateParam ? facts.offsets : facts.addresses;
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      if (set[a] !== undefined && seen[a] === undefined) {
        seen[a] = 1;
        n++;
      }
    }
    return n;
  }
  private has(facts: BodyFacts, v: number): boolean {
    for (let i = 0; i < facts.consts.length; i++) if (facts.consts[i] === v) return true;
    return false;
  }
  private calls(facts: BodyFacts, f: number): boolean {
    for (let i = 0; i < facts.calls.length; i++) if (facts.calls[i] === f) return true;
    return false;
  }
  /** dlmalloc's malloc features: 0 when the required ones are missing. */
  mallocScore(facts: BodyFacts): number {
    if (!(this.has(facts, 244) || this.has(facts, 245)) || !this.has(facts, 11) || !this.has(facts, -8)) return 0;
    let s = 1;
    if (this.has(facts, 0x55555558)) s++;
    if (this.has(facts, -64) || this.has(facts, -65)) s++;
    return s;
  }

  /** The fingerprint over `candidates` (all defined functions when null). */
  fingerprint(candidates: number[] | null): AllocatorFunctions | null {
    // over the whole module, the functions are not listed one by one: `first + i` for i < count
    const first = candidates ? 0 : this.m.importedFuncs;
    const count = candidates ? candidates.length : this.m.funcTypes.length - first;
    // malloc candidates hold `i32.const 244` or `i32.const 245` (raw prefilter over the whole
    // code section, then decoded)
    let mallocCands: number[] | null = candidates;
    if (!candidates) {
      mallocCands = [];
      for (let k = 0; k < 2; k++) {
        const h = this.rawHolders([0x41, k === 0 ? 0xf4 : 0xf5, 0x01], null);
        for (let i = 0; i < h.length; i++) mallocCands[mallocCands.length] = h[i]!;
      }
    }
    let malloc = -1;
    let best = 0;
    let bestSize = 0;
    let stateParam = false;
    for (let i = 0; i < mallocCands!.length; i++) {
      const f = mallocCands![i]!;
      const size = this.bodySize(f);
      let withState = false;
      if (size < 1500 || size > 20000 || !this.sig(f, [I32], [I32])) {
        // dlmalloc with its state as param 0: (state, size) -> ptr, comparing param 1 with 244/245
        if (size < 400 || size > 20000 || !this.sig(f, [I32, I32], [I32])) continue;
        if (!this.rawHas(f, [0x20, 0x01, 0x41, 0xf5, 0x01]) && !this.rawHas(f, [0x20, 0x01, 0x41, 0xf4, 0x01])) continue;
        withState = true;
      } else if (candidates && !this.rawHas(f, [0x41, 0xf4, 0x01]) && !this.rawHas(f, [0x41, 0xf5, 0x01])) continue; // not decoded
      const facts = this.scan(f);
      if (!facts) continue;
      let s = this.mallocScore(facts);
      if (s > 0 && !withState) s += 10; // the classic (size) -> ptr shape wins
      if (s > best || (s === best && s > 0 && size > bestSize)) {
        best = s;
        bestSize = size;
        malloc = f;
        stateParam = withState;
      }
    }
    if (malloc < 0) return this.fingerprintEmmalloc(candidates);
    this.stateParam = stateParam;
    const mf = this.scan(malloc)!;
    const maddr = this.addressSet(mf);
    let free = -1;
    let freeScore = stateParam ? 3 : 2;
    for (let i = 0; i < count; i++) {
      const f = candidates ? candidates[i]! : first + i;
      if (f === malloc) continue;
      const size = this.bodySize(f);
      if (size < 150 || size > 8000) continue;
      if (stateParam ? this.sig(f, [I32, I32], []) : this.sig(f, [I32], [])) {
        const facts = this.scan(f);
        if (!facts) continue;
        const s = this.shared(maddr, facts);
        if (s > freeScore) {
          freeScore = s;
          free = f;
        }
      }
    }
    if (free < 0) return null;
    return { malloc, free };
  }

  /**
   * emmalloc: malloc is the (i32) -> i32 function (100 B to 8 KB) holding MAX_ALLOC_SIZE
   * (0xFFFFFFC7: i32.const -57, or -56 for a >= test); free is the (i32) -> () function sharing
   * the most static addresses (free-list buckets, their bitmask) with malloc and its direct callees.
   */
  private fingerprintEmmalloc(candidates: number[] | null): AllocatorFunctions | null {
    const first = candidates ? 0 : this.m.importedFuncs;
    const count = candidates ? candidates.length : this.m.funcTypes.length - first;
    let cands: number[] | null = candidates;
    if (!candidates) {
      cands = [];
      for (let k = 0; k < 2; k++) {
        const h = this.rawHolders([0x41, k === 0 ? 0x47 : 0x48], null);
        for (let i = 0; i < h.length; i++) cands[cands.length] = h[i]!;
      }
    }
    let malloc = -1;
    let bestSize = 0;
    for (let i = 0; i < cands!.length; i++) {
      const f = cands![i]!;
      const size = this.bodySize(f);
      if (size < 100 || size > 8000 || size <= bestSize || !this.sig(f, [I32], [I32])) continue;
      const facts = this.scan(f);
      if (!facts || !(this.has(facts, -57) || this.has(facts, -56))) continue;
      malloc = f;
      bestSize = size;
    }
    if (malloc < 0) return null;
    this.stateParam = false;
    const mf = this.scan(malloc)!;
    const maddr = this.addressSet(mf);
    for (let k = 0; k < mf.calls.length && k < 16; k++) {
      const g = mf.calls[k]!;
      if (!this.defined(g) || this.bodySize(g) > 8000) continue;
      const gf = this.scan(g);
      if (gf) for (let j = 0; j < gf.addresses.length; j++) maddr[gf.addresses[j]!] = 1;
    }
    let free = -1;
    let freeScore = 1;
    for (let i = 0; i < count; i++) {
      const f = candidates ? candidates[i]! : first + i;
      if (f === malloc) continue;
      const size = this.bodySize(f);
      if (size < 80 || size > 8000 || !this.sig(f, [I32], [])) continue;
      const facts = this.scan(f);
      if (!facts) continue;
      const s = this.shared(maddr, facts);
      if (s > freeScore) {
        freeScore = s;
        free = f;
      }
    }
    if (free < 0) return null;
    return { malloc, free };
  }

  /**
   * Whether f's raw body bytes contain `pat`: native indexOf for its largest byte over the body
   * (a view of it), each hit verified. No JS loop over every byte.
   */
  rawHas(f: number, pat: number[]): boolean {
    const d = f - this.m.importedFuncs;
    const b = this.m.bytes;
    const start = this.m.bodyStart[d]!;
    const body = view(b, start, this.m.bodyEnd[d]!);
    const last = this.m.bodyEnd[d]! - start - pat.length;
    let at = 0;
    for (let k = 1; k < pat.length; k++) if (pat[k]! > pat[at]!) at = k;
    const key = pat[at]!;
    let p = at;
    for (;;) {
      p = apply(u8indexOf, body, [key, p]) as number;
      if (p < 0 || p - at > last) return false;
      let k = 0;
      while (k < pat.length && b[start + p - at + k] === pat[k]) k++;
      if (k === pat.length) return true;
      p++;
    }
  }

  /**
   * Defined functions whose raw body bytes contain `call target` (see rawHolders), with the
   * index as a minimal LEB or padded to 5 bytes (wasm-ld output not run through wasm-opt). When
   * both encodings start with the same byte after the opcode, one pass finds both.
   */
  rawCallers(target: number): number[] {
    const minimal: number[] = [0x10];
    let x = target;
    do {
      let byte = x & 0x7f;
      x = x >>> 7;
      if (x !== 0) byte |= 0x80;
      minimal[minimal.length] = byte;
    } while (x !== 0);
    if (minimal.length === 6) return this.rawHolders(minimal, null);
    const padded: number[] = [0x10];
    x = target;
    for (let i = 0; i < 4; i++) {
      padded[padded.length] = (x & 0x7f) | 0x80;
      x = x >>> 7;
    }
    padded[padded.length] = x & 0x7f;
    if (minimal[1] === padded[1]) return this.rawHolders(minimal, padded);
    const a = this.rawHolders(minimal, null);
    const more = this.rawHolders(padded, null);
    if (more.length === 0) return a;
    // merge two ascending lists
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < more.length) {
      const u = i < a.length ? a[i]! : Infinity;
      const v = j < more.length ? more[j]! : Infinity;
      if (u <= v) {
        if (u === v) j++;
        out[out.length] = u;
        i++;
      } else {
        out[out.length] = v;
        j++;
      }
    }
    return out;
  }

  /**
   * Defined functions whose raw body bytes contain `pat` (a prefilter before decoding, so it may
   * match inside an immediate): one native indexOf pass over the whole code section, each hit
   * mapped to its function by a binary search over the body offsets. Ascending.
   */
  rawHolders(pat: number[], alt: number[] | null): number[] {
    const out: number[] = [];
    const n = this.m.bodyStart.length;
    if (n === 0) return out;
    const b = this.m.bytes;
    // search for the largest byte of the pattern (bytes >= 0x80 are rarer in code), then verify;
    // with an alternative pattern, for byte 1 (the same in both)
    let at = 0;
    if (alt) at = 1;
    else for (let k = 1; k < pat.length; k++) if (pat[k]! > pat[at]!) at = k;
    const key = pat[at]!;
    const start = this.m.bodyStart[0]!;
    const end = this.m.bodyEnd[n - 1]!;
    let p = start + at;
    let lastFn = -1;
    for (;;) {
      p = apply(u8indexOf, b, [key, p]) as number;
      if (p < 0 || p >= end) break;
      let k = 0;
      while (k < pat.length && b[p - at + k] === pat[k]) k++;
      let hit = k === pat.length;
      if (!hit && alt) {
        k = 0;
        while (k < alt.length && b[p - at + k] === alt[k]) k++;
        hit = k === alt.length;
      }
      if (hit) {
        // function containing offset p - at
        const q = p - at;
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (this.m.bodyStart[mid]! <= q) lo = mid;
          else hi = mid - 1;
        }
        if (q < this.m.bodyEnd[lo]! && lo !== lastFn) {
          lastFn = lo;
          out[out.length] = lo + this.m.importedFuncs;
        }
      }
      p++;
    }
    return out;
  }

  /**
   * Fills in realloc and memalign when missing. Candidates return i32, take >= 2 i32 params and
   * call malloc directly (byte prefilter, then decoded). Score: static addresses shared with
   * malloc, +3 per callee that is an allocator helper (shares >= 3 addresses with malloc:
   * dlmalloc's try_realloc_chunk, dispose_chunk). realloc also calls free, score >= 2; memalign
   * (exactly 2 params) does not call free, score >= 3.
   */
  complete(fns: AllocatorFunctions, within: number[] | null): boolean {
    if (fns.realloc !== undefined && fns.memalign !== undefined) return false;
    const mf = this.scan(fns.malloc);
    if (!mf) return false;
    const maddr = this.addressSet(mf);
    // candidates: realloc-shaped callers of malloc that also call free, and memalign-shaped
    // (exactly 2 params, <= 4 KB) callers of malloc; only these are decoded. Whether a caller of
    // malloc also calls free is known from its decoded calls; a second raw pass over the whole code
    // section (the callers of free) only pays when there are many callers of malloc to decode.
    const cands: number[] = [];
    const callers = within ?? this.rawCallers(fns.malloc);
    const shaped: number[] = [];
    let undecided = 0;
    const minParams = this.stateParam ? 3 : 2;
    for (let i = 0; i < callers.length; i++) {
      const f = callers[i]!;
      if (f === fns.malloc || f === fns.free || f === fns.calloc) continue;
      const size = this.bodySize(f);
      if (size < 20 || size > 20000) continue;
      const t = this.m.types[this.m.funcTypes[f]!]!;
      if (t.results.length !== 1 || t.results[0] !== I32 || t.params.length < minParams || t.params[0] !== I32 || t.params[1] !== I32)
        continue;
      if (this.stateParam && t.params[2] !== I32) continue;
      shaped[shaped.length] = f;
      // bytes decoded only to learn whether it calls free (a memalign-shaped one is decoded anyway)
      if (!(fns.memalign === undefined && t.params.length === minParams && size <= 4096)) undecided += size;
    }
    let freeCallers: Record<number, number | undefined> | null = null; // null: decode to know
    if (fns.realloc === undefined && within === null && (shaped.length > FEW_CALLERS || undecided > FEW_BYTES)) {
      freeCallers = create(null) as Record<number, number | undefined>;
      const fc = this.rawCallers(fns.free);
      for (let i = 0; i < fc.length; i++) freeCallers[fc[i]!] = 1;
    }
    for (let i = 0; i < shaped.length; i++) {
      const f = shaped[i]!;
      const size = this.bodySize(f);
      const reallocShaped = fns.realloc === undefined && (freeCallers === null || freeCallers[f] !== undefined);
      const memalignShaped = fns.memalign === undefined && this.m.types[this.m.funcTypes[f]!]!.params.length === minParams && size <= 4096;
      if (!reallocShaped && !memalignShaped) continue;
      const facts = this.scan(f);
      if (facts && this.calls(facts, fns.malloc)) cands[cands.length] = f;
    }
    const isHelper = create(null) as Record<number, boolean | undefined>;
    const helperScore = (facts: BodyFacts): number => {
      let score = 0;
      for (let k = 0; k < facts.calls.length && k < 32; k++) {
        const g = facts.calls[k]!;
        if (g === fns.malloc || g === fns.free || !this.defined(g)) continue;
        let h = isHelper[g];
        if (h === undefined) {
          const gf = this.bodySize(g) <= 8000 ? this.scan(g) : null;
          h = gf !== null && this.shared(maddr, gf) >= 3;
          isHelper[g] = h;
        }
        if (h) score += 3;
      }
      return score;
    };
    let realloc = -1;
    let reallocScore = 1;
    let memalign = -1;
    let memalignScore = 2;
    for (let i = 0; i < cands.length; i++) {
      const f = cands[i]!;
      const facts = this.scan(f)!;
      const s = this.shared(maddr, facts) + helperScore(facts);
      if (this.calls(facts, fns.free)) {
        if (fns.realloc === undefined && s > reallocScore) {
          reallocScore = s;
          realloc = f;
        }
      } else if (
        fns.memalign === undefined &&
        this.m.types[this.m.funcTypes[f]!]!.params.length === (this.stateParam ? 3 : 2) &&
        s > memalignScore
      ) {
        memalignScore = s;
        memalign = f;
      }
    }
    let found = false;
    if (realloc >= 0) {
      fns.realloc = realloc;
      found = true;
    }
    if (memalign >= 0) fns.memalign = memalign;
    return found;
  }

  /** dlmalloc when malloc or a function it calls (depth <= 2) carries dlmalloc's constants. */
  kindOf(fns: AllocatorFunctions): AllocatorKind {
    let level: number[] = [fns.malloc];
    const visited: number[] = [fns.malloc];
    const seen = create(null) as Record<number, number | undefined>;
    seen[fns.malloc] = 1;
    let emm = false;
    for (let depth = 0; depth < 3; depth++) {
      const next: number[] = [];
      for (let i = 0; i < level.length; i++) {
        const f = level[i]!;
        if (this.bodySize(f) > 40000) continue;
        const facts = this.scan(f);
        if (!facts) continue;
        if (this.mallocScore(facts) > 0) return 'dlmalloc';
        if (this.has(facts, -57) || this.has(facts, -56)) emm = true; // MAX_ALLOC_SIZE 0xFFFFFFC7
        for (let k = 0; k < facts.calls.length && next.length < 16; k++) {
          const c = facts.calls[k]!;
          if (seen[c] === undefined && this.defined(c)) {
            seen[c] = 1;
            next[next.length] = c;
            visited[visited.length] = c;
          }
        }
      }
      level = next;
    }
    const names = this.m.nameSection !== null ? functionNames(this.m) : null;
    if (names) {
      for (let i = 0; i < visited.length; i++) {
        const n = names[visited[i]!];
        if (n !== undefined && contains(n, 'emmalloc')) return 'emmalloc';
      }
    }
    return emm ? 'emmalloc' : 'unknown';
  }

  /**
   * SQLite's realloc with dlrealloc inlined takes and returns pointers 8 bytes past the chunk's
   * payload: its body starts by stepping the pointer back (`local.get 0; i32.const 8; i32.sub`
   * or `i32.const -8; i32.add`) within its first instructions. Returns 8 or 0.
   */
  reallocOffset(f: number): number {
    const d = f - this.m.importedFuncs;
    const b = this.m.bytes;
    let p = this.m.bodyStart[d]!;
    const end = this.m.bodyEnd[d]!;
    // skip the locals declaration
    let groups = 0;
    let mul = 1;
    for (;;) {
      const x = b[p++]!;
      groups += (x & 0x7f) * mul;
      mul *= 128;
      if ((x & 0x80) === 0 || p >= end) break;
    }
    for (let i = 0; i < groups && p < end; i++) {
      while (p < end && (b[p]! & 0x80) !== 0) p++;
      p += 2;
    }
    const limit = p + 64 < end ? p + 64 : end;
    let back = false; // local.get 0; i32.const 8; i32.sub  (or i32.const -8; i32.add)
    let grow = false; // local.get 1; i32.const 8; i32.add  (SQLite's nByte + 8)
    for (let q = p; q + 4 < limit; q++) {
      if (b[q] !== 0x20 || b[q + 2] !== 0x41) continue;
      if (b[q + 1] === 0x00 && ((b[q + 3] === 0x08 && b[q + 4] === 0x6b) || (b[q + 3] === 0x78 && b[q + 4] === 0x6a))) back = true;
      if (b[q + 1] === 0x01 && b[q + 3] === 0x08 && b[q + 4] === 0x6a) grow = true;
    }
    if (back && grow) return 8;
    return 0;
  }
}

export function findAllocator(m: ParsedModule, hints: AllocatorHints | undefined, finder: Finder): AllocatorPlan | null {
  let foundBy: FoundBy = 'exports';
  let fns = finder.byExports();
  if (!fns && hints) {
    fns = finder.byHints(hints);
    foundBy = 'hints';
  }
  if (!fns) {
    fns = finder.byNames();
    foundBy = 'name-section';
  }
  let reach: number[] | null = null;
  if (!fns) {
    reach = finder.wbindgenReach();
    if (reach) {
      fns = finder.fingerprint(reach);
      foundBy = 'wbindgen-wrapper';
    }
  }
  if (!fns) {
    // the exported functions first (minified Emscripten builds such as sql.js export malloc and
    // free under short names): a few bodies instead of a search of the whole code section
    const exported = finder.exportedFunctions();
    fns = exported.length > 0 ? finder.fingerprint(exported) : null;
    if (!fns) fns = finder.fingerprint(null);
    foundBy = 'fingerprint';
  }
  if (!fns) return null;
  const kind = finder.kindOf(fns);
  // realloc/memalign: among what the wasm-bindgen wrappers reach first (no whole-module scan),
  // then anywhere
  let completed = false;
  if (foundBy === 'wbindgen-wrapper' && reach) completed = finder.complete(fns, reach);
  if (fns.realloc === undefined || fns.memalign === undefined) completed = finder.complete(fns, null) || completed;
  let reallocOffset = 0;
  let reallocSizeParam = -1;
  const ptrParam = finder.stateParam ? 1 : 0;
  if (fns.realloc !== undefined) {
    const t = m.types[m.funcTypes[fns.realloc]!]!;
    if (t.params.length === ptrParam + 2) reallocSizeParam = ptrParam + 1;
    if (completed && !finder.stateParam) reallocOffset = finder.reallocOffset(fns.realloc);
    if (reallocOffset !== 0) reallocSizeParam = -1; // SQLite passes nByte + 8: never 0
  }
  return {
    kind,
    foundBy,
    functions: fns,
    // emmalloc: a used region can grow after its allocation (a later malloc merges a remainder too
    // small for a region into it), so the size read at free can exceed the one counted at malloc
    // (measured: -4 B after 5 malloc/free pairs in playwright's webp_codec). Counts only.
    sizes: kind === 'dlmalloc' ? 'chunk-header' : 'none',
    sizeMask: kind === 'emmalloc' ? -4 : -8,
    reallocOffset,
    reallocSizeParam,
    freePtrParam: ptrParam,
    reallocPtrParam: ptrParam,
  };
}
