// Shared by the benchmarks: bundle TypeScript sources (the analyzer wrapper, the reference
// implementation, scenarios, the panel controller, ...) into temporary .mjs files with rolldown
// (Vite 8's bundler, already installed), so plain `node` can run them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

/**
 * Bundle TypeScript entry points (name -> source path) into a fresh temporary folder and import
 * them. Returns the folder (the caller may put scratch files there, and removes it) and the
 * modules by name.
 */
export async function bundleSources(inputs, prefix = 'wasm-memory-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await build({
    input: Object.fromEntries(Object.entries(inputs).map(([name, path]) => [name, resolve(path)])),
    platform: 'node',
    logLevel: 'silent',
    output: { dir, format: 'esm', entryFileNames: '[name].mjs' },
    write: true,
  });
  const modules = {};
  for (const name of Object.keys(inputs)) modules[name] = await import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  return { dir, modules };
}

export async function loadAnalyzerSources() {
  const { modules } = await bundleSources({
    analyzer: 'src/analyzer/analyzer.ts',
    reference: 'bench/reference.ts',
    encode: 'src/analyzer/encode.ts',
    scenarios: 'bench/scenarios.ts',
  });
  return modules;
}
