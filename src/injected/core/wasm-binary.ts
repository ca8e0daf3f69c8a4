/**
 * Just enough of the wasm binary format to learn each memory's declared maximum: the limits of
 * imported and defined memories, and which export names refer to which memory. Pure; bounded
 * (skips every other section by its size); never throws (malformed input gives what was read).
 */

export interface MemoryLimits {
  /** Pages. */
  initial: number;
  /** Pages, or null when unbounded. */
  maximum: number | null;
  shared: boolean;
  /** memory64 (index type i64). */
  is64: boolean;
}

export interface ModuleMemories {
  /** By export name (a prototype-less record: filling it runs no page-patchable method). */
  exports: Record<string, MemoryLimits | undefined>;
  /** By `${module}\u0000${name}` of the import. */
  imports: Record<string, MemoryLimits | undefined>;
}

// Saved when the bundle starts, before the page can patch them.
const decoder = new TextDecoder();
const decode = TextDecoder.prototype.decode;
const subarray = Uint8Array.prototype.subarray;
const apply = Reflect.apply;
const create = Object.create;

class Reader {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly end: number,
  ) {}
  byte(): number {
    if (this.p >= this.end) throw new RangeError('eof');
    return this.b[this.p++] ?? 0;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
    throw new RangeError('leb');
  }
  u64(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
    throw new RangeError('leb');
  }
  name(): string {
    const n = this.u32();
    if (this.p + n > this.end) throw new RangeError('eof');
    const s = apply(decode, decoder, [apply(subarray, this.b, [this.p, this.p + n])]) as string;
    this.p += n;
    return s;
  }
  limits(): MemoryLimits {
    const flags = this.byte();
    const is64 = (flags & 4) !== 0;
    const initial = is64 ? this.u64() : this.u32();
    const maximum = flags & 1 ? (is64 ? this.u64() : this.u32()) : null;
    return { initial, maximum, shared: (flags & 2) !== 0, is64 };
  }
  skipValType(): void {
    const t = this.byte();
    if (t === 0x63 || t === 0x64) this.u32(); // (ref null? ht): heap type index
  }
}

export function moduleMemories(bytes: Uint8Array): ModuleMemories {
  const out: ModuleMemories = { exports: create(null) as ModuleMemories['exports'], imports: create(null) as ModuleMemories['imports'] };
  const space: MemoryLimits[] = []; // memory index space: imports first, then definitions
  try {
    if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return out;
    const r = new Reader(bytes, 8, bytes.length);
    while (r.p < r.end) {
      const id = r.byte();
      const size = r.u32();
      const end = r.p + size;
      if (end > bytes.length) break;
      const s = new Reader(bytes, r.p, end);
      if (id === 2) {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const mod = s.name();
          const name = s.name();
          const kind = s.byte();
          if (kind === 0) s.u32();
          else if (kind === 1) {
            s.skipValType();
            s.limits();
          } else if (kind === 2) {
            const l = s.limits();
            space[space.length] = l;
            out.imports[`${mod}\u0000${name}`] = l;
          } else if (kind === 3) {
            s.skipValType();
            s.byte();
          } else if (kind === 4) {
            s.byte();
            s.u32();
          } else break;
        }
      } else if (id === 5) {
        const n = s.u32();
        for (let i = 0; i < n; i++) space[space.length] = s.limits();
      } else if (id === 7) {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const name = s.name();
          const kind = s.byte();
          const index = s.u32();
          const l = kind === 2 ? space[index] : undefined;
          if (l) out.exports[name] = l;
        }
        return out; // nothing after the export section matters here
      }
      r.p = end;
    }
  } catch (e) {
    void e; // malformed or truncated: the native compile reports it; we keep what we read
  }
  return out;
}
