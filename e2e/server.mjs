// Starts the reference server (crates/server) for the e2e tests, on loopback with its own
// database file, and can stop and restart it on the same port and file. `snapshot` (an
// organisation as plain data, see fixtures/base.mjs) starts it from that instead of the seed.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = process.env.RAPPORT_SERVER || 'target/debug/rapport-server';

// `accounts` ([{ email, agent, role }]) are created first (`rapport-server admin create`): the
// server then has every request sign in; their first passwords come back as `passwords[email]`.
export async function startServer({ addr = '127.0.0.1:0', db, snapshot, sandbox = false, accounts = [] } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'rapport-e2e-'));
  const dbFile = db || path.join(dir, 'rapport.db');
  const args = ['--addr', addr, '--db', dbFile, ...(sandbox ? ['--sandbox'] : [])];
  // The app is served from another origin than the server (as under `trunk serve`): allowed by name.
  const appOrigin = process.env.RAPPORT_E2E_APP_ORIGIN;
  if (appOrigin) args.push('--allow-origin', appOrigin);
  if (snapshot) {
    const file = path.join(dir, 'organisation.json');
    await writeFile(file, JSON.stringify(snapshot));
    args.push('--snapshot', file);
  }
  const passwords = {};
  for (const { email, agent, role = 'agent' } of accounts) {
    const created = args.includes('--snapshot') ? ['--snapshot', args[args.indexOf('--snapshot') + 1]] : [];
    const { stdout } = await promisify(execFile)(BIN, [
      'admin', 'create', '--email', email, '--agent', agent, '--role', role, '--db', dbFile, ...created,
    ]);
    const m = /first password \(shown once\): (\S+)/.exec(stdout);
    if (!m) throw new Error(`admin create printed no password:\n${stdout}`);
    passwords[email] = m[1];
  }
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // What it printed, for an error message; once it listens, only the last lines (the access log
  // has one per request).
  let log = '';
  let started = false;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60_000);
    const onData = (chunk) => {
      log += chunk;
      if (started) {
        log = log.slice(-8000);
        return;
      }
      const m = /listening on (http:\/\/[^\s]+)/.exec(log);
      if (m) {
        started = true;
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  return { url, db: dbFile, addr: new URL(url).host, stop, passwords };
}

/** A request to the server as a channel integration would make it. */
export async function api(url, method, pathname, body, agent) {
  const res = await fetch(`${url}/api/v1${pathname}`, {
    method,
    headers: { 'content-type': 'application/json', ...(agent ? { 'x-agent-id': agent } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
