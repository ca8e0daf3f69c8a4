// Databases kept open, for the heap-inside-wasm acceptance pages (e2e/heap-inside-wasm.spec.ts):
// sql.js 1.16 and @sqlite.org/sqlite-wasm 3.41.2, each an in-memory database filled with ~1 MiB
// of blobs. The same small API on both packages, so the spec drives them alike:
//   openDatabases(k)  open and fill k more databases, keep them open (a leak, if never closed)
//   closeAll()        close every database kept open
//   churn(k)          open, fill and close k databases (a clean page's action)
//   stats()           the page's own view: open databases, committed bytes when the package
//                     exposes its memory, SQLite's own memory_used where it can be read, and
//                     dlmalloc's own state of its heap (walkDlmalloc) where the memory is exposed
import { loadSqlJs } from './lib.js';

/**
 * Blob bytes per row: 16 KiB by default, or `?blob=<bytes>` in the page's URL (256 to 65536, a
 * power of two). Each database holds 1 MiB of blobs (64 x 16 KiB, or 1,024 x 1 KiB, ...) plus
 * SQLite's pages around them. The row size decides how much of the heap dlmalloc leaves in free
 * chunks between live blocks (see e2e/heap-inside-wasm.spec.ts).
 */
export const BLOB = (() => {
  const v = Number(new URLSearchParams(location.search).get('blob') ?? 16 * 1024);
  if (!(v >= 256 && v <= 65536 && (v & (v - 1)) === 0)) throw new Error(`?blob=${v}: a power of two from 256 to 65536`);
  return v;
})();
export const ROWS = (1024 * 1024) / BLOB;
const CREATE = 'CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)';
// One statement, no JS-side buffers: the blobs are made by SQLite inside wasm.
const FILL = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${ROWS})
  INSERT INTO t(b) SELECT randomblob(${BLOB}) FROM c`;
const COUNT = 'SELECT count(*), sum(length(b)) FROM t';

/** sql.js 1.16 (Emscripten, minified exports; it exposes neither its memory nor sqlite3_status). */
export async function sqljs() {
  const SQL = await loadSqlJs();
  return {
    package: 'sql.js',
    open() {
      const db = new SQL.Database();
      db.run(CREATE);
      db.run(FILL);
      const [[rows, bytes]] = db.exec(COUNT)[0].values;
      if (rows !== ROWS || bytes !== ROWS * BLOB) throw new Error(`sql.js fill: ${rows} rows, ${bytes} bytes`);
      return db;
    },
    close: (db) => db.close(),
    committedBytes: () => null,
    memoryUsed: () => null,
    heapWalk: () => null,
  };
}

/**
 * @sqlite.org/sqlite-wasm 3.41.2, main-thread in-memory API (no OPFS, no worker: no COOP/COEP).
 * This build exports no sqlite3_memory_used and counts no memory statistics by default
 * (SQLITE_DEFAULT_MEMSTATUS=0): memory statistics are switched on (shutdown, config, initialize,
 * before any database is open) and read with sqlite3_status64(SQLITE_STATUS_MEMORY_USED), an
 * independent count of what SQLite holds, through the wasm stack (no malloc of its own).
 */
export async function sqliteWasm() {
  const { default: sqlite3InitModule } = await import('/node_modules/@sqlite.org/sqlite-wasm/index.mjs');
  const sqlite3 = await sqlite3InitModule({ print: () => {}, printErr: () => {} });
  const { capi, wasm, oo1 } = sqlite3;
  const check = (rc, what) => {
    if (rc !== 0) throw new Error(`${what}: rc ${rc}`);
  };
  // capi binds these two as returning nothing in this build: call the exports for their rc
  check(wasm.exports.sqlite3_shutdown(), 'sqlite3_shutdown');
  check(capi.sqlite3_config(capi.SQLITE_CONFIG_MEMSTATUS, 1), 'SQLITE_CONFIG_MEMSTATUS');
  check(wasm.exports.sqlite3_initialize(), 'sqlite3_initialize');
  const memoryUsed = () => {
    const sp = wasm.pstack.pointer;
    try {
      const cur = wasm.pstack.alloc(8);
      const high = wasm.pstack.alloc(8);
      check(capi.sqlite3_status64(capi.SQLITE_STATUS_MEMORY_USED, cur, high, 0), 'sqlite3_status64');
      return Number(wasm.peek(cur, 'i64'));
    } finally {
      wasm.pstack.restore(sp);
    }
  };
  const heapWalk = () => walkDlmalloc(new Uint32Array(wasm.heap8u().buffer));
  // The page's independent count, under the name the issue uses.
  capi.sqlite3_memory_used ??= memoryUsed;
  globalThis.sqlite3 = sqlite3;
  return {
    package: '@sqlite.org/sqlite-wasm',
    version: sqlite3.version,
    open() {
      const db = new oo1.DB(':memory:');
      db.exec(CREATE);
      db.exec(FILL);
      const [rows, bytes] = db.selectArray(COUNT);
      if (rows !== ROWS || bytes !== ROWS * BLOB) throw new Error(`sqlite-wasm fill: ${rows} rows, ${bytes} bytes`);
      return db;
    },
    close: (db) => db.close(),
    committedBytes: () => wasm.heap8u().byteLength,
    memoryUsed: () => capi.sqlite3_memory_used(),
    heapWalk,
  };
}

/**
 * The allocator's own view of its heap, read from memory (no allocation, no call into wasm):
 * Emscripten's dlmalloc (32-bit, 8-byte alignment, no mmap, one contiguous sbrk segment).
 *
 * Its state `_gm_` (struct malloc_state) is a static the page cannot name, so it is found by what
 * it must hold: topsize at +12, least_addr at +16, top at +24, footprint at +432, seg.base at
 * +448 and seg.size at +452 (top + topsize + TOP_FOOT_SIZE ending the segment), with the top
 * chunk's head equal to topsize | PINUSE, then confirmed
 * by walking every chunk from the first (at least_addr, aligned) and landing exactly on top. The
 * walk sums in-use chunks (head bit CINUSE = 2) and free chunks by size: `inUse` is what the
 * extension's "used" must equal (it counts `i32.load(ptr - 4) & ~7` of every live chunk).
 * Returns null when no such state is found (then the figures are not shown, not guessed).
 */
const TOP_FOOT_SIZE = 40; // pad_request(sizeof(struct malloc_segment)) + MIN_CHUNK_SIZE, 32-bit

export function walkDlmalloc(u32) {
  const committed = u32.length * 4;
  // the state lives in static data, below the heap: scan the first 4 MiB, 4-byte aligned
  const limit = Math.min(u32.length - 120, (4 << 20) >> 2);
  for (let x = 0; x < limit; x++) {
    const topsize = u32[x + 3];
    const least = u32[x + 4];
    const top = u32[x + 6];
    const footprint = u32[x + 108];
    const segBase = u32[x + 112];
    const segSize = u32[x + 113];
    if (least === 0 || least !== segBase || segSize !== footprint || top <= least || (top & 7) !== 0) continue;
    // dlmalloc keeps TOP_FOOT_SIZE (40 B here) past the top chunk, out of topsize
    if (top + topsize + TOP_FOOT_SIZE !== segBase + segSize || segBase + segSize > committed) continue;
    if ((u32[(top + 4) >> 2] & ~7) !== topsize) continue;
    const walked = walkChunks(u32, least, top);
    if (walked) return { state: x * 4, heapStart: least, top, topSize: topsize, footprint, ...walked };
  }
  return null;
}

function walkChunks(u32, least, top) {
  let c = least + ((8 - ((least + 8) & 7)) & 7);
  let inUse = 0;
  let inUseChunks = 0;
  let free = 0;
  let freeChunks = 0;
  // free bytes by chunk size: under 1 KiB, 1-4 KiB, 4-16 KiB, 16-64 KiB, 64 KiB and more
  const freeBySize = { '<1K': 0, '1K-4K': 0, '4K-16K': 0, '16K-64K': 0, '>=64K': 0 };
  let prevInUse = true;
  while (c < top) {
    const head = u32[(c + 4) >> 2];
    const size = head & ~7;
    if (size < 16 || (size & 7) !== 0 || c + size > top) return null;
    // PINUSE must say what the walk saw of the chunk before
    if (((head & 1) !== 0) !== prevInUse) return null;
    if (head & 2) {
      inUse += size;
      inUseChunks++;
      prevInUse = true;
    } else {
      free += size;
      freeChunks++;
      const k = size < 1024 ? '<1K' : size < 4096 ? '1K-4K' : size < 16384 ? '4K-16K' : size < 65536 ? '16K-64K' : '>=64K';
      freeBySize[k] += size;
      prevInUse = false;
    }
    c += size;
  }
  return c === top ? { inUse, inUseChunks, free, freeChunks, freeBySize } : null;
}

/**
 * Install the page API over one package's driver: a leaky page gets openDatabases / closeAll,
 * a clean page gets churn.
 */
export function install(driver, mode) {
  const open = [];
  let opened = 0;
  let closed = 0;
  const stats = () => ({
    package: driver.package,
    open: open.length,
    opened,
    closed,
    committedBytes: driver.committedBytes(),
    memoryUsed: driver.memoryUsed(),
    heap: driver.heapWalk(),
    time: performance.timeOrigin + performance.now(),
  });
  if (mode === 'clean') {
    globalThis.churn = (k) => {
      for (let i = 0; i < k; i++) {
        const db = driver.open();
        opened += 1;
        driver.close(db);
        closed += 1;
      }
      return stats();
    };
    globalThis.dbStats = stats;
    return stats();
  }
  globalThis.openDatabases = (k) => {
    for (let i = 0; i < k; i++) {
      open.push(driver.open());
      opened += 1;
    }
    return stats();
  };
  globalThis.closeAll = () => {
    while (open.length > 0) {
      driver.close(open.pop());
      closed += 1;
    }
    return stats();
  };
  globalThis.dbStats = stats;
  return stats();
}
