import { describe, expect, it } from 'vitest';
import { anyPolicyBlocksBlobWorkers, policyBlocksBlobWorkers } from './csp';

describe('policyBlocksBlobWorkers', () => {
  it('uses the first present of worker-src, child-src, script-src, default-src', () => {
    expect(policyBlocksBlobWorkers("worker-src 'self'")).toBe(true);
    expect(policyBlocksBlobWorkers("worker-src 'self' blob:; default-src 'none'")).toBe(false);
    expect(policyBlocksBlobWorkers("script-src 'self' blob:")).toBe(false);
    expect(policyBlocksBlobWorkers('default-src *')).toBe(true); // * does not match blob:
    expect(policyBlocksBlobWorkers("child-src blob:; script-src 'self'")).toBe(false);
    expect(policyBlocksBlobWorkers("img-src 'self'; style-src 'none'")).toBe(false);
    expect(policyBlocksBlobWorkers('')).toBe(false);
    expect(policyBlocksBlobWorkers("WORKER-SRC 'SELF' BLOB:")).toBe(false);
  });
  it('any of several policies can forbid', () => {
    expect(anyPolicyBlocksBlobWorkers(['img-src *', "worker-src 'self'"])).toBe(true);
    expect(anyPolicyBlocksBlobWorkers([])).toBe(false);
  });
});
