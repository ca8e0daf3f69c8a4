import { describe, expect, it } from 'vitest';
import { posix } from 'node:path';
import { UsageError } from './errors';
import { analyzerWasmPath, chromiumCandidates, extensionDir, findChromium, findPackageRoot, type FsView } from './paths';

function fakeFs(files: Record<string, string>): FsView {
  return {
    exists: (p) => p in files,
    readText: (p) => files[p] ?? null,
  };
}
const ops = { join: posix.join, dirname: posix.dirname };

describe('findChromium', () => {
  it('prefers CHROMIUM_PATH and insists it exists', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/c/chrome' }, 'linux', (p) => p === '/opt/c/chrome')).toBe('/opt/c/chrome');
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent' }, 'linux', () => false)).toThrow(
      'Chromium not found: CHROMIUM_PATH=/nonexistent does not exist',
    );
  });

  it('falls back to the usual locations in order', () => {
    const seen = new Set(['/usr/bin/google-chrome', '/opt/google/chrome/chrome']);
    expect(findChromium({}, 'linux', (p) => seen.has(p))).toBe('/usr/bin/google-chrome');
    expect(findChromium({ CHROMIUM_PATH: '' }, 'linux', (p) => p === '/usr/bin/chromium')).toBe('/usr/bin/chromium');
    expect(findChromium({}, 'darwin', (p) => p.includes('Google Chrome.app'))).toBe(
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    );
  });

  it('lists where it looked when nothing is found', () => {
    let err: unknown;
    try {
      findChromium({}, 'linux', () => false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const msg = (err as UsageError).message;
    expect(msg).toMatch(/^Chromium not found\. Set CHROMIUM_PATH/);
    for (const c of chromiumCandidates('linux', {})) expect(msg).toContain(c);
  });

  it('builds Windows candidates from the environment', () => {
    expect(chromiumCandidates('win32', { PROGRAMFILES: 'C:\\PF' })).toEqual([
      'C:\\PF\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\PF\\Chromium\\Application\\chrome.exe',
    ]);
  });
});

describe('package paths', () => {
  const fs = fakeFs({
    '/proj/package.json': '{"name":"my-app"}',
    '/proj/node_modules/wasm-memory/package.json': '{"name":"wasm-memory","version":"1.2.3"}',
    '/proj/node_modules/wasm-memory/cli/dist/package.json': '{ broken',
    '/proj/node_modules/wasm-memory/dist/manifest.json': '{}',
    '/proj/node_modules/wasm-memory/analyzer-rs/pkg/wasm_memory_analyzer.wasm': '',
  });

  it('finds the package root above the CLI module, skipping other and broken package.json files', () => {
    expect(findPackageRoot('/proj/node_modules/wasm-memory/cli/dist', fs, ops)).toBe('/proj/node_modules/wasm-memory');
    expect(() => findPackageRoot('/proj/src', fs, ops)).toThrow(/cannot find the wasm-memory package root/);
  });

  it('resolves the extension and the analyzer, or says to build them', () => {
    const root = '/proj/node_modules/wasm-memory';
    expect(extensionDir(root, fs, ops, {})).toBe(`${root}/dist`);
    expect(analyzerWasmPath(root, fs, ops)).toBe(`${root}/analyzer-rs/pkg/wasm_memory_analyzer.wasm`);
    expect(() => extensionDir('/elsewhere', fs, ops, {})).toThrow(
      'extension not built: /elsewhere/dist/manifest.json is missing (run npm run build)',
    );
    expect(() => analyzerWasmPath('/elsewhere', fs, ops)).toThrow(/^analyzer not built: .*run npm run build/);
    expect(() => extensionDir(root, fs, ops, { WASM_MEMORY_DIST: '/other' })).toThrow(/\/other\/manifest.json/);
  });
});
