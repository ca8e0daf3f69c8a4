import { describe, expect, it } from 'vitest';
import { HeaderPolicies, verdictFromHeaders } from './header-policies';
import { INSTRUMENT, UNKNOWN } from '../shared/worker-policy';

const CSP = (value: string) => ({ name: 'Content-Security-Policy', value });

describe('verdictFromHeaders', () => {
  it('reads enforced and report-only policies, several headers and comma-separated lists', () => {
    expect(verdictFromHeaders([{ name: 'content-type', value: 'text/html' }])).toEqual(INSTRUMENT);
    expect(verdictFromHeaders([CSP("img-src 'self'"), CSP("worker-src 'self'")])).toMatchObject({ reason: 'csp', directive: 'worker-src' });
    expect(verdictFromHeaders([{ name: 'content-security-policy-report-only', value: "img-src 'self', worker-src 'self'" }])).toMatchObject(
      {
        reason: 'csp-report-only',
        directive: 'worker-src',
      },
    );
    expect(verdictFromHeaders([{ name: 'Content-Security-Policy' }])).toEqual(INSTRUMENT); // binaryValue only
  });
});

describe('HeaderPolicies', () => {
  it('answers once, for the document URL it saw (fragment aside), per tab and frame', () => {
    const h = new HeaderPolicies();
    h.record(1, 0, 'https://a.test/x?q', [CSP("worker-src 'self'")]);
    h.record(1, 3, 'https://a.test/frame', []);
    expect(h.take(1, 0, 'https://a.test/other')).toEqual(UNKNOWN); // another document
    expect(h.take(2, 0, 'https://a.test/x?q')).toEqual(UNKNOWN); // another tab
    expect(h.take(1, 0, 'https://a.test/x?q#top')).toMatchObject({ reason: 'csp', directive: 'worker-src' });
    expect(h.take(1, 0, 'https://a.test/x?q')).toEqual(UNKNOWN); // taken: a later document never gets a stale one
    expect(h.take(1, 3, 'https://a.test/frame')).toEqual(INSTRUMENT);
  });
  it('keeps the latest response of a frame (redirects), ignores tab-less requests, forgets closed tabs', () => {
    const h = new HeaderPolicies();
    h.record(1, 0, 'https://a.test/', [CSP("worker-src 'self'")]);
    h.record(1, 0, 'https://a.test/', []);
    h.record(-1, 0, 'https://a.test/', []);
    expect(h.size).toBe(1);
    expect(h.take(1, 0, 'https://a.test/')).toEqual(INSTRUMENT);
    h.record(1, 0, 'https://a.test/', []);
    h.record(1, 2, 'https://a.test/f', []);
    h.record(12, 0, 'https://b.test/', []);
    h.tabRemoved(1);
    expect(h.size).toBe(1);
  });
  it('is bounded', () => {
    const h = new HeaderPolicies();
    for (let i = 0; i < 5000; i++) h.record(i, 0, `https://a.test/${i}`, []);
    expect(h.size).toBe(1024);
    expect(h.take(4999, 0, 'https://a.test/4999')).toEqual(INSTRUMENT);
    expect(h.take(0, 0, 'https://a.test/0')).toEqual(UNKNOWN);
  });
});
