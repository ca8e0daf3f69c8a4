// The background analysis (toolbar badge with DevTools closed): what it costs.
//
//   node bench/background.mjs [--tabs 5] [--seconds 60] [--pairs 3] [--hours 1]
//
// 1. CPU: Chromium with the built extension (dist/), N tabs of bench/pages/stream.html (photon
//    objects created and freed every 100 ms, one kept per second: memory samples, wasm-bindgen
//    counters and heap stats stream all the time). After every tab has a status from the
//    background analyzer, the CPU time of the extension's process (service worker: the router;
//    offscreen document and its Worker: the analyzers; read from /proc) over a fixed period.
//    Then the analysis alone: --pairs windows of the same browser and tabs with the analyzer host
//    (offscreen document) closed, i.e. the router alone, each followed by one with the host open
//    again; the difference per pair, and its median. Target: at most 1 % of one core with 5 tabs.
// 2. Memory per tab after an hour of samples: the host's state (src/background/host/tabs.ts, the
//    same code as the offscreen Worker) fed an hour of synthetic events at the busiest real rate
//    (one tick per 100 ms: a sample, allocator stats and a wasm-bindgen counter each tick,
//    delivered in batches every 250 ms as the relay does) for each of N tabs; then the analyzer's
//    wasm linear memory plus the JS heap the host holds (after GC), per tab. Target: <= 20 MB.
//    Run with --expose-gc for the heap figure (the npm script does).
/* global chrome */ // inside sw.evaluate(): the extension service worker's global
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleSources } from './analyzer-bundle.mjs';
import { startServer } from '../scripts/serve.mjs';
import QUIET from '../src/shared/chromium-quiet-flags.json' with { type: 'json' };
import { waitForContentScripts } from '../scripts/extension-ready.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TABS = opt('tabs', 5);
const SECONDS = opt('seconds', 60);
const HOURS = opt('hours', 1);
const PAIRS = opt('pairs', 3);
const DIST = resolve(process.env.WASM_MEMORY_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MB = 1024 * 1024;
const CLK_TCK = 100; // Linux USER_HZ

/** utime + stime of a process, in seconds (null when it is gone). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The extension renderer process of the browser whose profile is `dir` (renderers carry it too). */
function extensionProcess(dir) {
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  // Zygote-forked processes rewrite their title: /proc/<pid>/cmdline is one space-joined string.
  const ext = pids.filter((p) => {
    const c = ` ${cmdline(p).join(' ')} `;
    return c.includes(` --user-data-dir=${dir} `) && c.includes(' --type=renderer ') && c.includes(' --extension-process ');
  });
  if (ext.length !== 1) throw new Error(`expected one extension process, found ${ext.length}`);
  return ext[0];
}

async function cpuPart() {
  if (!existsSync(join(DIST, 'manifest.json'))) throw new Error(`extension not built: ${DIST} (run npm run build)`);
  const server = await startServer(0);
  const base = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), 'wasm-memory-bench-bg-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET, `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
  });
  try {
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await waitForContentScripts(sw);
    const pages = [];
    for (let i = 0; i < TABS; i++) {
      const p = i === 0 ? (context.pages()[0] ?? (await context.newPage())) : await context.newPage();
      await p.goto(`${base}/bench/pages/stream.html`);
      await p.waitForFunction(() => document.title === 'done');
      pages.push(p);
    }
    // Every tab has a status from the background analyzer: it is running for all of them
    // (a build without it, e.g. --versus-style baseline runs, is measured after a fixed warm-up).
    const deadline = Date.now() + (args.includes('--no-status') ? 5000 : 30_000);
    let statuses = 0;
    while (Date.now() < deadline) {
      statuses = await sw.evaluate(async () => {
        const all = await chrome.storage.session.get(null);
        return Object.keys(all).filter((k) => k.startsWith('wasmMemory.tab.')).length;
      });
      if (statuses >= TABS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (statuses < TABS && !args.includes('--no-status')) throw new Error(`only ${statuses} of ${TABS} tabs have a status`);
    const pid = extensionProcess(dir);
    /** Events the host has analysed so far, over all tabs (from their stored statuses). */
    const analysed = () =>
      sw
        .evaluate(async () => {
          const all = await chrome.storage.session.get(null);
          return Object.entries(all)
            .filter(([k]) => k.startsWith('wasmMemory.tab.'))
            .reduce((n, [, v]) => n + v.events, 0);
        })
        .catch(() => 0);
    /** CPU % of one core of the extension process over SECONDS. */
    const measureWindow = async () => {
      const c0 = cpuSeconds(pid);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const c1 = cpuSeconds(pid);
      const wall = (performance.now() - t0) / 1000;
      return { pct: ((c1 - c0) / wall) * 100, cpu: c1 - c0, wall };
    };
    const events0 = await analysed();
    const on = await measureWindow();
    const events1 = await analysed();
    const badges = await sw
      .evaluate(async () => {
        const tabs = await chrome.tabs.query({});
        return Promise.all(tabs.map((t) => chrome.action.getBadgeText({ tabId: t.id })));
      })
      .catch(() => []);
    console.log(`CPU: ${TABS} streaming wasm tabs, ${on.wall.toFixed(1)} s measured`);
    console.log(
      `  extension process (service worker + offscreen analyzer host): ${on.cpu.toFixed(2)} s CPU = ${on.pct.toFixed(2)} % of one core`,
    );
    console.log(
      `  events analysed meanwhile: ${(events1 - events0).toLocaleString('en-US')} (${((events1 - events0) / on.wall).toFixed(0)}/s); badges: ${JSON.stringify(badges)}`,
    );
    if (PAIRS === 0) return on.pct;
    // The analysis alone: the same browser and tabs with the analyzer host closed (the router
    // alone, as a build without background analysis), alternating with it open again. Each
    // window starts after the host has answered (a status with new events) or has gone.
    const HOST = 'src/background/host/offscreen.html';
    const hostOff = () => sw.evaluate(() => chrome.offscreen.closeDocument());
    const hostOn = async () => {
      await sw.evaluate(
        (url) => chrome.offscreen.createDocument({ url, reasons: ['WORKERS'], justification: 'bench/background.mjs' }),
        HOST,
      );
      const before = await analysed();
      const until = Date.now() + 30_000;
      while ((await analysed()) <= before) {
        if (Date.now() > until) throw new Error('the analyzer host did not resume within 30 s');
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const deltas = [];
    for (let i = 0; i < PAIRS; i++) {
      await hostOff();
      await new Promise((r) => setTimeout(r, 2000)); // the host's last messages drain
      const off = await measureWindow();
      await hostOn();
      await new Promise((r) => setTimeout(r, 5000)); // its catching up on the router's backlog is over
      const withHost = await measureWindow();
      deltas.push(withHost.pct - off.pct);
      console.log(
        `  pair ${i + 1}: router alone ${off.pct.toFixed(2)} %, with the analyzer host ${withHost.pct.toFixed(2)} %: analysis ${(withHost.pct - off.pct).toFixed(2)} % of one core`,
      );
    }
    const sorted = [...deltas].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`  background analysis (median of ${PAIRS} pairs): ${median.toFixed(2)} % of one core (target <= 1 %)`);
    return median;
  } finally {
    await context.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function memoryPart() {
  const { dir, modules } = await bundleSources({ tabs: 'src/background/host/tabs.ts', analyzer: 'src/analyzer/analyzer.ts' });
  const { HostTabs } = modules.tabs;
  const { createAnalyzer } = modules.analyzer;
  const wasm = new WebAssembly.Module(readFileSync('analyzer-rs/pkg/wasm_memory_analyzer.wasm'));
  const gc = globalThis.gc ?? (() => {});
  const analyzers = [];
  let sent = 0;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const host = new HostTabs({
    makeAnalyzer: async () => {
      const a = await createAnalyzer(wasm);
      analyzers.push(a);
      return a;
    },
    send: () => sent++,
    now: () => clock,
    log: (m, e) => console.error(m, e),
  });
  const V = 1;
  let clock = 1_700_000_000_000;
  const seq = new Map();
  for (let tab = 1; tab <= TABS; tab++) {
    host.handle({ kind: 'welcome', v: V, tabId: tab, session: `s${tab}`, doc: `d${tab}`, url: `https://app${tab}.test/` });
    seq.set(tab, 0);
  }
  await new Promise((r) => setTimeout(r, 0));
  const send = (tab, events) => {
    const s = seq.get(tab);
    host.handle({ kind: 'events', v: V, tabId: tab, events, dropped: 0, session: `s${tab}`, seq: s });
    seq.set(tab, s + events.length);
  };
  for (let tab = 1; tab <= TABS; tab++) {
    send(tab, [
      {
        t: 'memory',
        time: clock,
        key: `r${tab}:1`,
        origin: 'export',
        shared: false,
        bytes: 16 * MB,
        maxBytes: null,
        owner: 'https://app.test/engine.wasm',
      },
    ]);
  }
  const ticks = HOURS * 3600 * 10;
  const t0 = performance.now();
  let created = 0;
  let bytes = 16 * MB;
  for (let tick = 0; tick < ticks;) {
    // one relay batch: 250 ms of ticks, for every tab
    const batch = [];
    for (let k = 0; k < 2.5 && tick < ticks; k++, tick++) {
      clock += 100;
      created += 6;
      if (tick % 600 === 0) bytes += 64 * 1024; // the heap grows now and then
      batch.push({ t: 'sample', time: clock, keys: ['K'], bytes: [bytes] });
      batch.push({
        t: 'alloc',
        time: clock,
        memory: 'K',
        liveBytes: bytes / 2,
        liveAllocations: 1000 + tick / 10,
        totalAllocations: created,
        totalFrees: created - 1000,
        tracking: 'inside-wasm',
        allocator: 'dlmalloc',
      });
      batch.push({
        t: 'bindgen',
        time: clock,
        module: 'r:m1',
        className: 'Rgba',
        created,
        freed: created - Math.floor(tick / 10),
        reclaimed: 0,
        live: Math.floor(tick / 10),
      });
    }
    for (let tab = 1; tab <= TABS; tab++) {
      const key = `r${tab}:1`;
      send(
        tab,
        batch.map((e) =>
          e.t === 'sample' ? { ...e, keys: [key] } : e.t === 'alloc' ? { ...e, memory: key } : { ...e, module: `r${tab}:m1` },
        ),
      );
    }
    host.flush();
  }
  const secs = (performance.now() - t0) / 1000;
  gc();
  const heap = process.memoryUsage().heapUsed - heap0;
  const wasmBytes = analyzers.reduce((n, a) => n + a.wasmMemoryBytes, 0);
  const events = [...seq.values()].reduce((a, b) => a + b, 0);
  console.log(
    `Memory: ${HOURS} h of samples at a 100 ms tick for ${TABS} tabs (${events.toLocaleString('en-US')} events, fed in ${secs.toFixed(1)} s; ${sent} statuses)`,
  );
  console.log(`  analyzer wasm linear memory: ${(wasmBytes / TABS / MB).toFixed(2)} MB per tab`);
  console.log(
    `  JS heap held by the host (events kept for export, capped, + session state): ${globalThis.gc ? `${(heap / TABS / MB).toFixed(2)} MB per tab` : 'not measured (run node --expose-gc)'}`,
  );
  const perTab = (wasmBytes + Math.max(0, heap)) / TABS / MB;
  console.log(`  total per tab: ${perTab.toFixed(2)} MB (target <= 20 MB)`);
  host.dispose();
  rmSync(dir, { recursive: true, force: true });
  return perTab;
}

const ONLY = args.includes('--cpu-only') ? 'cpu' : args.includes('--memory-only') ? 'memory' : null;
const mem = ONLY === 'cpu' ? NaN : await memoryPart();
const cpu = ONLY === 'memory' ? NaN : await cpuPart();
console.log(`\nsummary: ${cpu.toFixed(2)} % of one core with ${TABS} tabs; ${mem.toFixed(2)} MB per tab after ${HOURS} h`);
