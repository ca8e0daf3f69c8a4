// A small static file server for the demo and the e2e test pages (content scripts do not run
// on file:// URLs by default). Serves the repository root; `.wasm` as application/wasm so the
// streaming instantiate paths work. Usage: node scripts/serve.mjs [port]  (default 4173).
// Paths under CROSS_ORIGIN_ISOLATED are served with COOP/COEP headers (SharedArrayBuffer, wasm
// threads: wasm-vips needs them; its page and its worker scripts).
//
// For e2e pages that need their own response headers (CSP, Trusted Types, ...): a request for a
// path under /e2e/ with `?serve-headers=<JSON object>` gets those headers too (names and values
// must be strings; only on this loopback test server). CSP reports: POST /__reports/<key> records
// the body (report-uri and Reporting API alike); GET /__reports/<key> answers the recorded ones
// as a JSON array of {contentType, body}.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.tiktoken': 'text/plain',
};

export const CROSS_ORIGIN_ISOLATED = ['/e2e/pages/third-party/vips.html', '/node_modules/wasm-vips/'];

/** Pure: the extra response headers asked for by `?serve-headers=` (only under /e2e/), or null when malformed. */
export function requestedHeaders(url) {
  const raw = url.searchParams.get('serve-headers');
  if (raw === null || !url.pathname.startsWith('/e2e/')) return {};
  let h;
  try {
    h = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return null;
  for (const [k, v] of Object.entries(h)) if (!/^[A-Za-z0-9-]+$/.test(k) || typeof v !== 'string' || /[\r\n]/.test(v)) return null;
  return h;
}

/** Most reports kept per key, and the largest report body kept. */
const MAX_REPORTS = 100;
const MAX_REPORT_BYTES = 64 * 1024;

export function startServer(port = 4173, host = '127.0.0.1') {
  /** CSP reports received, by key. */
  const reports = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/__reports/')) {
      const key = url.pathname.slice('/__reports/'.length);
      if (req.method === 'POST') {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => {
          if (body.length < MAX_REPORT_BYTES) body += d;
        });
        req.on('end', () => {
          const list = reports.get(key) ?? [];
          if (list.length < MAX_REPORTS) list.push({ contentType: req.headers['content-type'] ?? '', body });
          reports.set(key, list);
          res.writeHead(204).end();
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(reports.get(key) ?? []));
      return;
    }
    const extra = requestedHeaders(url);
    if (extra === null) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed serve-headers');
      return;
    }
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(root)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      if (statSync(path).isDirectory()) path = join(path, 'index.html');
      const size = statSync(path).size;
      const isolated = CROSS_ORIGIN_ISOLATED.some((p) => url.pathname.startsWith(p));
      res.writeHead(200, {
        'content-type': types[extname(path)] ?? 'application/octet-stream',
        'content-length': size,
        'cache-control': 'no-store',
        ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
        ...extra,
      });
      createReadStream(path).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}`);
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 4173);
  await startServer(port);
  console.log(`serving ${root} on http://127.0.0.1:${port}/`);
}
