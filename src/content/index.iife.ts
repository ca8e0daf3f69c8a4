/**
 * Content script (ISOLATED world, document_start, every frame): the relay between the
 * page's injected script and the service worker. Logic lives in relay.ts.
 */
import browser from 'webextension-polyfill';
import { PORT_CONTENT } from '../shared/protocol';
import { ContentRelay, type PagePortLike, type RuntimePortLike } from './relay';

function randomId(): string {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return Array.from(a, (n) => n.toString(36)).join('');
}

const relay = new ContentRelay({
  connect(): RuntimePortLike {
    const port = browser.runtime.connect({ name: PORT_CONTENT });
    return {
      postMessage: (msg) => port.postMessage(msg),
      disconnect: () => port.disconnect(),
      onMessage: (cb) => port.onMessage.addListener((m: unknown) => cb(m)),
      onDisconnect: (cb) => port.onDisconnect.addListener(() => cb()),
    };
  },
  alive: () => typeof chrome !== 'undefined' && chrome.runtime?.id !== undefined,
  now: () => performance.timeOrigin + performance.now(),
  schedule: (fn, ms) => {
    setTimeout(fn, ms);
  },
  url: () => location.href.slice(0, 2048),
  doc: randomId(),
  log: (msg, err) => console.debug(`[wasm-memory] ${msg}`, err ?? ''),
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const port = event.ports[0];
  const pagePort: PagePortLike | undefined = port
    ? {
        postMessage: (msg) => port.postMessage(msg),
        listen: (cb) => {
          port.onmessage = (ev: MessageEvent<unknown>) => cb(ev.data);
        },
      }
    : undefined;
  relay.onWindowMessage(event.source === window, event.data, pagePort);
});

relay.start();
window.postMessage(ContentRelay.readyMessage(), '*');
