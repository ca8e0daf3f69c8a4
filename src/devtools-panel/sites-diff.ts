/**
 * Allocation sites at marks, and their diff between two marks (pure, no DOM or chrome.*).
 *
 * The analyzer keeps only each memory's latest `sites` snapshot, not one per mark, so the panel
 * follows the session's events itself: the latest `sites` event per memory, copied at every
 * `mark` event. A diff pairs sites by their stack (frames joined) within a memory; sites are
 * sampled estimates, so are their deltas. Marks are matched to the analyzer's by time and label
 * (the analyzer may drop old marks; indexes would drift).
 */
import type { Mark } from '../shared/analyzer-api';
import { firstMeaningfulFrame } from '../analyzer/encode';
import type { PageEvent, SitesEvent } from '../shared/protocol';

/** The latest sites snapshot of one memory. */
export interface SitesSnapshot {
  time: number;
  /** Mean bytes allocated between two samples. */
  interval: number;
  sites: SitesEvent['sites'];
}

/** One site's change between two marks. */
export interface SiteDelta {
  memory: string;
  /** The stack, innermost frame first. */
  frames: string[];
  /** Its first meaningful frame. */
  frame: string;
  fromBytes: number;
  toBytes: number;
  bytesDelta: number;
  fromCount: number;
  toCount: number;
  countDelta: number;
}

/** Most marks remembered (the analyzer's MAX_MARKS); the oldest go first. */
export const MAX_SITE_MARKS = 1024;
/** Most memories followed. */
const MAX_MEMORIES = 8192;

const FRAME_SEPARATOR = '\n';

function isSitesEvent(ev: PageEvent): ev is SitesEvent {
  return ev.t === 'sites' && typeof ev.memory === 'string' && Array.isArray(ev.sites);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(0, v) : 0;
}

export class SiteMarks {
  private latestSites = new Map<string, SitesSnapshot>();
  private marks: Array<{ time: number; label: string; sites: Map<string, SitesSnapshot> }> = [];

  /** Follow events in arrival order. */
  ingest(events: readonly PageEvent[]): void {
    for (const ev of events) {
      if (isSitesEvent(ev)) {
        if (!this.latestSites.has(ev.memory) && this.latestSites.size >= MAX_MEMORIES) continue;
        this.latestSites.set(ev.memory, { time: num(ev.time), interval: num(ev.interval), sites: ev.sites });
      } else if (ev.t === 'mark') {
        if (this.marks.length >= MAX_SITE_MARKS) this.marks.shift();
        // Snapshots are replaced, never mutated: sharing them between marks is safe.
        this.marks.push({ time: ev.time, label: ev.label, sites: new Map(this.latestSites) });
      }
    }
  }

  reset(): void {
    this.latestSites.clear();
    this.marks = [];
  }

  /** The latest snapshot of a memory's sites, if any arrived. */
  latest(memory: string): SitesSnapshot | undefined {
    return this.latestSites.get(memory);
  }

  /**
   * Sites that changed between two marks, largest |bytes delta| first; null when either mark is
   * unknown here.
   */
  diff(from: Mark, to: Mark): SiteDelta[] | null {
    const find = (m: Mark) => this.marks.find((x) => x.time === m.time && x.label === m.label);
    const a = find(from);
    const b = find(to);
    if (!a || !b) return null;
    const memories = new Set([...a.sites.keys(), ...b.sites.keys()]);
    const out: SiteDelta[] = [];
    for (const memory of memories) {
      const rows = new Map<string, SiteDelta>();
      const row = (frames: string[]): SiteDelta => {
        const key = frames.join(FRAME_SEPARATOR);
        let r = rows.get(key);
        if (!r) {
          r = {
            memory,
            frames,
            frame: firstMeaningfulFrame(frames),
            fromBytes: 0,
            toBytes: 0,
            bytesDelta: 0,
            fromCount: 0,
            toCount: 0,
            countDelta: 0,
          };
          rows.set(key, r);
        }
        return r;
      };
      const framesOf = (s: SitesEvent['sites'][number]) =>
        Array.isArray(s.frames) ? s.frames.filter((f): f is string => typeof f === 'string') : [];
      for (const s of a.sites.get(memory)?.sites ?? []) {
        const r = row(framesOf(s));
        r.fromBytes += num(s.bytes);
        r.fromCount += num(s.count);
      }
      for (const s of b.sites.get(memory)?.sites ?? []) {
        const r = row(framesOf(s));
        r.toBytes += num(s.bytes);
        r.toCount += num(s.count);
      }
      for (const r of rows.values()) {
        r.bytesDelta = r.toBytes - r.fromBytes;
        r.countDelta = r.toCount - r.fromCount;
        if (r.bytesDelta !== 0 || r.countDelta !== 0) out.push(r);
      }
    }
    return out.sort((x, y) => Math.abs(y.bytesDelta) - Math.abs(x.bytesDelta) || Math.abs(y.countDelta) - Math.abs(x.countDelta));
  }
}
