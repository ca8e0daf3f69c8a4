/**
 * The toolbar: recording status and counts, the alert count, pause / resume and clear, the
 * segment picker (one segment per page load while the panel is open), the allocation-tracking
 * switch, adding a mark, trace export / import (./TraceFiles.tsx).
 */
import { useState } from 'preact/hooks';
import type { AlertCount } from '../alert-actions';
import type { PanelController, SegmentInfo, SegmentSelection, ViewState } from '../controller';
import { formatClock, formatCount, middleEllipsis } from '../format';
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
          : view.everConnected
            ? 'Reconnecting…'
            : 'Connecting…';
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
      {view.paused ? (
        <span class="warn" data-testid="paused-events" data-value={view.pausedEvents} role="status">
          paused: {formatCount(view.pausedEvents)} new events not shown yet
        </span>
      ) : null}
      <AlertChip count={view.alertCount} />
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
      <SegmentPicker view={view} controller={controller} />
      {view.paused ? (
        <button type="button" data-testid="resume" onClick={() => controller.resume()} title="Show what arrived while paused">
          Resume
        </button>
      ) : (
        <button
          type="button"
          data-testid="pause"
          disabled={view.mode !== 'live' || view.selection !== 'current'}
          onClick={() => controller.pause()}
          title="Hold the view still; events keep being recorded and analysed, and Resume shows them"
        >
          Pause
        </button>
      )}
      <button
        type="button"
        data-testid="clear"
        onClick={() => controller.clear()}
        title="Drop what this panel recorded (every segment, the chart, the counts) and record from now. Memories still alive stay listed. Alerts stay: they are the background analyzer's, as on the toolbar badge."
      >
        Clear
      </button>
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

const SEVERITY_WORD = { error: 'error', warning: 'warning', info: 'info' } as const;

/** "N alerts" with the worst severity of the active alerts not acknowledged or dismissed. */
function AlertChip({ count }: { count: AlertCount }) {
  const label =
    count.count === 0
      ? 'No alerts to look at'
      : `${count.count} alert${count.count === 1 ? '' : 's'}, worst severity ${SEVERITY_WORD[count.worst ?? 'info']}`;
  return (
    <span
      class={`alert-chip ${count.worst ? `sev-${count.worst}` : 'none'}`}
      role="status"
      aria-label={label}
      title={`${label} (acknowledged and dismissed ones not counted)`}
      data-testid="alert-count"
      data-value={count.count}
      data-severity={count.worst ?? ''}
    >
      {count.count} alert{count.count === 1 ? '' : 's'}
    </span>
  );
}

function segmentLabel(s: SegmentInfo, current: boolean): string {
  const when =
    s.startedAt === null
      ? ''
      : current
        ? ` since ${formatClock(s.startedAt)}`
        : ` ${formatClock(s.startedAt)}–${formatClock(s.endedAt ?? s.startedAt)}`;
  return `${current ? 'Current' : `#${s.number}`}: ${middleEllipsis(s.url || 'page', 48)}${when} · ${formatCount(s.received)} events`;
}

/** Which page load to show: the current one, an earlier one, or all of them (a native select:
 *  keyboard reachable, arrow keys to choose). Shown once the session has more than one. */
function SegmentPicker({ view, controller }: { view: ViewState; controller: PanelController }) {
  if (view.segments.length === 0) return null;
  const value = String(view.selection);
  const onChange = (e: Event) => {
    const raw = (e.currentTarget as HTMLSelectElement).value;
    const sel: SegmentSelection = raw === 'current' || raw === 'all' ? raw : Number(raw);
    void controller.selectSegment(sel);
  };
  return (
    <label class="segment-picker" title="Each reload or navigation of the inspected page starts a new segment of this session">
      Segment{' '}
      <select data-testid="segment-picker" value={value} onChange={onChange} aria-busy={view.segmentLoading}>
        <option value="current">{segmentLabel(view.current, true)}</option>
        {[...view.segments].reverse().map((s) => (
          <option key={s.number} value={String(s.number)}>
            {segmentLabel(s, false)}
          </option>
        ))}
        <option value="all">All {view.segments.length + 1} segments</option>
      </select>
      {view.segmentLoading ? <span class="muted"> loading…</span> : null}
      {view.droppedSegments > 0 ? (
        <span class="muted" data-testid="dropped-segments" data-value={view.droppedSegments}>
          {' '}
          ({view.droppedSegments} oldest not kept)
        </span>
      ) : null}
    </label>
  );
}
