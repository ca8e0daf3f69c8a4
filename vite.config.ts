import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };
import pkg from './package.json' with { type: 'json' };

// The manifest's version follows package.json so the two can never disagree.
const extensionManifest = { ...manifest, version: pkg.version };

export default defineConfig({
  plugins: [crx({ manifest: extensionManifest })],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome111',
    sourcemap: false,
    rollupOptions: {
      input: {
        panel: 'src/devtools-panel/panel.html',
        offscreen: 'src/background/host/offscreen.html',
        popup: 'src/popup/popup.html',
        options: 'src/options/options.html',
      },
    },
  },
});
