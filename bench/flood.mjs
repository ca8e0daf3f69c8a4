// Flood and scale: the built extension (dist/) in Chromium, its panel open, and a page that
// floods it (bench/pages/flood.html). Prints what each scenario cost.
//
//   npm run build && node bench/flood.mjs [--only memories,grows,stream] [--memories 5000]
//     [--grows 100000] [--collected 1000] [--live 50] [--seconds 10] [--profile]
//   WASM_MEMORY_DIST=/path/to/dist node bench/flood.mjs   (another build, e.g. the one before)
//   --profile: the panel page's CPU profile over the flood (grows / memories): top self time, and
//   the longest stretch without an idle sample, by entry point (build unminified to read names:
//   npx vite build --minify false && node scripts/build-content-scripts.mjs)
//
// Scenarios (one fresh browser each, so their memory does not add up):
// - memories: the page creates --memories throwaway WebAssembly.Memory objects (all collected).
// - grows:    --grows grows from JS, each with a ~3.8 KB stack (40 frames), 100 per memory.
// - stream:   --collected throwaway memories first, then --live memories growing every second,
//             measured for --seconds.
//
// What is printed, and how it is measured:
// - delivered: events the panel received (its automation API's eventCount) per second, from the
//   page's first event until the count stops moving; the panel's `dropped` / `omitted` figures.
// - memory: the JS heap (CDP Runtime.getHeapUsage, after HeapProfiler.collectGarbage) of the
//   service worker, the analyzer host's Worker and the extension pages (the panel and the host's
//   offscreen document share one V8 isolate in the extension process), and the
//   resident memory of the extension's renderer process(es) from /proc (VmRSS; the panel page,
//   opened as a tab of the extension, is in that process too).
// - stall: the longest gap of a 1 ms timer loop in the panel page (a 4 ms gap is an idle page:
//   nested timers are clamped), over the whole flood; and the longest single task (Long Tasks
//   API) in that time: a stall can be one long task or a thread kept busy by many short ones.
// - CPU: seconds of CPU used by the extension renderer's main thread (the panel and the host's
//   offscreen document share it), from /proc: unlike the wall-clock figures, it does not grow
//   when other processes take the machine's cores.
// - round trip: a key press in the panel's mark-label field, from the key event's timestamp to
//   the start of the next animation frame (when the re-rendered field is painted); one every
//   250 ms for as long as events arrive (the flood), median and worst. Where the panel has the
//   fold of collected memories, also a click on it (expand / collapse; clicked from script, so
//   from the click event's creation, without input queueing).
// - DOM: nodes in the panel document (`*`) and memory rows.
// - work per frame (stream): the panel's requestAnimationFrame callbacks of one frame plus the
//   style and layout they cause (forced by reading offsetHeight at their end); median, 95th
//   percentile and worst frame; and the main thread's busy share (CDP Performance TaskDuration
//   over the window, per 16.7 ms).
/* global chrome */ // inside sw.evaluate(): the extension service worker's global
import puppeteer from 'puppeteer-core';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../scripts/serve.mjs';
import { waitForContentScripts } from '../scripts/extension-ready.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ONLY = String(opt('only', 'memories,grows,stream')).split(',');
const MEMORIES = Number(opt('memories', 5000));
const GROWS = Number(opt('grows', 100_000));
const COLLECTED = Number(opt('collected', 1000));
const LIVE = Number(opt('live', 50));
const SECONDS = Number(opt('seconds', 10));
const PROFILE = args.includes('--profile');
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs in the panel page before its own scripts: frame work, stalls, input round trips. */
function instrument() {
  const m = { recording: false, frames: [], lastFrame: -1, maxGap: 0, lastTick: performance.now() };
  globalThis.__bench = m;
  const raf = requestAnimationFrame.bind(globalThis);
  globalThis.requestAnimationFrame = (cb) =>
    raf((t) => {
      const s = performance.now();
      try {
        cb(t);
      } finally {
        void document.body?.offsetHeight; // the style and layout this frame's changes cost
        if (m.recording) {
          const d = performance.now() - s;
          if (m.lastFrame === t) m.frames[m.frames.length - 1] += d;
          else m.frames.push(d);
          m.lastFrame = t;
        }
      }
    });
  const tick = () => {
    const now = performance.now();
    if (m.recording) m.maxGap = Math.max(m.maxGap, now - m.lastTick);
    m.lastTick = now;
    setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  // The longest single task (Long Tasks API: tasks over 50 ms): a stall may be one task or many.
  m.longest = 0;
  new PerformanceObserver((list) => {
    if (m.recording) for (const e of list.getEntries()) m.longest = Math.max(m.longest, e.duration);
  }).observe({ type: 'longtask' });
  /** Arms `m.trip`: ms from the next `type` event's timestamp to the following animation frame. */
  m.arm = (type) => {
    m.trip = new Promise((res) => {
      addEventListener(type, (e) => raf(() => res(performance.now() - e.timeStamp)), { once: true, capture: true });
    });
  };
  m.start = () => {
    m.recording = true;
    m.frames = [];
    m.maxGap = 0;
    m.longest = 0;
    m.lastTick = performance.now();
  };
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The pids of the extension renderer processes of the browser whose profile is `dir`. */
function extensionPids(dir) {
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const c = ` ${cmdline(d)} `;
    if (c.includes(`--user-data-dir=${dir}`) && c.includes(' --extension-process ')) pids.push(d);
  }
  return pids;
}

/** VmRSS (bytes) of the extension renderer processes of the browser whose profile is `dir`. */
function extensionRss(dir) {
  let sum = 0;
  for (const d of extensionPids(dir)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      if (m) sum += Number(m[1]) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

/** CPU seconds (user + system) used so far by the main thread of each extension renderer process
 *  of the browser whose profile is `dir` (/proc/<pid>/stat: the main thread's id is the pid).
 *  Unlike wall-clock figures, it does not grow when other processes take the cores. */
function extensionMainCpu(dir) {
  let ticks = 0;
  for (const d of extensionPids(dir)) {
    try {
      const f = readFileSync(`/proc/${d}/task/${d}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100; // USER_HZ
}

const mb = (b) => (b === null ? 'n/a' : `${(b / MB).toFixed(1)} MB`);
const ms = (x) => `${x.toFixed(1)} ms`;
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0);
};

async function launch() {
  if (!existsSync(join(DIST, 'manifest.json'))) throw new Error(`extension not built: ${DIST} (run npm run build)`);
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-flood-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    enableExtensions: [DIST],
    userDataDir: dir,
    protocolTimeout: Number(process.env.FLOOD_PROTOCOL_TIMEOUT ?? 600_000),
    args: ['--no-sandbox', ...QUIET, '--js-flags=--expose-gc'],
  });
  return { browser, dir };
}

/** Each extension context's JS heap after a collection (null when the target is not found). */
async function heaps(browser) {
  const find = (pred) => browser.targets().find(pred);
  const out = {};
  const parts = {
    'service worker': (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
    'host worker': (t) => t.url().includes('/host-worker'),
    panel: (t) => t.url().includes('/devtools-panel/panel.html'),
  };
  for (const [name, pred] of Object.entries(parts)) {
    const t = find(pred);
    if (!t) {
      out[name] = null;
      continue;
    }
    try {
      const s = await t.createCDPSession();
      await s.send('HeapProfiler.collectGarbage');
      const h = await s.send('Runtime.getHeapUsage');
      out[name] = h.usedSize;
      await s.detach();
    } catch {
      out[name] = null;
    }
  }
  return out;
}

async function setup() {
  const { browser, dir } = await launch();
  const server = await startServer(0);
  const base = `http://127.0.0.1:${server.address().port}`;
  const swTarget = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'));
  const extId = new URL(swTarget.url()).host;
  const sw = await swTarget.worker();
  // A fresh profile: the page must load after the content scripts are registered.
  await waitForContentScripts(sw);
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  await page.goto(`${base}/bench/pages/flood.html`);
  await page.waitForFunction(() => document.title === 'ready');
  await page.bringToFront();
  const tabId = await sw.evaluate(async () => (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0].id);
  // The panel in a window of its own: the page stays visible (as beside docked DevTools), so
  // its timers are not throttled as a background tab's would be.
  const panel = await browser.newPage({ type: 'window' });
  await panel.evaluateOnNewDocument(instrument);
  await panel.goto(`chrome-extension://${extId}/src/devtools-panel/panel.html?tabId=${tabId}`);
  await panel.waitForFunction(() => globalThis.wasmMemoryPanel !== undefined);
  await panel.bringToFront();
  const close = async () => {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { browser, dir, page, panel, close };
}

const count = (panel) => panel.evaluate(() => globalThis.wasmMemoryPanel.eventCount());

/** Panel figures read from its DOM. */
function domFigures(panel) {
  return panel.evaluate(() => {
    const v = (id) => Number(document.querySelector(`[data-testid=${id}]`)?.getAttribute('data-value') ?? 0);
    return {
      nodes: document.getElementsByTagName('*').length,
      rows: document.querySelectorAll('[data-testid=memory-row]').length,
      dropped: v('dropped'),
      omitted: v('omitted'),
      memoriesTitle: document.querySelector('section h2')?.parentElement
        ? [...document.querySelectorAll('section h2')].map((h) => h.textContent).find((t) => t?.startsWith('Memories'))
        : '',
    };
  });
}

/** Round trips of key presses in the mark field (and clicks on the collected-memories fold if it
 *  exists), one every `everyMs` until `until()` says stop (at least `min` of each). */
async function roundTrips(panel, until = () => true, everyMs = 250, min = 7) {
  const keys = [];
  const clicks = [];
  const fold = '[data-testid=collected-toggle]';
  while (keys.length < min || !until()) {
    await panel.focus('[data-testid=mark-label]');
    await panel.evaluate(() => globalThis.__bench.arm('keydown'));
    await panel.keyboard.press('a');
    keys.push(await panel.evaluate(() => globalThis.__bench.trip));
    // The fold may be scrolled out of view in a long table: clicked from script, so the trip
    // starts when the click event is made rather than when an input arrives.
    const clicked = await panel.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      globalThis.__bench.arm('click');
      el.click();
      return true;
    }, fold);
    if (clicked) clicks.push(await panel.evaluate(() => globalThis.__bench.trip));
    await sleep(everyMs);
  }
  return { keys, clicks };
}

function printTrips(t) {
  console.log(
    `  round trip, key press in the panel -> next frame: median ${ms(pct(t.keys, 0.5))}, worst ${ms(Math.max(...t.keys))} of ${t.keys.length} (target < 100 ms)`,
  );
  if (t.clicks.length > 0) {
    console.log(
      `  round trip, click "collected memories" -> next frame: median ${ms(pct(t.clicks, 0.5))}, worst ${ms(Math.max(...t.clicks))} of ${t.clicks.length}`,
    );
  }
}

/** Wait until the panel's event count has not moved for `quietMs`; returns the delivery rate. */
async function delivery(panel, work, quietMs = 3000, timeoutMs = 600_000) {
  const c0 = await count(panel);
  let first = null;
  let last = c0;
  let lastAt = performance.now();
  let done = false;
  const workDone = work.then(() => (done = true));
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    await sleep(200);
    const c = await count(panel);
    const now = performance.now();
    if (c !== last) {
      if (first === null) first = now;
      last = c;
      lastAt = now;
    } else if (done && now - lastAt >= quietMs) break;
  }
  await workDone;
  const secs = first === null ? 0 : (lastAt - first) / 1000 + 0.2;
  return { events: last - c0, seconds: secs, rate: secs > 0 ? (last - c0) / secs : 0 };
}

/** --profile: the panel page's CPU profile over the flood, its top functions by self time, and
 *  the longest stretch without an idle sample (what the stall was): its entry points (the
 *  outermost JS function of each sample's stack) and its top self time. */
function printProfile(profile) {
  const { samples, timeDeltas, nodes } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id) => {
    const f = byId.get(id).callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  };
  /** The outermost frame under (root) of a sample's stack. */
  const entry = (id) => {
    let e = id;
    for (let p = parent.get(e); p !== undefined && byId.get(p).callFrame.functionName !== '(root)'; p = parent.get(p)) e = p;
    return name(e);
  };
  const top = (range, key) => {
    const m = new Map();
    let total = 0;
    for (const i of range) {
      const k = key(samples[i]);
      const us = timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next one
      m.set(k, (m.get(k) ?? 0) + us);
      total += us;
    }
    return { total, rows: [...m].sort((a, b) => b[1] - a[1]) };
  };
  const all = [...samples.keys()];
  const t = top(all, name);
  console.log(`  panel CPU profile: ${(t.total / 1000).toFixed(0)} ms sampled; top self time:`);
  for (const [k, us] of t.rows.slice(0, 25)) console.log(`    ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  // The longest run of samples with no (idle) among them.
  const idle = (i) => byId.get(samples[i]).callFrame.functionName === '(idle)';
  let best = { from: 0, to: 0, us: 0 };
  let from = 0;
  let us = 0;
  for (let i = 0; i < samples.length; i++) {
    if (idle(i)) {
      from = i + 1;
      us = 0;
      continue;
    }
    us += timeDeltas[i + 1] ?? 0;
    if (us > best.us) best = { from, to: i + 1, us };
  }
  const stretch = all.slice(best.from, best.to);
  console.log(`  longest busy stretch (no idle sample): ${(best.us / 1000).toFixed(0)} ms; by entry point:`);
  for (const [k, v] of top(stretch, entry).rows.slice(0, 10)) console.log(`    ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  console.log('  its top self time:');
  for (const [k, v] of top(stretch, name).rows.slice(0, 12)) console.log(`    ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}

const step = process.env.FLOOD_DEBUG ? (x) => console.log(`  [${x}]`) : () => {};

async function flood(name, run) {
  const s = await setup();
  step('set up');
  try {
    await s.panel.evaluate(() => globalThis.__bench.start());
    const profiler = PROFILE ? await s.panel.createCDPSession() : null;
    if (profiler) {
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.setSamplingInterval', { interval: 500 });
      await profiler.send('Profiler.start');
    }
    const began = performance.now();
    const cpu0 = extensionMainCpu(s.dir);
    const work = s.page.evaluate(run.script, run.arg);
    // Round trips while the page floods (the worst moment for the panel).
    let delivered = false;
    const tripsP = roundTrips(s.panel, () => delivered);
    const d = await delivery(s.panel, work);
    delivered = true;
    step('delivered');
    const trips = await tripsP;
    step('round trips');
    const pageSeconds = (performance.now() - began) / 1000;
    const cpu = extensionMainCpu(s.dir) - cpu0;
    const { stall, longest } = await s.panel.evaluate(() => ({ stall: globalThis.__bench.maxGap, longest: globalThis.__bench.longest }));
    if (profiler) {
      const { profile } = await profiler.send('Profiler.stop');
      printProfile(profile);
      // FLOOD_PROFILE_OUT=file.cpuprofile: the profile itself (DevTools' Performance panel loads it).
      if (process.env.FLOOD_PROFILE_OUT) writeFileSync(process.env.FLOOD_PROFILE_OUT, JSON.stringify(profile));
    }
    const dom = await domFigures(s.panel);
    const h = await heaps(s.browser);
    const rss = extensionRss(s.dir);
    console.log(`${name}: ${run.what}`);
    console.log(
      `  delivered to the panel: ${d.events.toLocaleString('en-US')} events in ${d.seconds.toFixed(1)} s = ${Math.round(d.rate).toLocaleString('en-US')} events/s (page done after ${pageSeconds.toFixed(1)} s); dropped ${dom.dropped}, not kept for export ${dom.omitted}`,
    );
    console.log(`  longest panel stall (1 ms timer gap): ${ms(stall)}; longest task ${ms(longest)}`);
    console.log(`  extension renderer main thread (panel + host document): ${cpu.toFixed(1)} CPU s over the flood`);
    printTrips(trips);
    console.log(`  panel DOM: ${dom.nodes.toLocaleString('en-US')} nodes, ${dom.rows} memory rows; "${dom.memoriesTitle}"`);
    console.log(
      `  JS heap after GC: service worker ${mb(h['service worker'])}, host worker ${mb(h['host worker'])}, extension pages (panel + host document: one isolate) ${mb(h.panel)}; extension process RSS ${mb(rss)}`,
    );
  } finally {
    await s.close();
  }
}

async function stream() {
  const s = await setup();
  try {
    await s.page.evaluate((n) => window.flood.throwaway(n), COLLECTED);
    await s.page.evaluate((n) => window.flood.stream(n), LIVE);
    // Wait for the panel to have caught up (its count moving only with the stream).
    await delivery(s.panel, Promise.resolve(), 1500, 120_000).catch(() => null);
    const cdp = await s.panel.createCDPSession();
    await cdp.send('Performance.enable');
    const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
    await s.panel.evaluate(() => globalThis.__bench.start());
    const t0 = performance.now();
    const b0 = await task();
    const cpu0 = extensionMainCpu(s.dir);
    await sleep(SECONDS * 1000);
    const b1 = await task();
    const cpu = extensionMainCpu(s.dir) - cpu0;
    const wall = (performance.now() - t0) / 1000;
    const m = await s.panel.evaluate(() => ({
      frames: globalThis.__bench.frames,
      stall: globalThis.__bench.maxGap,
      longest: globalThis.__bench.longest,
    }));
    const trips = await roundTrips(s.panel);
    const dom = await domFigures(s.panel);
    const h = await heaps(s.browser);
    const rss = extensionRss(s.dir);
    const busy = (b1 - b0) / wall;
    console.log(`stream: ${LIVE} memories growing every second, ${COLLECTED} collected before, ${wall.toFixed(1)} s measured`);
    console.log(
      `  panel work per frame (rAF callbacks + style/layout): median ${ms(pct(m.frames, 0.5))}, p95 ${ms(pct(m.frames, 0.95))}, worst ${ms(Math.max(0, ...m.frames))} over ${m.frames.length} frames with work (target <= 16 ms)`,
    );
    console.log(
      `  panel main thread busy: ${(busy * 100).toFixed(1)} % = ${ms(busy * (1000 / 60))} per 16.7 ms frame; longest stall ${ms(m.stall)}, longest task ${ms(m.longest)}`,
    );
    console.log(`  extension renderer main thread (panel + host document): ${cpu.toFixed(1)} CPU s`);
    printTrips(trips);
    console.log(`  panel DOM: ${dom.nodes.toLocaleString('en-US')} nodes, ${dom.rows} memory rows`);
    console.log(
      `  JS heap after GC: service worker ${mb(h['service worker'])}, host worker ${mb(h['host worker'])}, extension pages (panel + host document: one isolate) ${mb(h.panel)}; extension process RSS ${mb(rss)}`,
    );
    await s.page.evaluate(() => window.flood.stopStream());
  } finally {
    await s.close();
  }
}

console.log(
  `build: ${DIST}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${new Date().toISOString()}`,
);
if (ONLY.includes('memories')) {
  await flood('memories', {
    what: `${MEMORIES.toLocaleString('en-US')} throwaway memories (created, dropped, collected)`,
    script: (n) => window.flood.throwaway(n),
    arg: MEMORIES,
  });
}
if (ONLY.includes('grows')) {
  await flood('grows', {
    what: `${GROWS.toLocaleString('en-US')} grows from JS with ~3.8 KB stacks`,
    script: (n) => window.flood.grows(n),
    arg: GROWS,
  });
}
if (ONLY.includes('stream')) await stream();
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
