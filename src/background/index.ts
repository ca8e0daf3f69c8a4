/**
 * MV3 service worker: thin glue between runtime Ports and the pure Router (router.ts).
 * All state here is disposable: Chrome stops this worker after ~30 s idle, every port sees
 * onDisconnect, and the content scripts and panels reconnect (which restarts the worker).
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { PORT_CONTENT, PORT_PANEL, type BackgroundToContent, type BackgroundToPanel } from '../shared/protocol';
import { Router, type Endpoint } from './router';

const router = new Router();

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
    port.onMessage.addListener((msg: unknown) => h.message(msg));
    port.onDisconnect.addListener(() => h.disconnected());
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

browser.tabs.onRemoved.addListener((tabId: number) => router.tabRemoved(tabId));
