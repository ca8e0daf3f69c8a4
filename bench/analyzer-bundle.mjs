// Shared by the analyzer benchmarks: bundle the TypeScript sources (wrapper, reference
// implementation, scenarios) into temporary .mjs files with rolldown (Vite 8's bundler, already
// installed), so plain `node` can run them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

export async function loadAnalyzerSources() {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-'));
  await build({
    input: {
      analyzer: resolve('src/analyzer/analyzer.ts'),
      reference: resolve('bench/reference.ts'),
      encode: resolve('src/analyzer/encode.ts'),
      scenarios: resolve('bench/scenarios.ts'),
    },
    platform: 'node',
    logLevel: 'silent',
    output: { dir, format: 'esm', entryFileNames: '[name].mjs' },
    write: true,
  });
  const load = (name) => import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  return {
    analyzer: await load('analyzer'),
    reference: await load('reference'),
    encode: await load('encode'),
    scenarios: await load('scenarios'),
  };
}
