/**
 * Panel entry. Runs as the DevTools panel (bound to chrome.devtools.inspectedWindow.tabId)
 * or as an ordinary extension tab bound to `?tabId=N` (tests, the CLI).
 * Sets `globalThis.wasmMemoryPanel` (contract 4) for automation.
 */
import { render } from 'preact';
import browser from 'webextension-polyfill';
import analyzerWasmUrl from '../../analyzer-rs/pkg/wasm_memory_analyzer.wasm?url';
import { createAnalyzer } from '../analyzer/analyzer';
import type { AnalyzerApi } from '../shared/analyzer-api';
import { PAGE_SETTINGS_KEYS, PORT_PANEL } from '../shared/protocol';
import { settingsFromStorage } from '../shared/page-settings';
import { statusKey, type HostConfigureRequest, type TabStatus } from '../shared/tab-status';
import { App } from './App';
import { PanelConnection, type PanelPortLike } from './connection';
import { PanelController } from './controller';
import { followTheme } from './theme';
import type { PanelAutomation } from '../shared/panel-automation';
import './panel.css';

declare global {
  var wasmMemoryPanel: PanelAutomation | undefined;
}

function boundTabId(): number | null {
  if (typeof chrome !== 'undefined' && chrome.devtools?.inspectedWindow) return chrome.devtools.inspectedWindow.tabId;
  const raw = new URLSearchParams(location.search).get('tabId');
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** localStorage key of the budget settings (the extension's own origin). */
const SETTINGS_KEY = 'wasm-memory:budgets:v1';

let wasmModule: Promise<WebAssembly.Module> | null = null;
function makeAnalyzer(): Promise<AnalyzerApi> {
  wasmModule ??= WebAssembly.compileStreaming(fetch(analyzerWasmUrl));
  return wasmModule.then((m) => createAnalyzer(m));
}

function scheduleFrame(fn: () => void): void {
  // rAF when visible; a timer so a hidden panel (background tab) still updates its state.
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(run);
  setTimeout(run, 250);
}

async function main(): Promise<void> {
  // DevTools' theme, followed live (./theme.ts); without DevTools, prefers-color-scheme (panel.css).
  followTheme(typeof chrome !== 'undefined' ? chrome.devtools?.panels : undefined, document.documentElement);
  const root = document.getElementById('app');
  if (!root) throw new Error('panel.html lacks #app');
  const tabId = boundTabId();
  if (tabId === null) {
    root.textContent = 'WASM Memory: no tab to inspect (open this panel from DevTools, or add ?tabId=N).';
    return;
  }
  const log = (msg: string, err?: unknown) => console.debug(`[wasm-memory panel] ${msg}`, err ?? '');
  const controller = new PanelController({
    tabId,
    makeAnalyzer,
    scheduleFrame,
    // Preact renders in a microtask after the view is set: one queued after it sees it done.
    afterUpdate: (fn) => queueMicrotask(fn),
    now: () => new Date(),
    generator: `wasm-memory-panel ${browser.runtime.getManifest().version}`,
    log,
    settings: {
      load: () => {
        const raw = localStorage.getItem(SETTINGS_KEY);
        return raw === null ? null : (JSON.parse(raw) as unknown);
      },
      save: (config) => localStorage.setItem(SETTINGS_KEY, JSON.stringify(config)),
    },
    host: {
      configure: (config) => {
        const req: HostConfigureRequest = { kind: 'host-configure', tabId, config };
        chrome.runtime.sendMessage(req).catch((e: unknown) => log('budgets not sent to the background analyzer', e));
      },
    },
    // chrome.storage.local: the content script reads it at the page's next load.
    pageSettings: {
      load: async () => settingsFromStorage(await browser.storage.local.get(Object.values(PAGE_SETTINGS_KEYS))),
      save: (s) => browser.storage.local.set({ [PAGE_SETTINGS_KEYS.allocationTracking]: s.allocationTracking }),
    },
  });
  // The alerts shown live are the background analyzer's (the badge's): its status for this tab.
  const key = statusKey(tabId);
  const takeStatus = (v: unknown) => {
    const status = typeof v === 'object' && v !== null ? (v as Partial<TabStatus>) : undefined;
    const alerts = status?.alerts;
    const doc = typeof status?.doc === 'string' ? status.doc : null;
    controller.setHostAlerts(Array.isArray(alerts) ? alerts : null, doc);
  };
  chrome.storage.onChanged.addListener((changes, area) => {
    const c = changes[key];
    if (area === 'session' && c) takeStatus(c.newValue);
  });
  void chrome.storage.session.get(key).then(
    (items) => takeStatus(items[key]),
    (e: unknown) => log('host status unreadable', e),
  );
  await controller.init();
  const connection = new PanelConnection(
    {
      connect(): PanelPortLike {
        const port = browser.runtime.connect({ name: PORT_PANEL });
        return {
          postMessage: (m) => port.postMessage(m),
          onMessage: (cb) => port.onMessage.addListener((m: unknown) => cb(m)),
          onDisconnect: (cb) => port.onDisconnect.addListener(() => cb()),
        };
      },
      schedule: (fn, ms) => {
        setTimeout(fn, ms);
      },
      log,
    },
    tabId,
    () => controller.session.resume(),
    (msg) => controller.handle(msg),
    (s) => controller.setLink(s),
  );
  controller.setMarkSink((label) => connection.mark(label));
  globalThis.wasmMemoryPanel = {
    exportTrace: () => controller.exportTrace(),
    report: () => controller.liveReport(),
    mark: (label: string) => controller.mark(label),
    eventCount: () => controller.session.received,
    connected: () => connection.state === 'connected' && controller.session.received > 0,
  };
  render(<App controller={controller} />, root);
  connection.start();
  addEventListener('pagehide', () => controller.dispose());
}

main().catch((e: unknown) => {
  console.error('[wasm-memory panel] failed to start', e);
  const root = document.getElementById('app');
  if (root) root.textContent = `WASM Memory failed to start: ${e instanceof Error ? e.message : String(e)}`;
});
