/**
 * The classes table's logic (pure): filter by name, sort by a column, and the creation sites of
 * a class's live objects with the count each one shows (exact, or an estimate scaled up from a
 * sample: see ClassStats.liveSampled).
 */
import type { ClassStats } from '../shared/analyzer-api';

export type ClassColumn = 'className' | 'created' | 'freed' | 'reclaimed' | 'live' | 'orphaned';
export type SortDir = 'asc' | 'desc';
export interface ClassSort {
  column: ClassColumn;
  dir: SortDir;
}

/** Classes whose name (or module key) contains `query`, ignoring case; all for an empty query. */
export function filterClasses(classes: readonly ClassStats[], query: string): ClassStats[] {
  const q = query.trim().toLowerCase();
  if (q === '') return classes.slice();
  return classes.filter((c) => c.className.toLowerCase().includes(q) || (c.module ?? '').toLowerCase().includes(q));
}

/** Sorted copy (stable: ties keep the report's order). `orphaned` absent sorts below 0. */
export function sortClasses(classes: readonly ClassStats[], sort: ClassSort | null): ClassStats[] {
  const out = classes.slice();
  if (sort === null) return out;
  const sign = sort.dir === 'asc' ? 1 : -1;
  const col = sort.column;
  const idx = new Map(classes.map((c, i) => [c, i]));
  out.sort((a, b) => {
    let d: number;
    if (col === 'className') d = a.className.localeCompare(b.className, 'en');
    else if (col === 'orphaned') d = (a.orphaned ?? -1) - (b.orphaned ?? -1);
    else d = a[col] - b[col];
    return d !== 0 ? sign * d : (idx.get(a) as number) - (idx.get(b) as number);
  });
  return out;
}

/** A header click: a new column sorts descending (names ascending); the same column flips. */
export function nextSort(current: ClassSort | null, column: ClassColumn): ClassSort {
  if (current?.column === column) return { column, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { column, dir: column === 'className' ? 'asc' : 'desc' };
}

/** One creation site as shown. */
export interface SiteGroup {
  stack: string;
  /** Live objects made here: exact, or the estimate (rounded) when `exact` is false. */
  count: number;
  /** Live objects of the sample made here (equal to `count` when exact). */
  sampled: number;
  exact: boolean;
}

/**
 * The creation sites of `c`'s live objects. Exact when the page side knows every live object's
 * site (`liveSampled === live`); otherwise each site's sampled count is scaled by
 * live / liveSampled (the sample stands for all live objects). Without `liveSampled` (an older
 * trace) the counts are of sampled objects and are not scaled: `exact` false, `count` the
 * sampled count.
 */
export function siteGroups(c: ClassStats): { groups: SiteGroup[]; exact: boolean; sampled: number | null } {
  const sampled = c.liveSampled ?? null;
  const exact = sampled !== null && sampled === c.live;
  const scale = sampled !== null && sampled > 0 && !exact ? c.live / sampled : 1;
  const groups = c.liveStacks.map((s) => ({
    stack: s.stack,
    sampled: s.count,
    count: exact ? s.count : Math.round(s.count * scale),
    exact,
  }));
  return { groups, exact, sampled };
}
