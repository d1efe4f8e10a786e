// Many servers, one organisation: two instances of the reference server on one PostgreSQL
// database, the second behind a failover balancer. Agent A works on instance 1, agent B through
// the balancer on instance 2; instance 2 is killed and B's desk resumes on instance 1 without
// missing an event. Runs when RAPPORT_TEST_PG names a test cluster (`make e2e-run` wraps the
// suite in scripts/pg-cluster.sh); skipped, and said so, without one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openPage, screenshot, useApp } from './helpers.mjs';
import { navCount, T } from './desk.mjs';
import { api, startServer } from './server.mjs';

const PG = process.env.RAPPORT_TEST_PG;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const skip = PG ? false : 'RAPPORT_TEST_PG is not set (no test PostgreSQL)';
const app = useApp();
let one;
let two;
let lb;

/** A new database on the test cluster; its URL. */
async function database(name) {
  await promisify(execFile)('psql', [`${PG}/postgres`, '-qc', `CREATE DATABASE ${name}`]);
  return `${PG}/${name}`;
}

/**
 * A load balancer on loopback: each request goes to the first instance that takes the
 * connection, so a dead one is passed over. `events` records each event-stream request's
 * instance and Last-Event-ID (not the CORS preflights).
 */
async function balancer(targets) {
  const events = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    for (const target of targets) {
      const up = new URL(target.url);
      try {
        const answer = await new Promise((resolve, reject) => {
          const headers = { ...req.headers, host: up.host };
          const out = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, resolve);
          out.on('error', reject);
          out.end(body);
        });
        if (req.method === 'GET' && req.url.startsWith('/api/v1/events')) events.push({ target: target.name, lastEventId: req.headers['last-event-id'] });
        res.writeHead(answer.statusCode, answer.headers);
        // Now, not with the first byte of the body: an event stream may be quiet for a while.
        res.flushHeaders();
        answer.pipe(res);
        res.on('close', () => answer.destroy());
        // An instance that dies mid-answer cuts the client's connection too, as a proxy does.
        answer.on('aborted', () => res.destroy());
        answer.on('error', () => res.destroy());
        return;
      } catch {
        // Refused: that instance is down; the next one answers.
      }
    }
    res.writeHead(502).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, events, close: () => server.closeAllConnections() || server.close() };
}

before(async () => {
  if (skip) return;
  const db = await database(`e2e_${process.pid}`);
  one = await startServer({ db, sandbox: true });
  two = await startServer({ db, sandbox: true });
  lb = await balancer([
    { name: 'two', url: two.url },
    { name: 'one', url: one.url },
  ]);
});

after(async () => {
  lb?.close();
  await Promise.all([one?.stop(), two?.stop()]);
});

async function agentPage(agent, apiUrl) {
  const p = await openPage(app.browser);
  await p.page.addInitScript((a) => localStorage.setItem('rapport.prefs', JSON.stringify({ agent: a })), agent);
  await p.page.goto(`${app.baseUrl}inbox/open?api=${encodeURIComponent(apiUrl)}`);
  await p.page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T }).catch(async (e) => {
    await screenshot(p.page, 'instances-debug.png');
    throw new Error(`${e.message}\n${p.errors.join('\n')}`);
  });
  await p.page.getByTestId('conversation-row').first().waitFor({ timeout: T });
  return p;
}

/** Closes the first open conversation on `url` as its agent, with a topic (as the inbox may ask). */
async function closeOne(url) {
  const page = await api(url, 'GET', '/conversations?view=open&limit=1', null, 'ag1');
  const conv = page.items[0].conversation;
  const agent = conv.assignee?.agentId ?? 'ag1';
  const topics = await api(url, 'GET', '/topics', null, agent);
  const topic = topics.find((t) => !t.disabled).id;
  await api(url, 'PUT', `/conversations/${conv.id}/topics`, { topicIds: [topic] }, agent);
  await api(url, 'PATCH', `/conversations/${conv.id}`, { status: { value: 'CLOSED' } }, agent);
}

const countIs = (page, want) =>
  page.waitForFunction(
    (n) => document.querySelector('nav a[href$="/inbox/open"] .count')?.textContent === String(n),
    want,
    { timeout: T },
  );

test('A closes on instance 1, B on instance 2 sees it live, and resumes on instance 1 when 2 dies', { skip, timeout: 180_000 }, async () => {
  const a = await agentPage('ag1', one.url);
  const b = await agentPage('ag3', lb.url);
  try {
    assert.equal(lb.events.at(-1).target, 'two', 'B streams from instance 2');
    const open = await navCount(b.page, 'open');
    await closeOne(one.url);
    // B's desk asked nothing: instance 2 heard instance 1's commit and streamed it.
    await countIs(b.page, open - 1);
    await countIs(a.page, open - 1);

    const streamsBefore = lb.events.length;
    await two.stop();
    // While B has no stream, A closes another one.
    await closeOne(one.url);
    const resumedStream = () => lb.events.slice(streamsBefore).find((e) => e.target === 'one');
    for (let waited = 0; !resumedStream() && waited < T; waited += 250) await sleep(250);
    const resumed = resumedStream();
    assert.ok(resumed, `B reconnected through instance 1: ${JSON.stringify(lb.events)}`);
    await b.page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
    await countIs(b.page, open - 2);
    assert.match(resumed.lastEventId ?? '', /^\d+$/, 'and resumed from the last event it had');
    await screenshot(b.page, 'instances-b-resumed.png');
  } finally {
    await a.close();
    await b.close();
  }
});
