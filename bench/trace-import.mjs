// Importing a big trace, as the panel does it (PanelController.importChunks over a file stream,
// the real analyzer wasm): how long the whole import takes, the longest the event loop was
// blocked (target: under 100 ms), and memory. The old path (the whole file as one string,
// JSON.parse, then the analyzer) is measured beside it on the same file for comparison.
//
//   node bench/trace-import.mjs [megabytes=200]
//
// The trace is generated into a temporary file: 4 memories sampled every 100 ms, a grow with
// a ~3.8 KB stack (the size seen on real pages) every 8 samples, allocator stats every 4.
import { createReadStream, readFileSync, rmSync, statSync, writeSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSources } from './analyzer-bundle.mjs';

const MB = 1024 * 1024;
const TARGET = Number(process.argv[2] ?? 200) * MB;
const WASM = process.env.ANALYZER_WASM ?? 'analyzer-rs/pkg/wasm_memory_analyzer.wasm';

const { dir, modules } = await bundleSources(
  { controller: 'src/devtools-panel/controller.ts', analyzer: 'src/analyzer/analyzer.ts', trace: 'src/shared/trace.ts' },
  'wasm-memory-import-',
);
const { PanelController } = modules.controller;
const { createAnalyzer } = modules.analyzer;
const { parseTrace } = modules.trace;
const wasm = readFileSync(WASM);

// --- the file
const file = join(dir, 'big.trace.json');
const fd = openSync(file, 'w');
const T0 = 1_795_000_000_000;
const keys = ['r1:3', 'r1:13', 'r1:23', 'r1:33'];
const frame = (i) => `at engineStep${i} (https://app.test/assets/engine-${'a'.repeat(24)}.js:${1000 + i}:${17 + i})`;
const stack = Array.from({ length: 36 }, (_, i) => frame(i)).join('\n');
let written = 0;
let events = 0;
const put = (s) => {
  written += writeSync(fd, s);
};
put(
  '{\n  "format": "wasm-memory-trace",\n  "version": 2,\n  "createdAt": "2026-12-02T00:00:00.000Z",\n  "generator": "bench",\n  "page": {"url":"https://app.test/"},\n  "dropped": 0,\n  "events": [\n',
);
const head = [
  { t: 'realm', time: T0, realm: 'r1', kind: 'window', url: 'https://app.test/' },
  { t: 'module', time: T0, key: 'r1:1', url: 'https://app.test/engine.wasm', byteLength: 1000, exports: ['memory'] },
  ...keys.map((key) => ({
    t: 'memory',
    time: T0,
    key,
    origin: 'export',
    shared: false,
    bytes: 16 * MB,
    maxBytes: null,
    owner: 'https://app.test/engine.wasm',
  })),
];
put(head.map((e) => `    ${JSON.stringify(e)}`).join(',\n'));
events += head.length;
const sizes = keys.map(() => 16 * MB);
let batch = [];
for (let i = 0; written < TARGET; i++) {
  const time = T0 + 100 * (i + 1);
  if (i % 8 === 0) {
    const k = i % keys.length;
    const from = sizes[k];
    sizes[k] += 65536;
    batch.push({ t: 'grow', time, key: keys[k], fromBytes: from, toBytes: sizes[k], via: 'js', stack });
  }
  if (i % 4 === 0) {
    batch.push({
      t: 'alloc',
      time,
      memory: keys[i % keys.length],
      liveBytes: 1000 * i,
      liveAllocations: i,
      totalAllocations: 2 * i,
      totalFrees: i,
    });
  }
  batch.push({ t: 'sample', time, keys, bytes: [...sizes] });
  if (batch.length >= 1000) {
    put(',\n' + batch.map((e) => `    ${JSON.stringify(e)}`).join(',\n'));
    events += batch.length;
    batch = [];
  }
}
if (batch.length) {
  put(',\n' + batch.map((e) => `    ${JSON.stringify(e)}`).join(',\n'));
  events += batch.length;
}
put('\n  ]\n}\n');
closeSync(fd);
const size = statSync(file).size;

// --- the longest stretch the event loop was blocked: the largest gap between two turns of a
// 1 ms timer (the gap of an idle loop is ~1 ms)
function blockMonitor() {
  let last = performance.now();
  let max = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 1);
  return async () => {
    await new Promise((r) => setTimeout(r, 20)); // the loop must turn once to record the last block
    clearInterval(probe);
    return max;
  };
}

function controller() {
  return new PanelController({
    tabId: 1,
    makeAnalyzer: () => createAnalyzer(wasm),
    scheduleFrame: (fn) => setTimeout(fn, 16),
    now: () => new Date(),
    generator: 'bench',
    log: () => {},
  });
}

async function* chunks(path) {
  for await (const c of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) yield c;
}

const rss = () => process.memoryUsage().rss / MB;
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, rss());
}, 20);

// streamed (what the panel does now)
global.gc?.();
const rss0 = rss();
peak = rss0;
let stop = blockMonitor();
let t = performance.now();
const c = controller();
const ok = await c.importChunks('big.trace.json', chunks(file), size);
const streamedMs = performance.now() - t;
const streamedBlock = await stop();
const streamedPeak = peak;
if (!ok) throw new Error(`import failed: ${c.getView?.().importError ?? '(see controller)'}`);
c.dispose();

// whole file (what the panel did before): one string, one JSON.parse, one loop into the analyzer
global.gc?.();
await new Promise((r) => setTimeout(r, 100));
const rss1 = rss();
peak = rss1;
stop = blockMonitor();
t = performance.now();
const text = readFileSync(file, 'utf8');
const parsed = parseTrace(text);
const a = await createAnalyzer(wasm);
for (let i = 0; i < parsed.trace.events.length; i += 5000) a.ingest(parsed.trace.events.slice(i, i + 5000));
const wholeMs = performance.now() - t;
const wholeBlock = await stop();
const wholePeak = peak;
a.dispose();
clearInterval(sampler);
rmSync(dir, { recursive: true, force: true });

const f = (n) => n.toFixed(0);
console.log(`trace: ${(size / MB).toFixed(0)} MiB, ${events} events`);
console.log(
  `streamed (panel now):   ${f(streamedMs)} ms total, longest block ${f(streamedBlock)} ms, peak RSS ${f(streamedPeak)} MiB (+${f(streamedPeak - rss0)})`,
);
console.log(
  `whole file (before):    ${f(wholeMs)} ms total, longest block ${f(wholeBlock)} ms, peak RSS ${f(wholePeak)} MiB (+${f(wholePeak - rss1)})`,
);
