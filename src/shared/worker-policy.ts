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

// The page side runs this after start-up (the <meta> verdict at each Worker construction, the
// ack's verdict): like src/injected (docs/TRANSPARENCY.md, "Built-ins the page replaces"), it
// calls no Array/Map/Set method and runs no iterator (index loops, null-prototype records, its
// own tokenizer: String.prototype.split looks up the page-replaceable Symbol.split).

/** An empty record without a prototype, made by syntax alone (no Object.create of the page's). */
const nullRecord = <T>(): Record<string, T> => ({ __proto__: null }) as unknown as Record<string, T>;

/** A set of names as a null-prototype record (`name in set` calls nothing of the page's). */
function nameSet(names: readonly string[]): Readonly<Record<string, true>> {
  const set = nullRecord<true>();
  for (let i = 0; i < names.length; i++) set[names[i]!] = true;
  return set;
}

/** Directives with no effect on what a dedicated worker's scripts can do (documents only). */
const SAFE_DIRECTIVES = nameSet([
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

const TRUSTED_TYPES = nameSet(['require-trusted-types-for', 'trusted-types']);

export const INSTRUMENT: WorkerPolicyVerdict = { instrument: true };
/** The document's header verdict is not known yet, on a site whose header policies ruled the
 *  bootstrap out on an earlier load (src/shared/strict-sites.ts). Never sent on the wire. */
export const REMEMBERED_STRICT: WorkerPolicyVerdict = { instrument: false, reason: 'policy-remembered' };
/** The service worker has no response headers for the document (see WorkerPolicyVerdict). */
export const UNKNOWN: WorkerPolicyVerdict = { instrument: 'unknown' };

/** ASCII whitespace as CSP's grammar knows it (tab, LF, FF, CR, space). */
const isSpace = (c: number): boolean => c === 9 || c === 10 || c === 12 || c === 13 || c === 32;

/** Pure: `text` cut at every character `isSep` accepts (empty pieces kept, as String.prototype.split). */
function cut(text: string, isSep: (c: number) => boolean): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !isSep(text.charCodeAt(i))) continue;
    out[out.length] = text.slice(from, i);
    from = i + 1;
  }
  return out;
}

/** One serialized policy's directives, in order (lower-cased names; the first of a duplicate wins). */
interface Directives {
  names: string[];
  /** Null-prototype record: name -> its sources. */
  sources: Record<string, string[]>;
}

/** Pure: one serialized policy's directives. */
function parsePolicy(policy: string): Directives {
  const d: Directives = { names: [], sources: nullRecord<string[]>() };
  const parts = cut(policy, (c) => c === 59); // ';'
  for (let i = 0; i < parts.length; i++) {
    const words = cut(parts[i]!, isSpace);
    const tokens: string[] = [];
    for (let j = 0; j < words.length; j++) if (words[j]!.length > 0) tokens[tokens.length] = words[j]!;
    if (tokens.length === 0) continue;
    const name = tokens[0]!.toLowerCase();
    if (name in d.sources) continue;
    const sources: string[] = [];
    for (let j = 1; j < tokens.length; j++) sources[sources.length] = tokens[j]!;
    d.names[d.names.length] = name;
    d.sources[name] = sources;
  }
  return d;
}

/**
 * Pure: a header value may carry several policies separated by commas (CSP3 §3.1); each is
 * enforced (or reported) on its own.
 */
export function splitPolicies(headerValue: string): string[] {
  const parts = cut(headerValue, (c) => c === 44); // ','
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) if (parts[i]!.trim().length > 0) out[out.length] = parts[i]!;
  return out;
}

/** Does a worker-src/child-src source list allow our blob: bootstrap and the page's same-origin workers? */
function allowsBlobAndSelf(sources: readonly string[]): boolean {
  let blob = false;
  let self = false;
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]!.toLowerCase();
    if (s === 'blob:') blob = true;
    else if (s === "'self'" || s === '*') self = true;
  }
  return blob && self;
}

/** Pure: the first directive of `policy` that rules out a faithful bootstrap, or null. */
export function blockingDirective(policy: string): string | null {
  const d = parsePolicy(policy);
  // Trusted Types first: their reason says more than a plain directive name.
  for (let i = 0; i < d.names.length; i++) if (d.names[i]! in TRUSTED_TYPES) return d.names[i]!;
  for (let i = 0; i < d.names.length; i++) {
    const name = d.names[i]!;
    if (name in SAFE_DIRECTIVES) continue;
    if (name === 'worker-src' && allowsBlobAndSelf(d.sources[name]!)) continue;
    // child-src governs workers only where worker-src is absent (elsewhere: frames only).
    if (name === 'child-src' && ('worker-src' in d.sources || allowsBlobAndSelf(d.sources[name]!))) continue;
    return name;
  }
  return null;
}

/** The verdict against one kind of policies, or null when none of them rules a bootstrap out. */
function firstBlocking(policies: readonly string[], reason: 'csp' | 'csp-report-only'): WorkerPolicyVerdict | null {
  for (let i = 0; i < policies.length; i++) {
    const directive = blockingDirective(policies[i]!);
    if (directive === null) continue;
    return { instrument: false, reason: directive in TRUSTED_TYPES ? 'trusted-types' : reason, directive };
  }
  return null;
}

/**
 * Pure: the verdict for a document's policies. Enforced ones are looked at first (their reason
 * is the stronger one: a refusal, not only a report).
 */
export function workerPolicyVerdict(enforced: readonly string[], reportOnly: readonly string[]): WorkerPolicyVerdict {
  return firstBlocking(enforced, 'csp') ?? firstBlocking(reportOnly, 'csp-report-only') ?? INSTRUMENT;
}

/** Pure: a WorkerPolicyVerdict from untrusted input (a message on the page's port), or null. */
export function parseWorkerPolicyVerdict(v: unknown): WorkerPolicyVerdict | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.instrument === true) return INSTRUMENT;
  if (o.instrument === 'unknown') return UNKNOWN;
  if (o.instrument !== false) return null;
  const r = o.reason;
  if (r !== 'csp' && r !== 'csp-report-only' && r !== 'trusted-types') return null;
  if (o.directive === undefined) return { instrument: false, reason: r };
  if (typeof o.directive !== 'string' || o.directive.length > 64) return null;
  return { instrument: false, reason: r, directive: o.directive };
}

/** Pure: why a worker was not instrumented, for people (the panel and the CLI's report). */
export function workerSkipText(reason: WorkerSkipReason, directive?: string): string {
  const d = directive !== undefined ? ` (${directive})` : '';
  switch (reason) {
    case 'csp':
      return `the page's Content-Security-Policy${d} would apply inside the extension's blob: bootstrap, not to the page's own worker script`;
    case 'csp-report-only':
      return `the page's Content-Security-Policy-Report-Only${d} would report the extension's blob: bootstrap or what runs in it`;
    case 'trusted-types':
      return `the page restricts Trusted Types${d}: inherited by a blob: bootstrap, they would change what the page's worker may do`;
    case 'policy-remembered':
      return "it started before this page's header policies were known, on a site whose header policies ruled the extension's blob: bootstrap out on an earlier load";
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
