// Packs dist/ into wasm-memory-<version>.zip, ready for the Chrome Web Store (manifest.json at
// the archive root). Run after `vite build` (npm run build does both).
import JSZip from 'jszip';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dist = 'dist';
const manifestPath = join(dist, 'manifest.json');
let manifest;
try {
  manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
} catch (e) {
  console.error(`zip-dist: cannot read ${manifestPath}: ${e instanceof Error ? e.message : e} (run vite build first)`);
  process.exit(1);
}

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

const zip = new JSZip();
let count = 0;
for (const file of files(dist)) {
  // Fixed dates keep the archive byte-identical for identical builds.
  zip.file(relative(dist, file).split('\\').join('/'), readFileSync(file), { date: new Date(Date.UTC(2020, 0, 1)) });
  count++;
}
const out = `wasm-memory-${manifest.version}.zip`;
const buf = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
writeFileSync(out, buf);
console.log(`packed ${count} files from ${dist}/ into ${out} (${buf.length} bytes)`);
