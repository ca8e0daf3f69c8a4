/**
 * Builds the command line and the Playwright helper for Node into cli/dist/ (gitignored,
 * shipped in the package): `npm run build:cli`. The TypeScript they share with the extension
 * (trace parsing, the analyzer wrapper) is bundled in; playwright and Node built-ins stay
 * external (playwright is a runtime dependency of the package).
 */
import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default defineConfig({
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'cli/dist',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: false,
    minify: false,
    rollupOptions: {
      input: {
        'wasm-memory': 'src/cli/entry.ts',
        testing: 'testing/index.ts',
      },
      external: [...nodeBuiltins, 'playwright', 'playwright-core', /^playwright\//],
      output: {
        format: 'es',
        entryFileNames: '[name].mjs',
        chunkFileNames: 'chunks/[name]-[hash].mjs',
      },
    },
  },
});
