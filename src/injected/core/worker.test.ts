import { describe, expect, it } from 'vitest';
import {
  fixWorkerLocation,
  isWorkerConfig,
  locationParts,
  pageScriptUrl,
  resolveUrl,
  WORKER_CONFIG_GLOBAL,
  workerBootstrap,
  workerCore,
  type WorkerConfig,
} from './worker';

const cfg: WorkerConfig = {
  token: 't0k',
  parent: 'abc',
  url: 'https://a.example/w/x.js',
  type: 'classic',
};

describe('worker bootstrap', () => {
  it('runs the bundle first, then the page script (importScripts or import)', () => {
    const classic = workerBootstrap(cfg, '/*BUNDLE*/');
    expect(classic.indexOf(`self.${WORKER_CONFIG_GLOBAL} = `)).toBe(0);
    expect(classic.indexOf('/*BUNDLE*/')).toBeLessThan(classic.indexOf('importScripts("https://a.example/w/x.js")'));
    const mod = workerBootstrap({ ...cfg, type: 'module' }, '/*BUNDLE*/', 'blob:https://a.example/core');
    expect(mod).toBe('import "blob:https://a.example/core";\nimport "https://a.example/w/x.js";\n');
    expect(workerCore(cfg, '/*BUNDLE*/').indexOf(`self.${WORKER_CONFIG_GLOBAL} = `)).toBe(0);
    const copy = workerBootstrap({ ...cfg, loadUrl: 'blob:https://a.example/copy' }, '');
    expect(copy).toContain('importScripts("blob:https://a.example/copy")');
  });

  it('quotes URLs safely (no script injection through the URL)', () => {
    const evil = workerBootstrap({ ...cfg, url: 'https://a.example/");alert(1);("' }, '');
    expect(evil).toContain('importScripts("https://a.example/\\");alert(1);(\\"")');
  });

  it('validates the private config and resolves relative URLs against the real script', () => {
    expect(isWorkerConfig(cfg)).toBe(true);
    expect(isWorkerConfig({ ...cfg, type: 'shared' })).toBe(false);
    expect(isWorkerConfig({ ...cfg, allocationTracking: false })).toBe(true);
    expect(isWorkerConfig({ ...cfg, allocationTracking: 'off' })).toBe(false);
    expect(isWorkerConfig(null)).toBe(false);
    expect(resolveUrl('../lib.js', cfg.url)).toBe('https://a.example/lib.js');
    expect(resolveUrl('http://[bad', cfg.url)).toBeNull();
  });
});

describe('page script URL', () => {
  it("names the page's blob: script, not our copy of it", () => {
    const blob = { ...cfg, url: 'blob:https://a.example/page-made', loadUrl: 'blob:https://a.example/our-copy' };
    expect(pageScriptUrl('blob:https://a.example/our-copy', blob)).toBe('blob:https://a.example/page-made');
    expect(pageScriptUrl('https://a.example/lib.js', blob)).toBe('https://a.example/lib.js');
    expect(pageScriptUrl('https://a.example/w/x.js', cfg)).toBe('https://a.example/w/x.js');
    expect(pageScriptUrl('https://a.example/page.js', null)).toBe('https://a.example/page.js');
  });
});

describe('worker location', () => {
  it('reads the parts of the real script URL', () => {
    expect(locationParts('https://a.example:8443/w/x.js?v=2#h')).toEqual({
      href: 'https://a.example:8443/w/x.js?v=2#h',
      origin: 'https://a.example:8443',
      protocol: 'https:',
      host: 'a.example:8443',
      hostname: 'a.example',
      port: '8443',
      pathname: '/w/x.js',
      search: '?v=2',
      hash: '#h',
    });
    expect(locationParts('not a url')).toBeNull();
  });

  it("answers for the realm's location object only; other receivers reach the original getter", () => {
    // A stand-in for WorkerLocation: native-like getters that read a private slot.
    const slots = new WeakMap<object, string>();
    class WorkerLocation {
      get href(): string {
        const v = slots.get(this);
        if (v === undefined) throw new TypeError('Illegal invocation');
        return v;
      }
      get pathname(): string {
        return new URL(this.href).pathname;
      }
      toString(): string {
        return this.href;
      }
    }
    const loc = new WorkerLocation();
    slots.set(loc, 'blob:https://a.example/1234');
    const other = new WorkerLocation();
    slots.set(other, 'https://b.example/other.js');
    const g = { WorkerLocation, location: loc } as unknown as typeof globalThis;
    expect(fixWorkerLocation(g, 'https://a.example/w/x.js')).toBe(true);
    expect(loc.href).toBe('https://a.example/w/x.js');
    expect(loc.pathname).toBe('/w/x.js');
    expect(String(loc)).toBe('https://a.example/w/x.js');
    expect(new URL('y.wasm', String(loc)).href).toBe('https://a.example/w/y.wasm');
    expect(other.href).toBe('https://b.example/other.js');
    const get = Object.getOwnPropertyDescriptor(WorkerLocation.prototype, 'href')?.get;
    expect(() => get?.call({})).toThrow('Illegal invocation');
    expect(get?.name).toBe('get href');
    expect(fixWorkerLocation({ location: loc } as unknown as typeof globalThis, 'https://a.example/w/x.js')).toBe(false);
  });
});
