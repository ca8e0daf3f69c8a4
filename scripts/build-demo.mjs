// Builds the bundled demo (demo/): its Rust document engine (demo/engine-rs -> demo/dist/engine.wasm)
// and its sample files (demo/dist/samples/*, generated deterministically so the repository stays
// small and the demo's numbers are the same on every machine). Run by `npm run build`
// (as `build:demo`); `npm run demo` then serves demo/ and drives it (scripts/demo.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasmCrate } from './build-wasm.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = join(root, 'demo', 'dist');

/** Park-Miller LCG: the same "random" samples everywhere. */
function rng(seed) {
  let s = seed;
  const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

const REGIONS = ['north', 'south', 'east', 'west', 'central'];
const PRODUCTS = ['widget', 'gadget', 'sprocket', 'gizmo', 'doohickey', 'flange', 'grommet', 'bracket'];
const WORDS = (
  'the river bank was quiet that morning and the survey team walked along the northern edge ' +
  'counting birds nests stones and the small yellow flowers that grew between old fence posts ' +
  'water levels were lower than last year although the rain in spring had been heavy enough ' +
  'to move several fallen trees across the path near the ford where we usually cross'
).split(' ');

export function salesCsv() {
  const r = rng(2025);
  const lines = ['date,region,store,product,units,unit_price,total'];
  for (let i = 0; i < 5000; i++) {
    const units = 1 + r.int(40);
    const price = (2 + r.int(9800) / 100).toFixed(2);
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (Math.floor(i / 420) % 12)).padStart(2, '0');
    lines.push(
      `2025-${month}-${day},${r.pick(REGIONS)},${100 + r.int(60)},${r.pick(PRODUCTS)},${units},${price},${(units * Number(price)).toFixed(2)}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function inventoryCsv() {
  const r = rng(7);
  const lines = ['sku,product,warehouse,on_hand,reorder_level,unit_cost'];
  for (let i = 0; i < 4000; i++) {
    lines.push(
      `SKU-${String(10000 + i)},${r.pick(PRODUCTS)},${r.pick(REGIONS)}-${1 + r.int(4)},${r.int(900)},${50 + r.int(100)},${(1 + r.int(5000) / 100).toFixed(2)}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function accessLog() {
  const r = rng(443);
  const paths = ['/', '/search', '/api/items', '/api/items/42', '/login', '/static/app.js', '/static/engine.wasm', '/docs/getting-started'];
  const agents = ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)', 'curl/8.5.0'];
  const lines = [];
  for (let i = 0; i < 3500; i++) {
    const ip = `10.${r.int(255)}.${r.int(255)}.${1 + r.int(254)}`;
    const status = r.next() < 0.9 ? 200 : r.pick([301, 304, 404, 500]);
    const t = `${String(i % 24).padStart(2, '0')}:${String(r.int(60)).padStart(2, '0')}:${String(r.int(60)).padStart(2, '0')}`;
    lines.push(
      `${ip} - - [14/Mar/2025:${t} +0000] "GET ${r.pick(paths)} HTTP/1.1" ${status} ${200 + r.int(90000)} "-" "${r.pick(agents)}"`,
    );
  }
  return lines.join('\n') + '\n';
}

export function fieldNotes() {
  const r = rng(11);
  const lines = [];
  for (let day = 1; day <= 120; day++) {
    lines.push(`Day ${day}`, '');
    for (let p = 0; p < 4; p++) {
      const sentence = [];
      for (let w = 0; w < 40 + r.int(40); w++) sentence.push(r.pick(WORDS));
      lines.push(sentence.join(' ') + '.');
    }
    lines.push('');
  }
  return lines.join('\n');
}

export const SAMPLES = {
  'sales-2025.csv': salesCsv,
  'inventory.csv': inventoryCsv,
  'access.log': accessLog,
  'field-notes.txt': fieldNotes,
};

/**
 * The engine built with a small maximum memory (the `?small=1` demo: opening a big file runs it
 * out of memory). 4 MiB: the smallest sample fits, the larger ones do not.
 */
export const SMALL_MAX_MEMORY = 4 * 1024 * 1024;

export async function buildDemo() {
  const crate = join(root, 'demo', 'engine-rs');
  await buildWasmCrate(crate, join(outDir, 'engine-small.wasm'), { linkArgs: [`--max-memory=${SMALL_MAX_MEMORY}`] });
  await buildWasmCrate(crate, join(outDir, 'engine.wasm'));
  const samples = join(outDir, 'samples');
  mkdirSync(samples, { recursive: true });
  for (const [name, make] of Object.entries(SAMPLES)) {
    const text = make();
    writeFileSync(join(samples, name), text);
    console.log(`demo sample ${name}: ${text.length} bytes`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildDemo();
  } catch (e) {
    console.error(`build-demo: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
