/**
 * The background analyzer host: a dedicated Worker of the offscreen document (offscreen.ts),
 * so analysis never blocks the document that talks to the service worker. State: HostTabs
 * (tabs.ts), one analyzer-rs instance per tab with WebAssembly.
 */
import analyzerWasmUrl from '../../../analyzer-rs/pkg/wasm_memory_analyzer.wasm?url';
import { createAnalyzer } from '../../analyzer/analyzer';
import { PROTOCOL_VERSION } from '../../shared/protocol';
import type { BackgroundToHost } from '../../shared/tab-status';
import { HostTabs } from './tabs';
import type { FromHostWorker, ToHostWorker } from './worker-protocol';

let wasmModule: Promise<WebAssembly.Module> | null = null;

function post(m: FromHostWorker): void {
  postMessage(m);
}

const log = (msg: string, err?: unknown) => console.debug(`[wasm-memory host] ${msg}`, err ?? '');

const host = new HostTabs({
  makeAnalyzer: () => {
    wasmModule ??= WebAssembly.compileStreaming(fetch(analyzerWasmUrl));
    return wasmModule.then((m) => createAnalyzer(m));
  },
  send: (status) => post({ kind: 'to-bg', msg: { kind: 'tab-status', v: PROTOCOL_VERSION, status } }),
  now: () => Date.now(),
  log,
});

/** How often changed tabs are looked at; each tab is recomputed at most once a second. */
const FLUSH_MS = 250;
setInterval(() => host.flush(), FLUSH_MS);

/** The direct line from the service worker (host batches), replaced at each reconnection. */
let channel: MessagePort | null = null;

addEventListener('message', (ev: MessageEvent<ToHostWorker>) => {
  const m = ev.data;
  if (m.kind === 'bg') host.handle(m.msg);
  else if (m.kind === 'channel') {
    channel?.close();
    channel = m.port;
    // From our own service worker: typed by tab-status.ts.
    channel.onmessage = (e: MessageEvent<BackgroundToHost>) => host.handle(e.data);
  } else if (m.kind === 'configure-tab') host.configureTab(m.tabId, m.config);
  else if (m.kind === 'connected')
    post({ kind: 'to-bg', msg: { kind: 'subscribe-all', v: PROTOCOL_VERSION, resume: host.resumePoints() } });
  else if (m.kind === 'export') {
    try {
      post({ kind: 'export-result', id: m.id, trace: host.trace(m.tabId, new Date()) });
    } catch (e) {
      post({ kind: 'export-result', id: m.id, trace: null, error: e instanceof Error ? e.message : String(e) });
    }
  }
});
