// A small static file server for the demo and the e2e test pages (content scripts do not run
// on file:// URLs by default). Serves the repository root; `.wasm` as application/wasm so the
// streaming instantiate paths work. Usage: node scripts/serve.mjs [port]  (default 4173).
// Paths under CROSS_ORIGIN_ISOLATED are served with COOP/COEP headers (SharedArrayBuffer, wasm
// threads: wasm-vips needs them; its page and its worker scripts).
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

export function startServer(port = 4173, host = '127.0.0.1') {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
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
