import { describe, expect, it } from 'vitest';
import { parsePageSettings, settingsFromStorage } from './page-settings';
import { PAGE_SETTINGS_KEYS } from './protocol';

describe('page settings', () => {
  it("parse an ack's settings strictly", () => {
    expect(parsePageSettings({ allocationTracking: false })).toEqual({ allocationTracking: false });
    expect(parsePageSettings({ allocationTracking: true, extra: 1 })).toEqual({ allocationTracking: true });
    expect(parsePageSettings({ allocationTracking: 'false' })).toBeNull();
    expect(parsePageSettings(undefined)).toBeNull();
    expect(parsePageSettings(null)).toBeNull();
  });
  it('read stored values, tracking on unless stored false', () => {
    expect(settingsFromStorage({})).toEqual({ allocationTracking: true });
    expect(settingsFromStorage({ [PAGE_SETTINGS_KEYS.allocationTracking]: false })).toEqual({ allocationTracking: false });
    expect(settingsFromStorage({ [PAGE_SETTINGS_KEYS.allocationTracking]: 0 })).toEqual({ allocationTracking: true });
  });
});
