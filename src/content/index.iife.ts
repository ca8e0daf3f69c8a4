/**
 * Content script (ISOLATED world, document_start, every frame): the relay between the
 * page's injected script and the service worker. Logic lives in relay.ts.
 *
 * It first reads the user's page settings (chrome.storage.local, e.g. the allocation-tracking
 * switch) and only then answers the page's handshake, so the `ack` carries them. The page
 * re-sends its `connect` on our `ready`, so a `connect` posted meanwhile is not lost. When the
 * channel goes silent (relay.ts), a REHANDSHAKE_EVENT asks the page side for a new one.
 */
import browser from 'webextension-polyfill';
import { DEFAULT_PAGE_SETTINGS, PAGE_SETTINGS_KEYS, PORT_CONTENT, REHANDSHAKE_EVENT, type PageSettings } from '../shared/protocol';
import { settingsFromStorage } from '../shared/page-settings';
import { DEFAULT_USER_SETTINGS, parseUserSettings, USER_SETTINGS_KEY } from '../shared/user-settings';
import { ContentRelay, type PagePortLike, type RuntimePortLike } from './relay';

function randomId(): string {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return Array.from(a, (n) => n.toString(36)).join('');
}

async function readSettings(): Promise<PageSettings> {
  try {
    const [local, sync] = await Promise.all([
      browser.storage.local.get(Object.values(PAGE_SETTINGS_KEYS)),
      browser.storage.sync.get(USER_SETTINGS_KEY),
    ]);
    const s = settingsFromStorage(local);
    // The options page's sampling rate (chrome.storage.sync); the default needs no message.
    const ms = parseUserSettings(sync[USER_SETTINGS_KEY]).sampleIntervalMs;
    return ms === DEFAULT_USER_SETTINGS.sampleIntervalMs ? s : { ...s, sampleIntervalMs: ms };
  } catch (e) {
    console.debug('[wasm-memory] settings unreadable; using defaults', e);
    return { ...DEFAULT_PAGE_SETTINGS };
  }
}

function start(settings: PageSettings): void {
  let listen: (on: boolean) => void = () => undefined;
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
    startUrl,
    frame,
    doc: randomId(),
    settings,
    // the page side, once connected, listens for this event instead of window messages
    requestConnect: () => window.dispatchEvent(new Event(REHANDSHAKE_EVENT)),
    listenForConnect: (on) => listen(on),
    log: (msg, err) => console.debug(`[wasm-memory] ${msg}`, err ?? ''),
  });

  // Only a message from this window that carries exactly one port can be a `connect`: every other
  // message is left alone before its data is touched. The listener itself is there only while
  // the relay takes a connect (at start, and while the channel is silent): its mere presence
  // cost the page's own postMessage traffic ~15% of its throughput (bench/postmessage.mjs).
  const onMessage = (event: MessageEvent<unknown>) => {
    if (event.source !== window || !relay.acceptsConnect) return;
    const ports = event.ports;
    if (ports.length !== 1) return;
    const port = ports[0]!;
    const pagePort: PagePortLike = {
      postMessage: (msg) => port.postMessage(msg),
      listen: (cb) => {
        port.onmessage = (ev: MessageEvent<unknown>) => cb(ev.data);
      },
    };
    relay.onWindowMessage(true, event.data, pagePort);
  };
  listen = (on) => (on ? window.addEventListener('message', onMessage) : window.removeEventListener('message', onMessage));

  relay.start();
  window.postMessage(ContentRelay.readyMessage(), '*');
}

// Read now, at document_start: a parent that document.open()s this (about:blank) frame changes it.
const startUrl = location.href.slice(0, 2048);
const frame = window !== window.top;

void readSettings().then(start);
