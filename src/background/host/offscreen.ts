/**
 * The offscreen document (reason WORKERS): it starts the analyzer host Worker (host-worker.ts)
 * and relays between it and the service worker. It lives independently of the service worker's
 * idle stops, so the analyzers' state does too (justification: src/background/INTERNALS.md).
 * When the service worker stops, the port drops; we reconnect (which restarts it) and the worker
 * re-subscribes to every tab with its resume points.
 */
import { parseConfig } from '../../devtools-panel/controller';
import {
  PORT_HOST,
  type BackgroundToHost,
  type HostConfigureRequest,
  type HostChannel,
  type HostExportRequest,
  type HostWake,
  type HostToBackground,
} from '../../shared/tab-status';
import { PROTOCOL_VERSION } from '../../shared/protocol';
import type { FromHostWorker, ToHostWorker } from './worker-protocol';

const worker = new Worker(new URL('./host-worker.ts', import.meta.url), { type: 'module' });
const toWorker = (m: ToHostWorker) => worker.postMessage(m);

let port: chrome.runtime.Port | null = null;
let backoff = 20;
let nextExport = 1;
const exports = new Map<number, (r: FromHostWorker & { kind: 'export-result' }) => void>();

worker.addEventListener('message', (ev: MessageEvent<FromHostWorker>) => {
  const m = ev.data;
  if (m.kind === 'to-bg') send(m.msg);
  else if (m.kind === 'export-result') {
    exports.get(m.id)?.(m);
    exports.delete(m.id);
  }
});

function send(m: HostToBackground): void {
  try {
    port?.postMessage(m);
  } catch (e) {
    console.debug('[wasm-memory offscreen] send failed; reconnecting', e);
    lost();
  }
}

/**
 * The port dropped: the service worker stopped. We do not reconnect on our own (that would
 * restart an idle worker every ~30 s, for nothing); the worker, whenever it starts again (a
 * content script, a panel or the popup woke it), sends `host-wake` and we reconnect then.
 */
function lost(): void {
  port = null;
}

/** connect() threw (the worker is starting or updating): try again, backing off. */
function retry(): void {
  const wait = backoff;
  backoff = Math.min(backoff * 2, 2000);
  setTimeout(connect, wait);
}

function connect(): void {
  let p: chrome.runtime.Port;
  try {
    p = chrome.runtime.connect({ name: PORT_HOST });
  } catch (e) {
    console.debug('[wasm-memory offscreen] connect failed', e);
    retry();
    return;
  }
  port = p;
  p.onDisconnect.addListener(() => {
    if (port === p) lost();
  });
  p.onMessage.addListener((msg: unknown) => {
    if (port !== p || typeof msg !== 'object' || msg === null) return;
    // From our own service worker: typed by tab-status.ts.
    toWorker({ kind: 'bg', msg: msg as BackgroundToHost });
  });
  backoff = 20;
  toWorker({ kind: 'connected' });
  offerChannel(p);
}

/**
 * A direct line from the service worker to the Worker (tab-status.ts HostChannel): the host
 * batches, most of the bytes, then skip this document's main thread, which the DevTools panel
 * shares. Without it (no service worker registration reachable) they come over the port.
 */
function offerChannel(p: chrome.runtime.Port): void {
  const ch = new MessageChannel();
  const offer: HostChannel = { kind: 'host-channel', v: PROTOCOL_VERSION, id: crypto.randomUUID() };
  worker.postMessage({ kind: 'channel', port: ch.port1 } satisfies ToHostWorker, [ch.port1]);
  navigator.serviceWorker.ready.then(
    (reg) => {
      if (port !== p) return;
      reg.active?.postMessage(offer, [ch.port2]);
      send(offer);
    },
    (e: unknown) => console.debug('[wasm-memory offscreen] no direct line to the service worker; batches come over the port', e),
  );
}

function isExportRequest(x: unknown): x is HostExportRequest {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return o.kind === 'host-export' && typeof o.tabId === 'number' && Number.isInteger(o.tabId) && o.tabId >= 0;
}

function isWake(x: unknown): x is HostWake {
  return typeof x === 'object' && x !== null && (x as Record<string, unknown>).kind === 'host-wake';
}

function isConfigureRequest(x: unknown): x is HostConfigureRequest {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return o.kind === 'host-configure' && typeof o.tabId === 'number' && Number.isInteger(o.tabId) && o.tabId >= 0;
}

chrome.runtime.onMessage.addListener((msg: unknown, sender, sendResponse) => {
  // Only our own pages (popup, panel) ask; a content script's sender.url is the page's.
  if (sender.id !== chrome.runtime.id || !sender.url?.startsWith(chrome.runtime.getURL(''))) return false;
  if (isWake(msg)) {
    if (port === null) connect();
    return false;
  }
  if (isConfigureRequest(msg)) {
    const config = parseConfig(msg.config);
    if (config) toWorker({ kind: 'configure-tab', tabId: msg.tabId, config });
    sendResponse({ ok: config !== null });
    return false;
  }
  if (!isExportRequest(msg)) return false;
  const id = nextExport++;
  exports.set(id, (r) => sendResponse(r.trace ? { ok: true, trace: r.trace } : { ok: false, error: r.error ?? 'no data for this tab' }));
  toWorker({ kind: 'export', id, tabId: msg.tabId });
  return true;
});

connect();
