/**
 * The two content scripts are registered here at run time (chrome.scripting), not declared in
 * manifest.json, so that the sites the user turned off never run them: neither the MAIN-world
 * hook nor the relay (src/shared/site-access.ts says which registrations follow from the
 * settings).
 *
 * Registrations persist across browser restarts; each service-worker start compares them with the
 * settings and changes only what differs, so a page loading meanwhile is never left without them
 * (unregister-then-register would open such a window).
 */
import { contentScriptPlan, type ContentScriptPlan, type SiteAccess } from '../shared/site-access';

type Registered = chrome.scripting.RegisteredContentScript;

/** Every registration has these, whatever the sites. */
const FIXED = {
  allFrames: true,
  runAt: 'document_start',
  persistAcrossSessions: true,
} as const satisfies Partial<Registered>;

export function registrationOf(p: ContentScriptPlan): Registered {
  return {
    id: p.id,
    js: p.js,
    world: p.world,
    matches: p.matches,
    excludeMatches: p.excludeMatches,
    // about:blank, about:srcdoc, data: and blob: frames, by the origin that made them
    matchOriginAsFallback: p.originFallback,
    ...FIXED,
  };
}

function same(a: Registered, b: Registered): boolean {
  // Chrome may report the pattern lists in another order than they were registered in
  const set = (x: string[] | undefined) => JSON.stringify([...(x ?? [])].sort());
  const list = (x: string[] | undefined) => JSON.stringify(x ?? []);
  return (
    list(a.js) === list(b.js) &&
    set(a.matches) === set(b.matches) &&
    set(a.excludeMatches) === set(b.excludeMatches) &&
    (a.world ?? 'ISOLATED') === (b.world ?? 'ISOLATED') &&
    a.allFrames === b.allFrames &&
    a.matchOriginAsFallback === b.matchOriginAsFallback &&
    a.runAt === b.runAt &&
    (a.persistAcrossSessions ?? true) === (b.persistAcrossSessions ?? true)
  );
}

export interface RegistrationChanges {
  unregister: string[];
  update: Registered[];
  register: Registered[];
}

/** Pure: what turns the registrations `have` into `want`. */
export function registrationChanges(have: readonly Registered[], want: readonly Registered[]): RegistrationChanges {
  const byId = new Map(have.map((r) => [r.id, r]));
  return {
    unregister: have.filter((r) => !want.some((w) => w.id === r.id)).map((r) => r.id),
    update: want.filter((w) => {
      const h = byId.get(w.id);
      return h !== undefined && !same(h, w);
    }),
    register: want.filter((w) => !byId.has(w.id)),
  };
}

let chain: Promise<number> = Promise.resolve(0);

/**
 * Bring the registrations in line with `access` and the remembered strict sites
 * (src/shared/strict-sites.ts); resolves to the number registered. Calls are applied one after
 * another, in the order made.
 */
export function syncContentScripts(access: SiteAccess, strict: readonly string[]): Promise<number> {
  const want = contentScriptPlan(access, strict).map(registrationOf);
  chain = chain
    .catch(() => 0)
    .then(async () => {
      const c = registrationChanges(await chrome.scripting.getRegisteredContentScripts(), want);
      if (c.unregister.length > 0) await chrome.scripting.unregisterContentScripts({ ids: c.unregister });
      if (c.update.length > 0) await chrome.scripting.updateContentScripts(c.update);
      if (c.register.length > 0) await chrome.scripting.registerContentScripts(c.register);
      return want.length;
    });
  return chain;
}
