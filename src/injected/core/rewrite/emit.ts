/**
 * The body swap: writes the rewritten module. Every existing index stays valid; only appended:
 * one type ((i32, i32) -> () for the sampler), one moved body per swapped function (the original
 * body, byte for byte), the counter globals, one funcref table of 1 slot, and hidden exports. The
 * function at each swapped index becomes a counting wrapper that calls the moved body. Every
 * other byte (custom sections included) is copied as is.
 */
import { lebLength, MALFORMED, Reader, Writer } from './bytes';
import type { AllocatorPlan } from './find';
import type { ParsedModule } from './module';

export type SwapRole = 'malloc' | 'free' | 'realloc' | 'allocnet' | 'posix' | 'calls';

export interface Swap {
  f: number;
  role: SwapRole;
  /** For 'calls': index of its counter among the call counters. */
  counter: number;
}

export interface HiddenExport {
  name: string;
  kind: number; // 1 table, 3 global
  index: number;
}

// Global slots (relative to the first added global) when an allocator is counted.
export const G_LIVE_BYTES = 0;
export const G_LIVE_ALLOCS = 1;
export const G_TOTAL_ALLOCS = 2;
export const G_TOTAL_FREES = 3;
export const G_COUNTDOWN = 4;
export const G_SAMPLE_PTR = 5;
export const G_SAMPLE_SIZE = 6;
/** i32: nonzero once JS has put its out-of-memory function in slot 1 of the hidden table. */
export const G_OOM_ARMED = 7;
export const ALLOCATOR_GLOBALS = 8;
/** Slots of the hidden funcref table: 0 the sampler, 1 the out-of-memory notice (same type). */
export const TABLE_SLOTS = 2;

const I32 = 0x7f;
const I64 = 0x7e;

// opcodes
const BLOCK = 0x02;
const IF = 0x04;
const END = 0x0b;
const BR_IF = 0x0d;
const CALL = 0x10;
const CALL_INDIRECT = 0x11;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const MEMORY_SIZE = 0x3f;
const I32_LT_U = 0x49;
const I32_GE_U = 0x4f;
const I32_SHR_U = 0x76;
const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const I32_LOAD = 0x28;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_EQZ = 0x45;
const I32_EQ = 0x46;
const I32_NE = 0x47;
const I64_EQ = 0x51;
const I64_LT_S = 0x53;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const BR = 0x0c;
const I64_ADD = 0x7c;
const I64_SUB = 0x7d;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
const VOID = 0x40;

/** Section order ranks (the tag and data count sections sit between the numbered ones). */
function rank(id: number): number {
  if (id === 13) return 5.5;
  if (id === 12) return 9.5;
  return id;
}

export interface EmitInput {
  m: ParsedModule;
  alloc: AllocatorPlan | null;
  swaps: Swap[];
  /** Number of call counter globals (after the allocator's ALLOCATOR_GLOBALS). */
  callCounters: number;
  /** Hidden global exports: name and global slot relative to the first added global. */
  globalExports: { name: string; slot: number }[];
  tableName: string | null;
}

class Ctx {
  readonly gBase: number;
  readonly callBase: number;
  readonly sampleType: number;
  readonly table: number;
  constructor(readonly inp: EmitInput) {
    this.gBase = inp.m.globals;
    this.callBase = this.gBase + (inp.alloc ? ALLOCATOR_GLOBALS : 0);
    this.sampleType = inp.m.types.length;
    this.table = inp.m.tables;
  }
}

function incGlobal(w: Writer, g: number, delta: 1 | -1): void {
  w.byte(GLOBAL_GET);
  w.u32(g);
  w.ops(I64_CONST, delta === 1 ? 1 : 0x7f, I64_ADD, GLOBAL_SET);
  w.u32(g);
}

function addLocalToGlobal(w: Writer, g: number, local: number, op: number): void {
  w.byte(GLOBAL_GET);
  w.u32(g);
  w.byte(LOCAL_GET);
  w.u32(local);
  w.ops(op, GLOBAL_SET);
  w.u32(g);
}

/**
 * local B (i64) := chunk size of the pointer in local P, whose header is the i32 at
 * H = P - off - 4, masked. B is 0 (nothing read) when H would not be a valid, 4-aligned address
 * of the memory (P < off + 4, H & 3, or H beyond memory.size): a misidentified function never
 * traps because of its wrapper.
 */
function emitSize(w: Writer, a: AllocatorPlan, p: number, off: number, bLocal: number, hLocal: number): void {
  w.ops(I64_CONST, 0, LOCAL_SET);
  w.u32(bLocal);
  if (a.sizes === 'none') return;
  w.ops(BLOCK, VOID, LOCAL_GET);
  w.u32(p);
  w.byte(I32_CONST);
  w.s32(off + 4);
  w.byte(I32_LT_U);
  w.ops(BR_IF, 0, LOCAL_GET);
  w.u32(p);
  w.byte(I32_CONST);
  w.s32(off + 4);
  w.ops(I32_SUB, LOCAL_TEE);
  w.u32(hLocal);
  w.ops(I32_CONST, 3, I32_AND, BR_IF, 0, LOCAL_GET);
  w.u32(hLocal);
  w.ops(I32_CONST, 16, I32_SHR_U, MEMORY_SIZE, 0, I32_GE_U, BR_IF, 0, LOCAL_GET);
  w.u32(hLocal);
  w.ops(I32_LOAD, 2, 0); // align 4, offset 0, memory 0
  w.byte(I32_CONST);
  w.s32(a.sizeMask);
  w.ops(I32_AND, I64_EXTEND_I32_U, LOCAL_SET);
  w.u32(bLocal);
  w.byte(END);
}

/**
 * Counts an allocation whose result is in local R (nothing when R == 0): size into local B,
 * counters, countdown, and the sampler call when the countdown goes negative. With
 * `guardLocal >= 0`, the countdown step is skipped when the countdown differs from that saved
 * value (an allocation made inside the wrapped call was already sampled).
 */
function emitNoteAlloc(
  w: Writer,
  c: Ctx,
  r: number,
  off: number,
  bLocal: number,
  guardLocal: number,
  hLocal: number,
  sizeParam = -1,
): void {
  const a = c.inp.alloc!;
  const g = c.gBase;
  w.ops(BLOCK, VOID, LOCAL_GET);
  w.u32(r);
  if (sizeParam < 0) w.ops(I32_EQZ, BR_IF, 0);
  else {
    // R == 0: the allocation failed. When JS armed it and the request was not 0, slot 1 of the
    // hidden table gets (requested size, memory.size in pages). Same one test on the hot path.
    w.ops(I32_EQZ, IF, VOID, GLOBAL_GET);
    w.u32(g + G_OOM_ARMED);
    w.byte(LOCAL_GET);
    w.u32(sizeParam);
    w.ops(I32_CONST, 0, I32_NE, I32_AND, IF, VOID, LOCAL_GET);
    w.u32(sizeParam);
    w.ops(MEMORY_SIZE, 0, I32_CONST, 1, CALL_INDIRECT);
    w.u32(c.sampleType);
    w.u32(c.table);
    w.ops(END, BR, 1, END);
  }
  emitSize(w, a, r, off, bLocal, hLocal);
  addLocalToGlobal(w, g + G_LIVE_BYTES, bLocal, I64_ADD);
  incGlobal(w, g + G_LIVE_ALLOCS, 1);
  incGlobal(w, g + G_TOTAL_ALLOCS, 1);
  if (guardLocal >= 0) {
    w.byte(GLOBAL_GET);
    w.u32(g + G_COUNTDOWN);
    w.byte(LOCAL_GET);
    w.u32(guardLocal);
    w.ops(I64_EQ, I32_EQZ, BR_IF, 0);
  }
  // countdown -= (sizes known ? B : 1)
  w.byte(GLOBAL_GET);
  w.u32(g + G_COUNTDOWN);
  if (a.sizes === 'none') w.ops(I64_CONST, 1);
  else {
    w.byte(LOCAL_GET);
    w.u32(bLocal);
  }
  w.byte(I64_SUB);
  w.byte(GLOBAL_SET);
  w.u32(g + G_COUNTDOWN);
  w.byte(GLOBAL_GET);
  w.u32(g + G_COUNTDOWN);
  w.ops(I64_CONST, 0, I64_LT_S, IF);
  w.byte(VOID);
  // sample_ptr = R - off; sample_size = B; call_indirect table[0](ptr, size)
  for (let k = 0; k < 2; k++) {
    w.byte(LOCAL_GET);
    w.u32(r);
    if (off !== 0) {
      w.byte(I32_CONST);
      w.s32(off);
      w.byte(I32_SUB);
    }
    w.byte(LOCAL_GET);
    w.u32(bLocal);
    w.byte(I32_WRAP_I64);
    if (k === 0) {
      w.byte(GLOBAL_SET);
      w.u32(g + G_SAMPLE_SIZE);
      w.byte(GLOBAL_SET);
      w.u32(g + G_SAMPLE_PTR);
    }
  }
  w.ops(I32_CONST, 0, CALL_INDIRECT);
  w.u32(c.sampleType);
  w.u32(c.table);
  w.ops(END, END);
}

/** live_bytes -= B; live_allocs--; total_frees++. */
function emitRelease(w: Writer, c: Ctx, bLocal: number): void {
  const g = c.gBase;
  addLocalToGlobal(w, g + G_LIVE_BYTES, bLocal, I64_SUB);
  incGlobal(w, g + G_LIVE_ALLOCS, -1);
  incGlobal(w, g + G_TOTAL_FREES, 1);
}

function emitCallMoved(w: Writer, nparams: number, moved: number): void {
  for (let i = 0; i < nparams; i++) {
    w.byte(LOCAL_GET);
    w.u32(i);
  }
  w.byte(CALL);
  w.u32(moved);
}

function emitLocals(w: Writer, types: number[]): void {
  w.u32(types.length);
  for (let i = 0; i < types.length; i++) {
    w.u32(1);
    w.byte(types[i]!);
  }
}

const SAVED = [G_LIVE_BYTES, G_LIVE_ALLOCS, G_TOTAL_ALLOCS, G_TOTAL_FREES];

/**
 * Saves the four counters (locals S..S+3) and the countdown (local CD), calls the moved body
 * with all params, stores its i32 result in local R, and restores the counters: the inner
 * malloc/free calls the body made are undone, the wrapper then applies the net effect.
 */
function emitSaveCall(w: Writer, c: Ctx, n: number, moved: number, S: number, CD: number, R: number): void {
  for (let k = 0; k < 4; k++) {
    w.byte(GLOBAL_GET);
    w.u32(c.gBase + SAVED[k]!);
    w.byte(LOCAL_SET);
    w.u32(S + k);
  }
  w.byte(GLOBAL_GET);
  w.u32(c.gBase + G_COUNTDOWN);
  w.byte(LOCAL_SET);
  w.u32(CD);
  emitCallMoved(w, n, moved);
  w.byte(LOCAL_SET);
  w.u32(R);
  for (let k = 0; k < 4; k++) {
    w.byte(LOCAL_GET);
    w.u32(S + k);
    w.byte(GLOBAL_SET);
    w.u32(c.gBase + SAVED[k]!);
  }
}

/** The wrapper body (locals + code, without its size) for a swap. */
function emitWrapper(w: Writer, c: Ctx, s: Swap, moved: number): void {
  const m = c.inp.m;
  const t = m.types[m.funcTypes[s.f]!]!;
  const n = t.params.length;
  const a = c.inp.alloc;
  if (s.role === 'calls') {
    emitLocals(w, []);
    const g = c.callBase + s.counter;
    w.byte(BLOCK);
    w.byte(VOID);
    if (n >= 1 && t.params[0] === I32) w.ops(LOCAL_GET, 0, I32_EQZ, BR_IF, 0);
    if (n >= 2 && t.params[1] === I32) w.ops(LOCAL_GET, 1, I32_CONST, 1, I32_EQ, BR_IF, 0);
    incGlobal(w, g, 1);
    w.byte(END);
    emitCallMoved(w, n, moved);
    w.byte(END);
    return;
  }
  if (!a) throw MALFORMED; // unreachable: allocator swaps exist only with an allocator
  if (s.role === 'malloc') {
    const R = n;
    const B = n + 1;
    emitLocals(w, [I32, I64, I32]);
    emitCallMoved(w, n, moved);
    w.byte(LOCAL_SET);
    w.u32(R);
    emitNoteAlloc(w, c, R, 0, B, -1, n + 2, sizeParamOf(m, s.f, a.freePtrParam));
    w.byte(LOCAL_GET);
    w.u32(R);
    w.byte(END);
    return;
  }
  if (s.role === 'free') {
    const B = n;
    emitLocals(w, [I64, I32]);
    const P = a.freePtrParam;
    w.ops(BLOCK, VOID, LOCAL_GET, P, I32_EQZ, BR_IF, 0);
    emitSize(w, a, P, 0, B, n + 1);
    emitRelease(w, c, B);
    w.byte(END);
    emitCallMoved(w, n, moved);
    w.byte(END);
    return;
  }
  if (s.role === 'posix') {
    // posix_memalign(out, align, size) -> status: save, call, restore, count *out when status 0
    const RES = n;
    const R = n + 1;
    const B = n + 2;
    const CD = n + 3;
    const S = n + 4;
    const H = n + 8;
    emitLocals(w, [I32, I32, I64, I64, I64, I64, I64, I64, I32]);
    emitSaveCall(w, c, n, moved, S, CD, RES);
    // R = *out, when status == 0 and out is a valid 4-aligned address
    w.ops(BLOCK, VOID, LOCAL_GET);
    w.u32(RES);
    w.ops(BR_IF, 0, LOCAL_GET, 0, I32_CONST, 3, I32_AND, BR_IF, 0);
    w.ops(LOCAL_GET, 0, I32_CONST, 16, I32_SHR_U, MEMORY_SIZE, 0, I32_GE_U, BR_IF, 0);
    w.ops(LOCAL_GET, 0, I32_LOAD, 2, 0, LOCAL_SET);
    w.u32(R);
    w.byte(END);
    emitNoteAlloc(w, c, R, 0, B, CD, H);
    w.byte(LOCAL_GET);
    w.u32(RES);
    w.byte(END);
    return;
  }
  // realloc and allocnet: save the counters, call, restore, apply the net effect.
  const isRealloc = s.role === 'realloc';
  const off = isRealloc ? a.reallocOffset : 0;
  const R = n;
  const B = n + 1;
  const OLD = n + 2;
  const CD = n + 3;
  const S = n + 4; // 4 saved counters
  const H = n + 8;
  emitLocals(w, [I32, I64, I64, I64, I64, I64, I64, I64, I32]);
  if (!isRealloc) {
    // dlmalloc-rs's aligned allocation starts by handing small alignments to malloc; that path
    // (every Rust allocation goes through it) runs in the wrapper and calls the counting malloc
    // directly, with no save/restore of the counters (see fastPathPrefix).
    const fast = fastPathPrefix(c, s.f, n);
    if (fast !== null) w.copy(m.bytes, fast.start, fast.end);
  }
  if (isRealloc) {
    w.ops(BLOCK, VOID, LOCAL_GET, a.reallocPtrParam, I32_EQZ, BR_IF, 0);
    emitSize(w, a, a.reallocPtrParam, off, OLD, H);
    w.byte(END);
  }
  emitSaveCall(w, c, n, moved, S, CD, R);
  if (isRealloc) {
    // the old block is gone when ptr != 0 and (result != 0, or result == 0 with new size 0)
    w.ops(BLOCK, VOID, LOCAL_GET, a.reallocPtrParam, I32_EQZ, BR_IF, 0);
    w.byte(LOCAL_GET);
    w.u32(R);
    w.ops(I32_EQZ, IF, VOID);
    if (a.reallocSizeParam >= 0 && a.reallocSizeParam < n) {
      w.byte(LOCAL_GET);
      w.u32(a.reallocSizeParam);
      w.ops(BR_IF, 1);
    } else w.ops(I32_CONST, 1, BR_IF, 1);
    w.byte(END);
    emitRelease(w, c, OLD);
    w.byte(END);
  }
  emitNoteAlloc(w, c, R, off, B, CD, H, isRealloc ? sizeParamOf(m, s.f, a.reallocSizeParam) : -1);
  w.byte(LOCAL_GET);
  w.u32(R);
  w.byte(END);
}

const LOCAL_GET_OP = 0x20;
const RETURN = 0x0f;
/** i32 comparisons allowed in a fast-path test: eq, ne, lt_s, lt_u, gt_s, gt_u, le_s, le_u, ge_s, ge_u. */
function isI32Compare(op: number): boolean {
  return op >= 0x46 && op <= 0x4f;
}

/**
 * The byte range of a leading fast path of function f, or null:
 *   local.get P1; i32.const K; <i32 compare>; if (void); local.get P2; call MALLOC; return; end
 * where P1 and P2 are parameters and MALLOC is the swapped malloc (its index now counts). This is
 * how dlmalloc-rs's `malloc(size, align)` begins (`align <= 8` goes to plain malloc). Copied into
 * the wrapper as is, it returns what the original body would have returned for those arguments,
 * counted once by the malloc wrapper, and only the other arguments reach the save/restore path.
 */
export function fastPathPrefix(c: { inp: EmitInput }, f: number, nparams: number): { start: number; end: number } | null {
  const m = c.inp.m;
  const malloc = c.inp.alloc?.functions.malloc;
  if (malloc === undefined) return null;
  const d = f - m.importedFuncs;
  const r = new Reader(m.bytes, m.bodyStart[d]!, m.bodyEnd[d]!);
  try {
    const groups = r.u32();
    for (let i = 0; i < groups; i++) {
      r.u32();
      r.byte(); // value type (a single byte for every numeric type)
    }
    const start = r.p;
    if (r.byte() !== LOCAL_GET_OP || r.u32() >= nparams || r.byte() !== I32_CONST) return null;
    r.skipLeb(5);
    if (!isI32Compare(r.byte()) || r.byte() !== IF || r.byte() !== VOID || r.byte() !== LOCAL_GET_OP || r.u32() >= nparams) return null;
    if (r.byte() !== CALL || r.u32() !== malloc || r.byte() !== RETURN || r.byte() !== END) return null;
    return { start, end: r.p };
  } catch (e) {
    void e; // the body ends before the pattern does: no fast path
    return null;
  }
}

/** Index of an i32 size parameter of function f, or -1 (no out-of-memory notice then). */
function sizeParamOf(m: EmitInput['m'], f: number, index: number): number {
  const t = m.types[m.funcTypes[f]!]!;
  return index >= 0 && index < t.params.length && t.params[index] === I32 ? index : -1;
}

/**
 * Writes a wrapper body (ending with `end`) as a code entry of exactly `entrySize` bytes when it
 * fits (nops before the final `end`, size LEB padded), so the functions after it keep their
 * offsets; otherwise as a minimal entry.
 */
function writePaddedEntry(out: Writer, body: Writer, entrySize: number): void {
  const n = body.at;
  for (let sizeLen = 1; sizeLen <= 5; sizeLen++) {
    const len = entrySize - sizeLen;
    if (len < n || lebLength(len) > sizeLen) continue;
    out.u32Padded(len, sizeLen);
    out.copy(body.buf, 0, n - 1);
    out.fill(0x01, len - n); // nops
    out.byte(END);
    return;
  }
  out.u32(n);
  out.append(body);
}

/** Writes the rewritten module. */
export function emitModule(inp: EmitInput): Uint8Array<ArrayBuffer> {
  const m = inp.m;
  const b = m.bytes;
  const c = new Ctx(inp);
  const defined = m.funcTypes.length - m.importedFuncs;
  const movedBase = m.funcTypes.length;
  const hidden: HiddenExport[] = [];
  for (let i = 0; i < inp.globalExports.length; i++) {
    const g = inp.globalExports[i]!;
    hidden[hidden.length] = { name: g.name, kind: 3, index: m.globals + g.slot };
  }
  const addedGlobals = (inp.alloc ? ALLOCATOR_GLOBALS : 0) + inp.callCounters;
  if (inp.tableName !== null) hidden[hidden.length] = { name: inp.tableName, kind: 1, index: m.tables };

  // sized once: the original plus a bound on what is added (no regrowth, no second copy)
  let extra = 512 + inp.swaps.length * 512;
  for (let i = 0; i < inp.swaps.length; i++) {
    const d = inp.swaps[i]!.f - m.importedFuncs;
    extra += m.bodyEnd[d]! - m.entryStart[d]!; // the moved body
  }
  for (let i = 0; i < hidden.length; i++) extra += hidden[i]!.name.length + 32;
  const out = new Writer(m.length + extra);
  out.copy(b, 0, 8);
  const present: boolean[] = [];
  for (let i = 0; i < m.sections.length; i++) present[m.sections[i]!.id] = true;
  const needed = [1, 3, 4, 6, 7, 10];
  const done: boolean[] = [];

  const rewrite = (id: number, sec: { content: number; end: number } | null): void => {
    out.byte(id);
    const sizeAt = out.reserveU32();
    let count = 0;
    let rest = 0;
    if (sec) {
      // every section we touch starts with an element count
      let p = sec.content;
      let mul = 1;
      for (;;) {
        const x = b[p++]!;
        count += (x & 0x7f) * mul;
        mul *= 128;
        if ((x & 0x80) === 0) break;
      }
      rest = p;
    }
    if (id === 1) {
      out.u32(count + (inp.alloc ? 1 : 0));
      if (sec) out.copy(b, rest, sec.end);
      if (inp.alloc) out.ops(0x60, 2, I32, I32, 0);
    } else if (id === 3) {
      out.u32(count + inp.swaps.length);
      if (sec) out.copy(b, rest, sec.end);
      for (let i = 0; i < inp.swaps.length; i++) out.u32(m.funcTypes[inp.swaps[i]!.f]!);
    } else if (id === 4) {
      out.u32(count + (inp.tableName !== null ? 1 : 0));
      if (sec) out.copy(b, rest, sec.end);
      if (inp.tableName !== null) out.ops(0x70, 1, TABLE_SLOTS, TABLE_SLOTS); // funcref, min = max
    } else if (id === 6) {
      out.u32(count + addedGlobals);
      if (sec) out.copy(b, rest, sec.end);
      for (let i = 0; i < addedGlobals; i++) {
        const rel = i;
        if (inp.alloc && (rel === G_SAMPLE_PTR || rel === G_SAMPLE_SIZE || rel === G_OOM_ARMED)) out.ops(I32, 1, I32_CONST, 0, END);
        else if (inp.alloc && rel === G_COUNTDOWN) {
          out.ops(I64, 1, I64_CONST);
          for (let k = 0; k < 9; k++) out.byte(0xff);
          out.ops(0x00, END); // i64 max
        } else out.ops(I64, 1, I64_CONST, 0, END);
      }
    } else if (id === 7) {
      out.u32(count + hidden.length);
      if (sec) out.copy(b, rest, sec.end);
      for (let i = 0; i < hidden.length; i++) {
        const h = hidden[i]!;
        out.name(h.name);
        out.byte(h.kind);
        out.u32(h.index);
      }
    } else if (id === 10) {
      // the count keeps its original LEB length when it fits, so code-section-relative offsets
      // (DWARF) of every function that is not swapped stay the same (see the wrappers below)
      const countLen = sec ? rest - sec.content : 1;
      const newCount = count + inp.swaps.length;
      out.u32Padded(newCount, lebLength(newCount) > countLen ? lebLength(newCount) : countLen);
      // unchanged runs of entries are copied in one piece; swapped entries become wrappers
      const wrapper = new Writer(256);
      let from = defined > 0 ? m.entryStart[0]! : 0;
      for (let k = 0; k < inp.swaps.length; k++) {
        const s = inp.swaps[k]!;
        const d = s.f - m.importedFuncs;
        out.copy(b, from, m.entryStart[d]!);
        wrapper.at = 0;
        emitWrapper(wrapper, c, s, movedBase + k);
        writePaddedEntry(out, wrapper, m.bodyEnd[d]! - m.entryStart[d]!);
        from = m.bodyEnd[d]!;
      }
      if (defined > 0) out.copy(b, from, m.bodyEnd[defined - 1]!);
      // moved bodies in swap order (the swap list is sorted by function index)
      for (let i = 0; i < inp.swaps.length; i++) {
        const d = inp.swaps[i]!.f - m.importedFuncs;
        out.copy(b, m.entryStart[d]!, m.bodyEnd[d]!);
      }
    }
    out.patchU32(sizeAt, out.at - sizeAt - 5);
    done[id] = true;
  };

  const flushBefore = (r: number): void => {
    for (let i = 0; i < needed.length; i++) {
      const id = needed[i]!;
      if (!present[id] && !done[id] && rank(id) < r) rewrite(id, null);
    }
  };

  for (let i = 0; i < m.sections.length; i++) {
    const s = m.sections[i]!;
    if (s.id !== 0) flushBefore(rank(s.id));
    if (s.id === 1 || s.id === 3 || s.id === 4 || s.id === 6 || s.id === 7 || s.id === 10) rewrite(s.id, s);
    else out.copy(b, s.start, s.end);
  }
  flushBefore(100);
  return out.result();
}
