import { describe, expect, it } from 'vitest';
import { UNKNOWN_OPCODE } from './bytes';
import { scanBody } from './decode';
import { buildModule, i32, sleb, uleb } from './test-builder';

/** Scans a code sequence as a function body with no locals. */
function scan(code: number[]) {
  const body = new Uint8Array([0, ...code, 0x0b]);
  return scanBody(body, 0, body.length);
}
/** Builds a module with one () -> () function holding `code`, to prove the encoding is valid wasm. */
function valid(code: number[], features: { table?: boolean } = {}): boolean {
  return WebAssembly.validate(buildModule({ funcs: [{ params: [], results: [], code }], table: features.table ? 1 : undefined }));
}

describe('scanBody', () => {
  it('records i32 constants, direct calls and static addresses; skips every immediate', () => {
    const code = [
      0x41,
      ...sleb(245),
      0x1a, // i32.const 245; drop
      0x41,
      ...sleb(-8),
      0x1a,
      0x41,
      ...sleb(91256),
      0x28,
      2,
      ...uleb(4),
      0x1a, // i32.const 91256; i32.load offset=4
      0x41,
      0,
      0x28,
      2,
      ...uleb(91300),
      0x1a, // i32.load offset=91300
      0x42,
      ...sleb(-1n << 62n),
      0x1a, // i64.const
      0x43,
      0,
      0,
      0x80,
      0x3f,
      0x1a, // f32.const 1
      0x44,
      0,
      0,
      0,
      0,
      0,
      0,
      0xf0,
      0x3f,
      0x1a, // f64.const 1
      0x10,
      0, // call 0
      0x02,
      0x40,
      0x03,
      0x7f,
      0x41,
      1,
      0x0b,
      0x1a,
      0x0b, // block (loop (result i32) ...)
      0x41,
      0,
      0x04,
      0x40,
      0x01,
      0x05,
      0x01,
      0x0b, // if else
      0x02,
      0x40,
      0x41,
      0,
      0x0e,
      2,
      0,
      0,
      0,
      0x0b, // br_table
      0x41,
      1,
      0x41,
      2,
      0x41,
      0,
      0x1c,
      1,
      i32,
      0x1a, // select (result i32)
      0xd0,
      0x70,
      0xd1,
      0x1a, // ref.null func; ref.is_null
      0x41,
      0,
      0x41,
      0,
      0x41,
      0,
      0xfc,
      11,
      0, // memory.fill
      0x41,
      0,
      0x41,
      0,
      0x41,
      0,
      0xfc,
      10,
      0,
      0, // memory.copy
      0x43,
      0,
      0,
      0,
      0,
      0xfc,
      0,
      0x1a, // i32.trunc_sat_f32_s
      0x41,
      0,
      0xc0,
      0x1a, // i32.extend8_s
      0x3f,
      0,
      0x1a, // memory.size
      0x41,
      0,
      0xfd,
      0,
      4,
      0,
      0x1a, // v128.load
      0xfd,
      12,
      ...new Array(16).fill(0),
      0xfd,
      21,
      3,
      0x1a, // v128.const; i8x16.extract_lane_s 3
      0x41,
      0,
      0xfd,
      12,
      ...new Array(16).fill(0),
      0xfd,
      84,
      0,
      0,
      1,
      0x1a, // v128.load8_lane
      0xfc,
      16,
      0,
      0x1a, // table.size 0
    ];
    expect(valid(code, { table: true })).toBe(true);
    const f = scan(code);
    expect(f.consts).toContain(245);
    expect(f.consts).toContain(-8);
    expect(f.calls).toEqual([0]);
    expect(f.addresses).toEqual([91256, 91300]);
  });

  it('reads locals declarations and stops at unknown opcodes (GC prefix) with UNKNOWN_OPCODE', () => {
    const body = new Uint8Array([2, 1, i32, 2, 0x7e, 0x41, 5, 0x1a, 0x0b]);
    expect(scanBody(body, 0, body.length).consts).toEqual([5]);
    let thrown: unknown = null;
    try {
      scan([0xfb, 0]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(UNKNOWN_OPCODE);
  });
});
