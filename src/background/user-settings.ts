/** The user's settings (chrome.storage.sync) as the service worker reads them. */
import { parseUserSettings, USER_SETTINGS_KEY, type UserSettings } from '../shared/user-settings';

export async function loadUserSettings(): Promise<UserSettings> {
  try {
    return parseUserSettings((await chrome.storage.sync.get(USER_SETTINGS_KEY))[USER_SETTINGS_KEY]);
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
