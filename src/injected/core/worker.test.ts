import { describe, expect, it } from 'vitest';
import { isWorkerConfig, resolveUrl, WORKER_CONFIG_GLOBAL, workerBootstrap, workerCore, type WorkerConfig } from './worker';

const cfg: WorkerConfig = { token: 't0k', parent: 'abc', url: 'https://a.example/w/x.js', type: 'classic', bundleUrl: 'chrome-extension://id/src/injected/index.iife.js' };

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
    expect(isWorkerConfig(null)).toBe(false);
    expect(resolveUrl('../lib.js', cfg.url)).toBe('https://a.example/lib.js');
    expect(resolveUrl('http://[bad', cfg.url)).toBeNull();
  });
});
