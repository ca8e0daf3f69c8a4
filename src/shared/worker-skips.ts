/**
 * The page's dedicated workers that could not be instrumented (their memories are not seen),
 * from the session's `worker-skipped` events (WorkerSkippedEvent in ./protocol.ts): one entry per
 * reason, directive and script URL, with how many realms reported it. Used by the panel's
 * Memories section and the CLI's report.
 */
import type { PageEvent, WorkerSkipReason } from './protocol';
import { workerSkipText } from './worker-policy';

export interface WorkerSkip {
  url: string;
  reason: WorkerSkipReason;
  directive?: string;
  /** Why, for people (workerSkipText). */
  text: string;
  /** Realms (frames, workers) that reported it. */
  realms: number;
}

/** Most distinct entries kept (each realm sends at most LIMITS.maxWorkerSkips). */
const MAX_ENTRIES = 64;

export class WorkerSkipTracker {
  private entries = new Map<string, WorkerSkip>();
  /** Entries beyond MAX_ENTRIES, counted. */
  private more = 0;

  add(events: readonly PageEvent[]): void {
    for (const e of events) {
      if (e.t !== 'worker-skipped') continue;
      const key = `${e.reason} ${e.directive ?? ''} ${e.url}`;
      const known = this.entries.get(key);
      if (known !== undefined) known.realms++;
      else if (this.entries.size >= MAX_ENTRIES) this.more++;
      else {
        const entry: WorkerSkip = { url: e.url, reason: e.reason, text: workerSkipText(e.reason, e.directive), realms: 1 };
        if (e.directive !== undefined) entry.directive = e.directive;
        this.entries.set(key, entry);
      }
    }
  }

  reset(): void {
    this.entries.clear();
    this.more = 0;
  }

  summary(): WorkerSkipSummary {
    return { workers: [...this.entries.values()].map((w) => ({ ...w })), more: this.more };
  }
}

export interface WorkerSkipSummary {
  workers: WorkerSkip[];
  /** Further distinct entries not listed. */
  more: number;
}

/** The summary of a whole list of events (an imported trace, a recorded session). */
export function summarizeWorkerSkips(events: readonly PageEvent[]): WorkerSkipSummary {
  const t = new WorkerSkipTracker();
  t.add(events);
  return t.summary();
}
