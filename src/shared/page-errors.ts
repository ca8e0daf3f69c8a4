/**
 * Page errors in a list of events (`page-error`, see PageErrorEvent in ./protocol.ts): how many
 * the page had, and a bounded, printable summary. Used by the CLI (`record` exits 2 when the
 * count is not zero) and by the panel's page-error count.
 */
import type { PageErrorEvent, PageEvent } from './protocol';

export interface PageErrorSummary {
  /**
   * Errors the page had: events sent one by one plus, per realm, the latest `skipped` count,
   * without the recovered ones.
   */
  total: number;
  /** The first errors, in arrival order (at most `keep`). */
  first: PageErrorEvent[];
  /**
   * Failed WebAssembly compilations/instantiations the page recovered from: a later instance
   * in the same realm (Emscripten's glue, for one, retries a failed `instantiateStreaming`
   * with the bytes when the server's MIME type is wrong). Not in `total`.
   */
  recovered: number;
}

/** The realm of an object key (`${realm}:${n}`). */
function realmOfKey(key: string): string {
  const i = key.lastIndexOf(':');
  return i < 0 ? key : key.slice(0, i);
}

/** Count (and keep the first `keep` of) the page errors in `events`. Pure. */
export function summarizePageErrors(events: readonly PageEvent[], keep = 10): PageErrorSummary {
  const counter = new PageErrorCounter();
  counter.add(events);
  const first: PageErrorEvent[] = [];
  for (const e of counter.unrecovered()) {
    if (first.length >= keep) break;
    first.push(e);
  }
  return { total: counter.total, first, recovered: counter.recovered };
}

/** Running count of page errors over batches of events (the panel's live session and the CLI). */
export class PageErrorCounter {
  private readonly singles: PageErrorEvent[] = [];
  /** Indices in `singles` of wasm failures not yet followed by an instance of their realm. */
  private readonly pendingWasm = new Map<string, number[]>();
  private readonly recoveredAt = new Set<number>();
  private readonly skipped = new Map<string, number>();
  private skippedTotal = 0;

  add(events: readonly PageEvent[]): void {
    for (const e of events) {
      if (e.t === 'instance') {
        const realm = realmOfKey(e.key);
        const pending = this.pendingWasm.get(realm);
        if (pending !== undefined) {
          for (const i of pending) this.recoveredAt.add(i);
          this.pendingWasm.delete(realm);
        }
        continue;
      }
      if (e.t !== 'page-error') continue;
      if (e.skipped === undefined) {
        // Only the first ones are kept whole; the rest are counted (bounded memory).
        if (this.singles.length < MAX_KEPT) this.singles.push(e);
        else this.overflow++;
        if (e.kind === 'wasm' && this.singles.length <= MAX_KEPT && this.singles[this.singles.length - 1] === e) {
          let pending = this.pendingWasm.get(e.realm);
          if (pending === undefined) this.pendingWasm.set(e.realm, (pending = []));
          pending.push(this.singles.length - 1);
        }
        continue;
      }
      const before = this.skipped.get(e.realm) ?? 0;
      if (e.skipped > before) {
        this.skipped.set(e.realm, e.skipped);
        this.skippedTotal += e.skipped - before;
      }
    }
  }

  private overflow = 0;

  get recovered(): number {
    return this.recoveredAt.size;
  }

  get total(): number {
    return this.singles.length + this.overflow - this.recoveredAt.size + this.skippedTotal;
  }

  /** The errors kept one by one that were not recovered from, in arrival order. */
  unrecovered(): PageErrorEvent[] {
    return this.singles.filter((_, i) => !this.recoveredAt.has(i));
  }

  reset(): void {
    this.singles.length = 0;
    this.pendingWasm.clear();
    this.recoveredAt.clear();
    this.skipped.clear();
    this.skippedTotal = 0;
    this.overflow = 0;
  }
}

/** Page errors kept whole per counter (the rest are counted). */
const MAX_KEPT = 10_000;

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
