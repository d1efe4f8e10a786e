// Faults in front of the real thing: the reference server (crates/server, started from an
// organisation given as data and with its sandbox endpoints) behind a small proxy that forwards
// every request and, where a test asks, answers for it with a fault instead. The proxy decides
// no rule of the product: every answer that is not a fault is the server's.
//
//   const backend = await startBackend({ fixture });    // fixture: defaults to baseFixture()
//   backend.setFault(/\/conversations\?ids=/, { status: 500, times: 1 });
//   backend.clearFaults();
//   backend.requests     // every request seen: { method, path, headers, body, fault, at }
//   backend.api('PATCH', '/conversations/co1', { status: 'CLOSED' }, 'ag2')  // straight to the server
//   backend.tick()       // a real change (the sandbox clock moves 1 ms): every client hears an event
//   backend.holdEvents() / releaseEvents()   // the live stream stalls (events are kept, then sent)
//   backend.dropStreams()                     // the live streams are cut
//   backend.emitRaw(text)                    // raw text on every live stream (garbage, hostile)
//   await backend.close();
//
// A fault is one of
//   { status: 500|502|503|404|422 }   the contract's JSON error body ({ code, detail } overridable)
//   { status: 429, retryAfter: 2 }    plus a Retry-After header
//   { status: 409 }                   the conflict body (code "conflict")
//   { raw: '<html>…', status }        a non-JSON body (as a proxy's error page)
//   { timeout: true }                 never answers (the socket is kept until close())
//   { reset: true }                   destroys the socket
//   { malformed: true }               200 with broken JSON
//   { body: <JSON> }                  200 (or `status`) with that body instead of the server's
//   { body: (answer, path) => JSON }  the server's answer, changed (a newer or older server)
//   { huge: N }                       the list in the server's answer padded to N entries
//   { huge: '5MB' }                   the last text field of the server's answer grown to that size
//   { delay: ms }                     the server's answer (or the fault) held back that long
//   { lost: true }                    the server applies the request, the answer never arrives
//                                     (the connection drops): a write the client cannot know landed
// plus optional `times: k` (only the next k matching requests) and `method: 'PATCH'` (only that
// method; preflights are never faulted unless method is 'OPTIONS'). A fault that answers by
// itself (status, raw, timeout, reset, malformed, a fixed body) never reaches the server.
// The path regex is tested against the path and query, e.g. "/api/v1/conversations?ids=co1,co2".
import http from 'node:http';
import { baseFixture } from './fixtures/base.mjs';
import { api, startServer } from './server.mjs';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag,Retry-After',
};

const ERRORS = {
  400: ['invalid', 'The request was not understood.'],
  401: ['unauthorized', 'Sign in again: the access token is missing or wrong.'],
  404: ['not_found', 'That no longer exists.'],
  409: ['conflict', 'Someone else changed this conversation meanwhile; it now shows the latest state.'],
  422: ['invalid', 'That change is not allowed.'],
  429: ['rate_limited', 'Too many requests; slow down and try again in a moment.'],
  500: ['internal', 'The server had an internal problem.'],
  502: ['bad_gateway', 'The upstream server did not answer.'],
  503: ['unavailable', 'The server is down for maintenance.'],
};

const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const toRegex = (re) => (re instanceof RegExp ? re : new RegExp(String(re)));

function errorBody(status, fault = {}) {
  const [code, detail] = ERRORS[status] ?? ['error', `The server answered ${status}.`];
  return { errors: [{ attr: fault.attr ?? null, code: fault.code ?? code, detail: fault.detail ?? detail }] };
}

/** Whether the fault answers by itself, without asking the server. */
const answersItself = (f) => f.timeout || f.reset || f.malformed || f.raw !== undefined || (f.body !== undefined && typeof f.body !== 'function') || (f.status && f.huge === undefined && f.body === undefined);

/**
 * Pads the list in `body` (an array, or `.items`, `.messages` or `.ids`) to `n` entries. Rows
 * asked for by id (`?ids=`) answer the padded ids of a padded view with copies of their original.
 */
function padList(body, n, pathAndQuery) {
  const asked = new URL(pathAndQuery, 'http://proxy').searchParams.get('ids');
  if (asked !== null && Array.isArray(body?.items)) {
    const byId = new Map(body.items.map((row) => [row.conversation?.id, row]));
    body.items = asked.split(',').flatMap((id) => {
      const original = byId.get(id.replace(/-pad\d+$/, ''));
      if (!original) return [];
      const copy = clone(original);
      copy.conversation.id = id;
      return [copy];
    });
    return body;
  }
  if (Array.isArray(body?.ids)) {
    const last = body.ids.at(-1);
    for (let i = 0; last !== undefined && body.ids.length < n; i++) body.ids.push(`${last}-pad${i}`);
    return body;
  }
  const list = Array.isArray(body) ? body : (body?.items ?? body?.messages);
  if (!Array.isArray(list) || list.length === 0) return body;
  // Copies of the last entry, so a padded timeline stays in one chapter and a list keeps its order.
  const last = list[list.length - 1];
  for (let i = 0; list.length < n; i++) {
    const copy = clone(last);
    const tag = `-pad${i}`;
    for (const obj of [copy, copy.conversation].filter(Boolean)) {
      if (typeof obj.id === 'string') obj.id += tag;
      if (typeof obj.itemId === 'string') obj.itemId += tag;
    }
    list.push(copy);
  }
  return body;
}

/** Grows the last text field found in `body` to about `size` ('5MB', '300KB' or a byte count). */
function padText(body, size, word = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ') {
  const m = /^(\d+(?:\.\d+)?)\s*(MB|KB|B)?$/i.exec(String(size));
  const bytes = m ? Number(m[1]) * { MB: 1 << 20, KB: 1 << 10, B: 1 }[(m[2] || 'B').toUpperCase()] : Number(size);
  const keys = ['content', 'body', 'preview', 'transcript', 'summary', 'snippet', 'name', 'title'];
  // The last text in the answer: in a timeline, the newest message.
  const visit = (v) => {
    if (Array.isArray(v)) return [...v].reverse().some(visit);
    if (v && typeof v === 'object') {
      for (const k of keys) {
        if (typeof v[k] === 'string') {
          v[k] += ' ' + word.repeat(Math.ceil(bytes / word.length));
          return true;
        }
      }
      return Object.values(v).reverse().some(visit);
    }
    return false;
  };
  visit(body);
  return body;
}

/** A short name for a fault, for logs and summary tables. */
export function describeFault(f) {
  if (f.timeout) return 'timeout';
  if (f.reset) return 'connection reset';
  if (f.malformed) return 'malformed JSON';
  if (f.raw !== undefined) return `${f.status ?? 502} (non-JSON body)`;
  if (f.huge !== undefined) return `huge (${f.huge})`;
  if (f.body !== undefined) return f.label ?? 'replaced body';
  if (f.status === 429) return `429 Retry-After: ${f.retryAfter ?? '-'}`;
  if (f.status) return String(f.status);
  if (f.lost) return 'answer lost (applied)';
  if (f.delay) return `delay ${f.delay} ms`;
  return 'fault';
}

/** Sends `body` (JSON, or text) with the CORS headers a browser needs to read it. */
function send(res, status, body, headers = {}) {
  if (res.destroyed) return;
  const text = body === null || body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    ...(text ? { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' } : {}),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The answer of a fault that never reaches the server. */
function answerFault(req, res, fault) {
  if (fault.timeout) return; // the socket stays open until close()
  if (fault.reset) return req.socket.destroy();
  if (fault.raw !== undefined) return send(res, fault.status ?? 502, String(fault.raw), { 'content-type': fault.contentType ?? 'text/html; charset=utf-8' });
  if (fault.malformed) {
    res.writeHead(fault.status ?? 200, { ...CORS, 'content-type': 'application/json' });
    return res.end('{"items": [{"conversation": {"id": "co1", "status": "OP');
  }
  if (fault.body !== undefined) return send(res, fault.status ?? 200, clone(fault.body));
  const extra = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
  return send(res, fault.status, errorBody(fault.status, fault), extra);
}

/**
 * The reference server started from `fixture`, behind a proxy on 127.0.0.1 (a free port).
 * `faults` is a list of [pathRegex, fault] pairs applied from the start.
 */
export async function startBackend({ fixture = baseFixture(), faults = [] } = {}) {
  const server = await startServer({ snapshot: fixture, sandbox: true });
  const upstream = new URL(server.url);
  const requests = [];
  const injected = [];
  let active = faults.map((f) => (Array.isArray(f) ? f : [f.path, f])).map(([re, fault]) => ({ re: toRegex(re), fault, remaining: fault.times }));
  const sockets = new Set();
  const streams = new Set(); // { res, held: string[] | null }
  let holding = false;

  function takeFault(method, pathAndQuery) {
    for (const f of active) {
      const wantMethod = f.fault.method?.toUpperCase();
      if (method === 'OPTIONS' && wantMethod !== 'OPTIONS') continue;
      if (wantMethod && wantMethod !== method) continue;
      if (!f.re.test(pathAndQuery)) continue;
      if (f.remaining !== undefined && --f.remaining <= 0) active = active.filter((x) => x !== f);
      return f.fault;
    }
    return null;
  }

  /** Forwards the request; resolves with the server's response (a readable stream). */
  function forward(req, raw, { identity }) {
    const headers = { ...req.headers, host: upstream.host };
    // An answer the proxy changes must come uncompressed.
    if (identity) delete headers['accept-encoding'];
    return new Promise((resolve, reject) => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, resolve);
      out.on('error', reject);
      out.end(raw);
    });
  }

  function relayStream(up, res) {
    res.writeHead(up.statusCode, up.headers);
    res.flushHeaders();
    const stream = { res, held: holding ? [] : null };
    streams.add(stream);
    up.setEncoding('utf8');
    up.on('data', (chunk) => (stream.held ? stream.held.push(chunk) : res.write(chunk)));
    up.on('end', () => res.end());
    res.on('close', () => {
      streams.delete(stream);
      up.destroy();
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://proxy');
    const pathAndQuery = url.pathname + url.search;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks);
    let body = null;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : null;
    } catch {
      body = raw.toString('utf8');
    }
    const fault = takeFault(req.method, pathAndQuery);
    requests.push({ method: req.method, path: pathAndQuery, headers: req.headers, body, fault: fault ? describeFault(fault) : undefined, at: Date.now() });
    if (fault) injected.push({ method: req.method, path: pathAndQuery, fault: describeFault(fault) });
    if (fault && answersItself(fault)) {
      if (fault.delay) await sleep(fault.delay);
      return answerFault(req, res, fault);
    }
    const transform = fault && (typeof fault.body === 'function' || fault.huge !== undefined);
    const up = await forward(req, raw, { identity: transform });
    if (fault?.delay) await sleep(fault.delay);
    if (fault?.lost) {
      up.resume();
      return req.socket.destroy();
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/events' && up.statusCode === 200) return relayStream(up, res);
    if (!transform) {
      res.writeHead(up.statusCode, up.headers);
      return up.pipe(res);
    }
    const got = [];
    for await (const c of up) got.push(c);
    const text = Buffer.concat(got).toString('utf8');
    if (!/json/.test(up.headers['content-type'] ?? '') || !text) {
      res.writeHead(up.statusCode, up.headers);
      return res.end(text);
    }
    let out = JSON.parse(text);
    if (typeof fault.body === 'function') out = fault.body(out, pathAndQuery);
    if (typeof fault.huge === 'number') out = padList(out, fault.huge, pathAndQuery);
    else if (fault.huge) out = padText(out, fault.huge, fault.word);
    const headers = { ...up.headers };
    delete headers['content-length'];
    send(res, fault.status ?? up.statusCode, out, headers);
  }

  const proxy = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 502, errorBody(502, { detail: `proxy: ${err.message}` }));
      else res.destroy();
    });
  });
  proxy.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', resolve);
  });

  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    server: server.url,
    requests,
    injected,
    setFault(pathRegex, fault) {
      active.push({ re: toRegex(pathRegex), fault, remaining: fault.times });
    },
    clearFaults() {
      active = [];
    },
    /** Requests whose path matches `re` (and method, if given). */
    seen(re, method) {
      const r = toRegex(re);
      return requests.filter((x) => r.test(x.path) && (!method || x.method === method));
    },
    /** A request straight to the server (not through the proxy), as another agent or a channel. */
    api: (method, pathname, payload, agent) => api(server.url, method, pathname, payload, agent),
    tick: () => api(server.url, 'POST', '/sandbox/clock', { advanceMs: 1 }),
    holdEvents() {
      holding = true;
      for (const s of streams) s.held ??= [];
    },
    releaseEvents() {
      holding = false;
      for (const s of streams) {
        for (const chunk of s.held ?? []) s.res.write(chunk);
        s.held = null;
      }
    },
    emitRaw(text) {
      for (const s of streams) s.res.write(text);
    },
    /** Cuts every live stream (as a proxy or a restart would); the app reconnects. */
    dropStreams() {
      for (const s of streams) s.res.destroy();
    },
    async close() {
      for (const s of streams) s.res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(() => resolve()));
      await server.stop();
    },
  };
}
