/**
 * The toolbar: recording status and counts, the allocation-tracking switch, adding a mark, trace
 * export / import (./TraceFiles.tsx).
 */
import { useState } from 'preact/hooks';
import type { PanelController, ViewState } from '../controller';
import { formatClock, formatCount } from '../format';
import { TraceFiles } from './TraceFiles';
import { PageErrorCount } from './PageErrorCount';
import { PageLink } from './PageLink';

export function Toolbar({ view, controller }: { view: ViewState; controller: PanelController }) {
  const [label, setLabel] = useState('');
  const statusText =
    view.status === 'connected'
      ? 'Recording'
      : view.status === 'waiting'
        ? 'Waiting for the page'
        : view.status === 'closed'
          ? 'Tab closed: recording ended (export keeps what was recorded)'
          : 'Reconnecting…';
  const addMark = () => {
    const text = label.trim() || `mark ${formatClock(Date.now())}`;
    controller.mark(text);
    setLabel('');
  };
  return (
    <div class="toolbar">
      <span class="status" data-testid="status" data-state={view.status} data-reconnects={view.reconnects} title={view.url}>
        <span class="dot" />
        {statusText}
      </span>
      <span class="url" title={view.url}>
        {view.url}
      </span>
      <span class="count" data-testid="event-count" data-value={view.received}>
        {formatCount(view.received)} events
      </span>
      {view.dropped > 0 ? (
        <span
          class="warn"
          data-testid="dropped"
          data-value={view.dropped}
          title="Events the page side dropped (its queue was full), refused as malformed, lost on the way, or evicted from the background's bounded buffer before this panel got them"
        >
          {formatCount(view.dropped)} dropped
        </span>
      ) : null}
      {view.omitted > 0 ? (
        <span class="warn" data-testid="omitted" data-value={view.omitted}>
          trace capped: {formatCount(view.omitted)} events not kept for export
        </span>
      ) : null}
      <PageErrorCount count={view.pageErrors} />
      <PageLink link={view.pageLink} />
      <span class="spacer" />
      <label
        class="switch"
        title="Count the heap inside WebAssembly: used bytes, live allocations and allocation sites (like 'Record allocation stacks' in Chrome's Memory panel)"
      >
        <input
          type="checkbox"
          data-testid="allocation-tracking"
          checked={view.allocationTracking}
          onChange={(e) => void controller.setAllocationTracking(e.currentTarget.checked)}
        />{' '}
        Track allocations <span class="muted">(takes effect on reload)</span>
      </label>
      {view.settingsError ? (
        <span class="warn" data-testid="settings-error">
          {view.settingsError}
        </span>
      ) : null}
      <input
        class="mark-label"
        type="text"
        placeholder="mark label"
        maxLength={200}
        value={label}
        data-testid="mark-label"
        onInput={(e) => setLabel(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') addMark();
        }}
      />
      <button type="button" data-testid="add-mark" onClick={addMark}>
        Add mark
      </button>
      <TraceFiles view={view} controller={controller} />
    </div>
  );
}
