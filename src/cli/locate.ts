/** The real-file-system side of paths.ts: what the CLI and the Playwright helper need to run. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { analyzerWasmPath, extensionDir, findChromium, findPackageRoot, type FsView } from './paths';

export const nodeFs: FsView = {
  exists: (p) => existsSync(p),
  readText: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : null),
};
export const pathOps = { join, dirname };

export function packageVersion(root: string): string {
  const text = nodeFs.readText(join(root, 'package.json'));
  const parsed: unknown = text === null ? null : JSON.parse(text);
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
    return parsed.version;
  }
  return '0.0.0';
}

export interface AnalyzerLocation {
  root: string;
  version: string;
  wasm: Uint8Array;
}

/** The package root above `moduleDir`, its version and the analyzer wasm (UsageError if not built). */
export function locateAnalyzer(moduleDir: string): AnalyzerLocation {
  const root = findPackageRoot(moduleDir, nodeFs, pathOps);
  const wasmFile = analyzerWasmPath(root, nodeFs, pathOps);
  return { root, version: packageVersion(root), wasm: new Uint8Array(readFileSync(wasmFile)) };
}

export function locateChromium(env: Readonly<Record<string, string | undefined>>, platform: string): string {
  return findChromium(env, platform, (p) => existsSync(p));
}

export function locateExtension(root: string, env: Readonly<Record<string, string | undefined>>): string {
  return extensionDir(root, nodeFs, pathOps, env);
}
