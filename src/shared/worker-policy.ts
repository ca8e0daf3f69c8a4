/**
 * May our core start a page's dedicated worker from a blob: bootstrap (src/injected/core/worker.ts)
 * without the page noticing? Pure: the service worker applies it to a frame's response headers
 * (src/background/header-policies.ts), the page side to the <meta> policies it can read.
 *
 * A worker started from a blob: URL inherits the page's policies, enforced and report-only
 * (verified in Chromium: a blob: worker of a page with `connect-src 'none'` cannot fetch, with
 * `script-src 'self' blob:` cannot compile wasm, with Trusted Types required cannot call
 * `importScripts(string)`), while the page's own worker script runs under the policies of its
 * own response, usually none. And creating it is checked against the page's `worker-src` chain
 * (a refusal, or for a report-only policy a report, names our blob: URL). So a bootstrap is
 * faithful only if no policy of the page says anything that applies inside a dedicated worker:
 * each of its directives must be one that has no effect there (SAFE_DIRECTIVES), or `worker-src`
 * (else `child-src`) allowing both `blob:` (ours) and `'self'` or `*` (the page's own nested
 * workers, as without us). Everything else, unknown directives included, means: do not
 * instrument, and say which directive.
 */
import type { WorkerPolicyVerdict, WorkerSkipReason } from './protocol';

/** Directives with no effect on what a dedicated worker's scripts can do (documents only). */
const SAFE_DIRECTIVES: ReadonlySet<string> = new Set([
  'base-uri',
  'block-all-mixed-content',
  'fenced-frame-src',
  'form-action',
  'frame-ancestors',
  'frame-src',
  'img-src',
  'manifest-src',
  'media-src',
  'navigate-to',
  'object-src',
  'plugin-types',
  'report-to',
  'report-uri',
  'script-src-attr',
  'style-src',
  'style-src-attr',
  'style-src-elem',
]);

const TRUSTED_TYPES: ReadonlySet<string> = new Set(['require-trusted-types-for', 'trusted-types']);

export const INSTRUMENT: WorkerPolicyVerdict = { instrument: true };

/** Pure: one serialized policy's directives (lower-cased names; the first of a duplicate wins). */
export function parsePolicy(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const tokens = part
      .trim()
      .split(/[\t\n\f\r ]+/)
      .filter((t) => t.length > 0);
    const name = tokens[0]?.toLowerCase();
    if (name !== undefined && !directives.has(name)) directives.set(name, tokens.slice(1));
  }
  return directives;
}

/**
 * Pure: a header value may carry several policies separated by commas (CSP3 §3.1); each is
 * enforced (or reported) on its own.
 */
export function splitPolicies(headerValue: string): string[] {
  return headerValue.split(',').filter((p) => p.trim().length > 0);
}

/** Does a worker-src/child-src source list allow our blob: bootstrap and the page's same-origin workers? */
function allowsBlobAndSelf(sources: readonly string[]): boolean {
  const s = sources.map((t) => t.toLowerCase());
  return s.includes('blob:') && (s.includes("'self'") || s.includes('*'));
}

/** Pure: the first directive of `policy` that rules out a faithful bootstrap, or null. */
export function blockingDirective(policy: string): string | null {
  const directives = parsePolicy(policy);
  // Trusted Types first: their reason says more than a plain directive name.
  for (const name of directives.keys()) if (TRUSTED_TYPES.has(name)) return name;
  for (const [name, sources] of directives) {
    if (SAFE_DIRECTIVES.has(name)) continue;
    if (name === 'worker-src' && allowsBlobAndSelf(sources)) continue;
    // child-src governs workers only where worker-src is absent (elsewhere: frames only).
    if (name === 'child-src' && (directives.has('worker-src') || allowsBlobAndSelf(sources))) continue;
    return name;
  }
  return null;
}

/**
 * Pure: the verdict for a document's policies. Enforced ones are looked at first (their reason
 * is the stronger one: a refusal, not only a report).
 */
export function workerPolicyVerdict(enforced: readonly string[], reportOnly: readonly string[]): WorkerPolicyVerdict {
  for (const [policies, reason] of [
    [enforced, 'csp'],
    [reportOnly, 'csp-report-only'],
  ] as const) {
    for (const p of policies) {
      const directive = blockingDirective(p);
      if (directive === null) continue;
      return { instrument: false, reason: TRUSTED_TYPES.has(directive) ? 'trusted-types' : reason, directive };
    }
  }
  return INSTRUMENT;
}

/** Pure: a WorkerPolicyVerdict from untrusted input (a message on the page's port), or null. */
export function parseWorkerPolicyVerdict(v: unknown): WorkerPolicyVerdict | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.instrument === true) return INSTRUMENT;
  if (o.instrument !== false) return null;
  const r = o.reason;
  if (r !== 'policy-unknown' && r !== 'csp' && r !== 'csp-report-only' && r !== 'trusted-types') return null;
  if (o.directive === undefined) return { instrument: false, reason: r };
  if (typeof o.directive !== 'string' || o.directive.length > 64) return null;
  return { instrument: false, reason: r, directive: o.directive };
}

/** Pure: why a worker was not instrumented, for people (the panel and the CLI's report). */
export function workerSkipText(reason: WorkerSkipReason, directive?: string): string {
  const d = directive !== undefined ? ` (${directive})` : '';
  switch (reason) {
    case 'policy-unknown':
      return "the page's security policies (response headers) were not known yet when it started";
    case 'csp':
      return `the page's Content-Security-Policy${d} would apply inside the extension's blob: bootstrap, not to the page's own worker script`;
    case 'csp-report-only':
      return `the page's Content-Security-Policy-Report-Only${d} would report the extension's blob: bootstrap or what runs in it`;
    case 'trusted-types':
      return `the page restricts Trusted Types${d}: inherited by a blob: bootstrap, they would change what the page's worker may do`;
    case 'csp-violation':
      return "a Content-Security-Policy of the page refused one of the extension's blob: workers";
    case 'url':
      return 'its script is not a same-origin URL given as a string or URL object';
    case 'options':
      return 'its options could not be copied faithfully';
    case 'blob-unreadable':
      return "the page's blob: script could not be read";
    case 'no-source':
      return "the extension's own script was not available";
    case 'refused':
      return "the browser refused to start the extension's bootstrap";
  }
}
