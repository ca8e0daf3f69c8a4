/**
 * Content script (ISOLATED world, document_start, every frame): the relay between the
 * page's injected script and the service worker. Logic lives in relay.ts.
 *
 * It first reads the user's page settings (chrome.storage.local, e.g. the allocation-tracking
 * switch) and only then answers the page's handshake, so the `ack` carries them. The page
 * re-sends its `connect` on our `ready`, so a `connect` posted meanwhile is not lost.
 */
import browser from 'webextension-polyfill';
import { DEFAULT_PAGE_SETTINGS, PAGE_SETTINGS_KEYS, PORT_CONTENT, type PageSettings } from '../shared/protocol';
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
    settings,
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
}

void readSettings().then(start);
