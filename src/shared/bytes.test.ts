import { describe, expect, it } from 'vitest';
import { formatBytes, formatDelta, parseBytes } from './bytes';
import cases from './bytes-cases.json';

describe('the shared cases (bytes-cases.json, also the cases of fmt_bytes in analyzer-rs)', () => {
  it('formatBytes writes each expected text', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    // An input is a number, or "NaN", "Infinity" or "-Infinity" (not numbers in JSON).
    const got = cases.map(([input]) => [input, formatBytes(Number(input))]);
    expect(got).toEqual(cases);
  });
});

describe('formatBytes', () => {
  it('uses binary units, at most three significant digits and no trailing zeros', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(65536)).toBe('64 KiB');
    expect(formatBytes(1000)).toBe('1000 B');
    expect(formatBytes(10 * 1048576)).toBe('10 MiB');
    expect(formatBytes(10.25 * 1048576)).toBe('10.3 MiB');
    expect(formatBytes(16 * 1024 * 1024)).toBe('16 MiB');
    expect(formatBytes(300 * 1048576)).toBe('300 MiB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB');
    expect(formatBytes(-2048)).toBe('-2 KiB');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
  it('signs deltas', () => {
    expect(formatDelta(65536)).toBe('+64 KiB');
    expect(formatDelta(-65536)).toBe('-64 KiB');
    expect(formatDelta(0)).toBe('0 B');
  });
});

describe('parseBytes', () => {
  it('reads plain numbers and binary units, and what formatBytes writes', () => {
    expect(parseBytes('64')).toBe(64);
    expect(parseBytes('1.5 MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseBytes('512k')).toBe(512 * 1024);
    expect(parseBytes('2 GB')).toBe(2 * 1024 ** 3);
    expect(parseBytes('lots')).toBeNull();
    for (const n of [0, 1536, 65536, 256 * 1024 * 1024, 3 * 1024 ** 3]) expect(parseBytes(formatBytes(n))).toBe(n);
  });
});
