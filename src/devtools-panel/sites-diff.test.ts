import { describe, expect, it } from 'vitest';
import type { PageEvent } from '../shared/protocol';
import { MAX_SITE_MARKS, SiteMarks } from './sites-diff';

const site = (bytes: number, count: number, ...frames: string[]) => ({ bytes, count, samples: 1, frames });
const sites = (time: number, memory: string, ...s: Array<ReturnType<typeof site>>): PageEvent => ({
  t: 'sites',
  time,
  memory,
  interval: 4096,
  sites: s,
});
const mark = (time: number, label: string): PageEvent => ({ t: 'mark', time, label });

describe('SiteMarks', () => {
  it('keeps the latest sites per memory with their interval', () => {
    const m = new SiteMarks();
    m.ingest([sites(1, 'm:1', site(10, 1, 'a')), sites(2, 'm:1', site(20, 2, 'b'))]);
    expect(m.latest('m:1')).toEqual({ time: 2, interval: 4096, sites: [site(20, 2, 'b')] });
    expect(m.latest('m:2')).toBeUndefined();
  });

  it('diffs two marks by stack, largest |bytes delta| first, unchanged sites left out', () => {
    const m = new SiteMarks();
    const grow = ['at malloc (wasm-function[10])', 'at wasm-function[42]', 'at run (app.js:1:1)'];
    const shrink = ['at wasm-function[7]'];
    m.ingest([
      sites(1, 'm:1', site(1000, 10, ...grow), site(5000, 5, ...shrink), site(64, 1, 'at same')),
      mark(2, 'before'),
      sites(3, 'm:1', site(9000, 90, ...grow), site(64, 1, 'at same'), site(300, 3, 'at new')),
      sites(3, 'm:2', site(100, 1, 'at other')),
      mark(4, 'after'),
    ]);
    const d = m.diff({ time: 2, label: 'before' }, { time: 4, label: 'after' });
    expect(d?.map((r) => [r.memory, r.frame, r.bytesDelta, r.countDelta])).toEqual([
      ['m:1', 'wasm-function[42]', 8000, 80],
      ['m:1', 'wasm-function[7]', -5000, -5],
      ['m:1', 'new', 300, 3],
      ['m:2', 'other', 100, 1],
    ]);
    expect(d?.[0]).toMatchObject({ frames: grow, fromBytes: 1000, toBytes: 9000, fromCount: 10, toCount: 90 });
  });

  it('matches marks by time and label; unknown marks give null; reset forgets', () => {
    const m = new SiteMarks();
    m.ingest([mark(1, 'a'), mark(2, 'b')]);
    expect(m.diff({ time: 1, label: 'a' }, { time: 2, label: 'b' })).toEqual([]);
    expect(m.diff({ time: 1, label: 'x' }, { time: 2, label: 'b' })).toBeNull();
    m.reset();
    expect(m.diff({ time: 1, label: 'a' }, { time: 2, label: 'b' })).toBeNull();
  });

  it('remembers a bounded number of marks, dropping the oldest', () => {
    const m = new SiteMarks();
    m.ingest(Array.from({ length: MAX_SITE_MARKS + 1 }, (_, i) => mark(i, `m${i}`)));
    expect(m.diff({ time: 0, label: 'm0' }, { time: 1, label: 'm1' })).toBeNull();
    expect(m.diff({ time: 1, label: 'm1' }, { time: MAX_SITE_MARKS, label: `m${MAX_SITE_MARKS}` })).toEqual([]);
  });
});
