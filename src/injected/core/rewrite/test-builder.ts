/**
 * Test-only: a tiny wasm module builder (just enough for the rewriter's hand-built fixtures).
 */

export const i32 = 0x7f;
export const i64 = 0x7e;

export function uleb(v: number | bigint): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

export function sleb(v: number | bigint): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

export interface Fn {
  params: number[];
  results: number[];
  locals?: number[];
  code: number[]; // without the final `end`
  export?: string;
  name?: string;
}

export interface ModuleSpec {
  imports?: { module: string; name: string; params: number[]; results: number[] }[];
  memory?: { min: number; max?: number; shared?: boolean; is64?: boolean; imported?: boolean; count?: number } | null;
  exportMemory?: string;
  funcs: Fn[];
  nameSection?: boolean;
  custom?: { name: string; bytes: number[] }[];
  /** A funcref table of this many slots, exported as "table". */
  table?: number;
  /** Immutable i32 globals with these values (exported as g0, g1, ...). */
  globals?: number[];
  /** Start function index. */
  start?: number;
  /** An active element segment at table 0, offset 0. */
  elem?: number[];
  /** An active data segment at memory 0, offset 16 (with a data count section). */
  data?: number[];
  /** Exception tags of type (i32) -> () (section 13, between memory and global). */
  tags?: number;
}

/** Builds a module; function indices: imports first, then `funcs` in order. */
export function buildModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types: number[][] = [];
  const typeIndex = (p: number[], r: number[]): number => {
    const enc = [0x60, ...vec(p.map((x) => [x])), ...vec(r.map((x) => [x]))];
    const key = enc.join(',');
    const at = types.findIndex((t) => t.join(',') === key);
    if (at >= 0) return at;
    types.push(enc);
    return types.length - 1;
  };
  const imports: number[][] = [];
  for (const im of spec.imports ?? []) imports.push([...str(im.module), ...str(im.name), 0, ...uleb(typeIndex(im.params, im.results))]);
  const mem = spec.memory === undefined ? { min: 1 } : spec.memory;
  const limits = (m: NonNullable<ModuleSpec['memory']>): number[] => {
    const flags = (m.max !== undefined ? 1 : 0) | (m.shared ? 2 : 0) | (m.is64 ? 4 : 0);
    return [flags, ...uleb(m.min), ...(m.max !== undefined ? uleb(m.max) : [])];
  };
  if (mem && mem.imported) imports.push([...str('env'), ...str('memory'), 2, ...limits(mem)]);
  const tagType = spec.tags ? typeIndex([i32], []) : 0;
  const funcDecl = spec.funcs.map((f) => uleb(typeIndex(f.params, f.results)));
  const nImp = (spec.imports ?? []).length;
  const exports: number[][] = [];
  spec.funcs.forEach((f, i) => {
    if (f.export) exports.push([...str(f.export), 0, ...uleb(nImp + i)]);
  });
  if (spec.exportMemory && mem) exports.push([...str(spec.exportMemory), 2, 0]);
  if (spec.table) exports.push([...str('table'), 1, 0]);
  (spec.globals ?? []).forEach((_, i) => exports.push([...str('g' + i), 3, ...uleb(i)]));
  const bodies = spec.funcs.map((f) => {
    const locals = f.locals ?? [];
    const body = [...vec(locals.map((t) => [1, t])), ...f.code, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const out: number[] = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  out.push(...section(1, vec(types)));
  if (imports.length) out.push(...section(2, vec(imports)));
  out.push(...section(3, vec(funcDecl)));
  if (spec.table) out.push(...section(4, vec([[0x70, 0, ...uleb(spec.table)]])));
  if (mem && !mem.imported) out.push(...section(5, vec(Array.from({ length: mem.count ?? 1 }, () => limits(mem)))));
  if (spec.tags) out.push(...section(13, vec(Array.from({ length: spec.tags }, () => [0, ...uleb(tagType)]))));
  if (spec.globals) out.push(...section(6, vec(spec.globals.map((v) => [i32, 0, 0x41, ...sleb(v), 0x0b]))));
  out.push(...section(7, vec(exports)));
  if (spec.start !== undefined) out.push(...section(8, uleb(spec.start)));
  if (spec.elem) out.push(...section(9, vec([[0, 0x41, 0, 0x0b, ...vec(spec.elem.map((f) => uleb(f)))]])));
  if (spec.data) out.push(...section(12, uleb(1)));
  out.push(...section(10, vec(bodies)));
  if (spec.data) out.push(...section(11, vec([[0, 0x41, 16, 0x0b, ...uleb(spec.data.length), ...spec.data]])));
  if (spec.nameSection) {
    const names = spec.funcs.map((f, i) => (f.name ? [...uleb(nImp + i), ...str(f.name)] : null)).filter((x): x is number[] => x !== null);
    const sub = vec(names);
    out.push(...section(0, [...str('name'), 1, ...uleb(sub.length), ...sub]));
  }
  for (const c of spec.custom ?? []) out.push(...section(0, [...str(c.name), ...c.bytes]));
  return new Uint8Array(out);
}

// opcodes used by the fixtures
export const op = {
  end: 0x0b,
  if_: 0x04,
  else_: 0x05,
  block: 0x02,
  br_if: 0x0d,
  call: 0x10,
  drop: 0x1a,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  global_get: 0x23,
  i32_load: 0x28,
  i32_store: 0x36,
  i32_const: 0x41,
  i32_eqz: 0x45,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_and: 0x71,
  i32_or: 0x72,
};

/**
 * A bump allocator with dlmalloc's chunk layout: the word before the payload holds
 * size|3 (size = (n + 4 + 7) & ~7, at least 16). The heap pointer lives at address 1024; the heap
 * starts at 2048. malloc carries dlmalloc's constants (244, 11, -8) so its kind is 'dlmalloc'.
 * free(p) clears the in-use bit. realloc(p, n): malloc(n), free(p) (no copy).
 */
export function bumpAllocator(
  o: { mallocName?: string; freeName?: string; reallocName?: string; dlConstants?: boolean; failAbove?: number } = {},
): Fn[] {
  const { local_get: lg, local_set: ls, local_tee: lt, i32_const: c, i32_load: ld, i32_store: st } = op;
  const heap = sleb(1024);
  const consts = o.dlConstants === false ? [] : [c, ...sleb(244), op.drop, c, ...sleb(11), op.drop, c, ...sleb(-8), op.drop];
  consts.push(c, ...sleb(1028), op.drop); // a second static address (allocator state) for the fingerprint
  // malloc(n) returns 0 (out of memory) when n > failAbove
  if (o.failAbove !== undefined) consts.push(lg, 0, c, ...sleb(o.failAbove), 0x4b /* i32.gt_u */, op.if_, 0x40, c, 0, 0x0f, op.end);
  const malloc: Fn = {
    params: [i32],
    results: [i32],
    locals: [i32, i32],
    export: o.mallocName ?? 'malloc',
    name: 'dlmalloc',
    code: [
      ...consts,
      // size = max(16, (n + 11) & -8)
      lg,
      0,
      c,
      ...sleb(11),
      op.i32_add,
      c,
      ...sleb(-8),
      op.i32_and,
      ls,
      1,
      lg,
      1,
      c,
      16,
      lg,
      1,
      c,
      16,
      0x4b /* i32.gt_u */,
      0x1b /* select */,
      ls,
      1,
      // base = *heap (or 2048 when 0)
      c,
      ...heap,
      ld,
      2,
      0,
      lt,
      2,
      op.i32_eqz,
      op.if_,
      0x40,
      c,
      ...sleb(2048),
      ls,
      2,
      op.end,
      // *base = size | 3
      lg,
      2,
      lg,
      1,
      c,
      3,
      op.i32_or,
      st,
      2,
      0,
      // *heap = base + size
      c,
      ...heap,
      lg,
      2,
      lg,
      1,
      op.i32_add,
      st,
      2,
      0,
      lg,
      2,
      c,
      4,
      op.i32_add,
    ],
  };
  const free: Fn = {
    params: [i32],
    results: [],
    export: o.freeName ?? 'free',
    name: 'dlfree',
    code: [
      lg,
      0,
      op.i32_eqz,
      op.if_,
      0x40,
      0x0f /* return */,
      op.end,
      lg,
      0,
      c,
      4,
      op.i32_sub,
      lg,
      0,
      c,
      4,
      op.i32_sub,
      ld,
      2,
      0,
      c,
      ...sleb(-3),
      op.i32_and,
      st,
      2,
      0,
    ],
  };
  return [malloc, free];
}
