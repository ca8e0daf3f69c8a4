/**
 * Where things are: the package root (so the CLI finds its own dist/ and analyzer wasm from
 * node_modules after install), Chromium, the built extension and the analyzer wasm.
 * The logic is pure over an injected file-system view so it is unit-testable.
 */
import { UsageError } from './errors';

export const PACKAGE_NAME = 'wasm-memory';
/** Relative to the package root. */
export const ANALYZER_WASM = 'analyzer-rs/pkg/wasm_memory_analyzer.wasm';
export const EXTENSION_DIST = 'dist';

export interface FsView {
  exists(path: string): boolean;
  /** File contents, or null when it cannot be read. */
  readText(path: string): string | null;
}

export interface PathOps {
  join(...parts: string[]): string;
  dirname(path: string): string;
}

function packageName(packageJson: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(packageJson);
  } catch (err) {
    // A malformed package.json on the way up is not ours: treat it as unnamed and keep walking.
    if (err instanceof SyntaxError) return null;
    throw err;
  }
  if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string') {
    return parsed.name;
  }
  return null;
}

/** Walks up from `startDir` to the folder whose package.json is named "wasm-memory". */
export function findPackageRoot(startDir: string, fs: FsView, path: PathOps): string {
  let dir = startDir;
  for (;;) {
    const text = fs.readText(path.join(dir, 'package.json'));
    if (text !== null && packageName(text) === PACKAGE_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new UsageError(`cannot find the ${PACKAGE_NAME} package root above ${startDir}`);
    }
    dir = parent;
  }
}

/** Chromium / Chrome locations tried in order after CHROMIUM_PATH. */
export function chromiumCandidates(platform: string, env: Readonly<Record<string, string | undefined>>): string[] {
  if (platform === 'darwin') {
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
    ];
  }
  if (platform === 'win32') {
    const roots = [env['PROGRAMFILES'], env['PROGRAMFILES(X86)'], env['LOCALAPPDATA']].filter(
      (r): r is string => typeof r === 'string' && r !== '',
    );
    return roots.flatMap((r) => [`${r}\\Google\\Chrome\\Application\\chrome.exe`, `${r}\\Chromium\\Application\\chrome.exe`]);
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
    '/snap/bin/chromium',
  ];
}

/** CHROMIUM_PATH if set (it must exist), else the first candidate that exists. */
export function findChromium(
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
  exists: (path: string) => boolean,
): string {
  const fromEnv = env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!exists(fromEnv)) throw new UsageError(`Chromium not found: CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const candidates = chromiumCandidates(platform, env);
  const hit = candidates.find((c) => exists(c));
  if (hit === undefined) {
    throw new UsageError(
      `Chromium not found. Set CHROMIUM_PATH to a Chromium or Chrome binary. Looked in:\n${candidates.map((c) => `  ${c}`).join('\n')}`,
    );
  }
  return hit;
}

/** The built extension folder, or a UsageError saying to build it. */
export function extensionDir(root: string, fs: FsView, path: PathOps, env: Readonly<Record<string, string | undefined>>): string {
  const dir = env['WASM_MEMORY_DIST'] || path.join(root, EXTENSION_DIST);
  if (!fs.exists(path.join(dir, 'manifest.json'))) {
    throw new UsageError(`extension not built: ${path.join(dir, 'manifest.json')} is missing (run npm run build)`);
  }
  return dir;
}

/** The analyzer wasm file, or a UsageError saying to build it. */
export function analyzerWasmPath(root: string, fs: FsView, path: PathOps): string {
  const file = path.join(root, ANALYZER_WASM);
  if (!fs.exists(file)) {
    throw new UsageError(`analyzer not built: ${file} is missing (run npm run build)`);
  }
  return file;
}
