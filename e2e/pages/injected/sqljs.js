// Real third-party wasm: sql.js. Loads through instantiateStreaming, then makes SQLite allocate
// inside the wasm heap (a 50 MB randomblob: past the initial memory), which Emscripten serves by
// growing the memory with the JS Memory.prototype.grow. (The database file itself lives in
// Emscripten's MEMFS, in JS memory, so plain inserts do not grow the wasm memory.)
window.runSql = async function runSql(rows) {
  const SQL = await initSqlJs({ locateFile: (f) => '/node_modules/sql.js/dist/' + f });
  const db = new SQL.Database();
  db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)');
  const stmt = db.prepare('INSERT INTO t (s) VALUES (?)');
  for (let i = 0; i < rows; i++) stmt.run(['row ' + i]);
  stmt.free();
  const big = db.exec('SELECT length(randomblob(50000000))')[0].values[0][0];
  window.db = db;
  return [db.exec('SELECT count(*) FROM t')[0].values[0][0], big];
};
