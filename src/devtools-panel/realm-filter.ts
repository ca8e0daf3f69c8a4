/**
 * The memories table's realm filter (pure): which realms the memories live in (the top-level
 * page, its frames, its dedicated workers), as choices, and whether a memory matches one.
 * A choice is a kind ("every frame") or one realm (a kind and its document or script URL).
 */
import type { MemoryStats } from '../shared/analyzer-api';
import type { RealmKind } from '../shared/protocol';

/** '' = every realm; `kind:<kind>`; `realm:<kind> <url>`. */
export type RealmChoice = string;
export const ALL_REALMS: RealmChoice = '';

export interface RealmOption {
  value: RealmChoice;
  label: string;
  /** Memories it selects. */
  count: number;
}

const KIND_LABEL: Record<RealmKind, string> = { window: 'Page', frame: 'Frames', worker: 'Workers' };
/** Single realms listed at most (beyond, the kinds still select them). */
export const MAX_REALM_OPTIONS = 50;

const kindOf = (m: MemoryStats): RealmKind | 'unknown' => m.realm?.kind ?? 'unknown';

/**
 * The choices for `memories`: every realm, then each kind present, then each realm with its
 * URL when a kind has more than one. Empty when every memory is in one realm (nothing to choose).
 */
export function realmOptions(memories: readonly MemoryStats[], fileOf: (url: string) => string): RealmOption[] {
  const kinds = new Map<RealmKind, number>();
  const realms = new Map<string, { kind: RealmKind; url: string; count: number }>();
  for (const m of memories) {
    if (!m.realm) continue;
    kinds.set(m.realm.kind, (kinds.get(m.realm.kind) ?? 0) + 1);
    const key = `realm:${m.realm.kind} ${m.realm.url}`;
    const r = realms.get(key);
    if (r) r.count++;
    else realms.set(key, { kind: m.realm.kind, url: m.realm.url, count: 1 });
  }
  if (realms.size <= 1) return [];
  const out: RealmOption[] = [{ value: ALL_REALMS, label: 'All realms', count: memories.length }];
  for (const kind of ['window', 'frame', 'worker'] as const) {
    const n = kinds.get(kind);
    if (n !== undefined) out.push({ value: `kind:${kind}`, label: KIND_LABEL[kind], count: n });
  }
  const realmsOfKind = new Map<RealmKind, number>();
  for (const r of realms.values()) realmsOfKind.set(r.kind, (realmsOfKind.get(r.kind) ?? 0) + 1);
  let listed = 0;
  for (const [value, r] of realms) {
    if (listed >= MAX_REALM_OPTIONS) break;
    if ((realmsOfKind.get(r.kind) ?? 0) < 2) continue;
    out.push({ value, label: `${r.kind} ${fileOf(r.url) || r.url}`, count: r.count });
    listed++;
  }
  return out;
}

export function matchesRealm(m: MemoryStats, choice: RealmChoice): boolean {
  if (choice === ALL_REALMS) return true;
  if (choice.startsWith('kind:')) return kindOf(m) === choice.slice(5);
  return m.realm !== undefined && choice === `realm:${m.realm.kind} ${m.realm.url}`;
}
