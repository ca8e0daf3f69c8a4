import { describe, expect, it } from 'vitest';
import type { Alert, Severity } from './analyzer-api';
import {
  badgeFor,
  decideNotification,
  EMPTY_NOTIFY_STATE,
  parseNotifyState,
  since,
  type NotifySettings,
  type TabStatus,
} from './tab-status';

function alert(id: string, severity: Severity, state: 'active' | 'resolved' = 'active'): Alert {
  return {
    id,
    kind: 'bindgen-live-growth',
    severity,
    subject: id.split(':')[1] ?? id,
    title: `title of ${id}`,
    detail: '',
    recommendation: '',
    evidence: { series: 's', fromTime: 0, toTime: 1, points: [] },
    state,
    raisedAt: 1000,
    updatedAt: 2000,
  };
}

function status(alerts: Alert[], doc = 'd1'): TabStatus {
  return { tabId: 7, url: 'https://x.test/', doc, alerts, events: 10, memories: 1, totalBytes: 1, peakBytes: 1, updatedAt: 0 };
}

const ON: NotifySettings = { enabled: true, backgroundTabs: false, minIntervalMs: 60_000 };

describe('badgeFor', () => {
  it('is empty without alerts at warning or above, and says so when memories were seen', () => {
    expect(badgeFor(null)).toEqual({ text: '', color: null, title: 'WASM Memory' });
    expect(badgeFor(status([alert('a:X', 'info'), alert('b:Y', 'error', 'resolved')]))).toEqual({
      text: '',
      color: null,
      title: 'WASM Memory: no leak alerts on this page',
    });
  });
  it('counts active warnings and errors, coloured by the worst, and names them in the title', () => {
    const b = badgeFor(status([alert('a:X', 'warning'), alert('b:Y', 'info'), alert('c:Z', 'warning')]));
    expect(b.text).toBe('2');
    expect(b.color).toBe('#b06000');
    expect(b.title).toBe('WASM Memory: 2 leak alerts\n• warning: title of a:X\n• warning: title of c:Z');
    expect(badgeFor(status([alert('a:X', 'warning'), alert('c:Z', 'error')])).color).toBe('#c5221f');
  });
  it('caps the text and the title', () => {
    const many = Array.from({ length: 120 }, (_, i) => alert(`k:${i}`, 'warning'));
    const b = badgeFor(status(many));
    expect(b.text).toBe('99+');
    expect(b.title.split('\n')).toHaveLength(7);
    expect(b.title).toContain('… and 115 more');
  });
});

describe('decideNotification', () => {
  it('notifies once per new alert, then never again for it', () => {
    const s = status([alert('a:X', 'warning')]);
    const first = decideNotification(s, EMPTY_NOTIFY_STATE, ON, true, 100_000);
    expect(first.notify?.id).toBe('a:X');
    const again = decideNotification(s, first.state, ON, true, 500_000);
    expect(again.notify).toBeNull();
  });
  it('rate-limits per tab: alerts arriving inside the interval are marked seen, not notified later', () => {
    const one = decideNotification(status([alert('a:X', 'warning')]), EMPTY_NOTIFY_STATE, ON, true, 100_000);
    const two = decideNotification(status([alert('a:X', 'warning'), alert('b:Y', 'error')]), one.state, ON, true, 110_000);
    expect(two.notify).toBeNull();
    const three = decideNotification(status([alert('a:X', 'warning'), alert('b:Y', 'error')]), two.state, ON, true, 500_000);
    expect(three.notify).toBeNull();
    const four = decideNotification(status([alert('c:Z', 'warning')]), three.state, ON, true, 500_000);
    expect(four.notify?.id).toBe('c:Z');
  });
  it('picks the worst of alerts that arrive together', () => {
    const d = decideNotification(status([alert('a:X', 'warning'), alert('b:Y', 'error')]), EMPTY_NOTIFY_STATE, ON, true, 1e6);
    expect(d.notify?.id).toBe('b:Y');
  });
  it('is silent when off, for background tabs without the opt-in, and for info', () => {
    const s = status([alert('a:X', 'warning')]);
    expect(decideNotification(s, EMPTY_NOTIFY_STATE, { ...ON, enabled: false }, true, 1e6).notify).toBeNull();
    expect(decideNotification(s, EMPTY_NOTIFY_STATE, ON, false, 1e6).notify).toBeNull();
    expect(decideNotification(s, EMPTY_NOTIFY_STATE, { ...ON, backgroundTabs: true }, false, 1e6).notify?.id).toBe('a:X');
    expect(decideNotification(status([alert('a:X', 'info')]), EMPTY_NOTIFY_STATE, ON, true, 1e6).notify).toBeNull();
  });
  it('starts afresh for another document', () => {
    const one = decideNotification(status([alert('a:X', 'warning')], 'd1'), EMPTY_NOTIFY_STATE, ON, true, 100_000);
    const nav = decideNotification(status([alert('a:X', 'warning')], 'd2'), one.state, ON, true, 110_000);
    expect(nav.notify?.id).toBe('a:X');
  });
  it('reads stored state defensively', () => {
    expect(parseNotifyState({ notified: ['a', 3], doc: 5, lastAt: 'x' })).toEqual({ notified: ['a'], doc: null, lastAt: 0 });
    expect(parseNotifyState(null)).toEqual(EMPTY_NOTIFY_STATE);
  });
});

it('since says how long ago', () => {
  expect(since(0, 5_000)).toBe('5 s ago');
  expect(since(0, 125_000)).toBe('2 min ago');
  expect(since(0, 3_780_000)).toBe('1 h 3 min ago');
});
