import { describe, expect, it } from 'vitest';
import type { ClassStats } from '../shared/analyzer-api';
import { filterClasses, nextSort, siteGroups, sortClasses } from './class-table';

const cls = (className: string, live: number, extra: Partial<ClassStats> = {}): ClassStats => ({
  className,
  module: 'r:m1',
  created: live + 1,
  freed: 1,
  reclaimed: 0,
  live,
  liveStacks: [],
  orphanStacks: [],
  ...extra,
});

describe('classes table', () => {
  const list = [cls('Doc', 5), cls('cursor', 0, { orphaned: 2 }), cls('Image', 66), cls('Doc2', 5, { module: 'r:other' })];

  it('filters by class name or module, ignoring case', () => {
    expect(filterClasses(list, ' doc ').map((c) => c.className)).toEqual(['Doc', 'Doc2']);
    expect(filterClasses(list, 'OTHER').map((c) => c.className)).toEqual(['Doc2']);
    expect(filterClasses(list, '')).toHaveLength(4);
  });

  it('sorts by any column, stable, and flips on a second click', () => {
    const live = nextSort(null, 'live');
    expect(live).toEqual({ column: 'live', dir: 'desc' });
    expect(sortClasses(list, live).map((c) => c.className)).toEqual(['Image', 'Doc', 'Doc2', 'cursor']);
    const asc = nextSort(live, 'live');
    expect(sortClasses(list, asc).map((c) => c.className)).toEqual(['cursor', 'Doc', 'Doc2', 'Image']);
    expect(sortClasses(list, nextSort(asc, 'className')).map((c) => c.className)).toEqual(['cursor', 'Doc', 'Doc2', 'Image']);
    expect(sortClasses(list, { column: 'orphaned', dir: 'desc' })[0]?.className).toBe('cursor');
    expect(sortClasses(list, null)).toEqual(list);
  });

  it('site counts: exact when every live object has its site, else scaled up and marked', () => {
    const exact = siteGroups(
      cls('Image', 66, {
        liveSampled: 66,
        liveStacks: [
          { stack: 'a', count: 60 },
          { stack: 'b', count: 6 },
        ],
      }),
    );
    expect(exact.exact).toBe(true);
    expect(exact.groups.map((g) => [g.count, g.exact])).toEqual([
      [60, true],
      [6, true],
    ]);
    const est = siteGroups(
      cls('Image', 1000, {
        liveSampled: 400,
        liveStacks: [
          { stack: 'a', count: 300 },
          { stack: 'b', count: 100 },
        ],
      }),
    );
    expect(est.exact).toBe(false);
    expect(est.groups.map((g) => [g.count, g.sampled])).toEqual([
      [750, 300],
      [250, 100],
    ]);
    const old = siteGroups(cls('Image', 66, { liveStacks: [{ stack: 'a', count: 1 }] }));
    expect(old).toMatchObject({ exact: false, sampled: null, groups: [{ count: 1, sampled: 1, exact: false }] });
  });
});
