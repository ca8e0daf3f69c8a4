import { describe, expect, it } from 'vitest';
import type { Alert } from '../shared/analyzer-api';
import { alertPattern, type MemoryOrigin } from '../shared/alerts';
import { AlertActions, countUndecided, MAX_DECISIONS } from './alert-actions';
import { testAlert } from './test-events';

const alert = testAlert;

// Two memories of one module in the page: their memory-replaced alerts are one pattern.
const origins = new Map<string, MemoryOrigin>([
  ['r:1', { owner: 'app.js', moduleUrl: 'https://a.test/engine.wasm', realm: { kind: 'window', url: 'https://a.test/' } }],
  ['r:2', { owner: 'app.js', moduleUrl: 'https://a.test/engine.wasm', realm: { kind: 'window', url: 'https://a.test/' } }],
]);
const patternOf = (a: Alert) => alertPattern(a, (k) => origins.get(k));

describe('AlertActions', () => {
  const replaced1 = alert('replaced:r:1', 'memory-replaced', 'r:1', 'warning');
  const replaced2 = alert('replaced:r:2', 'memory-replaced', 'r:2', 'warning');
  const cls = alert('class-live-rising:Doc', 'bindgen-live-growth', 'Doc', 'warning');
  const info = alert('budget:page', 'budget', 'page', 'info');

  it('counts the active undecided alerts and their worst severity', () => {
    const a = new AlertActions();
    expect(countUndecided(a.classify([replaced1, cls, info, alert('x', 'budget', 'm', 'error', 'resolved')], patternOf))).toEqual({
      count: 3,
      worst: 'warning',
    });
    expect(countUndecided([])).toEqual({ count: 0, worst: null });
  });

  it('acknowledging a group leaves it listed but out of the count; undo brings it back', () => {
    const a = new AlertActions();
    const all = [replaced1, replaced2, cls];
    a.decide('acknowledged', [replaced1, replaced2], patternOf);
    const d = a.classify(all, patternOf);
    expect(d.map((x) => x.decision)).toEqual(['acknowledged', 'acknowledged', null]);
    expect(countUndecided(d)).toEqual({ count: 1, worst: 'warning' });
    a.undo([replaced1], patternOf);
    expect(countUndecided(a.classify(all, patternOf)).count).toBe(3);
  });

  it('a dismissed pattern covers new alerts of it at the same severity, not a more serious one', () => {
    const a = new AlertActions();
    a.decide('dismissed', [cls], patternOf);
    // A new occurrence (another id) of the same class at the same severity: still dismissed.
    expect(a.classify([alert('class-live-rising:Doc#2', 'bindgen-live-growth', 'Doc', 'warning')], patternOf)[0]?.decision).toBe(
      'dismissed',
    );
    // More serious: it comes back, listed and counted.
    const worse = alert('class-live-rising:Doc#3', 'bindgen-live-growth', 'Doc', 'error');
    const d = a.classify([worse], patternOf);
    expect(d[0]?.decision).toBeNull();
    expect(countUndecided(d)).toEqual({ count: 1, worst: 'error' });
    // Another class is another pattern.
    expect(a.classify([alert('c', 'bindgen-live-growth', 'Other', 'info')], patternOf)[0]?.decision).toBeNull();
  });

  it('takes the decision at the most serious severity of the alerts decided together', () => {
    const a = new AlertActions();
    a.decide('acknowledged', [replaced1, { ...replaced2, severity: 'error' }], patternOf);
    expect(a.decisionFor(patternOf(replaced1), 'error')).toBe('acknowledged');
  });

  it('remembers a bounded number of decisions, forgetting the oldest', () => {
    const a = new AlertActions();
    for (let i = 0; i <= MAX_DECISIONS; i++) a.decide('dismissed', [alert(`b${i}`, 'registry-growth', `reg${i}`, 'warning')], patternOf);
    expect(a.size).toBe(MAX_DECISIONS);
    expect(a.decisionFor('registry-growth|reg0', 'warning')).toBeNull();
    expect(a.decisionFor(`registry-growth|reg${MAX_DECISIONS}`, 'warning')).toBe('dismissed');
  });
});
