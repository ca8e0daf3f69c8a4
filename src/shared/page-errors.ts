/**
 * Page errors in a list of events (`page-error`, see PageErrorEvent in ./protocol.ts): how many
 * the page had, and a bounded, printable summary. Used by the CLI (`record` exits 2 when the
 * count is not zero) and by the panel's page-error count.
 */
import type { PageErrorEvent, PageEvent } from './protocol';

export interface PageErrorSummary {
  /** Errors the page had: events sent one by one plus, per realm, the latest `skipped` count. */
  total: number;
  /** The first errors, in arrival order (at most `keep`). */
  first: PageErrorEvent[];
}

/** Count (and keep the first `keep` of) the page errors in `events`. Pure. */
export function summarizePageErrors(events: readonly PageEvent[], keep = 10): PageErrorSummary {
  let single = 0;
  const skippedByRealm = new Map<string, number>();
  const first: PageErrorEvent[] = [];
  for (const e of events) {
    if (e.t !== 'page-error') continue;
    if (e.skipped === undefined) {
      single++;
      if (first.length < keep) first.push(e);
    } else {
      // Cumulative per realm: the largest one seen is the realm's truth.
      skippedByRealm.set(e.realm, Math.max(skippedByRealm.get(e.realm) ?? 0, e.skipped));
    }
  }
  let total = single;
  for (const n of skippedByRealm.values()) total += n;
  return { total, first };
}

/** Running count of page errors over batches of events (the panel's live session). */
export class PageErrorCounter {
  private single = 0;
  private readonly skipped = new Map<string, number>();
  private skippedTotal = 0;

  add(events: readonly PageEvent[]): void {
    for (const e of events) {
      if (e.t !== 'page-error') continue;
      if (e.skipped === undefined) {
        this.single++;
        continue;
      }
      const before = this.skipped.get(e.realm) ?? 0;
      if (e.skipped > before) {
        this.skipped.set(e.realm, e.skipped);
        this.skippedTotal += e.skipped - before;
      }
    }
  }

  get total(): number {
    return this.single + this.skippedTotal;
  }

  reset(): void {
    this.single = 0;
    this.skipped.clear();
    this.skippedTotal = 0;
  }
}

/** Number of page errors in `events`. */
export function countPageErrors(events: readonly PageEvent[]): number {
  return summarizePageErrors(events, 0).total;
}

const KIND_LABEL: Record<PageErrorEvent['kind'], string> = {
  error: 'uncaught exception',
  rejection: 'unhandled rejection',
  wasm: 'WebAssembly failed',
};

/** One line for humans: `unhandled rejection: LinkError: ... (at https://x/app.js:3:7)`. */
export function formatPageError(e: PageErrorEvent): string {
  return `${KIND_LABEL[e.kind]}: ${e.message}${e.source !== undefined && e.source !== '' ? ` (at ${e.source})` : ''}`;
}
