// A bounded load generator for the reference server, on loopback: simulated agents with a mix of
// list reads, counts, timeline reads, replies, status changes and inbound contacts, each waiting
// a little between steps as a person would. Prints throughput and p50/p95/p99 per operation, the
// server's startup time and its resident memory. A report, not a test: exits 1 only when the run
// itself broke. See bench/README.md.
//
//   node bench/load.mjs --engine sqlite|postgres [--conversations 10000] [--agents 200]
//        [--seconds 60] [--server target/release/rapport-server]
// PostgreSQL needs RAPPORT_TEST_PG (a cluster URL without a database, as scripts/pg-cluster.sh sets).
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const engine = args.engine ?? 'sqlite';
const conversations = Number(args.conversations ?? 10_000);
const agents = Number(args.agents ?? 200);
const seconds = Math.min(Number(args.seconds ?? 60), 300);
const bin = args.server ?? 'target/release/rapport-server';

// The mix, by weight: what an agent's desk does in a working minute, roughly.
const MIX = [
  ['list page', 35],
  ['counts', 10],
  ['timeline', 20],
  ['reply', 10],
  ['status', 10],
  ['inbound', 15],
];

async function database() {
  if (engine === 'sqlite') return path.join(await mkdtemp(path.join(tmpdir(), 'rapport-load-')), 'load.db');
  const base = process.env.RAPPORT_TEST_PG;
  if (!base) throw new Error('--engine postgres needs RAPPORT_TEST_PG (run under scripts/pg-cluster.sh)');
  const name = `load_${process.pid}_${conversations}`;
  await promisify(execFile)('psql', [`${base}/postgres`, '-qc', `CREATE DATABASE ${name}`]);
  return `${base}/${name}`;
}

function start(db) {
  const began = performance.now();
  const child = spawn(bin, ['--addr', '127.0.0.1:0', '--db', db, '--sandbox', '--rate-limit', '0', '--conversations', String(conversations)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log = (log + chunk).slice(-4000);
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve({ child, url: m[1].replace(/\/$/, ''), startup: (performance.now() - began) / 1000 });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${log}`)));
  });
}

async function memory(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];

async function call(url, method, p, agent, body) {
  const res = await fetch(`${url}/api/v1${p}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-agent-id': agent },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) };
}

async function pool(url) {
  const seen = [];
  for (const view of ['open', 'waiting', 'new']) {
    const r = await call(url, 'GET', `/conversations?view=${view}&limit=500`, 'ag1');
    seen.push(...r.json().items.map((s) => s.conversation));
  }
  const team = (await call(url, 'GET', '/agents', 'ag1')).json().map((a) => a.id);
  return { conversations: seen, team };
}

function step(url, work, agent) {
  let roll = Math.random() * 100;
  const [op] = MIX.find(([, w]) => (roll -= w) < 0) ?? MIX[0];
  const conv = pick(work.conversations);
  switch (op) {
    case 'list page':
      return [op, call(url, 'GET', `/conversations?view=${pick(['mine', 'open', 'waiting', 'new'])}&agentId=${agent}&limit=50`, agent)];
    case 'counts':
      return [op, call(url, 'GET', `/conversation-counts?agentId=${agent}`, agent)];
    case 'timeline':
      return [op, call(url, 'GET', `/customers/${conv.customerId}/timeline?limit=200`, agent)];
    case 'reply':
      return [op, call(url, 'POST', `/conversations/${conv.id}/replies`, agent, { channel: conv.channels?.[0] ?? 'EMAIL', body: 'Thanks, looking into it now.', subject: 'Re: your order' })];
    case 'status':
      return [op, call(url, 'PATCH', `/conversations/${conv.id}`, agent, { status: { value: pick(['WAITING', 'OPEN']) } })];
    default:
      return [op, call(url, 'POST', '/inbound', agent, { customerId: conv.customerId, channel: 'SMS', text: 'Any news on my order?' })];
  }
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main() {
  const db = await database();
  const server = await start(db);
  const afterStart = await memory(server.child.pid);
  const work = await pool(server.url);
  const stats = new Map(MIX.map(([op]) => [op, { ms: [], ok: 0, refused: 0, failed: 0 }]));
  const deadline = performance.now() + seconds * 1000;
  const agent = async (n) => {
    const me = work.team[n % work.team.length];
    while (performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      const [op, pending] = step(server.url, work, me);
      const t0 = performance.now();
      const s = stats.get(op);
      try {
        const { status } = await pending;
        s.ms.push(performance.now() - t0);
        if (status < 400) s.ok += 1;
        else if (status < 500) s.refused += 1;
        else s.failed += 1;
      } catch {
        s.failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: agents }, (_, n) => agent(n)));
  const end = await memory(server.child.pid);
  server.child.kill('SIGTERM');

  const total = [...stats.values()].reduce((n, s) => n + s.ms.length, 0);
  console.log(`\nmake load: ${engine}, ${conversations.toLocaleString('en')} conversations, ${agents} agents, ${seconds} s, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
  console.log(`startup ${server.startup.toFixed(2)} s; resident memory ${afterStart.rss.toFixed(0)} MB after start, ${end.rss.toFixed(0)} MB at the end (peak ${end.peak.toFixed(0)} MB)`);
  console.log(`throughput ${(total / seconds).toFixed(0)} requests/s\n`);
  console.log('operation     count     ok  refused  failed    p50 ms   p95 ms   p99 ms');
  for (const [op, s] of stats) {
    const sorted = s.ms.slice().sort((a, b) => a - b);
    const q = (x) => quantile(sorted, x).toFixed(1).padStart(8);
    console.log(`${op.padEnd(11)} ${String(sorted.length).padStart(7)} ${String(s.ok).padStart(6)} ${String(s.refused).padStart(8)} ${String(s.failed).padStart(7)} ${q(0.5)} ${q(0.95)} ${q(0.99)}`);
  }
}

main().catch((e) => {
  console.error(`make load: ${e.message}`);
  process.exit(1);
});
