/** The user's settings (chrome.storage.sync) as the extension's pages and service worker read them. */
import { parseUserSettings, USER_SETTINGS_KEY, type UserSettings } from '../shared/user-settings';

/** The stored settings (defaults for what is missing or malformed); rejects when storage cannot be read. */
export async function readUserSettings(): Promise<UserSettings> {
  return parseUserSettings((await chrome.storage.sync.get(USER_SETTINGS_KEY))[USER_SETTINGS_KEY]);
}

/** readUserSettings, or the defaults when storage cannot be read (never to be written back). */
export async function loadUserSettings(): Promise<UserSettings> {
  try {
    return await readUserSettings();
  } catch (e) {
    console.debug('[wasm-memory] settings unreadable; using defaults', e);
    return parseUserSettings(undefined);
  }
}

export function onUserSettingsChanged(cb: (s: UserSettings) => void): void {
  chrome.storage.onChanged.addListener((changes, area) => {
    const c = changes[USER_SETTINGS_KEY];
    if (area === 'sync' && c) cb(parseUserSettings(c.newValue));
  });
}
