/**
 * Byte-level helpers of the wasm rewriter: a bounded reader and a growable writer. Every built-in
 * they use is saved when the bundle starts, so a page that patches Uint8Array.prototype.set,
 * TextDecoder or String.prototype afterwards can neither break nor observe them.
 *
 * The reader throws the preallocated `MALFORMED` object (no constructor runs); the public entry
 * point catches it and answers `{ ok: false }`.
 */

const U8 = Uint8Array;
const u8set = Uint8Array.prototype.set;
const u8subarray = Uint8Array.prototype.subarray;
const u8fill = Uint8Array.prototype.fill;
const apply = Reflect.apply;
const textDecoder = new TextDecoder('utf-8', { fatal: false });
const decode = TextDecoder.prototype.decode;
const charCodeAt = String.prototype.charCodeAt;
const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'length')?.get;

/** The length of a Uint8Array through the saved %TypedArray%.prototype.length getter. */
export function byteLength(b: Uint8Array): number {
  return typedArrayLength ? (apply(typedArrayLength, b, []) as number) : b.length;
}

/** Thrown by the reader on truncated or malformed input. */
export const MALFORMED: { readonly reason: string } = { reason: 'malformed or truncated binary' };
/** Thrown by the instruction decoder on an opcode it does not know (that body is skipped). */
export const UNKNOWN_OPCODE: { readonly reason: string } = { reason: 'unknown opcode' };

export function view(b: Uint8Array, start: number, end: number): Uint8Array {
  return apply(u8subarray, b, [start, end]) as Uint8Array;
}

export function newBytes(n: number): Uint8Array {
  return new U8(n);
}

/** Bytes of the minimal unsigned LEB of v. */
export function lebLength(v: number): number {
  let n = 1;
  let x = v >>> 0;
  while (x >= 128) {
    x >>>= 7;
    n++;
  }
  return n;
}

export class Reader {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly end: number,
  ) {}
  byte(): number {
    if (this.p >= this.end) throw MALFORMED;
    return this.b[this.p++]!;
  }
  u32(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) throw MALFORMED;
        return result;
      }
      mul *= 128;
    }
    throw MALFORMED;
  }
  /** Signed LEB128 of up to 32 bits, as a JS number in [-2^31, 2^31). */
  s32(): number {
    let result = 0;
    let shift = 0;
    let byte = 0;
    for (let i = 0; i < 5; i++) {
      byte = this.byte();
      result |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) {
        if (shift < 32 && (byte & 0x40) !== 0) result |= -1 << shift;
        return result | 0;
      }
    }
    throw MALFORMED;
  }
  /** Skips a signed or unsigned LEB128 of up to `maxBytes` bytes. */
  skipLeb(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if ((this.byte() & 0x80) === 0) return;
    throw MALFORMED;
  }
  skip(n: number): void {
    if (this.p + n > this.end) throw MALFORMED;
    this.p += n;
  }
  name(): string {
    const n = this.u32();
    if (this.p + n > this.end) throw MALFORMED;
    const s = apply(decode, textDecoder, [view(this.b, this.p, this.p + n)]) as string;
    this.p += n;
    return s;
  }
}

/** A growable byte buffer; `at` is the number of bytes written. */
export class Writer {
  buf: Uint8Array;
  at = 0;
  /** Capacity of buf (kept here: the page may patch the length getter). */
  private cap: number;
  constructor(capacity: number) {
    this.cap = capacity > 16 ? capacity : 16;
    this.buf = new U8(this.cap);
  }
  private room(n: number): void {
    const need = this.at + n;
    if (need <= this.cap) return;
    let cap = this.cap * 2;
    if (cap < need) cap = need;
    const next = new U8(cap);
    apply(u8set, next, [view(this.buf, 0, this.at)]);
    this.buf = next;
    this.cap = cap;
  }
  byte(v: number): void {
    this.room(1);
    this.buf[this.at++] = v & 0xff;
  }
  /** Several single-byte values (opcodes, small immediates). */
  ops(...v: number[]): void {
    this.room(v.length);
    for (let i = 0; i < v.length; i++) this.buf[this.at++] = v[i]! & 0xff;
  }
  u32(v: number): void {
    this.room(5);
    let x = v >>> 0;
    for (;;) {
      const low = x & 0x7f;
      x >>>= 7;
      if (x === 0) {
        this.buf[this.at++] = low;
        return;
      }
      this.buf[this.at++] = low | 0x80;
    }
  }
  /** Signed LEB128 of a 32-bit value. */
  s32(v: number): void {
    this.room(5);
    let x = v | 0;
    for (;;) {
      const low = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (low & 0x40) === 0) || (x === -1 && (low & 0x40) !== 0)) {
        this.buf[this.at++] = low;
        return;
      }
      this.buf[this.at++] = low | 0x80;
    }
  }
  /** v as an unsigned LEB of exactly `len` bytes (padded; len >= the minimal length, <= 5). */
  u32Padded(v: number, len: number): void {
    this.room(len);
    let x = v >>> 0;
    for (let i = 0; i < len - 1; i++) {
      this.buf[this.at++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.at++] = x & 0x7f;
  }
  /** Reserves a 5-byte (padded) u32 LEB to be filled by `patchU32`; returns its offset. */
  reserveU32(): number {
    this.room(5);
    const at = this.at;
    this.at += 5;
    return at;
  }
  /** Writes v as a 5-byte padded LEB at `at` (valid wasm: at most ceil(32 / 7) bytes). */
  patchU32(at: number, v: number): void {
    let x = v >>> 0;
    for (let i = 0; i < 4; i++) {
      this.buf[at + i] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[at + 4] = x & 0x7f;
  }
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.room(n);
    apply(u8set, this.buf, [view(src, start, end), this.at]);
    this.at += n;
  }
  /** `n` copies of the byte `v`, filled natively (e.g. the nops that pad a wrapper). */
  fill(v: number, n: number): void {
    if (n <= 0) return;
    this.room(n);
    apply(u8fill, this.buf, [v & 0xff, this.at, this.at + n]);
    this.at += n;
  }
  /** Appends another writer's content. */
  append(w: Writer): void {
    this.copy(w.buf, 0, w.at);
  }
  /** An ASCII name, length-prefixed (every name the rewriter adds is ASCII). */
  name(s: string): void {
    const n = s.length;
    this.u32(n);
    this.room(n);
    for (let i = 0; i < n; i++) this.buf[this.at++] = apply(charCodeAt, s, [i]) as number;
  }
  result(): Uint8Array<ArrayBuffer> {
    return view(this.buf, 0, this.at) as Uint8Array<ArrayBuffer>;
  }
}
