/**
 * The page channel's health over a session, from its `link` events (LinkEvent in ./protocol.ts,
 * written by the content script of each document): which documents went silent and are still
 * silent, which documents are not visible at all (their page side never connected), how many times
 * a dead channel was replaced, and how many events were lost on the way.
 * Used by the panel's toolbar and the CLI's report.
 */
import type { PageEvent } from './protocol';

export interface PageLinkSummary {
  /** Documents whose page side is silent now (nothing is recorded from them), since when;
   *  `worker`: a dedicated worker with memories that stopped reporting (LinkEvent.worker). */
  silent: { url: string; since: number; worker: boolean }[];
  /** Documents whose page side never connected: nothing of them is recorded. `url` is the URL
   *  each started with (untrusted page text); `frame`: a frame's document, not the top one. */
  notVisible: { url: string; frame: boolean; since: number }[];
  /** Handshakes that replaced a dead channel. */
  reconnects: number;
  /** Events lost on the way (sequence gaps), and in how many gaps. */
  lost: number;
  gaps: number;
}

/** Most silent documents remembered (a page can make many frames). */
const MAX_SILENT = 64;
/** Most documents listed as not visible (beyond: counted, see `notVisibleMore`). */
const MAX_NOT_VISIBLE = 64;

export class PageLinkTracker {
  /** Keyed by kind and URL: a worker's script URL may be a document's too. */
  private silentSince = new Map<string, { url: string; since: number; worker: boolean }>();
  /** Not-visible documents in order; several documents may share a URL (about:blank). */
  private notVisible: { url: string; frame: boolean; since: number }[] = [];
  private reconnects = 0;
  private lost = 0;
  private gaps = 0;

  add(events: readonly PageEvent[]): void {
    for (const e of events) {
      if (e.t !== 'link') continue;
      switch (e.state) {
        case 'silent': {
          const key = silentKey(e.url, e.worker === true);
          if (!this.silentSince.has(key) && this.silentSince.size < MAX_SILENT)
            this.silentSince.set(key, { url: e.url, since: e.time, worker: e.worker === true });
          break;
        }
        case 'unreachable':
          if (this.notVisible.length < MAX_NOT_VISIBLE) this.notVisible.push({ url: e.url, frame: e.frame === true, since: e.time });
          break;
        case 'resumed': {
          // after `unreachable` (a late first connect) or after `silent`: a document has one or the other
          const i = this.notVisible.findIndex((n) => n.url === e.url && n.frame === (e.frame === true));
          if (i >= 0) this.notVisible.splice(i, 1);
          else this.silentSince.delete(silentKey(e.url, e.worker === true));
          break;
        }
        case 'reconnected':
          this.silentSince.delete(silentKey(e.url, false));
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
    this.notVisible = [];
    this.reconnects = 0;
    this.lost = 0;
    this.gaps = 0;
  }

  summary(): PageLinkSummary {
    return {
      silent: [...this.silentSince.values()].map((s) => ({ ...s })),
      notVisible: this.notVisible.map((n) => ({ ...n })),
      reconnects: this.reconnects,
      lost: this.lost,
      gaps: this.gaps,
    };
  }
}

function silentKey(url: string, worker: boolean): string {
  return `${worker ? 'worker' : 'document'} ${url}`;
}

/** The summary of a whole list of events (an imported trace, a recorded session). */
export function summarizePageLink(events: readonly PageEvent[]): PageLinkSummary {
  const t = new PageLinkTracker();
  t.add(events);
  return t.summary();
}
