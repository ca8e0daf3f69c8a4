import { describe, expect, it } from 'vitest';
import { formatBytes, formatDelta, formatDuration, parseBytes } from './format';
import { traceFileName } from './session';

describe('format', () => {
  it('formats bytes with binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(65536)).toBe('64 KiB');
    expect(formatBytes(16 * 1024 * 1024)).toBe('16 MiB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB');
    expect(formatDelta(65536)).toBe('+64 KiB');
    expect(formatDelta(-65536)).toBe('-64 KiB');
  });
  it('parses byte sizes', () => {
    expect(parseBytes('64')).toBe(64);
    expect(parseBytes('1.5 MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseBytes('512k')).toBe(512 * 1024);
    expect(parseBytes('2 GB')).toBe(2 * 1024 ** 3);
    expect(parseBytes('lots')).toBeNull();
  });
  it('formats durations', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
  it('names trace files after host and time', () => {
    const when = new Date('2026-11-22T02:30:00.123Z');
    expect(traceFileName('http://127.0.0.1:4173/e2e/x.html', when)).toBe('wasm-memory-trace-127.0.0.1_4173-2026-11-22T02-30-00Z.json');
    expect(traceFileName('not a url', when)).toBe('wasm-memory-trace-page-2026-11-22T02-30-00Z.json');
  });
});
