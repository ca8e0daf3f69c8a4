/**
 * The toolbar's page-channel notice (src/shared/page-link.ts): documents not visible at all (their
 * page side never connected: listed by kind and URL, as text), a document whose page side went
 * silent (the page closed or blocked our channel: nothing is recorded from it until it comes
 * back), channels replaced after they died, and events lost on the way. Shown only when there is
 * something to say. Shown in the toolbar (./Toolbar.tsx).
 */
import type { PageLinkSummary } from '../../shared/page-link';
import { formatClock, formatCount } from '../format';

/** How a not-visible document is named: its kind, from the URL it started with (page text). */
export function notVisibleName(n: { url: string; frame: boolean }): string {
  if (!n.frame) return `page ${n.url}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(n.url)?.[1]?.toLowerCase();
  if (n.url.startsWith('about:srcdoc')) return 'srcdoc frame';
  if (n.url.startsWith('about:blank')) return 'about:blank frame';
  if (scheme === 'data' || scheme === 'blob') return `${scheme}: frame ${n.url}`;
  return `frame ${n.url}`;
}

export function PageLink({ link }: { link: PageLinkSummary }) {
  const silentDocs = link.silent.filter((s) => !s.worker);
  const silentWorkers = link.silent.filter((s) => s.worker);
  const silent = silentDocs[0];
  const worker = silentWorkers[0];
  const hidden = link.notVisible[0];
  return (
    <>
      {hidden ? (
        <span
          class="warn"
          data-testid="not-visible"
          data-value={link.notVisible.length}
          title={`${link.notVisible.map((n) => `${notVisibleName(n)} (since ${formatClock(n.since)})`).join('\n')}\nThe extension's script did not get to run in ${link.notVisible.length === 1 ? 'this document' : 'these documents'} (e.g. its parent rewrote it with document.open() at once): its WebAssembly memory is not recorded.`}
        >
          not visible: {notVisibleName(hidden)}
          {link.notVisible.length > 1 ? ` and ${formatCount(link.notVisible.length - 1)} more` : ''}
        </span>
      ) : null}
      {silent ? (
        <span
          class="warn"
          data-testid="page-silent"
          data-value={silentDocs.length}
          title={`${silentDocs.map((s) => `${s.url} (since ${formatClock(s.since)})`).join('\n')}\nThe page stopped answering on the channel the extension records through (it may have closed it). Nothing is recorded from it until it answers again; a new channel is asked for meanwhile.`}
        >
          page side silent since {formatClock(silent.since)}
          {silentDocs.length > 1 ? ` (${silentDocs.length} documents)` : ''}
        </span>
      ) : null}
      {worker ? (
        <span
          class="warn"
          data-testid="worker-silent"
          data-value={silentWorkers.length}
          title={`${silentWorkers.map((s) => `${s.url} (last heard ${formatClock(s.since)})`).join('\n')}\nA worker with WebAssembly memory reports at least once a second; ${silentWorkers.length === 1 ? 'this one has' : 'these have'} said nothing since: busy in one long task, hung, or gone without terminate() (crashed, or stopped by the browser). Nothing is recorded from it until it speaks again.`}
        >
          worker silent since {formatClock(worker.since)}: {worker.url}
          {silentWorkers.length > 1 ? ` and ${formatCount(silentWorkers.length - 1)} more` : ''}
        </span>
      ) : null}
      {link.reconnects > 0 ? (
        <span
          class="count"
          data-testid="page-reconnects"
          data-value={link.reconnects}
          title="The channel to the page died (the page closed or blocked it) and was replaced by a new one"
        >
          reconnected to the page {formatCount(link.reconnects)}×
        </span>
      ) : null}
      {link.lost > 0 ? (
        <span
          class="warn"
          data-testid="page-lost"
          data-value={link.lost}
          title={`Events the page side sent that never arrived, in ${formatCount(link.gaps)} gap${link.gaps === 1 ? '' : 's'} (counted from the page side's own count of what it sent)`}
        >
          {formatCount(link.lost)} events lost on the way
        </span>
      ) : null}
    </>
  );
}
