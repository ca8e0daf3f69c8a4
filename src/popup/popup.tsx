/**
 * The toolbar popup: the tab's alerts as the background analyzer counted them (the badge's
 * source, chrome.storage.session), a memory summary, how to open the panel, "Export trace", and
 * whether this tab's site is instrumented, with a switch (src/shared/site-access.ts).
 * Opened by the toolbar button (the active tab) or as a page with `?tabId=N` (tests).
 * Everything shown comes from the page: rendered as text only.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { sortAlerts } from '../shared/alerts';
import { formatBytes } from '../shared/bytes';
import { badgeAlerts, since, statusKey, type HostExportRequest, type TabStatus } from '../shared/tab-status';
import type { Trace } from '../shared/protocol';
import { hostOn, withSite } from '../shared/site-access';
import { USER_SETTINGS_KEY } from '../shared/user-settings';
import { readUserSettings } from '../background/user-settings';
import './popup.css';

async function boundTabId(): Promise<number | null> {
  const raw = new URLSearchParams(location.search).get('tabId');
  if (raw !== null) {
    const n = Number(raw);
    return Number.isInteger(n) && n >= 0 ? n : null;
  }
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

function isStatus(x: unknown): x is TabStatus {
  return typeof x === 'object' && x !== null && Array.isArray((x as TabStatus).alerts) && typeof (x as TabStatus).tabId === 'number';
}

const isMac = navigator.platform.toUpperCase().includes('MAC');

/**
 * This tab's site: on or off, and a switch that changes the options' site list. The change applies
 * to pages loaded afterwards, so it offers a reload. Only http(s) pages have a site to switch.
 */
function SiteSwitch({ tabId }: { tabId: number }) {
  const [host, setHost] = useState<string | null | undefined>(undefined);
  const [on, setOn] = useState<boolean | null>(null);
  const [changed, setChanged] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void (async () => {
      try {
        const tab = await chrome.tabs.get(tabId);
        const url = tab.url ? new URL(tab.url) : null;
        const h = url && (url.protocol === 'http:' || url.protocol === 'https:') ? url.hostname : null;
        setHost(h);
        if (h !== null) setOn(hostOn((await readUserSettings()).sites, h));
      } catch (e) {
        setHost(null);
        setError(`Site settings unreadable: ${e instanceof Error ? e.message : String(e)}`);
      }
    })();
  }, [tabId]);
  if (host === undefined || (host === null && error === null)) return null;
  if (host === null || on === null) return <p class="error">{error}</p>;

  const toggle = async () => {
    try {
      // read again now (the options may have changed meanwhile); a failed read writes nothing
      const settings = await readUserSettings();
      const sites = withSite(settings.sites, host, !on);
      if (sites === null) {
        setError('The site list is full: edit it in the options.');
        return;
      }
      await chrome.storage.sync.set({ [USER_SETTINGS_KEY]: { ...settings, sites } });
      setOn(!on);
      setChanged(true);
      setError(null);
    } catch (e) {
      setError(`Not saved: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <p class="site" data-testid="popup-site" data-on={String(on)}>
      {on ? 'Recording' : 'Not recording'} WebAssembly on <b>{host}</b>.{' '}
      <button data-testid="popup-site-toggle" onClick={() => void toggle()}>
        {on ? 'Turn off for this site' : 'Turn on for this site'}
      </button>
      {changed && (
        <>
          {' '}
          <button data-testid="popup-site-reload" onClick={() => void chrome.tabs.reload(tabId).then(() => window.close())}>
            Reload the tab to apply
          </button>
        </>
      )}
      {error && <span class="error"> {error}</span>}
    </p>
  );
}

type ExportResult = { ok: true; trace: Trace } | { ok: false; error: string };

function Popup({ tabId }: { tabId: number }) {
  const [status, setStatus] = useState<TabStatus | null | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  const [exportMsg, setExportMsg] = useState<string | null>(null);
  useEffect(() => {
    const key = statusKey(tabId);
    chrome.storage.session.get(key).then(
      (items) => setStatus(isStatus(items[key]) ? items[key] : null),
      () => setStatus(null),
    );
    const onChanged = (changes: Record<string, chrome.storage.StorageChange>, area: string) => {
      const c = changes[key];
      if (area === 'session' && c) setStatus(isStatus(c.newValue) ? c.newValue : null);
    };
    chrome.storage.onChanged.addListener(onChanged);
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      chrome.storage.onChanged.removeListener(onChanged);
      clearInterval(timer);
    };
  }, [tabId]);

  const exportTrace = async () => {
    setExportMsg('Exporting…');
    try {
      const req: HostExportRequest = { kind: 'host-export', tabId };
      const r = (await chrome.runtime.sendMessage(req)) as ExportResult | undefined;
      if (!r || !r.ok) {
        setExportMsg(`Nothing to export: ${r ? r.error : 'the analyzer did not answer'}`);
        return;
      }
      const blob = new Blob([JSON.stringify(r.trace)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `wasm-memory-trace-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      setExportMsg(`Exported ${r.trace.events.length} events${r.trace.omitted ? ` (${r.trace.omitted} more not kept)` : ''}.`);
    } catch (e) {
      setExportMsg(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  if (status === undefined) return <main class="muted">Loading…</main>;
  const counted = status ? sortAlerts(badgeAlerts(status)) : [];
  const info = status ? status.alerts.filter((a) => a.severity === 'info') : [];
  return (
    <main>
      <h1 data-testid="popup-heading">
        {counted.length === 0
          ? 'No leak alerts on this page'
          : `${counted.length} leak alert${counted.length === 1 ? '' : 's'} on this page`}
      </h1>
      {status === null ? (
        <p class="muted" data-testid="popup-nothing">
          No WebAssembly memory seen in this tab yet.
        </p>
      ) : (
        <>
          <ul class="alerts" data-testid="popup-alerts">
            {[...counted, ...info].map((a) => (
              <li key={a.id} data-testid="popup-alert" data-id={a.id} data-severity={a.severity}>
                <span class={`sev sev-${a.severity}`}>{a.severity}</span>
                <span data-testid="popup-alert-title">{a.title}</span>
                <div class="muted">
                  <span data-testid="popup-alert-subject">{a.subject}</span> · since {since(a.raisedAt, now)}
                </div>
              </li>
            ))}
          </ul>
          <dl>
            <dt>Memory now</dt>
            <dd data-testid="popup-total" data-value={status.totalBytes}>
              {formatBytes(status.totalBytes)} committed in {status.memories} {status.memories === 1 ? 'memory' : 'memories'}
            </dd>
            <dt>Peak</dt>
            <dd
              data-testid="popup-peak"
              data-value={status.peakBytes}
              title="The largest total seen at the analyzer's checks (at most one a second)"
            >
              {formatBytes(status.peakBytes)} (total, checked each second)
            </dd>
          </dl>
        </>
      )}
      <SiteSwitch tabId={tabId} />
      <p class="muted">
        Details, charts and evidence: open DevTools (<kbd>{isMac ? '⌥⌘I' : 'Ctrl+Shift+I'}</kbd> or <kbd>F12</kbd>) and choose the{' '}
        <b>WASM Memory</b> panel.
      </p>
      <footer>
        <button data-testid="popup-export" disabled={status === null} onClick={() => void exportTrace()}>
          Export trace
        </button>
        <a href="#" onClick={() => void chrome.runtime.openOptionsPage()}>
          Options
        </a>
        {exportMsg && (
          <span class="muted" data-testid="popup-export-msg">
            {exportMsg}
          </span>
        )}
      </footer>
    </main>
  );
}

async function main(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) throw new Error('popup.html lacks #app');
  const tabId = await boundTabId();
  if (tabId === null) {
    root.textContent = 'WASM Memory: no tab.';
    return;
  }
  render(<Popup tabId={tabId} />, root);
}

main().catch((e: unknown) => {
  const root = document.getElementById('app');
  if (root) root.textContent = `WASM Memory popup failed: ${e instanceof Error ? e.message : String(e)}`;
});
