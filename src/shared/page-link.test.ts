import { describe, expect, it } from 'vitest';
import type { PageEvent } from './protocol';
import { summarizePageLink } from './page-link';

const link = (
  time: number,
  state: 'silent' | 'resumed' | 'reconnected' | 'gap' | 'unreachable',
  url = 'https://a.test/',
  extra = {},
): PageEvent => ({
  t: 'link',
  time,
  state,
  url,
  ...extra,
});

describe('summarizePageLink', () => {
  it('a document is silent from its first silent event until it resumes or reconnects', () => {
    expect(summarizePageLink([link(1, 'silent'), link(2, 'silent')]).silent).toEqual([{ url: 'https://a.test/', since: 1, worker: false }]);
    expect(summarizePageLink([link(1, 'silent'), link(2, 'resumed')]).silent).toEqual([]);
    const s = summarizePageLink([
      link(1, 'silent'),
      link(3, 'silent', 'https://f.test/'),
      link(4, 'reconnected', 'https://a.test/', { reconnects: 1 }),
    ]);
    expect(s.silent).toEqual([{ url: 'https://f.test/', since: 3, worker: false }]);
    expect(s.reconnects).toBe(1);
  });
  it('adds up the gaps and the events lost in them', () => {
    const s = summarizePageLink([link(1, 'gap', 'u', { lost: 7 }), { t: 'mark', time: 2, label: 'm' }, link(3, 'gap', 'u', { lost: 5 })]);
    expect(s).toMatchObject({ gaps: 2, lost: 12, reconnects: 0, silent: [], notVisible: [] });
  });
  it('lists each document whose page side never connected, until it connects late', () => {
    const blank = (time: number, state: 'unreachable' | 'resumed') => link(time, state, 'about:blank', { frame: true });
    const s = summarizePageLink([blank(1, 'unreachable'), blank(2, 'unreachable'), link(3, 'unreachable', 'https://a.test/')]);
    expect(s.notVisible).toEqual([
      { url: 'about:blank', frame: true, since: 1 },
      { url: 'about:blank', frame: true, since: 2 },
      { url: 'https://a.test/', frame: false, since: 3 },
    ]);
    // one of the two about:blank frames connects after all; a silent document elsewhere is unaffected
    const t = summarizePageLink([blank(1, 'unreachable'), blank(2, 'unreachable'), link(3, 'silent', 'about:blank'), blank(4, 'resumed')]);
    expect(t.notVisible).toEqual([{ url: 'about:blank', frame: true, since: 2 }]);
    expect(t.silent).toEqual([{ url: 'about:blank', since: 3, worker: false }]);
  });
  it('a silent worker is its own entry: its resumption, not a document reconnect of the same URL, clears it', () => {
    const w = (time: number, state: 'silent' | 'resumed') => link(time, state, 'https://a.test/w.js', { worker: true });
    expect(summarizePageLink([w(1, 'silent')]).silent).toEqual([{ url: 'https://a.test/w.js', since: 1, worker: true }]);
    expect(summarizePageLink([w(1, 'silent'), link(2, 'reconnected', 'https://a.test/w.js', { reconnects: 1 })]).silent).toEqual([
      { url: 'https://a.test/w.js', since: 1, worker: true },
    ]);
    expect(summarizePageLink([w(1, 'silent'), link(2, 'resumed', 'https://a.test/w.js')]).silent).toHaveLength(1);
    expect(summarizePageLink([w(1, 'silent'), w(2, 'resumed')]).silent).toEqual([]);
  });
});
