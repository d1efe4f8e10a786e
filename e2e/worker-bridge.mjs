// Runs a command against the demo's service in its Web Worker, as if it were a server: the release
// build is served, headless Chromium starts the worker (`demo-worker.js`) with the seed the
// server tests use, and a local HTTP endpoint turns each request under /api/v1 into the worker's
// request message and its answer back into a response. The server's scenario tests then run
// unchanged through the worker (`RAPPORT_SCENARIO_BRIDGE` names the endpoint); the only code
// between them and the service is this message relay, which decides nothing.
//
//   node e2e/worker-bridge.mjs [--conversations 120] -- cargo test -p rapport-server --test behaviour
import http from 'node:http';
import { spawn } from 'node:child_process';
import { launch } from './helpers.mjs';
import { start } from './serve.mjs';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const own = split < 0 ? args : args.slice(0, split);
const command = split < 0 ? [] : args.slice(split + 1);
const at = own.indexOf('--conversations');
const conversations = at < 0 ? 120 : Number(own[at + 1]);
if (!command.length) {
  console.error('usage: node e2e/worker-bridge.mjs [--conversations N] -- <command…>');
  process.exit(2);
}

const { server: files, baseUrl } = await start();
const browser = await launch();
const page = await browser.newPage();
// Any page of the build's origin will do; this one starts no app (and so no worker of its own).
await page.goto(`${baseUrl}config.json`);
await page.evaluate(async (size) => {
  const worker = new Worker(new URL('demo-worker.js', location.href));
  const pending = new Map();
  let next = 0;
  await new Promise((resolve, reject) => {
    worker.onerror = (e) => reject(new Error(`the worker failed: ${e.message}`));
    worker.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.kind === 'booted') worker.postMessage(JSON.stringify({ kind: 'init', key: `scenarios-${Date.now()}`, size }));
      else if (m.kind === 'ready') resolve();
      else if (m.kind === 'response') {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
      }
    };
  });
  window.call = (method, target, headers, body) =>
    new Promise((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      worker.postMessage(JSON.stringify({ kind: 'request', id, method, target, headers, body }));
    });
}, { conversations, heavyCustomerItems: null });

const bridge = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const url = new URL(req.url, 'http://bridge');
  if (!url.pathname.startsWith('/api/v1/') && url.pathname !== '/api/v1') {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return res.end('the bridge relays /api/v1 only');
  }
  const target = url.pathname.slice('/api/v1'.length) + url.search;
  const headers = Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k));
  const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
  try {
    const answer = await page.evaluate(([m, t, h, b]) => window.call(m, t, h, b), [req.method, target, headers, body]);
    res.writeHead(answer.status, Object.fromEntries(answer.headers ?? []));
    res.end(answer.body);
  } catch (err) {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`bridge: ${err.message}`);
  }
});
await new Promise((resolve) => bridge.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${bridge.address().port}`;
console.error(`worker bridge on ${endpoint} (${conversations} conversations): ${command.join(' ')}`);

const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, RAPPORT_SCENARIO_BRIDGE: endpoint } });
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
bridge.close();
await browser.close();
files.close();
process.exit(code);
