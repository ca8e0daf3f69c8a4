/** Trace files: export the live session, import a recorded one, and the imported trace's banner. */
import { useRef } from 'preact/hooks';
import { serializeTrace } from '../../shared/trace';
import type { PanelController, ViewState } from '../controller';
import { formatCount } from '../format';
import { traceFileName } from '../session';

/** Export the selected segment of the live session (or all of them) as a trace file; import one (its errors are shown here). */
export function TraceFiles({ view, controller }: { view: ViewState; controller: PanelController }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const onExport = () => {
    const trace = controller.exportSelected();
    download(traceFileName(trace.page.url, new Date()), serializeTrace(trace));
  };
  const onImport = (e: Event) => {
    const input = e.currentTarget;
    if (!(input instanceof HTMLInputElement)) return;
    const file = input.files?.[0];
    if (!file) return;
    controller
      .importChunks(file.name, fileChunks(file), file.size)
      .catch((err: unknown) => controller.importFailed(file.name, String(err)))
      .finally(() => {
        input.value = '';
      });
  };
  return (
    <>
      <button type="button" data-testid="export-trace" onClick={onExport}>
        {view.mode === 'import'
          ? 'Export live trace'
          : view.selection === 'all'
            ? `Export all ${view.segments.length + 1} segments`
            : typeof view.selection === 'number'
              ? `Export segment #${view.selection}`
              : 'Export trace'}
      </button>
      {/* A real button (focusable, Enter/Space) opens the hidden file input's chooser. */}
      <button type="button" data-testid="import-trace-button" disabled={view.importing !== null} onClick={() => fileInput.current?.click()}>
        Import trace…
      </button>
      <input
        ref={fileInput}
        type="file"
        class="hidden-file"
        tabIndex={-1}
        aria-hidden="true"
        accept=".json,application/json"
        data-testid="import-trace"
        disabled={view.importing !== null}
        onChange={onImport}
      />
      {view.importing ? (
        <span class="import-progress" role="status" data-testid="import-progress">
          Reading {view.importing.name}… {Math.floor(view.importing.fraction * 100)}%
        </span>
      ) : null}
      {view.importError ? (
        <div class="import-error" role="alert" data-testid="import-error">
          Could not import {view.importError}{' '}
          <button type="button" class="link" onClick={() => controller.clearImportError()}>
            dismiss
          </button>
        </div>
      ) : null}
    </>
  );
}

/** A file's text as it streams from disk, decoded as UTF-8 (never the whole file as one string). */
async function* fileChunks(file: Blob): AsyncGenerator<string> {
  const reader = file.stream().getReader();
  const decoder = new TextDecoder('utf-8');
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    yield decoder.decode(value, { stream: true });
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

function download(name: string, text: string): void {
  const blob = new Blob([text], { type: 'application/json' });
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke after the download has had a chance to start.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Shown while an imported trace is on screen: what it is, and the way back to live. */
export function ImportBanner({ view, controller }: { view: ViewState; controller: PanelController }) {
  if (view.mode !== 'import' || !view.imported) return null;
  const imported = view.imported;
  return (
    <div class="banner import" data-testid="import-banner">
      <strong>Imported trace</strong> {imported.name}: {imported.url} · {formatCount(imported.events)} events
      {imported.createdAt ? ` · recorded ${imported.createdAt}` : ''}
      {imported.omitted > 0 ? ` · capped: ${formatCount(imported.omitted)} events not kept` : ''}. The live session keeps recording
      underneath.{' '}
      <button type="button" data-testid="back-to-live" onClick={() => controller.backToLive()}>
        Back to live
      </button>
    </div>
  );
}
