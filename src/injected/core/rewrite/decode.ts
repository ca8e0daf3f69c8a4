/**
 * A compact instruction scanner for the few function bodies the allocator fingerprint looks at.
 * It skips immediates for MVP, sign-extension, 0xFC (saturating truncation, bulk memory, table
 * ops), reference types, tail calls, legacy and new exception handling, 0xFD SIMD (incl. relaxed)
 * and 0xFE atomics, and records what the fingerprint needs. An unknown opcode (e.g. GC's 0xFB)
 * throws UNKNOWN_OPCODE: that body is then simply not a candidate.
 *
 * Written as one loop over local variables (no reader object, LEBs skipped inline): it runs
 * cold, in the page's first rewrite, where every property access and call is interpreted.
 * Reads past `end` give undefined (0 as a byte), checked once per instruction.
 */
import { MALFORMED, UNKNOWN_OPCODE } from './bytes';

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

/** Scans the body at [start, end) (locals declaration first). Throws MALFORMED / UNKNOWN_OPCODE. */
export function scanBody(b: Uint8Array, start: number, end: number): BodyFacts {
  const consts: number[] = [];
  const calls: number[] = [];
  const addresses: number[] = [];
  const offsets: number[] = [];
  let p = start;
  let x = 0;
  let mul = 1;
  let byte = 0;
  // locals: count, then (count, type) groups
  let groups = 0;
  mul = 1;
  do {
    byte = b[p++]! | 0;
    groups += (byte & 0x7f) * mul;
    mul *= 128;
  } while (byte & 0x80);
  for (let i = 0; i < groups && p < end; i++) {
    while (b[p++]! & 0x80);
    const t = b[p++];
    if (t === 0x63 || t === 0x64) while (b[p++]! & 0x80);
  }
  if (p > end) throw MALFORMED;
  while (p < end) {
    const op = b[p++]!;
    if (op >= 0x45 && op <= 0xc4) continue; // numeric, incl. sign extension
    let memargs = 0; // memargs to read after the opcode
    if (op >= 0x28 && op <= 0x3e) memargs = 1;
    else {
      switch (op) {
        case 0x00:
        case 0x01:
        case 0x05:
        case 0x0a:
        case 0x0b:
        case 0x0f:
        case 0x19:
        case 0x1a:
        case 0x1b:
        case 0xd1:
        case 0xd3:
        case 0xd4:
          break;
        case 0x02:
        case 0x03:
        case 0x04:
        case 0x06: {
          // block type: 0x40, a value type, (ref null? ht), or a type index (s33)
          const t = b[p];
          if (t === 0x63 || t === 0x64) p++;
          while (b[p++]! & 0x80);
          break;
        }
        case 0x07:
        case 0x08:
        case 0x09:
        case 0x0c:
        case 0x0d:
        case 0x18:
        case 0x14:
        case 0x15:
        case 0xd2:
        case 0xd5:
        case 0xd6:
        case 0xd0:
        case 0x20:
        case 0x21:
        case 0x22:
        case 0x23:
        case 0x24:
        case 0x25:
        case 0x26:
        case 0x3f:
        case 0x40:
          while (b[p++]! & 0x80);
          break;
        case 0x10:
        case 0x12: {
          x = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            x += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          calls[calls.length] = x;
          break;
        }
        case 0x11:
        case 0x13:
          while (b[p++]! & 0x80);
          while (b[p++]! & 0x80);
          break;
        case 0x0e: {
          let n = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            n += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          if (n > end - p) throw MALFORMED;
          for (let i = 0; i <= n; i++) while (b[p++]! & 0x80);
          break;
        }
        case 0x1c: {
          let n = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            n += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          if (n > end - p) throw MALFORMED;
          for (let i = 0; i < n; i++) {
            const t = b[p++];
            if (t === 0x63 || t === 0x64) while (b[p++]! & 0x80);
          }
          break;
        }
        case 0x1f: {
          const t = b[p];
          if (t === 0x63 || t === 0x64) p++;
          while (b[p++]! & 0x80);
          let n = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            n += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          if (n > end - p) throw MALFORMED;
          for (let i = 0; i < n; i++) {
            const kind = b[p++];
            if (kind === 0 || kind === 1) while (b[p++]! & 0x80);
            else if (kind !== 2 && kind !== 3) throw UNKNOWN_OPCODE;
            while (b[p++]! & 0x80);
          }
          break;
        }
        case 0x41: {
          // signed LEB, up to 32 bits
          let v = 0;
          let shift = 0;
          do {
            byte = b[p++]! | 0;
            v |= (byte & 0x7f) << shift;
            shift += 7;
          } while (byte & 0x80 && shift < 35);
          if (shift < 32 && (byte & 0x40) !== 0) v |= -1 << shift;
          v |= 0;
          consts[consts.length] = v;
          if (v >= ADDRESS_MIN) addresses[addresses.length] = v;
          break;
        }
        case 0x42:
          while (b[p++]! & 0x80);
          break;
        case 0x43:
          p += 4;
          break;
        case 0x44:
          p += 8;
          break;
        case 0xfc: {
          let sub = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            sub += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          if (sub <= 7) break;
          if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
            while (b[p++]! & 0x80);
            while (b[p++]! & 0x80);
          } else if (sub <= 17) while (b[p++]! & 0x80);
          else throw UNKNOWN_OPCODE;
          break;
        }
        case 0xfd: {
          let sub = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            sub += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          if (sub <= 11 || sub === 92 || sub === 93) memargs = 1;
          else if (sub === 12 || sub === 13) p += 16;
          else if (sub >= 21 && sub <= 34) p += 1;
          else if (sub >= 84 && sub <= 91)
            memargs = 2; // memarg, then a lane byte
          else if (sub > 0x113) throw UNKNOWN_OPCODE;
          break;
        }
        case 0xfe: {
          let sub = 0;
          mul = 1;
          do {
            byte = b[p++]! | 0;
            sub += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte & 0x80);
          if (sub === 3) p += 1;
          else if (sub <= 0x4e) memargs = 1;
          else throw UNKNOWN_OPCODE;
          break;
        }
        default:
          throw UNKNOWN_OPCODE;
      }
    }
    if (memargs !== 0) {
      // align (bit 6: a memory index follows), then the offset
      let align = 0;
      mul = 1;
      do {
        byte = b[p++]! | 0;
        align += (byte & 0x7f) * mul;
        mul *= 128;
      } while (byte & 0x80);
      if (align & 0x40) while (b[p++]! & 0x80);
      x = 0;
      mul = 1;
      do {
        byte = b[p++]! | 0;
        x += (byte & 0x7f) * mul;
        mul *= 128;
      } while (byte & 0x80);
      if (x >= ADDRESS_MIN) addresses[addresses.length] = x;
      if (x >= 64) offsets[offsets.length] = x;
      if (memargs === 2) p += 1;
    }
    if (p > end) throw MALFORMED;
  }
  return { consts, calls, addresses, offsets };
}
