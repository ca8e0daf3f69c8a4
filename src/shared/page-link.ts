/**
 * The page channel's health over a session, from its `link` events (LinkEvent in ./protocol.ts,
 * written by the content script of each document): which documents went silent and are still
 * silent, how many times a dead channel was replaced, and how many events were lost on the way.
 * Used by the panel's toolbar and the CLI's report.
 */
import type { PageEvent } from './protocol';

export interface PageLinkSummary {
  /** Documents whose page side is silent now (nothing is recorded from them), since when. */
  silent: { url: string; since: number }[];
  /** Handshakes that replaced a dead channel. */
  reconnects: number;
  /** Events lost on the way (sequence gaps), and in how many gaps. */
  lost: number;
  gaps: number;
}

/** Most silent documents remembered (a page can make many frames). */
const MAX_SILENT = 64;

export class PageLinkTracker {
  private silentSince = new Map<string, number>();
  private reconnects = 0;
  private lost = 0;
  private gaps = 0;

  add(events: readonly PageEvent[]): void {
    for (const e of events) {
      if (e.t !== 'link') continue;
      switch (e.state) {
        case 'silent':
          if (!this.silentSince.has(e.url) && this.silentSince.size < MAX_SILENT) this.silentSince.set(e.url, e.time);
          break;
        case 'resumed':
          this.silentSince.delete(e.url);
          break;
        case 'reconnected':
          this.silentSince.delete(e.url);
          this.reconnects++;
          break;
        case 'gap':
          this.gaps++;
          this.lost += e.lost ?? 0;
          break;
      }
    }
  }

  reset(): void {
    this.silentSince.clear();
    this.reconnects = 0;
    this.lost = 0;
    this.gaps = 0;
  }

  summary(): PageLinkSummary {
    return {
      silent: [...this.silentSince].map(([url, since]) => ({ url, since })),
      reconnects: this.reconnects,
      lost: this.lost,
      gaps: this.gaps,
    };
  }
}

/** The summary of a whole list of events (an imported trace, a recorded session). */
export function summarizePageLink(events: readonly PageEvent[]): PageLinkSummary {
  const t = new PageLinkTracker();
  t.add(events);
  return t.summary();
}
