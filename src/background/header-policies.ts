/**
 * The policies a document's response headers set, which its scripts cannot read (header CSPs are
 * invisible to a page), for the verdict on worker bootstraps (src/shared/worker-policy.ts). Pure,
 * free of `chrome.*` (header-policies.test.ts); index.ts feeds it chrome.webRequest's
 * onHeadersReceived for main_frame and sub_frame responses and asks it when a frame's content
 * script says hello with `policies: true`.
 *
 * One entry per (tab, frame): the latest response seen for that frame (after redirects, the
 * final one), with its URL. The content script's hello names its document's URL: the entry is
 * used only for that URL (fragment aside), and only once (taken), so a later document in the
 * frame never gets a stale verdict. No entry (a document with no response of its own, such as
 * about:blank, srcdoc, blob: or data:; one served by a service worker; a service worker that was
 * stopped in between): UNKNOWN, and the page side decides from its <meta> policies alone (as for a
 * worker started before the verdict arrived).
 */
import type { WorkerPolicyVerdict } from '../shared/protocol';
import { splitPolicies, UNKNOWN, workerPolicyVerdict } from '../shared/worker-policy';

export interface ResponseHeader {
  name: string;
  value?: string;
}

/** Most frames remembered at once (entries are taken by the frames' content scripts). */
const MAX_ENTRIES = 1024;

/** Pure: the verdict of one response's headers. */
export function verdictFromHeaders(headers: readonly ResponseHeader[]): WorkerPolicyVerdict {
  const enforced: string[] = [];
  const reportOnly: string[] = [];
  for (const h of headers) {
    const name = h.name.toLowerCase();
    const list = name === 'content-security-policy' ? enforced : name === 'content-security-policy-report-only' ? reportOnly : null;
    if (list !== null && h.value !== undefined) list.push(...splitPolicies(h.value));
  }
  return workerPolicyVerdict(enforced, reportOnly);
}

/** Pure: a URL without its fragment (webRequest and `location.href` may differ there). */
function withoutFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

export class HeaderPolicies {
  private readonly entries = new Map<string, { url: string; verdict: WorkerPolicyVerdict }>();

  /** A main_frame or sub_frame response's headers arrived; returns their verdict. */
  record(tabId: number, frameId: number, url: string, headers: readonly ResponseHeader[]): WorkerPolicyVerdict {
    const verdict = verdictFromHeaders(headers);
    if (tabId < 0) return verdict;
    const key = `${tabId}:${frameId}`;
    this.entries.delete(key); // re-inserted last: the oldest entry is the first in the map
    this.entries.set(key, { url: withoutFragment(url), verdict });
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return verdict;
  }

  /** The verdict for the document at `url` in this frame (once), or UNKNOWN. */
  take(tabId: number, frameId: number, url: string): WorkerPolicyVerdict {
    const key = `${tabId}:${frameId}`;
    const e = this.entries.get(key);
    if (e === undefined || e.url !== withoutFragment(url)) return UNKNOWN;
    this.entries.delete(key);
    return e.verdict;
  }

  tabRemoved(tabId: number): void {
    const prefix = `${tabId}:`;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
