// First-load size of a release build: brotli (quality 11) of index.html, the JS glue, the wasm and
// the CSS of a Trunk dist folder, per file and in total. Exits 1 when the total is over the budget.
//
//   node bench/size-check.mjs DIST [--budget-kb N] [--engine-budget-kb N] [--target-kb N]
//
// Sizes are deterministic for a given build, so this runs in `make test` (timings do not: those
// are `make bench`). The default budget is a ratchet, not the goal: the size measured on
// 2026-12-01 (shell 396.8 KiB, see bench/README.md) rounded up plus 5% headroom, so growth fails the
// build while the 150 KiB target is reported separately until it is met. When the app shrinks,
// lower DEFAULT_BUDGET_KIB to the new size + 5%. 1 KiB = 1024 bytes throughout. Raised twice. On
// 2026-12-02, from 417 to 421 for the sign-in page and session handling (shell 414.6 -> 419.4 KiB):
// a feature every team server needs, which nothing could be cut to pay for that day. The engine's,
// from 197 to 199 the same day: the service it runs gained access rules and capped lists. The
// shell's again, to 431, for the agent's own account in Settings (420.3 -> 429.8 KiB): a team
// server's agents must change a password and manage tokens without an admin; and to 433 for the
// desk's fixes of issue 14 (the profile as a panel below 1100 px, a confirmed demo reset, search
// and assignment texts: 429.8 -> 431.9 KiB). Lowered to 430 the same day (428.6 KiB): initials and
// due dates are upper-cased as ASCII, which drops Unicode's upper-case tables (-5.5 KiB). The
// engine's, from 199 to 205 on 2026-12-02, when the service gained the team's management (new
// agents, inbox memberships and the rule that nobody leaves an inbox holding open work there:
// 198.3 -> 204.0 KiB, two more commands for the tagged command decoder among it); the demo
// runs the same service as the server, so the demo carries the operations too. From 205 to 208
// on 2026-12-03 for inboxes set up and edited through the API (two commands, one route for
// both: 204.2 -> 210.4 KiB), of which reading `Actor` as a plain struct instead of a tagged enum
// paid back 2.1 KiB and one body decoder for both routes 0.5 KiB: 207.8 KiB. From 208 to 209 on
// 2026-12-04: the service applies what other instances stored before it answers (PostgreSQL);
// the demo runs the same service, so it carries that step too (208.5 KiB).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

export const DEFAULT_BUDGET_KIB = 430;
export const TARGET_KIB = 150;
/** The demo engine (the worker's files), loaded only by the demo; its own ratchet. */
export const ENGINE_BUDGET_KIB = 209;
/** The worker's files: its entry script and what is named after its crate's binary; everything
 * else is the shell. */
export const isEngine = (file) => path.basename(file).startsWith('rapport-demo') || path.basename(file) === 'demo-worker.js';

const cache = new Map();

/** Brotli-11 size in bytes of a file (cached per path, size and mtime). */
export function brotliSize(file) {
  const st = statSync(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  if (!cache.has(key)) {
    const buf = readFileSync(file);
    const out = brotliCompressSync(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
        [constants.BROTLI_PARAM_MODE]: /\.(html|js|css)$/.test(file) ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      },
    });
    cache.set(key, out.length);
  }
  return cache.get(key);
}

export const kib = (bytes) => (bytes / 1024).toFixed(1);

/** The first-load files of a Trunk dist folder: index.html, *.js, *.wasm, *.css (top level). */
export function firstLoadFiles(dist) {
  const names = readdirSync(dist).filter((f) => f === 'index.html' || /\.(js|wasm|css)$/.test(f));
  const missing = ['index.html', '.js', '.wasm', '.css'].filter((want) => !names.some((n) => (want.startsWith('.') ? n.endsWith(want) : n === want)));
  if (missing.length) throw new Error(`${dist}: no ${missing.join(', ')} (not a Trunk release build?)`);
  return names.sort().map((f) => path.join(dist, f));
}

function main(argv) {
  const args = argv.slice(2);
  let dist = null;
  let budget = DEFAULT_BUDGET_KIB;
  let engineBudget = ENGINE_BUDGET_KIB;
  let target = TARGET_KIB;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = () => {
      const v = Number(args[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--budget-kb') budget = num();
    else if (a === '--engine-budget-kb') engineBudget = num();
    else if (a === '--target-kb') target = num();
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/size-check.mjs DIST [--budget-kb N] [--engine-budget-kb N] [--target-kb N]');
      return 0;
    } else if (!dist && !a.startsWith('-')) dist = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!dist) throw new Error('usage: node bench/size-check.mjs DIST [--budget-kb N] [--engine-budget-kb N] [--target-kb N]');
  const files = firstLoadFiles(path.resolve(dist));
  console.log(`first-load size of ${dist} (brotli quality 11; 1 KiB = 1024 B)`);
  const sum = (label, list) => {
    let raw = 0;
    let br = 0;
    for (const f of list) {
      const size = statSync(f).size;
      const b = brotliSize(f);
      raw += size;
      br += b;
      console.log(`  ${path.basename(f).padEnd(40)} ${kib(size).padStart(9)} KiB raw ${kib(b).padStart(8)} KiB br`);
    }
    console.log(`  ${label.padEnd(40)} ${kib(raw).padStart(9)} KiB raw ${kib(br).padStart(8)} KiB br`);
    return br;
  };
  const verdict = (what, total, limit) => {
    const over = total > limit * 1024;
    console.log(`${what} budget ${limit} KiB (ratchet): ${over ? 'FAIL' : 'pass'} (${over ? 'over by' : 'headroom'} ${kib(Math.abs(limit * 1024 - total))} KiB)`);
    return over;
  };
  console.log('the shell (what every agent loads; with a server, all of it):');
  const shell = sum('shell', files.filter((f) => !isEngine(f)));
  const engineFiles = files.filter(isEngine);
  const engine = engineFiles.length ? (console.log('the demo engine (the worker, loaded by the demo only):'), sum('demo engine', engineFiles)) : 0;
  console.log(`  ${'demo in all (shell + engine)'.padEnd(40)} ${''.padStart(13)} ${kib(shell + engine).padStart(8)} KiB br`);
  const overShell = verdict('shell', shell, budget);
  const overEngine = engineFiles.length ? verdict('demo engine', engine, engineBudget) : false;
  console.log(`shell target ${target} KiB: ${shell <= target * 1024 ? 'met' : `not met (${(shell / (target * 1024)).toFixed(2)}× the target)`}`);
  return overShell || overEngine ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    process.exitCode = main(process.argv);
  } catch (err) {
    console.error(`size-check: ${err.message}`);
    process.exitCode = 2;
  }
}
