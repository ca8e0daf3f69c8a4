/**
 * A compact instruction scanner for the few function bodies the allocator fingerprint looks at.
 * It skips immediates for MVP, sign-extension, 0xFC (saturating truncation, bulk memory, table
 * ops), reference types, tail calls, legacy and new exception handling, 0xFD SIMD (incl. relaxed)
 * and 0xFE atomics, and records what the fingerprint needs. An unknown opcode (e.g. GC's 0xFB)
 * throws UNKNOWN_OPCODE: that body is then simply not a candidate.
 */
import { Reader, UNKNOWN_OPCODE } from './bytes';

export interface BodyFacts {
  /** Every i32.const value (signed). */
  consts: number[];
  /** Direct call targets (call, return_call). */
  calls: number[];
  /** i32.const values and memarg offsets >= 1024: the static addresses the body touches. */
  addresses: number[];
  /** memarg offsets >= 64 (struct fields, e.g. of an allocator state passed as a pointer). */
  offsets: number[];
}

const ADDRESS_MIN = 1024;

function blockType(r: Reader): void {
  const t = r.b[r.p];
  if (t === 0x63 || t === 0x64) {
    r.p++;
    r.skipLeb(5);
  } else r.skipLeb(5); // 0x40, a value type, or a type index (s33)
}

function memarg(r: Reader, f: BodyFacts): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // memory index (multi-memory)
  const offset = r.u32();
  if (offset >= ADDRESS_MIN) f.addresses[f.addresses.length] = offset;
  if (offset >= 64) f.offsets[f.offsets.length] = offset;
}

/** Scans the body at [start, end) (locals declaration first). Throws MALFORMED / UNKNOWN_OPCODE. */
export function scanBody(b: Uint8Array, start: number, end: number): BodyFacts {
  const f: BodyFacts = { consts: [], calls: [], addresses: [], offsets: [] };
  const r = new Reader(b, start, end);
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    const t = r.byte();
    if (t === 0x63 || t === 0x64) r.skipLeb(5);
  }
  while (r.p < r.end) {
    const op = r.byte();
    if (op >= 0x45 && op <= 0xc4) continue; // numeric, incl. sign extension
    if (op >= 0x28 && op <= 0x3e) {
      memarg(r, f);
      continue;
    }
    switch (op) {
      case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0b: case 0x0f: case 0x19:
      case 0x1a: case 0x1b: case 0xd1: case 0xd3: case 0xd4:
        break;
      case 0x02: case 0x03: case 0x04: case 0x06:
        blockType(r);
        break;
      case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x18:
      case 0x14: case 0x15: case 0xd2: case 0xd5: case 0xd6:
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
        r.u32();
        break;
      case 0x10: case 0x12:
        f.calls[f.calls.length] = r.u32();
        break;
      case 0x11: case 0x13:
        r.u32();
        r.u32();
        break;
      case 0x0e: {
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case 0x1c: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const t = r.byte();
          if (t === 0x63 || t === 0x64) r.skipLeb(5);
        }
        break;
      }
      case 0x1f: {
        blockType(r);
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const kind = r.byte();
          if (kind === 0 || kind === 1) r.u32();
          else if (kind !== 2 && kind !== 3) throw UNKNOWN_OPCODE;
          r.u32();
        }
        break;
      }
      case 0x3f: case 0x40:
        r.u32();
        break;
      case 0x41: {
        const v = r.s32();
        f.consts[f.consts.length] = v;
        if (v >= ADDRESS_MIN) f.addresses[f.addresses.length] = v;
        break;
      }
      case 0x42:
        r.skipLeb(10);
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xd0:
        r.skipLeb(5);
        break;
      case 0xfc: {
        const sub = r.u32();
        if (sub <= 7) break;
        if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
          r.u32();
          r.u32();
        } else if (sub <= 17) r.u32();
        else throw UNKNOWN_OPCODE;
        break;
      }
      case 0xfd: {
        const sub = r.u32();
        if (sub <= 11 || sub === 92 || sub === 93) memarg(r, f);
        else if (sub === 12 || sub === 13) r.skip(16);
        else if (sub >= 21 && sub <= 34) r.skip(1);
        else if (sub >= 84 && sub <= 91) {
          memarg(r, f);
          r.skip(1);
        } else if (sub > 0x113) throw UNKNOWN_OPCODE;
        break;
      }
      case 0xfe: {
        const sub = r.u32();
        if (sub === 3) r.skip(1);
        else if (sub <= 0x4e) memarg(r, f);
        else throw UNKNOWN_OPCODE;
        break;
      }
      default:
        throw UNKNOWN_OPCODE;
    }
  }
  return f;
}
