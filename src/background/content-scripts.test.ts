import { describe, expect, it } from 'vitest';
import { contentScriptPlan, DEFAULT_SITE_ACCESS } from '../shared/site-access';
import { registrationChanges, registrationOf } from './content-scripts';

const all = contentScriptPlan(DEFAULT_SITE_ACCESS).map(registrationOf);
const only = contentScriptPlan({ mode: 'only', sites: ['a.com'] }).map(registrationOf);

describe('registrationChanges', () => {
  it('registers both scripts on a fresh profile, MAIN world at document_start in every frame', () => {
    const c = registrationChanges([], all);
    expect(c).toEqual({ unregister: [], update: [], register: all });
    expect(all[0]).toMatchObject({ world: 'MAIN', runAt: 'document_start', allFrames: true, matchOriginAsFallback: true });
  });
  it('changes nothing when Chrome already has them (as it reports them: no empty lists, defaults left out)', () => {
    const reported = all.map(({ excludeMatches: _e, persistAcrossSessions: _p, ...r }) => r);
    expect(registrationChanges(reported, all)).toEqual({ unregister: [], update: [], register: [] });
    const except = contentScriptPlan({ mode: 'except', sites: ['b.com', 'a.com'] }).map(registrationOf);
    const sorted = except.map((r) => ({ ...r, excludeMatches: [...(r.excludeMatches ?? [])].sort() }));
    expect(registrationChanges(sorted, except).update).toEqual([]);
  });
  it('updates in place when the sites change, never unregisters what is still wanted', () => {
    expect(registrationChanges(all, only)).toEqual({ unregister: [], update: only, register: [] });
  });
  it('unregisters everything when no site is on, and stale ids of an older version', () => {
    expect(registrationChanges(all, [])).toEqual({ unregister: all.map((r) => r.id), update: [], register: [] });
    const old = { ...all[0]!, id: 'old-id' };
    expect(registrationChanges([old, ...all], all).unregister).toEqual(['old-id']);
  });
});
