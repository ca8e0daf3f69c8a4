/**
 * Names people read for memories: `engine.wasm #3`, with ` · worker sqlite.js` or
 * ` · frame relay.html` when the memory does not live in the top-level page. The key (what the
 * page side made up, e.g. "7d7a67b66436:3") stays the identity and goes in tooltips. Pure: the
 * panel names memories in its table, chart, alerts and diffs with it.
 */
import type { RealmKind } from './protocol';

/** The file name of a URL (its last path segment), for labels; `data:` URLs keep their type. */
export function fileOf(url: string): string {
  if (/^data:/i.test(url)) return url.split(/[;,]/)[0] ?? url;
  const clean = url.split(/[?#]/)[0] ?? url;
  const parts = clean.split('/');
  return parts[parts.length - 1] || clean || url;
}

/** What naming needs of a memory (MemoryStats has it). */
export interface NamedMemory {
  key: string;
  owner: string;
  moduleUrl?: string;
  firstSeen: number;
  realm?: { kind: RealmKind; url: string };
}

/**
 * key -> name. Memories of one module file in one realm are numbered #1, #2... in the order they
 * appeared (then by key); the file is the module's, else the owner script's, else "memory".
 */
export function memoryNames(memories: readonly NamedMemory[]): Map<string, string> {
  const sorted = [...memories].sort((a, b) => a.firstSeen - b.firstSeen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const counts = new Map<string, number>();
  const names = new Map<string, string>();
  for (const m of sorted) {
    const src = m.moduleUrl ?? m.owner;
    const file = src ? fileOf(src) : 'memory';
    const where = m.realm && m.realm.kind !== 'window' ? ` · ${m.realm.kind} ${fileOf(m.realm.url)}` : '';
    const group = `${file}${where}`;
    const n = (counts.get(group) ?? 0) + 1;
    counts.set(group, n);
    names.set(m.key, `${file} #${n}${where}`);
  }
  return names;
}

/**
 * `text` with every memory key in it replaced by its name (alert titles and details name memories
 * by key). A key is matched only as a whole token: not followed by a letter or digit, so "ab:1"
 * does not match inside "ab:12".
 */
export function withMemoryNames(text: string, names: ReadonlyMap<string, string>): string {
  if (names.size === 0) return text;
  const keys = [...names.keys()].filter((k) => k.length > 0 && text.includes(k)).sort((a, b) => b.length - a.length);
  if (keys.length === 0) return text;
  const escaped = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return text.replace(new RegExp(`(?<![0-9A-Za-z])(?:${escaped.join('|')})(?![0-9A-Za-z])`, 'g'), (k) => names.get(k) ?? k);
}
