// Static server for a Trunk dist folder hosted under /rapport/, like the production CDN:
// unknown extension-less paths fall back to index.html so deep links reach the router.
// Standalone: `node e2e/serve.mjs [dist-dir]` (PORT picks the port; default: a free one).
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PREFIX = '/rapport/';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // streaming compile requires it
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

async function fileAt(file) {
  try {
    const s = await stat(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

function send(req, res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function handler(dir) {
  const index = path.join(dir, 'index.html');
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(req, res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return send(req, res, 400, 'bad request\n');
    }
    if (pathname === '/' || pathname === PREFIX.slice(0, -1)) {
      return send(req, res, 302, '', { location: PREFIX });
    }
    if (!pathname.startsWith(PREFIX)) return send(req, res, 404, 'not found\n');

    const rel = pathname.slice(PREFIX.length);
    let file = path.join(dir, rel);
    if (file !== dir && !file.startsWith(dir + path.sep)) return send(req, res, 403, 'forbidden\n');

    let info = await fileAt(file);
    if (!info && path.extname(rel) === '') {
      file = index;
      info = await fileAt(file);
    }
    if (!info) return send(req, res, 404, 'not found\n');

    res.writeHead(200, {
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };
}

/** Serves `dist` (default: $RAPPORT_DIST or target/e2e-dist, relative to the repo root). */
export async function start({
  dist = process.env.RAPPORT_DIST || 'target/e2e-dist',
  host = '127.0.0.1',
  port = 0,
} = {}) {
  const dir = path.resolve(ROOT, dist);
  if (!(await fileAt(path.join(dir, 'index.html')))) {
    throw new Error(`${dir}/index.html not found; build first: trunk build --release --public-url ${PREFIX} --dist ${dist}`);
  }
  const server = http.createServer(handler(dir));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const baseUrl = `http://${host}:${server.address().port}${PREFIX}`;
  return { server, baseUrl };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { baseUrl } = await start({
    dist: process.argv[2] || undefined,
    port: Number(process.env.PORT) || 0,
  });
  console.log(`serving ${baseUrl}  (Ctrl-C to stop)`);
  process.on('SIGINT', () => process.exit(0));
}
