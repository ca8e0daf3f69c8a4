// Resident memory of the analyzer after ingesting 10 million samples (target: bounded, under
// 64 MB of wasm linear memory). Events are generated and ingested in batches, as the panel
// receives them, so the benchmark itself does not hold 10 million objects.
//
//   node bench/analyzer-memory.mjs [samples=10000000] [memories=4]
//
// Prints the analyzer's wasm linear memory bytes and the process RSS, at checkpoints.
import { readFileSync } from 'node:fs';
import { loadAnalyzerSources } from './analyzer-bundle.mjs';

const SAMPLES = Number(process.argv[2] ?? 10_000_000);
const MEMORIES = Number(process.argv[3] ?? 4);
const BATCH = 2000;
const WASM = process.env.ANALYZER_WASM ?? 'analyzer-rs/pkg/wasm_memory_analyzer.wasm';
const MB = 1024 * 1024;

const { analyzer } = await loadAnalyzerSources();
const a = await analyzer.createAnalyzer(readFileSync(WASM));
const keys = Array.from({ length: MEMORIES }, (_, i) => `r1:${i + 1}`);
const sizes = keys.map(() => 16 * MB);
a.ingest(
  keys.map((key, i) => ({
    t: 'memory',
    time: 0,
    key,
    origin: 'export',
    shared: false,
    bytes: sizes[i],
    maxBytes: null,
    owner: `https://app.test/m${i}.wasm`,
  })),
);

const rssStart = process.memoryUsage().rss;
console.log(`analyzer memory: ${SAMPLES.toLocaleString('en-US')} samples over ${MEMORIES} memories, batches of ${BATCH} events`);
console.log(`start: wasm linear memory ${(a.wasmMemoryBytes / MB).toFixed(2)} MB, process RSS ${(rssStart / MB).toFixed(1)} MB`);
let t = 1_700_000_000_000;
let done = 0;
let next = SAMPLES / 10;
const t0 = performance.now();
let peakWasm = 0;
let maxSpike = 0;
while (done < SAMPLES) {
  const batch = [];
  for (let k = 0; k < BATCH && done < SAMPLES; k++, done++) {
    t += 10; // 100 samples per second: 10M samples = ~28 hours of recording
    const j = done % MEMORIES;
    if (done % 1009 === 0) sizes[j] += 65536;
    // Occasional spikes so the min/max buckets have something to keep.
    const spike = done % 100_003 === 0;
    if (spike) maxSpike = Math.max(maxSpike, sizes[j] * 2);
    batch.push({ t: 'sample', time: t, keys: [keys[j]], bytes: [spike ? sizes[j] * 2 : sizes[j]] });
  }
  a.ingest(batch);
  peakWasm = Math.max(peakWasm, a.wasmMemoryBytes);
  if (done >= next) {
    next += SAMPLES / 10;
    const rss = process.memoryUsage().rss;
    console.log(
      `${done.toLocaleString('en-US').padStart(12)} samples: wasm linear memory ${(a.wasmMemoryBytes / MB).toFixed(2)} MB, process RSS ${(rss / MB).toFixed(1)} MB`,
    );
  }
}
const ms = performance.now() - t0;
const series = a.series(1000);
const r = a.report();
console.log(
  `ingested ${r.eventCount.toLocaleString('en-US')} events in ${(ms / 1000).toFixed(1)} s (${Math.round(SAMPLES / (ms / 1000)).toLocaleString('en-US')} samples/s); ${r.alerts.length} alerts`,
);
const expectedPeak = maxSpike;
const keptPeak = Math.max(...series.map((s) => Math.max(...s.max)));
console.log(
  `chart: ${series.length} series, ${series[0]?.times.length ?? 0} points each at maxPoints=1000; highest spike kept: ${(keptPeak / MB).toFixed(1)} MB (highest spike sent: ${(expectedPeak / MB).toFixed(1)} MB: ${keptPeak === expectedPeak ? 'kept' : 'LOST'})`,
);
const verdict = peakWasm < 64 * MB ? 'OK (< 64 MB)' : 'OVER 64 MB';
console.log(
  `RESULT: wasm linear memory peak ${(peakWasm / MB).toFixed(2)} MB ${verdict}; process RSS ${(process.memoryUsage().rss / MB).toFixed(1)} MB (Node + V8 + wasm)`,
);
a.dispose();
