/**
 * Byte sizes as people read them, the one formatter for every surface (panel tables, chart
 * axis, budget fields, CLI report) so a figure reads the same wherever it is shown. Pure.
 * The analyzer's alert texts use `fmt_bytes` (analyzer-rs/src/text.rs), which writes exactly the
 * same: both are tested against bytes-cases.json, so a change here is a change there.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * Binary units, at most three significant digits, no trailing zeros: 0 -> "0 B",
 * 1536 -> "1.5 KiB", 65536 -> "64 KiB", 1.25 GiB -> "1.25 GiB", 300 MiB -> "300 MiB".
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 100 || Number.isInteger(v) ? 0 : v >= 10 ? 1 : 2;
  return `${sign}${String(parseFloat(v.toFixed(digits)))} ${UNITS[u]}`;
}

/** Signed bytes: "+64 KiB", "-1 MiB", "0 B". */
export function formatDelta(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : formatBytes(n);
}

/** Parse "64", "1.5 MiB", "512k", "2 GB" into bytes (binary multiples); null if not understood. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$/i.exec(text);
  if (!m || m[1] === undefined) return null;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const f = mult[(m[2] ?? '').toLowerCase()];
  if (f === undefined) return null;
  return Math.round(parseFloat(m[1]) * f);
}
