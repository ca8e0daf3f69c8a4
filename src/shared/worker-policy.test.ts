import { describe, expect, it } from 'vitest';
import { WORKER_SKIP_REASONS } from './protocol';
import {
  blockingDirective,
  INSTRUMENT,
  parseWorkerPolicyVerdict,
  splitPolicies,
  UNKNOWN,
  workerPolicyVerdict,
  workerSkipText,
} from './worker-policy';

describe('blockingDirective', () => {
  it('worker-src must allow blob: (ours) and self or * (the page’s own nested workers)', () => {
    expect(blockingDirective("worker-src 'self'")).toBe('worker-src');
    expect(blockingDirective('worker-src blob:')).toBe('worker-src');
    expect(blockingDirective("worker-src 'self' blob:")).toBeNull();
    expect(blockingDirective('WORKER-SRC * BLOB:')).toBeNull();
    expect(blockingDirective("worker-src 'none'")).toBe('worker-src');
  });
  it('child-src governs workers only where worker-src is absent', () => {
    expect(blockingDirective("child-src 'self'")).toBe('child-src');
    expect(blockingDirective("child-src 'self' blob:")).toBeNull();
    expect(blockingDirective("worker-src 'self' blob:; child-src 'none'")).toBeNull();
  });
  it('directives that apply inside a worker (or are unknown) rule a bootstrap out', () => {
    // Verified in Chromium: a blob: worker inherits these from the page.
    expect(blockingDirective("connect-src 'none'")).toBe('connect-src');
    expect(blockingDirective("script-src 'self' blob:")).toBe('script-src');
    expect(blockingDirective('default-src *')).toBe('default-src');
    expect(blockingDirective('upgrade-insecure-requests')).toBe('upgrade-insecure-requests');
    expect(blockingDirective('some-future-directive x')).toBe('some-future-directive');
  });
  it('document-only directives, and report-uri/report-to alone, do not', () => {
    expect(blockingDirective("img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; report-uri /r; report-to g")).toBeNull();
    expect(blockingDirective('')).toBeNull();
    expect(blockingDirective(' ; ;')).toBeNull();
  });
  it('Trusted Types come first, whatever the order', () => {
    expect(blockingDirective("connect-src 'none'; require-trusted-types-for 'script'")).toBe('require-trusted-types-for');
    expect(blockingDirective('trusted-types *')).toBe('trusted-types');
  });
  it('names that are Object.prototype members are directives like any other (null-prototype records)', () => {
    expect(blockingDirective('constructor x')).toBe('constructor');
    expect(blockingDirective("__proto__ x; img-src 'self'")).toBe('__proto__');
    expect(blockingDirective("toString; worker-src 'self' blob:")).toBe('tostring');
  });
  it('tokens are cut at ASCII whitespace only', () => {
    expect(blockingDirective("worker-src\t'self'\nblob:\f; img-src\r*")).toBeNull();
    expect(blockingDirective("worker-src 'self'\u00a0blob:")).toBe('worker-src');
  });
  it('the first of a duplicated directive counts (as in CSP)', () => {
    expect(blockingDirective("worker-src 'self' blob:; worker-src 'none'")).toBeNull();
  });
});

describe('workerPolicyVerdict', () => {
  it('enforced policies first, then report-only; Trusted Types get their own reason', () => {
    expect(workerPolicyVerdict([], [])).toEqual(INSTRUMENT);
    expect(workerPolicyVerdict(["img-src 'self'"], ["worker-src 'self'"])).toEqual({
      instrument: false,
      reason: 'csp-report-only',
      directive: 'worker-src',
    });
    expect(workerPolicyVerdict(["connect-src 'self'"], ["worker-src 'self'"])).toEqual({
      instrument: false,
      reason: 'csp',
      directive: 'connect-src',
    });
    expect(workerPolicyVerdict([], ["require-trusted-types-for 'script'"])).toEqual({
      instrument: false,
      reason: 'trusted-types',
      directive: 'require-trusted-types-for',
    });
  });
  it('a header value may hold several policies', () => {
    expect(splitPolicies("img-src 'self', worker-src 'self'")).toEqual(["img-src 'self'", " worker-src 'self'"]);
    expect(workerPolicyVerdict(splitPolicies("img-src 'self', worker-src 'self'"), [])).toMatchObject({ directive: 'worker-src' });
  });
});

describe('parseWorkerPolicyVerdict', () => {
  it('takes only well-formed verdicts', () => {
    expect(parseWorkerPolicyVerdict({ instrument: true, extra: 1 })).toEqual(INSTRUMENT);
    expect(parseWorkerPolicyVerdict({ instrument: false, reason: 'csp', directive: 'worker-src' })).toEqual({
      instrument: false,
      reason: 'csp',
      directive: 'worker-src',
    });
    expect(parseWorkerPolicyVerdict({ instrument: 'unknown', reason: 'csp' })).toEqual(UNKNOWN);
    const bads = [
      null,
      1,
      'yes',
      {},
      { instrument: 'true' },
      { instrument: false },
      { instrument: false, reason: 'url' },
      { instrument: false, reason: 'policy-unknown' }, // not a reason: an unknown verdict is `instrument: 'unknown'`
    ];
    for (const bad of bads) expect(parseWorkerPolicyVerdict(bad)).toBeNull();
    expect(parseWorkerPolicyVerdict({ instrument: false, reason: 'csp', directive: 'x'.repeat(65) })).toBeNull();
    expect(parseWorkerPolicyVerdict({ instrument: false, reason: 'csp', directive: 5 })).toBeNull();
  });
});

describe('workerSkipText', () => {
  it('says something for every reason, with the directive where there is one', () => {
    for (const r of WORKER_SKIP_REASONS) expect(workerSkipText(r).length).toBeGreaterThan(20);
    expect(workerSkipText('csp', 'worker-src')).toContain('Content-Security-Policy (worker-src)');
  });
});
