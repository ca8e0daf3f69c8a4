// Databases kept open, for the heap-inside-wasm acceptance pages (e2e/heap-inside-wasm.spec.ts):
// sql.js 1.16 and @sqlite.org/sqlite-wasm 3.41.2, each an in-memory database filled with ~1 MiB
// of blobs. The same small API on both packages, so the spec drives them alike:
//   openDatabases(k)  open and fill k more databases, keep them open (a leak, if never closed)
//   closeAll()        close every database kept open
//   churn(k)          open, fill and close k databases (a clean page's action)
//   stats()           the page's own view: open databases, committed bytes when the package
//                     exposes its memory, SQLite's own memory_used where it can be read
import { loadSqlJs } from './lib.js';

/** Rows and blob bytes per database: 64 x 16 KiB = 1 MiB of blobs (plus SQLite's pages around them). */
export const ROWS = 64;
export const BLOB = 16 * 1024;
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
  /**
   * Where the committed bytes go that no live allocation holds: allocate from the largest size
   * down to the smallest until the allocator would take memory from its top chunk (the first
   * allocation that grows the memory marks the top; later ones at or above it are top too), then
   * free everything. `holes` is the free space inside the heap, by the size that fitted; `topFree`
   * what was left at the top. Grows the memory by one step (the allocation that finds the top).
   */
  globalThis.probeHeapFree = () => {
    const c0 = wasm.heap8u().byteLength;
    const ptrs = [];
    const bySize = {};
    let top = null;
    try {
      for (const size of [262144, 65536, 16384, 4096, 1024, 256, 64, 8]) {
        let got = 0;
        for (;;) {
          const q = wasm.alloc(size);
          ptrs.push(q);
          if (top === null && wasm.heap8u().byteLength !== c0) top = q;
          if (top !== null && q >= top) break;
          got += size;
        }
        bySize[size] = got;
      }
    } finally {
      for (const q of ptrs) wasm.dealloc(q);
    }
    const holes = Object.values(bySize).reduce((a, b) => a + b, 0);
    return { committedBytes: c0, holes, topFree: c0 - top, bySize, probes: ptrs.length };
  };
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
  };
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
