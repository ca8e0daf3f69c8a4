// Doc Viewer: the WASM Memory demo app. Plain ES module, no build step; the engine is
// demo/engine-rs compiled to demo/dist/engine.wasm by `npm run build`.
//
// THE LEAK (the default mode): every opened file gets a new engine instance, and the engine of
// the file you are no longer looking at is kept in `openDocuments` forever (the app meant to
// keep a "recent files" list and kept the engines instead of the names). Each engine owns its
// own linear memory, so the page's wasm memory climbs file after file.
//
// THE FIX (?fixed=1): before switching files the old engine is closed (engine_close frees its
// heap) and dropped, so only the current engine stays reachable and the garbage collector can
// release the others' memories.

export const SAMPLES = ['sales-2025.csv', 'inventory.csv', 'access.log', 'field-notes.txt'];

const params = new URLSearchParams(location.search);
export const fixed = params.get('fixed') === '1';
// OUT OF MEMORY (?small=1): the same engine linked with a 4 MiB maximum memory
// (dist/engine-small.wasm, `--max-memory` in scripts/build-demo.mjs). The smallest sample fits;
// opening a larger one runs the engine out of memory: its allocator's memory.grow fails inside
// wasm, the Rust allocation fails and the engine aborts (a RuntimeError the page reports).
export const small = params.get('small') === '1';

const engineFile = small ? './dist/engine-small.wasm' : './dist/engine.wasm';
const modulePromise = WebAssembly.compileStreaming(fetch(new URL(engineFile, import.meta.url)));

/** One engine instance: its own WebAssembly.Instance and linear memory, one document. */
class Engine {
  /** @param {WebAssembly.Exports} exports */
  constructor(exports) {
    this.x = /** @type {any} */ (exports);
  }

  static async create() {
    const instance = await WebAssembly.instantiate(await modulePromise, {});
    return new Engine(instance.exports);
  }

  /** @param {Uint8Array} bytes */
  write(bytes) {
    const ptr = this.x.engine_alloc(bytes.length);
    // Read `buffer` only after engine_alloc: the allocation may have grown (and replaced) it.
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
  }

  /** @param {Uint8Array} bytes */
  open(bytes) {
    this.write(bytes);
    if (this.x.engine_open(bytes.length) !== 0) throw new Error('engine_open failed');
  }

  summary() {
    return {
      lines: this.x.engine_lines(),
      words: this.x.engine_words(),
      uniqueWords: this.x.engine_unique_words(),
      rows: this.x.engine_rows(),
      columns: this.x.engine_columns(),
      indexBytes: this.x.engine_index_bytes(),
    };
  }

  /** @param {string} query */
  search(query) {
    const bytes = new TextEncoder().encode(query);
    this.write(bytes);
    return this.x.engine_search(bytes.length);
  }

  close() {
    this.x.engine_close();
  }

  get memoryBytes() {
    return this.x.memory.buffer.byteLength;
  }
}

/**
 * @typedef {{ name: string, engine: Engine, summary: ReturnType<Engine['summary']> }} OpenDocument
 * @type {OpenDocument[]} every document whose engine is still referenced
 */
const openDocuments = [];
/** @type {OpenDocument | null} */
let current = null;
let filesOpened = 0;

/** @param {string} name @param {Uint8Array} bytes */
async function openDocument(name, bytes) {
  const engine = await Engine.create();
  engine.open(bytes);
  const doc = { name, engine, summary: engine.summary() };
  if (fixed) {
    for (const old of openDocuments) old.engine.close();
    openDocuments.length = 0;
  }
  openDocuments.push(doc); // leaky mode: never removed
  current = doc;
  filesOpened += 1;
  render();
  report();
}

/** Tell WASM Memory about the app's own bookkeeping (page registry API, push form). Without the
 * extension nobody listens and this is a no-op. */
function report() {
  // Sizes only: a counter that only ever goes up (like files opened) is not a registry size.
  const stats = {
    openDocuments: openDocuments.length,
    engineBytes: openDocuments.reduce((sum, d) => sum + d.engine.memoryBytes, 0),
    indexBytes: openDocuments.reduce((sum, d) => sum + d.summary.indexBytes, 0),
  };
  window.dispatchEvent(new CustomEvent('wasm-memory:registry', { detail: { name: 'doc-viewer', stats } }));
}

/** @param {number} n */
function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** @param {string} testId */
const $ = (testId) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="${testId}"]`));

function render() {
  const totalBytes = openDocuments.reduce((sum, d) => sum + d.engine.memoryBytes, 0);
  $('engine-count').textContent = String(openDocuments.length);
  $('engine-count').dataset.value = String(openDocuments.length);
  $('engine-bytes').textContent = formatBytes(totalBytes);
  $('engine-bytes').dataset.value = String(totalBytes);
  $('open-count').textContent = String(filesOpened);
  $('open-count').dataset.value = String(filesOpened);

  const rows = openDocuments.map((d, i) => {
    const tr = document.createElement('tr');
    const cells = [
      String(i + 1),
      d.name,
      String(d.summary.lines),
      String(d.summary.words),
      formatBytes(d.summary.indexBytes),
      formatBytes(d.engine.memoryBytes),
    ];
    cells.forEach((text, c) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (c !== 1) td.className = 'num';
      tr.append(td);
    });
    return tr;
  });
  $('documents')
    .querySelector('tbody')
    ?.replaceChildren(...rows);

  if (current) {
    $('current').hidden = false;
    $('current-name').textContent = current.name;
    const s = current.summary;
    const facts = [
      ['Lines', s.lines],
      ['Words', s.words],
      ['Distinct words', s.uniqueWords],
    ];
    if (s.rows) facts.push(['CSV rows × columns', `${s.rows} × ${s.columns}`]);
    facts.push(['Index size', formatBytes(s.indexBytes)]);
    $('current-summary').replaceChildren(
      ...facts.flatMap(([k, v]) => {
        const dt = document.createElement('dt');
        dt.textContent = String(k);
        const dd = document.createElement('dd');
        dd.textContent = String(v);
        return [dt, dd];
      }),
    );
    $('search-result').textContent = '';
  }
}

/** Opens run one after another, in click order. */
let queue = Promise.resolve();
/** @param {string} name @param {() => Promise<Uint8Array>} load */
function enqueueOpen(name, load) {
  queue = queue.then(async () => {
    try {
      await openDocument(name, await load());
      $('error').hidden = true;
    } catch (e) {
      $('error').hidden = false;
      $('error').textContent = `Could not open ${name}: ${e instanceof Error ? e.message : String(e)}`;
      console.error(e);
    }
  });
  return queue;
}

/** @param {string} name */
async function fetchSample(name) {
  const res = await fetch(new URL(`./dist/samples/${name}`, import.meta.url));
  if (!res.ok) throw new Error(`${res.status} ${res.statusText} (run npm run build)`);
  return new Uint8Array(await res.arrayBuffer());
}

function setUp() {
  $('mode').textContent = (fixed ? 'fixed' : 'leaky') + (small ? ', 4 MiB maximum' : '');
  $('mode').className = fixed ? 'fixed' : 'leaky';
  $('explain-mode').innerHTML = fixed
    ? 'This is the <strong>fixed</strong> mode: opening a file closes and drops the previous engine, so only one engine stays alive and the garbage collector reclaims the old engines&rsquo; memory. <a href="./">Back to the leaky mode</a>.'
    : 'This is the <strong>leaky</strong> mode: old engines are never freed, so memory climbs with every file, just like an app that keeps a reference it forgot about. Open the <em>WASM Memory</em> panel in DevTools to watch it. <a href="./?fixed=1">Compare with the fix</a>.';
  if (small) {
    $('explain-mode').innerHTML +=
      ' Each engine here may grow to <strong>4 MiB</strong> only: open field-notes.txt, then a CSV, and watch the panel report the engine running out of memory.';
  }
  const buttons = SAMPLES.map((name) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = name;
    b.dataset.testid = 'open-sample';
    b.dataset.file = name;
    b.addEventListener('click', () => enqueueOpen(name, () => fetchSample(name)));
    return b;
  });
  $('sample-buttons').replaceChildren(...buttons);
  const input = /** @type {HTMLInputElement} */ ($('file-input'));
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) enqueueOpen(file.name, async () => new Uint8Array(await file.arrayBuffer()));
  });
  const form = /** @type {HTMLFormElement} */ ($('search-form'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = String(new FormData(form).get('q') ?? '');
    if (current && q) $('search-result').textContent = `${current.engine.search(q)} matches`;
  });
  modulePromise.then(
    () => {
      document.documentElement.dataset.ready = '1';
    },
    (e) => {
      $('error').hidden = false;
      $('error').textContent = `Could not load the engine (run npm run build): ${e instanceof Error ? e.message : String(e)}`;
    },
  );
}

setUp();
