/**
 * The toolbar action and notifications, driven by the analyzer host's TabStatus messages
 * (chrome.* glue; the rules are pure, in src/shared/tab-status.ts). Everything it needs to
 * survive a service-worker stop lives outside the worker: the badge in Chrome's per-tab action
 * state, the latest status and the notified alert ids in chrome.storage.session.
 */
import {
  badgeAlerts,
  badgeFor,
  decideNotification,
  notifiedKey,
  parseNotifyState,
  statusKey,
  type BadgeState,
  type NotifySettings,
  type TabStatus,
} from '../shared/tab-status';

const log = (msg: string, err?: unknown) => console.debug(`[wasm-memory action] ${msg}`, err ?? '');

/** What this worker last did per tab (lost on a stop; then storage and Chrome are asked again). */
const shown = new Map<number, { badge: string; doc: string | null; notified: Set<string> | null }>();

/** Show a tab's status: badge, tooltip, popup data, and maybe one notification. */
export async function applyStatus(status: TabStatus, notify: () => Promise<NotifySettings>): Promise<void> {
  const tabId = status.tabId;
  await chrome.storage.session.set({ [statusKey(tabId)]: status });
  let mine = shown.get(tabId);
  if (!mine || mine.doc !== status.doc) {
    mine = { badge: '', doc: status.doc, notified: null };
    shown.set(tabId, mine);
  }
  const b = badgeFor(status);
  const badgeKey = `${b.text}|${b.color}|${b.title}`;
  if (badgeKey !== mine.badge) {
    await showBadge(tabId, b);
    mine.badge = badgeKey;
  }
  // Notifications: only when a badge alert is new to this worker (then storage decides).
  const known = mine.notified;
  if (known && badgeAlerts(status).every((a) => known.has(a.id))) return;
  let tab: chrome.tabs.Tab;
  try {
    tab = await chrome.tabs.get(tabId);
  } catch {
    return; // closed meanwhile
  }
  const key = notifiedKey(tabId);
  const prev = parseNotifyState((await chrome.storage.session.get(key))[key]);
  const d = decideNotification(status, prev, await notify(), tab.active === true, Date.now());
  await chrome.storage.session.set({ [key]: d.state });
  mine.notified = new Set(d.state.notified);
  if (d.notify) {
    let host = status.url;
    try {
      host = new URL(status.url).host || status.url;
    } catch {
      // not a URL: show it as it is
    }
    await chrome.notifications.create(`wasm-memory:${tabId}:${d.notify.id}`, {
      type: 'basic',
      iconUrl: chrome.runtime.getURL('icons/icon128.png'),
      title: `WASM Memory: ${d.notify.severity} on ${host}`.slice(0, 200),
      message: d.notify.title.slice(0, 300),
      contextMessage: d.notify.subject.slice(0, 200),
      priority: d.notify.severity === 'error' ? 1 : 0,
    });
  }
}

async function showBadge(tabId: number, b: BadgeState): Promise<void> {
  try {
    await chrome.action.setBadgeText({ tabId, text: b.text });
    if (b.color) await chrome.action.setBadgeBackgroundColor({ tabId, color: b.color });
    await chrome.action.setTitle({ tabId, title: b.title });
  } catch (e) {
    log(`badge of tab ${tabId} not set (closed?)`, e);
  }
}

/** A new top-level page is loading in the tab: its old alerts are no longer about it. */
export async function clearTab(tabId: number): Promise<void> {
  shown.delete(tabId);
  await chrome.storage.session.remove([statusKey(tabId), notifiedKey(tabId)]);
  await showBadge(tabId, badgeFor(null));
}

export async function forgetTab(tabId: number): Promise<void> {
  shown.delete(tabId);
  await chrome.storage.session.remove([statusKey(tabId), notifiedKey(tabId)]);
}

/** A click on one of our notifications brings its tab to the front. */
export function onNotificationClicked(id: string): void {
  const m = /^wasm-memory:(\d+):/.exec(id);
  if (!m) return;
  const tabId = Number(m[1]);
  chrome.tabs.update(tabId, { active: true }).then(
    (tab) => (tab?.windowId !== undefined ? chrome.windows.update(tab.windowId, { focused: true }) : undefined),
    (e: unknown) => log('tab of the notification is gone', e),
  );
  chrome.notifications.clear(id).catch((e: unknown) => log('notification clear failed', e));
}
