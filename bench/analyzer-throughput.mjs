// Ingest throughput of the analyzer: the wasm build (through its TypeScript wrapper, as the
// panel and the CLI use it) against the straightforward TypeScript implementation of the same
// algorithms (bench/reference.ts), on the same event stream, in one run.
//
//   node bench/analyzer-throughput.mjs [events=1000000]
//
// Prints events/s for each and the ratio; also the wasm core alone on pre-encoded records.
import { readFileSync } from 'node:fs';
import { loadAnalyzerSources } from './analyzer-bundle.mjs';

const N = Number(process.argv[2] ?? 1_000_000);
const BATCH = 2000; // the panel receives batches of up to LIMITS.maxBatch events
const WASM = process.env.ANALYZER_WASM ?? 'analyzer-rs/pkg/wasm_memory_analyzer.wasm';

const { analyzer, reference, encode } = await loadAnalyzerSources();
let bytes;
try {
  bytes = readFileSync(WASM);
} catch {
  console.error(`${WASM} missing: run npm run build:analyzer`);
  process.exit(1);
}
const module = new WebAssembly.Module(bytes);

/** A session-like stream: 4 memories sampled every 100 ms (one sample event per tick), growth
 *  now and then, wasm-bindgen counters and a registry on every 5th tick, a mark now and then. */
function stream(n) {
  const out = [];
  const keys = ['r1:1', 'r1:2', 'r1:3', 'w1:1'];
  const sizes = keys.map(() => 16 * 1024 * 1024);
  for (const [i, key] of keys.entries()) {
    out.push({
      t: 'memory',
      time: 0,
      key,
      origin: 'export',
      shared: false,
      bytes: sizes[i],
      maxBytes: null,
      owner: `https://app.test/m${i}.wasm`,
    });
  }
  let t = 1_700_000_000_000;
  let created = 0;
  let freed = 0;
  for (let tick = 0; out.length < n; tick++) {
    t += 100;
    const j = tick % 4;
    if (tick % 53 === 0) {
      const from = sizes[j];
      sizes[j] += 65536;
      out.push({ t: 'grow', time: t, key: keys[j], fromBytes: from, toBytes: sizes[j], via: 'wasm' });
    }
    out.push({ t: 'sample', time: t, keys, bytes: [...sizes] });
    if (tick % 5 === 0) {
      created += 7;
      freed += 7;
      out.push({ t: 'bindgen', time: t, module: 'r1:m1', className: 'Tokenizer', created, freed, reclaimed: 0, live: created - freed });
      out.push({ t: 'registry', time: t, name: 'cache', stats: { count: tick % 100, bytes: (tick % 100) * 4096 } });
    }
    if (tick % 5000 === 0) out.push({ t: 'mark', time: t, label: `m${tick}` });
  }
  out.length = n;
  return out;
}

const events = stream(N);
console.log(`analyzer throughput: ${events.length} events (${BATCH} per ingest call), node ${process.version}`);

async function runWasm() {
  const a = await analyzer.createAnalyzer(module);
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += BATCH) a.ingest(events.slice(i, i + BATCH));
  const r = a.report();
  const ms = performance.now() - t0;
  if (process.env.SHOW_ALERTS) console.log(r.alerts.map((x) => `${x.id} ${x.state}`));
  a.dispose();
  return { ms, alerts: r.alerts.length, memories: r.memories.length };
}

function runRef() {
  const a = new reference.ReferenceAnalyzer();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += BATCH) a.ingest(events.slice(i, i + BATCH));
  const r = a.report();
  const ms = performance.now() - t0;
  return { ms, alerts: r.alerts.length, memories: r.memories.length };
}

/** The wasm core alone: records pre-encoded, written into the input buffer, ingested. */
const coreInstance = new WebAssembly.Instance(module, {});
function runCore(records, count) {
  const ex = coreInstance.exports;
  const h = ex.wma_new();
  const CH = 4096;
  const t0 = performance.now();
  for (let i = 0; i < count; i += CH) {
    const n = Math.min(CH, count - i);
    const ptr = ex.wma_in_buf(h, n);
    new Float64Array(ex.memory.buffer, ptr, n * 8).set(records.subarray(i * 8, (i + n) * 8));
    ex.wma_ingest(h, n);
  }
  ex.wma_report(h);
  const ms = performance.now() - t0;
  ex.wma_free(h);
  return { ms };
}

const interner = new encode.Interner(() => {});
const sink = new encode.ArraySink();
const te0 = performance.now();
for (const e of events) encode.encodeEvent(e, interner, sink);
const encMs = performance.now() - te0;
const recs = sink.records();

// Warm-up (JIT and wasm tier-up for both), then alternate rounds; best of ROUNDS each, since
// the machine is shared and timings are noisy.
const ROUNDS = Number(process.env.ROUNDS ?? 5);
await runWasm();
runRef();
runCore(recs, sink.count);
const wasm = [];
const ref = [];
const core = [];
for (let k = 0; k < ROUNDS; k++) {
  wasm.push(await runWasm());
  ref.push(runRef());
  core.push(runCore(recs, sink.count));
}
const best = (xs) => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const w = best(wasm);
const r = best(ref);
const coreMs = Math.min(...core.map((x) => x.ms));
if (w.alerts !== r.alerts || w.memories !== r.memories) {
  console.error(`results differ: wasm ${JSON.stringify(w)} vs reference ${JSON.stringify(r)}`);
  process.exit(1);
}
const eps = (ms) => Math.round(events.length / (ms / 1000)).toLocaleString('en-US');
console.log(
  `wasm (TS wrapper + wasm core): best ${w.ms.toFixed(1)} ms (median ${median(wasm.map((x) => x.ms)).toFixed(1)}), ${eps(w.ms)} events/s`,
);
console.log(
  `TypeScript reference:          best ${r.ms.toFixed(1)} ms (median ${median(ref.map((x) => x.ms)).toFixed(1)}), ${eps(r.ms)} events/s`,
);
console.log(`ratio (reference time / wasm time): ${(r.ms / w.ms).toFixed(2)}x end to end (target >= 3x)`);
console.log(
  `wasm core alone on pre-encoded records: best ${coreMs.toFixed(1)} ms for ${sink.count} records, ${eps(coreMs)} events/s equivalent`,
);
console.log(
  `ratio (reference time / wasm core time): ${(r.ms / coreMs).toFixed(2)}x; one-off TS encoding of the stream: ${encMs.toFixed(1)} ms`,
);
