// One loopback HTTP server for the benchmark: the built app under /rapport/ (e2e/serve.mjs's own
// handler, reused through its `start()`) and the vanilla baseline under /baseline/, whose
// stylesheet is the app's built CSS. Files go out uncompressed (no on-the-fly compression inside
// the timings); the transfer metric brotli-compresses each file a page loaded instead (`fileFor`).
// Standalone, to look at both side by side: `node bench/server.mjs [dist]` (PORT picks the port).
import { readdirSync, statSync, createReadStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { start, PREFIX } from '../e2e/serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const BASELINE_DIR = path.join(HERE, 'baseline');
export const BASELINE = '/baseline/';

const TYPES = { '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };

const isFile = (f) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

/** The built stylesheet of a Trunk dist folder (app-<hash>.css). */
export function appCss(distDir) {
  const css = readdirSync(distDir).filter((f) => /^app-.*\.css$/.test(f));
  if (css.length !== 1) throw new Error(`expected one app-*.css in ${distDir}, found ${css.length}`);
  return path.join(distDir, css[0]);
}

/** The built favicon (favicon-<hash>.svg), which the baseline links as the app does. */
function favicon(distDir) {
  const f = readdirSync(distDir).find((n) => /^favicon-.*\.svg$/.test(n));
  return f ? path.join(distDir, f) : null;
}

/**
 * The file on disk behind a URL path of either page, or null; the same resolution the server
 * uses (extension-less unknown paths are the page's index.html, as deep links are).
 */
export function fileFor(distDir, urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  let dir;
  let rel;
  if (p.startsWith(PREFIX)) [dir, rel] = [distDir, p.slice(PREFIX.length)];
  else if (p.startsWith(BASELINE)) {
    rel = p.slice(BASELINE.length);
    if (rel === 'app.css') return appCss(distDir);
    if (rel === 'favicon.svg') return favicon(distDir);
    dir = BASELINE_DIR;
  } else return null;
  const file = path.join(dir, rel);
  if (file !== dir && !file.startsWith(dir + path.sep)) return null;
  if (isFile(file)) return file;
  return path.extname(rel) === '' ? path.join(dir, 'index.html') : null;
}

/** Starts the server; `baseUrl` is the app's (…/rapport/), `baselineUrl` the twin's. */
export async function startBench({ dist = 'target/bench-dist', host = '127.0.0.1', port = 0 } = {}) {
  const distDir = path.resolve(ROOT, dist);
  appCss(distDir); // fail early on a missing or odd build
  const { server, baseUrl } = await start({ dist, host, port });
  const [appHandler] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const pathname = new URL(req.url, 'http://localhost').pathname;
    if (!pathname.startsWith(BASELINE)) return appHandler(req, res);
    const file = fileFor(distDir, pathname);
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found\n');
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  const origin = new URL(baseUrl).origin;
  return { server, baseUrl, baselineUrl: origin + BASELINE, distDir };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { baseUrl, baselineUrl } = await startBench({ dist: process.argv[2] || undefined, port: Number(process.env.PORT) || 0 });
  const q = 'inbox/closed?demo-conversations=10000&demo-heavy=5000';
  console.log(`app:      ${baseUrl}${q}\nbaseline: ${baselineUrl}${q}\n(Ctrl-C to stop)`);
  process.on('SIGINT', () => process.exit(0));
}
