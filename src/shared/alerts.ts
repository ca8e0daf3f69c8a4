/**
 * The one order of an alert list, for the panel, the CLI report and the test assertion, and the
 * panel's grouping of alerts per pattern. Pure.
 */
import type { Alert, AlertKind, Severity } from './analyzer-api';
import { fileOf } from './memory-names';
import type { RealmKind } from './protocol';

/** Severities from least to most serious, as numbers to compare. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/**
 * Active before resolved, then the highest severity first, then the most recently updated
 * first. Alerts equal on all three keep the analyzer's order (the sort is stable). Returns a
 * new array; the input is unchanged.
 */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(b.state === 'active') - Number(a.state === 'active') ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      b.updatedAt - a.updatedAt,
  );
}

/**
 * Alert kinds about a memory (their subject is its key) that make a pattern when several memories
 * of one module have them. Not `out-of-memory`: each incident is an event of its own, with its
 * attempts and stack.
 */
const GROUPED_BY_MODULE: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'memory-floor-rising',
  'memory-replaced',
  'fragmentation',
  'memory-headroom',
]);

/** Alerts of one pattern: the same kind, about memories of the same module in the same kind of realm. */
export interface AlertGroup {
  /** Stable while its members are (the first member's id for a group of one). */
  key: string;
  /** In sortAlerts order: the first is the most serious and most recent. */
  members: Alert[];
  /** What the members' memories have in common, e.g. "engine.wasm in workers"; null for a group of one. */
  pattern: string | null;
}

export interface MemoryOrigin {
  moduleUrl?: string;
  owner: string;
  realm?: { kind: RealmKind; url: string };
}

const REALM_PLURAL: Readonly<Record<RealmKind, string>> = { window: 'the page', frame: 'frames', worker: 'workers' };

/** The key of an alert's group (see groupAlerts): `kind|module|realm kind|realm URL` for alerts
 *  that group by module, else `id|<alert id>`. */
function groupKeyOf(a: Alert, memoryOf: (key: string) => MemoryOrigin | undefined): string {
  const m = GROUPED_BY_MODULE.has(a.kind) ? memoryOf(a.subject) : undefined;
  const module = m ? (m.moduleUrl ?? m.owner) : '';
  return m && module !== '' ? `${a.kind}|${module}|${m.realm?.kind ?? ''}|${m.realm?.url ?? ''}` : `id|${a.id}`;
}

/**
 * What makes two alerts "the same pattern" for acknowledging and dismissing them: the group key
 * for alerts that group by module (every engine of one module), else the kind and subject (the
 * same class, registry or memory, whichever alert id a new occurrence gets). Pure.
 */
export function alertPattern(a: Alert, memoryOf: (key: string) => MemoryOrigin | undefined): string {
  const key = groupKeyOf(a, memoryOf);
  return key.startsWith('id|') ? `${a.kind}|${a.subject}` : key;
}

/**
 * Groups alerts per pattern: five replaced engines of one module make one group of five. Alerts
 * about memories group by kind, module and realm kind (and realm URL, so two different workers'
 * pools stay apart); every other alert is a group of its own. Groups come in the order of their
 * first member (sortAlerts). Pure.
 */
export function groupAlerts(alerts: readonly Alert[], memoryOf: (key: string) => MemoryOrigin | undefined): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const a of sortAlerts(alerts)) {
    const m = GROUPED_BY_MODULE.has(a.kind) ? memoryOf(a.subject) : undefined;
    const module = m ? (m.moduleUrl ?? m.owner) : '';
    const key = groupKeyOf(a, memoryOf);
    const g = groups.get(key);
    if (g) {
      g.members.push(a);
      if (g.pattern === null) g.pattern = `${fileOf(module)}${m?.realm ? ` in ${REALM_PLURAL[m.realm.kind]}` : ''}`;
    } else groups.set(key, { key: key.startsWith('id|') ? a.id : key, members: [a], pattern: null });
  }
  return [...groups.values()];
}
