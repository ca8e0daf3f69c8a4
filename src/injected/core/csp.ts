/**
 * Does a Content-Security-Policy forbid `blob:` workers? Pure. Used with the policies the page
 * declares in <meta http-equiv="Content-Security-Policy"> (header policies are invisible to
 * scripts: those are learnt from the first violation, see worker.ts).
 *
 * The directive that governs a dedicated worker is the first present of worker-src, child-src,
 * script-src, default-src; `blob:` must be listed explicitly (`*` does not match it).
 */
import { arrayFilter, arrayIncludes, arrayMap, arraySlice, arraySome, SafeMap } from './intrinsics';

const ORDER = ['worker-src', 'child-src', 'script-src', 'default-src'];

export function policyBlocksBlobWorkers(policy: string): boolean {
  const directives = new SafeMap<string, string[]>();
  const parts = policy.split(';');
  for (let i = 0; i < parts.length; i++) {
    const tokens = arrayFilter(parts[i]!.trim().split(/\s+/), (t) => t.length > 0);
    const name = tokens[0]?.toLowerCase();
    if (name && !directives.has(name))
      directives.set(
        name,
        arrayMap(arraySlice(tokens, 1), (t) => t.toLowerCase()),
      );
  }
  for (let i = 0; i < ORDER.length; i++) {
    const sources = directives.get(ORDER[i]!);
    if (sources) return !arrayIncludes(sources, 'blob:');
  }
  return false;
}

export function anyPolicyBlocksBlobWorkers(policies: readonly string[]): boolean {
  return arraySome(policies, policyBlocksBlobWorkers);
}
