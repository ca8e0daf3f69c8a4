/**
 * MV3 service worker: thin glue between runtime Ports and the pure Router (router.ts).
 * All state here is disposable: Chrome stops this worker after ~30 s idle, every port sees
 * onDisconnect, and the content scripts and panels reconnect (which restarts the worker).
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  PORT_CONTENT,
  PORT_PANEL,
  PROTOCOL_VERSION,
  type BackgroundToContent,
  type BackgroundToPanel,
  type ContentToBackground,
} from '../shared/protocol';
import { HeaderPolicies } from './header-policies';
import type { WorkerPolicyVerdict } from '../shared/protocol';
import type { SiteAccess } from '../shared/site-access';
import {
  noteResponse,
  parseStrictSites,
  STRICT_SITES_KEY,
  storedStrictSites,
  strictPatterns,
  type StrictSites,
} from '../shared/strict-sites';
import {
  PORT_HOST,
  type BackgroundToHost,
  type HostChannel,
  type HostToBackground,
  type HostWake,
  type TabStatus,
} from '../shared/tab-status';
import { applyStatus, clearTab, forgetTab, onNotificationClicked } from './action';
import { syncContentScripts } from './content-scripts';
import { Router, type Endpoint } from './router';
import { ChannelPairing, hostEndpoint } from './host-link';
import { loadUserSettings, onUserSettingsChanged } from './user-settings';

const router = new Router();

/**
 * Header policies (CSP, CSP-Report-Only, Trusted Types) of every frame's document, which its
 * scripts cannot read: the page side needs their verdict before it may start a worker from our
 * blob: bootstrap (src/shared/worker-policy.ts, header-policies.ts). Registered at the top level,
 * so a navigation wakes a stopped worker in time to see its headers.
 */
const headerPolicies = new HeaderPolicies();
chrome.webRequest.onHeadersReceived.addListener(
  (d) => {
    const verdict = headerPolicies.record(d.tabId, d.frameId, d.url, d.responseHeaders ?? []);
    rememberStrictSite(d.url, verdict);
    return undefined;
  },
  { urls: ['<all_urls>'], types: ['main_frame', 'sub_frame'] },
  ['responseHeaders'],
);

const OFFSCREEN_URL = 'src/background/host/offscreen.html';
let creating: Promise<void> | null = null;

/**
 * The analyzer host is an offscreen document (reason WORKERS: it runs the analyzers in a
 * dedicated Worker). It outlives this worker's idle stops; see INTERNALS.md for why it is the
 * host and not this service worker.
 */
async function ensureHost(): Promise<void> {
  const contexts = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] });
  if (contexts.length > 0) {
    // It outlived this worker's previous life: its port dropped then; ask it to reconnect.
    const wake: HostWake = { kind: 'host-wake' };
    await chrome.runtime.sendMessage(wake).catch((e: unknown) => console.debug('[wasm-memory] host wake not delivered', e));
    return;
  }
  creating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_URL,
      reasons: [chrome.offscreen.Reason.WORKERS],
      justification: 'Runs the leak analyzer (WebAssembly) in a Worker for tabs with WebAssembly, while DevTools is closed.',
    })
    .finally(() => {
      creating = null;
    });
  await creating;
}

/** Host channels waiting for their other half (host-link.ts). */
const channels = new ChannelPairing<MessagePort>();
addEventListener('message', (ev: MessageEvent<unknown>) => {
  // Only our offscreen document (a client of this worker with its URL) offers a line.
  const src: unknown = ev.source;
  const url = typeof src === 'object' && src !== null && 'url' in src ? (src as { url: unknown }).url : undefined;
  if (url !== browser.runtime.getURL(OFFSCREEN_URL)) return;
  const d = ev.data as Partial<HostChannel> | null;
  const ch = ev.ports[0];
  if (d?.kind === 'host-channel' && d.v === PROTOCOL_VERSION && typeof d.id === 'string' && ch) channels.port(d.id, ch);
});

/** Statuses are applied one at a time (each reads and writes the tab's notified ids). */
let statusChain: Promise<void> = Promise.resolve();
function onHostStatus(status: TabStatus): void {
  statusChain = statusChain
    .then(() => applyStatus(status, async () => (await loadUserSettings()).notifications))
    .catch((e: unknown) => console.debug('[wasm-memory] status not applied', e));
}

function endpoint<Out>(port: Runtime.Port): Endpoint<Out> {
  return {
    send: (msg: Out) => port.postMessage(msg),
    close: () => port.disconnect(),
  };
}

browser.runtime.onConnect.addListener((port: Runtime.Port) => {
  if (port.name === PORT_CONTENT) {
    const tabId = port.sender?.tab?.id;
    const frameId = port.sender?.frameId;
    if (typeof tabId !== 'number' || typeof frameId !== 'number') {
      port.disconnect();
      return;
    }
    const h = router.connectContent(endpoint<BackgroundToContent>(port), tabId, frameId);
    port.onMessage.addListener((msg: unknown) => {
      const m = msg as Partial<ContentToBackground> | null;
      if (m?.kind === 'hello' && m.policies === true && typeof m.url === 'string') {
        const reply: BackgroundToContent = { kind: 'policies', v: PROTOCOL_VERSION, verdict: headerPolicies.take(tabId, frameId, m.url) };
        port.postMessage(reply);
      }
      h.message(msg);
    });
    port.onDisconnect.addListener(() => h.disconnected());
  } else if (port.name === PORT_HOST) {
    // Only our offscreen document: an extension page with no tab.
    if (port.sender?.tab !== undefined || port.sender?.url !== browser.runtime.getURL(OFFSCREEN_URL)) {
      port.disconnect();
      return;
    }
    const ep = hostEndpoint({
      port,
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      log: (msg, err) => console.debug(`[wasm-memory] ${msg}`, err ?? ''),
    });
    const h = router.connectHost(ep);
    port.onMessage.addListener((msg: unknown) => {
      const m = msg as HostToBackground; // from our own offscreen document
      if (m.kind === 'tab-status' && m.v === PROTOCOL_VERSION) onHostStatus(m.status);
      else if (m.kind === 'host-channel' && m.v === PROTOCOL_VERSION && typeof m.id === 'string') channels.offer(m.id, ep.useChannel);
      else h.message(msg);
    });
    port.onDisconnect.addListener(() => h.disconnected());
    void loadUserSettings().then((s) => {
      const configure: BackgroundToHost = { kind: 'configure', v: PROTOCOL_VERSION, config: s.budgets };
      port.postMessage(configure);
    });
  } else if (port.name === PORT_PANEL) {
    // Only our own extension pages may subscribe (content scripts have a sender.tab).
    if (port.sender?.tab !== undefined && !port.sender.url?.startsWith(browser.runtime.getURL(''))) {
      port.disconnect();
      return;
    }
    const h = router.connectPanel(endpoint<BackgroundToPanel>(port));
    port.onMessage.addListener((msg: unknown) => h.message(msg));
    port.onDisconnect.addListener(() => h.disconnected());
  }
});

browser.tabs.onRemoved.addListener((tabId: number) => {
  router.tabRemoved(tabId);
  headerPolicies.tabRemoved(tabId);
  void forgetTab(tabId);
});

// A new top-level document: its alerts start from nothing (the host resets on the router's
// `navigated` too; this also covers pages where nothing of ours runs).
chrome.tabs.onUpdated.addListener((tabId, info) => {
  if (info.status === 'loading') void clearTab(tabId);
});

chrome.notifications.onClicked.addListener(onNotificationClicked);

/**
 * Documents whose header policies ruled our worker bootstrap out (src/shared/strict-sites.ts): the
 * next load of one gets the hint in front of the MAIN-world bundle, so a worker it starts before
 * the handshake's verdict is left untouched. Loaded once per service-worker start; a new one
 * re-registers the scripts (usually before its document commits, at latest for its next load).
 */
let strictSites: StrictSites | null = null;
let siteAccess: SiteAccess | null = null;
const strictLoaded = chrome.storage.local
  .get(STRICT_SITES_KEY)
  .then((items) => (strictSites = parseStrictSites(items[STRICT_SITES_KEY], Date.now())))
  .catch((e: unknown) => {
    console.error('[wasm-memory] remembered strict sites not read', e);
    return (strictSites = new Map());
  });

function resync(): Promise<number> {
  if (siteAccess === null || strictSites === null) return Promise.resolve(0);
  const access = siteAccess;
  const strict = strictPatterns(strictSites);
  // A pattern Chrome refused would fail the whole call: then register without the remembered
  // documents rather than leave every page uninstrumented.
  return syncContentScripts(access, strict).catch((e: unknown) => {
    if (strict.length === 0) throw e;
    console.error('[wasm-memory] remembered strict documents not registered', e);
    return syncContentScripts(access, []);
  });
}

function rememberStrictSite(url: string, verdict: WorkerPolicyVerdict): void {
  if (verdict.instrument === 'unknown') return;
  if (verdict.instrument === true && strictSites !== null && strictSites.size === 0) return; // the usual case: nothing to forget
  void strictLoaded.then((sites) => {
    const note = noteResponse(sites, url, verdict, Date.now());
    if (note.store)
      chrome.storage.local
        .set({ [STRICT_SITES_KEY]: storedStrictSites(sites) })
        .catch((e: unknown) => console.error('[wasm-memory] remembered strict sites not saved', e));
    if (note.patternsChanged) resync().catch((e: unknown) => console.error('[wasm-memory] content scripts not updated', e));
  });
}

onUserSettingsChanged((s) => {
  router.configureHosts(s.budgets);
  siteAccess = s.sites;
  resync().catch((e: unknown) => console.error('[wasm-memory] content scripts not updated', e));
});

/**
 * The content scripts for the sites the user chose (content-scripts.ts). `wasmMemoryReady`
 * resolves once they are registered: automation (e2e, `wasm-memory record`, the benchmarks)
 * awaits it in this worker before loading a page, since a fresh profile has none until then.
 */
const ready = Promise.all([loadUserSettings(), strictLoaded]).then(([s]) => {
  siteAccess = s.sites;
  return resync();
});
ready.catch((e: unknown) => console.error('[wasm-memory] content scripts not registered', e));
(globalThis as { wasmMemoryReady?: Promise<number> }).wasmMemoryReady = ready;

ensureHost().catch((e: unknown) => console.error('[wasm-memory] analyzer host not started', e));
