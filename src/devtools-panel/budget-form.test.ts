import { describe, expect, it } from 'vitest';
import { budgetFormText, parseBudgetForm } from './budget-form';

const MiB = 1024 * 1024;

describe('parseBudgetForm', () => {
  it('reads sizes in binary units and levels in percent, sorted ascending', () => {
    expect(parseBudgetForm({ page: '256 MiB', memory: '64m', levels: '95, 60%, 75 ,85' })).toEqual({
      ok: true,
      settings: { pageBudgetBytes: 256 * MiB, memoryBudgetBytes: 64 * MiB, budgetLevels: [0.6, 0.75, 0.85, 0.95] },
    });
  });

  it('treats an empty (or blank) size as no budget, and empty levels as none', () => {
    expect(parseBudgetForm({ page: '', memory: '   ', levels: '' })).toEqual({
      ok: true,
      settings: { pageBudgetBytes: null, memoryBudgetBytes: null, budgetLevels: [] },
    });
    expect(parseBudgetForm({ page: '1 GiB', memory: '', levels: '50,,' })).toEqual({
      ok: true,
      settings: { pageBudgetBytes: 1024 * MiB, memoryBudgetBytes: null, budgetLevels: [0.5] },
    });
  });

  it('names the field it cannot read, page first', () => {
    expect(parseBudgetForm({ page: 'lots', memory: 'more', levels: '50' })).toEqual({
      ok: false,
      error: 'Page budget: cannot read "lots" (try "256 MiB")',
    });
    expect(parseBudgetForm({ page: '1 MiB', memory: '64 MB?', levels: '50' })).toEqual({
      ok: false,
      error: 'Memory budget: cannot read "64 MB?" (try "64 MiB")',
    });
  });

  it('refuses levels that are not positive percentages up to 1000', () => {
    const bad = { ok: false, error: 'Levels: use percentages like "60, 75, 85, 95"' };
    for (const levels of ['0', '-5', 'x', '60; 70', '1001', '50, NaN']) {
      expect(parseBudgetForm({ page: '', memory: '', levels })).toEqual(bad);
    }
    expect(parseBudgetForm({ page: '', memory: '', levels: '1000' })).toMatchObject({ ok: true, settings: { budgetLevels: [10] } });
  });
});

describe('budgetFormText', () => {
  it('shows the settings the way the parser reads them back', () => {
    const settings = { pageBudgetBytes: 256 * MiB, memoryBudgetBytes: null, budgetLevels: [0.6, 0.75, 0.85, 0.95] };
    const text = budgetFormText(settings);
    expect(text).toEqual({ page: '256 MiB', memory: '', levels: '60, 75, 85, 95' });
    expect(parseBudgetForm(text)).toEqual({ ok: true, settings });
  });
});
