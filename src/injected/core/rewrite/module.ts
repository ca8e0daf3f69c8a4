/**
 * The structural parse the rewriter needs: section boundaries, function types, the function,
 * table, memory and global index spaces, exports, code-entry boundaries and the name section's
 * function names. Function bodies are not decoded here. Throws MALFORMED (see bytes.ts).
 */
import { byteLength, MALFORMED, Reader } from './bytes';

export interface FuncType {
  /** Value types as their first byte (0x7f i32, 0x7e i64, ...; ref types by their prefix byte). */
  params: number[];
  results: number[];
}

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the section content (after the size). */
  content: number;
  end: number;
}

export interface ExportEntry {
  name: string;
  kind: number;
  index: number;
}

export interface MemoryInfo {
  shared: boolean;
  is64: boolean;
  imported: boolean;
}

export interface ParsedModule {
  bytes: Uint8Array;
  /** bytes' length (read once through the saved getter). */
  length: number;
  sections: Section[];
  types: FuncType[];
  /** Type index of every function, imports first. */
  funcTypes: number[];
  importedFuncs: number;
  tables: number;
  memories: MemoryInfo[];
  globals: number;
  exports: ExportEntry[];
  /** Per defined function: offset of its entry (the size LEB), of its body, and the body's end. */
  entryStart: number[];
  bodyStart: number[];
  bodyEnd: number[];
  /** The name section's content range (after its name), or null. Decoded on demand by functionNames. */
  nameSection: { start: number; end: number } | null;
  /** Cache of functionNames (undefined: not decoded yet). */
  names: Record<number, string | undefined> | null | undefined;
  /** Set when something is present that the rewriter does not support (the reason). */
  unsupported: string | null;
}

const create = Object.create;

/**
 * The code section's entry table: one tight loop over the entries (each a size LEB, then the
 * body), no call per byte. It runs cold, in the page's first rewrite.
 */
function codeEntries(m: ParsedModule, b: Uint8Array, s: Reader, expected: number): void {
  const n = s.u32();
  if (n !== expected) throw MALFORMED;
  const end = s.end;
  let p = s.p;
  let mul = 1;
  let x = 0;
  // plain arrays (a typed array's length getter is the page's to patch)
  const entryStart: number[] = [];
  const bodyStart: number[] = [];
  const bodyEnd: number[] = [];
  for (let i = 0; i < n; i++) {
    entryStart[i] = p;
    let len = 0;
    mul = 1;
    do {
      if (p >= end) throw MALFORMED;
      x = b[p++]!;
      len += (x & 0x7f) * mul;
      mul *= 128;
    } while (x & 0x80 && mul <= 0x10000000);
    if (x & 0x80) throw MALFORMED;
    bodyStart[i] = p;
    p += len;
    if (p > end) throw MALFORMED;
    bodyEnd[i] = p;
  }
  m.entryStart = entryStart;
  m.bodyStart = bodyStart;
  m.bodyEnd = bodyEnd;
}

/**
 * Appends the function section's type indices to `out` (the imported functions' types). When
 * every index is one byte (fewer than 128 types: the section is exactly count + 1 byte per
 * function), a plain loop copies them; otherwise they are read one LEB at a time.
 */
function functionTypes(out: number[], b: Uint8Array, s: Reader): number {
  const n = s.u32();
  const k = out.length;
  if (s.end - s.p === n) {
    const p = s.p;
    for (let i = 0; i < n; i++) {
      const x = b[p + i]!;
      if (x & 0x80) throw MALFORMED; // a truncated LEB
      out[k + i] = x;
    }
    s.p = s.end;
  } else for (let i = 0; i < n; i++) out[k + i] = s.u32();
  return n;
}

function skipValType(r: Reader): number {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.skipLeb(5); // (ref null? heaptype)
  return t;
}

function limits(r: Reader): { shared: boolean; is64: boolean } {
  const flags = r.byte();
  const is64 = (flags & 4) !== 0;
  r.skipLeb(is64 ? 10 : 5);
  if (flags & 1) r.skipLeb(is64 ? 10 : 5);
  return { shared: (flags & 2) !== 0, is64 };
}

export function parseModule(bytes: Uint8Array): ParsedModule {
  const m: ParsedModule = {
    bytes,
    length: 0,
    sections: [],
    types: [],
    funcTypes: [],
    importedFuncs: 0,
    tables: 0,
    memories: [],
    globals: 0,
    exports: [],
    entryStart: [],
    bodyStart: [],
    bodyEnd: [],
    nameSection: null,
    names: undefined,
    unsupported: null,
  };
  const length = byteLength(bytes);
  m.length = length;
  if (length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw MALFORMED;
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    m.unsupported = 'not a core wasm module of version 1 (component or unknown version)';
    return m;
  }
  const r = new Reader(bytes, 8, length);
  let definedFuncs = -1;

  while (r.p < r.end) {
    const start = r.p;
    const id = r.byte();
    const size = r.u32();
    const content = r.p;
    const end = content + size;
    if (end > length) throw MALFORMED;
    m.sections[m.sections.length] = { id, start, content, end };
    const s = new Reader(bytes, content, end);
    if (id === 1) {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const form = s.byte();
        if (form !== 0x60) {
          m.unsupported = 'type section holds non-function types (GC proposal)';
          return m;
        }
        const params: number[] = [];
        const np = s.u32();
        for (let k = 0; k < np; k++) params[params.length] = skipValType(s);
        const results: number[] = [];
        const nr = s.u32();
        for (let k = 0; k < nr; k++) results[results.length] = skipValType(s);
        m.types[m.types.length] = { params, results };
      }
    } else if (id === 2) {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        s.skip(s.u32());
        s.skip(s.u32());
        const kind = s.byte();
        if (kind === 0) {
          m.funcTypes[m.funcTypes.length] = s.u32();
          m.importedFuncs++;
        } else if (kind === 1) {
          skipValType(s);
          limits(s);
          m.tables++;
        } else if (kind === 2) {
          const l = limits(s);
          m.memories[m.memories.length] = { shared: l.shared, is64: l.is64, imported: true };
        } else if (kind === 3) {
          skipValType(s);
          s.byte();
          m.globals++;
        } else if (kind === 4) {
          s.byte();
          s.u32();
        } else throw MALFORMED;
      }
    } else if (id === 3) {
      definedFuncs = functionTypes(m.funcTypes, bytes, s);
    } else if (id === 4) {
      m.tables += s.u32();
    } else if (id === 5) {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const l = limits(s);
        m.memories[m.memories.length] = { shared: l.shared, is64: l.is64, imported: false };
      }
    } else if (id === 6) {
      m.globals += s.u32();
    } else if (id === 7) {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const name = s.name();
        const kind = s.byte();
        const index = s.u32();
        m.exports[m.exports.length] = { name, kind, index };
      }
    } else if (id === 10) {
      codeEntries(m, bytes, s, definedFuncs < 0 ? 0 : definedFuncs);
    } else if (id === 0) {
      const name = s.name();
      if (name === 'name' && m.nameSection === null) m.nameSection = { start: s.p, end };
    }
    r.p = end;
  }
  if (definedFuncs > 0 && m.bodyStart.length !== definedFuncs) throw MALFORMED;
  for (let i = 0; i < m.funcTypes.length; i++) if (m.funcTypes[i]! >= m.types.length) throw MALFORMED;
  return m;
}

/**
 * Function names from the name section (subsection 1), by function index, decoded on first use
 * (debug builds carry tens of thousands). A malformed name section is ignored (it is optional).
 */
export function functionNames(m: ParsedModule): Record<number, string | undefined> | null {
  if (m.names !== undefined) return m.names;
  m.names = null;
  if (m.nameSection !== null) m.names = readFunctionNames(new Reader(m.bytes, m.nameSection.start, m.nameSection.end));
  return m.names;
}

function readFunctionNames(s: Reader): Record<number, string | undefined> | null {
  try {
    while (s.p < s.end) {
      const sub = s.byte();
      const size = s.u32();
      const end = s.p + size;
      if (sub === 1) {
        const out = create(null) as Record<number, string | undefined>;
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const idx = s.u32();
          out[idx] = s.name();
        }
        return out;
      }
      s.skip(end - s.p);
    }
  } catch (e) {
    void e;
  }
  return null;
}
