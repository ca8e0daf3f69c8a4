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
    expect(parsePageSettings({ allocationTracking: true, sampleIntervalMs: 500 })).toEqual({
      allocationTracking: true,
      sampleIntervalMs: 500,
    });
    expect(parsePageSettings({ allocationTracking: true, sampleIntervalMs: 5 })).toEqual({ allocationTracking: true });
    expect(parsePageSettings({ allocationTracking: true, sampleIntervalMs: 250.5 })).toEqual({ allocationTracking: true });
  });
  it('read stored values, tracking on unless stored false', () => {
    expect(settingsFromStorage({})).toEqual({ allocationTracking: true });
    expect(settingsFromStorage({ [PAGE_SETTINGS_KEYS.allocationTracking]: false })).toEqual({ allocationTracking: false });
    expect(settingsFromStorage({ [PAGE_SETTINGS_KEYS.allocationTracking]: 0 })).toEqual({ allocationTracking: true });
  });
});
