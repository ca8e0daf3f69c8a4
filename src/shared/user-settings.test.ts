import { describe, expect, it } from 'vitest';
import { DEFAULT_USER_SETTINGS, parseUserSettings } from './user-settings';

describe('parseUserSettings', () => {
  it('defaults: no budgets, notifications off', () => {
    expect(parseUserSettings(undefined)).toEqual(DEFAULT_USER_SETTINGS);
    expect(DEFAULT_USER_SETTINGS.notifications.enabled).toBe(false);
  });
  it('keeps valid fields and replaces bad ones field by field', () => {
    const s = parseUserSettings({
      budgets: { pageBudgetBytes: 1024, memoryBudgetBytes: -1, budgetLevels: [0.9, 0.5] },
      notifications: { enabled: true, backgroundTabs: 'yes', minIntervalMs: 10 },
    });
    expect(s.budgets).toEqual({ pageBudgetBytes: 1024, memoryBudgetBytes: null, budgetLevels: [0.5, 0.9] });
    expect(s.notifications).toEqual({ enabled: true, backgroundTabs: false, minIntervalMs: 10_000 });
    expect(parseUserSettings({ budgets: { budgetLevels: [0, 2] } }).budgets.budgetLevels).toEqual([0.6, 0.75, 0.85, 0.95]);
    expect(parseUserSettings({ sampleIntervalMs: 500 }).sampleIntervalMs).toBe(500);
    expect(parseUserSettings({ sampleIntervalMs: 50 }).sampleIntervalMs).toBe(100);
  });
});
