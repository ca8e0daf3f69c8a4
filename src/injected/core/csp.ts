/**
 * Does a Content-Security-Policy forbid `blob:` workers? Pure. Used with the policies the page
 * declares in <meta http-equiv="Content-Security-Policy"> (header policies are invisible to
 * scripts: those are learnt from the first violation, see worker.ts).
 *
 * The directive that governs a dedicated worker is the first present of worker-src, child-src,
 * script-src, default-src; `blob:` must be listed explicitly (`*` does not match it).
 */
const ORDER = ['worker-src', 'child-src', 'script-src', 'default-src'];

export function policyBlocksBlobWorkers(policy: string): boolean {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const tokens = part
      .trim()
      .split(/\s+/)
      .filter((t) => t.length > 0);
    const name = tokens[0]?.toLowerCase();
    if (name && !directives.has(name))
      directives.set(
        name,
        tokens.slice(1).map((t) => t.toLowerCase()),
      );
  }
  for (const name of ORDER) {
    const sources = directives.get(name);
    if (sources) return !sources.includes('blob:');
  }
  return false;
}

export function anyPolicyBlocksBlobWorkers(policies: readonly string[]): boolean {
  return policies.some(policyBlocksBlobWorkers);
}
