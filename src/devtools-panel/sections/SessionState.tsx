/**
 * Banners that say what the panel is showing and why, when it is not simply "recording":
 * the tab closed, the port to the service worker reconnecting, nothing seen yet on the page,
 * a paused view, an earlier segment or all segments shown. Text only.
 */
import type { PanelController, ViewState } from '../controller';
import { formatClock, formatCount } from '../format';

/** Shown on a live page with no WebAssembly recorded (exact wording: issue 15). */
export const NO_WASM_TEXT = 'No WebAssembly seen on this page yet. It is recorded from page load: reload if the page was already open.';

export function SessionState({ view, controller }: { view: ViewState; controller: PanelController }) {
  const live = view.mode === 'live' && view.selection === 'current';
  const nothing = (view.report?.memories.length ?? 0) === 0 && (view.report?.classes.length ?? 0) === 0;
  return (
    <>
      {view.status === 'closed' ? (
        <div class="banner warn" role="status" data-testid="state-closed">
          Tab closed: the inspected tab is gone and recording has ended. What was recorded stays here; Export trace saves it.
        </div>
      ) : view.status === 'disconnected' && view.everConnected ? (
        <div class="banner warn" role="status" data-testid="state-reconnecting" data-reconnects={view.reconnects}>
          Reconnecting… the extension's service worker stopped (Chrome stops it when idle, or on an update). What was recorded stays; what
          the page sends meanwhile is queued and arrives when the connection is back.
        </div>
      ) : null}
      {live && nothing && !view.paused && view.status !== 'closed' && view.everConnected ? (
        <div class="banner" role="status" data-testid="state-empty">
          {NO_WASM_TEXT}
        </div>
      ) : null}
      {view.paused ? (
        <div class="banner warn" role="status" data-testid="state-paused">
          Paused: the view holds still; {formatCount(view.pausedEvents)} events since are recorded and analysed, not lost.{' '}
          <button type="button" onClick={() => controller.resume()}>
            Resume
          </button>
        </div>
      ) : null}
      <SegmentBanner view={view} controller={controller} />
    </>
  );
}

function SegmentBanner({ view, controller }: { view: ViewState; controller: PanelController }) {
  if (view.mode !== 'live' || view.selection === 'current') return null;
  const back = (
    <button type="button" data-testid="segment-back" onClick={() => void controller.selectSegment('current')}>
      Back to the current page load
    </button>
  );
  if (view.selection === 'all')
    return (
      <div class="banner import" role="status" data-testid="segment-banner" data-selection="all">
        <strong>All {view.segments.length + 1} segments</strong> of this session, one per page load; dashed lines on the chart mark where
        each load starts. Export saves them as one trace (each load's memories end where the next begins). {back}
      </div>
    );
  const seg = view.segments.find((s) => s.number === view.selection);
  if (!seg) return null;
  return (
    <div class="banner import" role="status" data-testid="segment-banner" data-selection={seg.number}>
      <strong>Segment #{seg.number}</strong>, an earlier page load: {seg.url}
      {seg.startedAt !== null ? `, ${formatClock(seg.startedAt)}–${formatClock(seg.endedAt ?? seg.startedAt)}` : ''} ·{' '}
      {formatCount(seg.received)} events. Its alerts are the background analyzer's when it ended. Export saves this segment. {back}
    </div>
  );
}
