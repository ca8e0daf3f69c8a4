/**
 * The toolbar's page-channel notice (src/shared/page-link.ts): a document whose page side went
 * silent (the page closed or blocked our channel: nothing is recorded from it until it comes
 * back), channels replaced after they died, and events lost on the way. Shown only when there is
 * something to say. Shown in the toolbar (./Toolbar.tsx).
 */
import type { PageLinkSummary } from '../../shared/page-link';
import { formatClock, formatCount } from '../format';

export function PageLink({ link }: { link: PageLinkSummary }) {
  const silent = link.silent[0];
  return (
    <>
      {silent ? (
        <span
          class="warn"
          data-testid="page-silent"
          data-value={link.silent.length}
          title={`${link.silent.map((s) => `${s.url} (since ${formatClock(s.since)})`).join('\n')}\nThe page stopped answering on the channel the extension records through (it may have closed it). Nothing is recorded from it until it answers again; a new channel is asked for meanwhile.`}
        >
          page side silent since {formatClock(silent.since)}
          {link.silent.length > 1 ? ` (${link.silent.length} documents)` : ''}
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
