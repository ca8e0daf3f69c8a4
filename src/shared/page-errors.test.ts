import { describe, expect, it } from 'vitest';
import type { PageEvent } from './protocol';
import { countPageErrors, formatPageError, PageErrorCounter, summarizePageErrors } from './page-errors';

const e = (realm: string, message: string, skipped?: number): PageEvent =>
  skipped === undefined
    ? { t: 'page-error', time: 1, realm, kind: 'error', message }
    : { t: 'page-error', time: 1, realm, kind: 'error', message, skipped };

describe('summarizePageErrors', () => {
  it('counts single errors plus the latest skipped count of each realm', () => {
    const events: PageEvent[] = [
      { t: 'mark', time: 0, label: 'x' },
      e('a', '1'),
      e('a', '2'),
      e('b', '3'),
      e('a', 'late', 5),
      e('a', 'later', 9), // cumulative: 9 for realm a
      e('b', 'b late', 2),
    ];
    const s = summarizePageErrors(events, 2);
    expect(s.total).toBe(3 + 9 + 2);
    expect(s.first.map((x) => x.message)).toEqual(['1', '2']);
    expect(countPageErrors(events)).toBe(14);
    expect(countPageErrors([{ t: 'mark', time: 0, label: 'x' }])).toBe(0);
  });
  it('counts the same over batches (PageErrorCounter) as over the whole list', () => {
    const c = new PageErrorCounter();
    c.add([e('a', '1'), e('a', 'x', 5)]);
    c.add([e('a', 'y', 4), e('b', '2')]); // an older cumulative count changes nothing
    c.add([e('a', 'z', 9)]);
    expect(c.total).toBe(1 + 1 + 9);
    c.reset();
    expect(c.total).toBe(0);
  });
  it('a failed WebAssembly call followed by an instance of the same realm was recovered from: not counted', () => {
    const wasm = (realm: string, message: string): PageEvent => ({
      t: 'page-error',
      time: 1,
      realm,
      kind: 'wasm',
      message,
      source: 'WebAssembly.instantiateStreaming',
    });
    const inst = (key: string): PageEvent => ({
      t: 'instance',
      time: 2,
      key,
      module: key,
      via: 'instantiate',
      memories: [],
      toolchain: 'emscripten',
      helper: false,
    });
    // Emscripten's fallback: streaming fails on the MIME type, the bytes path then works
    const s = summarizePageErrors([
      wasm('r1', 'TypeError: Incorrect response MIME type'),
      inst('r1:7'),
      wasm('r2', 'CompileError: bad'),
      inst('r1:8'),
    ]);
    expect(s).toMatchObject({ total: 1, recovered: 1 });
    expect(s.first.map((x) => x.message)).toEqual(['CompileError: bad']); // r2 never made an instance
    const c = new PageErrorCounter();
    c.add([wasm('r1', 'x'), e('r1', 'uncaught')]);
    expect(c.total).toBe(2);
    c.add([inst('r1:3')]);
    expect([c.total, c.recovered]).toEqual([1, 1]);
  });
  it('formats one line per error', () => {
    expect(
      formatPageError({ t: 'page-error', time: 1, realm: 'r', kind: 'wasm', message: 'LinkError: bad', source: 'WebAssembly.instantiate' }),
    ).toBe('WebAssembly failed: LinkError: bad (at WebAssembly.instantiate)');
    expect(formatPageError({ t: 'page-error', time: 1, realm: 'r', kind: 'rejection', message: 'Uncaught (in promise) 1' })).toBe(
      'unhandled rejection: Uncaught (in promise) 1',
    );
  });
});
