// Constants that exist twice, once in the Rust core (analyzer-rs/src) and once in TypeScript,
// must agree. The Rust side is read as source text (no build needed), so a mismatch fails here
// with the names of both sides instead of as a wrong alert somewhere downstream.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, THRESHOLD_KEY } from './analyzer';
import { MAX_ID, MAX_SITES, REALM_KIND, STRIDE, TAG, TRACKING } from './encode';
import { REF_DEFAULTS } from '../../bench/reference';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** `SCREAMING_SNAKE` or `snake_case` -> `camelCase`. */
const camel = (s: string) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Body of `pub mod <name> { ... }` (no nested braces inside, as for constant tables). */
function rustMod(src: string, name: string, file: string): string {
  const m = new RegExp(`pub mod ${name} \\{([^}]*)\\}`).exec(src);
  if (!m) throw new Error(`${file}: no \`pub mod ${name} { ... }\``);
  return m[1] ?? '';
}

/** `pub const NAME: u32 = 12;` entries of a Rust module body, as [NAME, 12]. */
function rustConsts(body: string): Array<[string, number]> {
  return [...body.matchAll(/pub const ([A-Z0-9_]+): u32 = (\d+);/g)].map((m): [string, number] => [m[1] ?? '', Number(m[2])]);
}

/** Value of a simple Rust constant expression: a product of numbers (`1024.0 * 1024.0`, `30_000.0`). */
function rustNumber(expr: string): number {
  const factors = expr.split('*').map((f) => f.trim().replace(/_/g, ''));
  if (!factors.every((f) => /^\d+(\.\d+)?$/.test(f))) throw new Error(`not a simple number: ${expr}`);
  return factors.reduce((p, f) => p * Number(f), 1);
}

/** Compares two name -> value tables, listing every mismatch in the message. */
function sameTable(what: string, rust: Map<string, number>, ts: Map<string, number>) {
  const problems: string[] = [];
  for (const [k, v] of rust) {
    if (!ts.has(k)) problems.push(`${k} = ${v} is in Rust only`);
    else if (ts.get(k) !== v) problems.push(`${k}: Rust ${v}, TypeScript ${ts.get(k)}`);
  }
  for (const [k, v] of ts) if (!rust.has(k)) problems.push(`${k} = ${v} is in TypeScript only`);
  expect(problems, `${what}:\n  ${problems.join('\n  ')}`).toEqual([]);
}

describe('Rust and TypeScript constants agree', () => {
  const records = read('analyzer-rs/src/records.rs');

  it('record tags (records.rs `tag` vs encode.ts TAG)', () => {
    const rust = new Map(rustConsts(rustMod(records, 'tag', 'records.rs')).map(([k, v]) => [camel(k), v]));
    expect(rust.size).toBeGreaterThanOrEqual(10);
    sameTable('record tags', rust, new Map(Object.entries(TAG)));
  });

  it('realm kinds (records.rs `realm_kind` vs encode.ts REALM_KIND)', () => {
    const rust = new Map(rustConsts(rustMod(records, 'realm_kind', 'records.rs')).map(([k, v]) => [camel(k), v]));
    expect(rust.size).toBe(4);
    sameTable('realm kinds', rust, new Map(Object.entries(REALM_KIND)));
  });

  it('alloc tracking values and sites per memory (records.rs `tracking`, MAX_SITES vs encode.ts)', () => {
    const rust = new Map(rustConsts(rustMod(records, 'tracking', 'records.rs')).map(([k, v]) => [camel(k), v]));
    expect(rust.size).toBe(3);
    sameTable('alloc tracking', rust, new Map(Object.entries(TRACKING)));
    expect(/pub const MAX_SITES: usize = (\d+);/.exec(records)?.[1], 'MAX_SITES').toBe(String(MAX_SITES));
  });

  it('record stride and largest id (records.rs vs encode.ts)', () => {
    expect(/pub const STRIDE: usize = (\d+);/.exec(records)?.[1], 'STRIDE').toBe(String(STRIDE));
    const maxId = /pub const MAX_ID: u32 = 1 << (\d+);/.exec(records)?.[1];
    expect(maxId === undefined ? undefined : 2 ** Number(maxId), 'MAX_ID').toBe(MAX_ID);
  });

  it('config keys (config.rs `key` vs analyzer.ts CONFIG_KEY and THRESHOLD_KEY)', () => {
    const rust = new Map(rustConsts(rustMod(read('analyzer-rs/src/config.rs'), 'key', 'config.rs')).map(([k, v]) => [camel(k), v]));
    expect(rust.size).toBeGreaterThanOrEqual(20);
    // TypeScript threshold names carry a `Bytes` suffix where the Rust key does not.
    const ts = new Map<string, number>();
    for (const [k, v] of Object.entries({ ...CONFIG_KEY, ...THRESHOLD_KEY })) {
      const bare = k.replace(/Bytes$/, '');
      ts.set(!rust.has(k) && rust.has(bare) ? bare : k, v);
    }
    sameTable('config keys', rust, ts);
  });

  it('default thresholds (config.rs Config::default vs reference.ts REF_DEFAULTS)', () => {
    const src = read('analyzer-rs/src/config.rs');
    const body = /impl Default for Config \{[\s\S]*?Config \{([\s\S]*?)\n\s*\}\n\s*\}/.exec(src)?.[1];
    if (!body) throw new Error('config.rs: no Config::default()');
    const rust = new Map<string, unknown>();
    for (const m of body.matchAll(/^\s*([a-z_]+): (.+),$/gm)) {
      const [, field = '', expr = ''] = m;
      const list = /^vec!\[(.*)\]$/.exec(expr);
      rust.set(camel(field), expr === 'None' ? null : list ? (list[1] ?? '').split(',').map(rustNumber) : rustNumber(expr));
    }
    expect(rust.size).toBeGreaterThanOrEqual(20);
    const ts = new Map(Object.entries(REF_DEFAULTS));
    const problems: string[] = [];
    for (const [k, v] of rust) {
      if (!ts.has(k)) problems.push(`${k} is in Rust only`);
      else if (JSON.stringify(ts.get(k)) !== JSON.stringify(v))
        problems.push(`${k}: Rust ${JSON.stringify(v)}, TypeScript ${JSON.stringify(ts.get(k))}`);
    }
    for (const k of ts.keys()) if (!rust.has(k)) problems.push(`${k} is in TypeScript only`);
    expect(problems, `default thresholds:\n  ${problems.join('\n  ')}`).toEqual([]);
  });

  it('alert kind names (kind.rs `Kind::name` vs analyzer-api.ts AlertKind and reference.ts)', () => {
    const kindRs = read('analyzer-rs/src/kind.rs');
    const rust = [...kindRs.matchAll(/Kind::([A-Za-z]+) => "([a-z-]+)"/g)].map((m) => m[2] ?? '');
    expect(rust.length).toBeGreaterThanOrEqual(7);
    const api = read('src/shared/analyzer-api.ts');
    const union = /export type AlertKind =([^;]*);/.exec(api)?.[1];
    if (!union) throw new Error('analyzer-api.ts: no AlertKind union');
    const ts = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1] ?? '');
    expect(
      { rustOnly: rust.filter((k) => !ts.includes(k)), typescriptOnly: ts.filter((k) => !rust.includes(k)) },
      'alert kinds in kind.rs and AlertKind',
    ).toEqual({ rustOnly: [], typescriptOnly: [] });
    // The TypeScript reference raises only known kinds.
    const refKinds = [...new Set([...read('bench/reference.ts').matchAll(/kind: '([a-z-]+)'/g)].map((m) => m[1] ?? ''))];
    expect(
      refKinds.filter((k) => !rust.includes(k)),
      'kinds raised by reference.ts unknown to kind.rs',
    ).toEqual([]);
  });

  it('replaced-growth lag (heuristics/memory_replaced.rs vs reference.ts)', () => {
    const rust = /pub const REPLACED_GROWTH_LAG_MS: f64 = ([\d_.]+);/.exec(read('analyzer-rs/src/heuristics/memory_replaced.rs'))?.[1];
    const ts = /const REPLACED_GROWTH_LAG_MS = ([\d_]+);/.exec(read('bench/reference.ts'))?.[1];
    expect(rust && rustNumber(rust), 'REPLACED_GROWTH_LAG_MS in Rust').toBeDefined();
    expect(rust && rustNumber(rust)).toBe(ts && Number(ts.replace(/_/g, '')));
  });
});
