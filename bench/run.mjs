// Performance benchmark: Rapport (release build) against a hand-written vanilla-JS twin that renders
// the same DOM for data of the same size and shape, both measured in the same browser, run by run,
// alternating which goes first. Prints medians, ratios and the budgets as pass/fail. A report:
// exits 0 even when budgets fail, 1 only when a measurement itself broke (a selector that never
// appeared, a page error, a number that cannot be right). Method and caveats: bench/README.md.
//
//   node bench/run.mjs [--runs 5] [--dist target/bench-dist] [--conversations 10000] [--heavy 5000]
//                      [--cycles 20] [--json target/bench-results.json]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startBench, fileFor } from './server.mjs';
import { brotliSize, kib, TARGET_KIB } from './size-check.mjs';

// ---------- options ----------
const opts = { runs: 5, dist: 'target/bench-dist', conversations: 10000, heavy: 5000, cycles: 20, json: 'target/bench-results.json' };
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const key = args[i].replace(/^--/, '');
    if (key === 'help' || key === 'h') {
      console.log('usage: node bench/run.mjs [--runs N] [--dist DIR] [--conversations N] [--heavy N] [--cycles N] [--json FILE]');
      process.exit(0);
    }
    if (!(key in opts) || i + 1 >= args.length) die(`unknown or incomplete option ${args[i]}`);
    const v = args[++i];
    opts[key] = typeof opts[key] === 'number' ? Number(v) : v;
    if (typeof opts[key] === 'number' && !(Number.isInteger(opts[key]) && opts[key] > 0)) die(`--${key} needs a positive integer`);
  }
}
function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(1);
}

const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-extensions', '--enable-precise-memory-info'];
// Latency browser: without vsync a frame starts as soon as one is needed, so "click → next frame"
// is the work plus one rendering update instead of up to 16.7 ms of waiting for a vsync.
const LATENCY_ARGS = [...BASE_ARGS, '--disable-gpu-vsync', '--disable-frame-rate-limit'];
// Frames browser: normal 60 Hz frame pacing, for dropped frames while scrolling.
const FRAMES_ARGS = BASE_ARGS;
const VIEWPORT = { width: 1280, height: 800 };
const TIMEOUT = 60_000;
const FRAME = 1000 / 60;
const REPS = 3; // measured repetitions of each interaction per run (median taken)

// ---------- in-page instrumentation (an init script: runs before the page's own scripts) ----------
function instrument() {
  if (window.__bench) return;
  const B = (window.__bench = { firstRow: null, ready: null, wasm: null, longTasks: [], lcp: null });
  // Main-thread tasks over 50 ms (a worker's are its own) and the largest paint so far, from
  // navigation start: what total blocking time and largest contentful paint are made of.
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.longTasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.lcp = e.startTime; })
      .observe({ type: 'largest-contentful-paint', buffered: true });
  } catch { /* the metrics then read as missing, and the report says so */ }
  // Trunk's loader announces the wasm exports (with `memory`) in this event's detail.
  addEventListener('TrunkApplicationStarted', (e) => { B.wasm = e.detail && e.detail.wasm; }, { once: true });
  // After the next frame's rendering update: a rAF callback runs just before style/layout/paint of
  // that frame; a message posted from it is handled after the frame was produced.
  B.nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve(performance.now());
    ch.port2.postMessage(null);
  }));
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
  };
  // Inbox ready: the first conversation row present and in the viewport, then the next frame.
  const mo = new MutationObserver(() => {
    const row = document.querySelector('li.conversation-row');
    if (!row || !inView(row)) return;
    mo.disconnect();
    B.firstRow = performance.now();
    B.nextFrame().then((t) => { B.ready = t; });
  });
  mo.observe(document, { childList: true, subtree: true });

  // A spec holds when its `gate` (if any) is present and: with `newest`, `sel` is a virtualized
  // timeline whose data-items is at least `newest` and whose newest item (aria-posinset equal to
  // data-items) is rendered; with `min` > 1, at least `min` elements match `sel`; otherwise one
  // matches, with `text` if given.
  B.timeline = (el) => {
    const n = Number(el?.getAttribute('data-items'));
    return { items: n, rendered: el ? el.querySelectorAll('[data-testid=timeline-item]').length : 0, newest: !!el?.querySelector(`[data-testid=timeline-item][aria-posinset="${n}"]`) };
  };
  B.describe = (s) => `${s.sel}${s.newest != null ? `[data-items ≥ ${s.newest}] with its newest item rendered` : ''}${s.min > 1 ? ` ×${s.min}` : ''}${s.text != null ? ` = "${s.text}"` : ''}`;
  B.check = (spec) => {
    if (spec.gate && !document.querySelector(spec.gate)) return false;
    if (spec.newest != null) {
      const tl = B.timeline(document.querySelector(spec.sel));
      return tl.items >= spec.newest && tl.newest;
    }
    if ((spec.min || 1) > 1) return document.querySelectorAll(spec.sel).length >= spec.min;
    const el = document.querySelector(spec.sel);
    if (!el) return false;
    if (spec.text != null && el.textContent.trim() !== spec.text) return false;
    return true;
  };
  // Clicks `click` (a synthetic click, as el.click()) and, for each spec, records when it first
  // holds (MutationObserver, so microtask-precise) and when the frame after that was produced.
  B.measure = (click, specs, timeout) => new Promise((resolve, reject) => {
    const target = document.querySelector(click);
    if (!target) return reject(new Error(`nothing to click: ${click}`));
    if (target.disabled) return reject(new Error(`disabled: ${click}`));
    const held = specs.filter((s) => B.check(s));
    if (held.length) return reject(new Error(`already true before the click: ${held.map(B.describe).join(', ')}`));
    const out = specs.map(() => ({ dom: null, frame: null }));
    let pending = specs.length;
    let t0 = 0;
    const poll = () => specs.forEach((s, i) => {
      if (out[i].dom != null || !B.check(s)) return;
      out[i].dom = performance.now() - t0;
      if ((s.min || 1) > 1) out[i].count = document.querySelectorAll(s.sel).length;
      if (s.newest != null) Object.assign(out[i], B.timeline(document.querySelector(s.sel)));
      B.nextFrame().then((t) => {
        out[i].frame = t - t0;
        if (--pending === 0) { cleanup(); resolve(out); }
      });
    });
    const obs = new MutationObserver(poll);
    const timer = setInterval(poll, 50);
    const killer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeout} ms waiting for ${specs.filter((_, i) => out[i].dom == null).map(B.describe).join(' and ')}`));
    }, timeout);
    const cleanup = () => { obs.disconnect(); clearInterval(timer); clearTimeout(killer); };
    obs.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
    t0 = performance.now();
    target.click();
    poll();
  });
}

// ---------- helpers ----------
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function must(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function openPage(browser, label) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(instrument);
  // The demo's engine as a dedicated worker (the browsers without SharedWorker run it so), the
  // same code: Playwright lists dedicated workers only, and the memory figure reads it there.
  await context.addInitScript(() => {
    delete window.SharedWorker;
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${label}: pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The favicon preload warning is harmless; anything else an app logs as an error is not.
    if (m.type() === 'error' && !/favicon/.test(m.text())) errors.push(`${label}: console.error: ${m.text()}`);
  });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { context, page, cdp, errors, requests };
}

/** Loads the closed view of a target and waits for its first row; returns load metrics. */
async function load(s, target, url) {
  await s.page.goto(url, { waitUntil: 'commit', timeout: TIMEOUT });
  try {
    await s.page.waitForFunction(() => window.__bench && window.__bench.ready != null, null, { timeout: TIMEOUT, polling: 100 });
  } catch (err) {
    throw new Error(`${target.name}: no conversation row became visible in ${TIMEOUT} ms at ${url} (${err.message.split('\n')[0]})`);
  }
  // Paint timing entries arrive with the frame's presentation feedback, possibly after `ready`.
  await s.page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 10_000, polling: 50 })
    .catch(() => { throw new Error(`${target.name}: no first-contentful-paint entry within 10 s of the first row`); });
  const m = await s.page.evaluate(() => ({
    ready: window.__bench.ready,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    count: Number(document.querySelector('[data-testid=conversation-list]')?.dataset.count),
    longest: Math.max(0, ...window.__bench.longTasks.filter(([t]) => t <= window.__bench.ready).map(([, d]) => d)),
  }));
  must(m.fcp != null, `${target.name}: no first-contentful-paint entry`);
  must(m.count > 0, `${target.name}: the closed view has no data-count`);
  return m;
}

/** Brotli-11 bytes of every file the page requested so far; refuses unknown URLs. */
function transfer(s, target, distDir) {
  const files = new Map();
  for (const u of s.requests) {
    const url = new URL(u);
    if (url.protocol === 'data:') continue;
    const file = fileFor(distDir, url.pathname);
    must(file, `${target.name}: a request the transfer metric cannot account for: ${u}`);
    files.set(file, brotliSize(file));
  }
  const names = [...files.keys()].map((f) => path.basename(f));
  must(target.name !== 'Rapport' || names.some((n) => n.endsWith('.wasm')), `Rapport: no .wasm among the first-load requests (${names.join(', ')})`);
  must(names.some((n) => n.endsWith('.js')), `${target.name}: no .js among the first-load requests (${names.join(', ')})`);
  return { bytes: [...files.values()].reduce((a, b) => a + b, 0), files: Object.fromEntries([...files].map(([f, b]) => [path.basename(f), b])) };
}

/** JS heap (after two forced GCs) plus wasm linear memory, in bytes; DOM counters for context. */
async function memory(s, target) {
  await sleep(200);
  await s.cdp.send('HeapProfiler.collectGarbage');
  await s.cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await s.cdp.send('Performance.getMetrics');
  const js = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
  const page = await s.page.evaluate(() => window.__bench.wasm?.memory?.buffer?.byteLength ?? 0);
  // The demo's engine runs in a Web Worker with a wasm memory of its own (its JS heap is small and
  // not in JSHeapUsedSize, which is the page's).
  let worker = 0;
  // `wasm_bindgen` is a script-level binding of the worker, not a property of `self`.
  for (const w of s.page.workers()) {
    worker += await w
      .evaluate(() => (typeof wasm_bindgen !== 'undefined' && wasm_bindgen.memory_bytes ? wasm_bindgen.memory_bytes() : 0))
      .catch(() => 0);
  }
  const wasm = page + worker;
  const dom = await s.cdp.send('Memory.getDOMCounters');
  must(js > 0, `${target.name}: JSHeapUsedSize not reported`);
  must(target.name !== 'Rapport' || page > 0, 'Rapport: wasm memory not reachable (no TrunkApplicationStarted detail.wasm.memory)');
  return { js, wasm, worker, total: js + wasm, nodes: dom.nodes, listeners: dom.jsEventListeners };
}

/** One measured click: returns [{dom, frame}] per spec, in ms after the click. */
async function measure(s, target, click, specs, what) {
  try {
    return await s.page.evaluate(([c, sp, t]) => window.__bench.measure(c, sp, t), [click, specs, TIMEOUT]);
  } catch (err) {
    throw new Error(`${target.name}: ${what}: ${err.message.split('\n')[0]}`);
  }
}
const navCount = (s, slug) => s.page.evaluate((sl) => Number(document.querySelector(`nav a[href$="/inbox/${sl}"] .count`)?.textContent), slug);
const btn = (st) => `[data-testid=conversation-header] button[data-status="${st}"]`;
const pressed = (st) => ({ sel: `${btn(st)}[aria-pressed="true"]` });
/** A metric's per-run value: the median of its repetitions, plus the DOM-only time for reference. */
const summary = (key, marks) => ({ [key]: median(marks.map((m) => m.frame)), [`${key}Dom`]: median(marks.map((m) => m.dom)), [`${key}All`]: marks.map((m) => +m.frame.toFixed(1)) });
/** The virtualized timeline: { items: data-items, rendered: items in the DOM, newest: the last one rendered }. */
const timelineState = (s) => s.page.evaluate(() => window.__bench.timeline(document.querySelector('[data-testid=timeline]')));
/** data-items of the timeline on screen, checked to be a count. */
async function timelineItems(s, target, what) {
  const n = (await timelineState(s)).items;
  must(Number.isInteger(n) && n > 0, `${target.name}: ${what}: the timeline has no data-items (${n})`);
  return n;
}
/** The timeline counts one more item (the status change's own entry) and renders it. */
const newItem = (n0) => ({ sel: `[data-testid=timeline][data-items="${n0 + 1}"] [data-testid=timeline-item][aria-posinset="${n0 + 1}"]` });
/** A virtualized timeline renders far fewer items than this, even on a tall screen. */
const MAX_RENDERED = 500;
const listSpec = (count, status) => ({ sel: `[data-testid=conversation-list][data-count="${count}"] li.conversation-row .status-pill.st-${status}` });

// ---------- the latency sessions of one run: both targets open side by side ----------
// Every step runs for one target and then the other (the order flips run by run), so a burst of
// load on this shared machine lands on both within a second or so instead of on one target's
// whole session; ratios are what the budgets judge.
async function latencyRun(browser, order, distDir) {
  const sessions = [];
  try {
    for (const t of order) sessions.push({ t, s: await openPage(browser, t.name), r: {}, tmp: {} });
    const each = async (fn) => {
      for (const x of sessions) await fn(x);
    };
    const url = (t) => `${t.url}inbox/closed?demo-conversations=${opts.conversations}&demo-heavy=${opts.heavy}`;

    // Load, transfer, memory after load.
    await each(async ({ t, s, r }) => {
      const l = await load(s, t, url(t));
      Object.assign(r, { fcp: l.fcp, inboxReady: l.ready, closedCount: l.count, longestTask: l.longest });
      const tr = transfer(s, t, distDir);
      Object.assign(r, { transfer: tr.bytes, transferFiles: tr.files });
    });
    await sleep(500); // let start-up work (counts, deferred effects) finish before measuring
    await each(async ({ t, s, r }) => {
      const m = await memory(s, t);
      Object.assign(r, { memJs: m.js, memWasm: m.wasm, memWorker: m.worker, memTotal: m.total, domNodes: m.nodes });
    });

    // Filter: switch views over all conversations; one warm-up round, then REPS measured rounds.
    await each(async ({ t, s, tmp }) => {
      tmp.waiting = await navCount(s, 'waiting');
      tmp.closed = await navCount(s, 'closed');
      must(tmp.waiting > 0 && tmp.closed > 0 && tmp.waiting !== tmp.closed, `${t.name}: odd view counts (waiting ${tmp.waiting}, closed ${tmp.closed})`);
      tmp.fw = [];
      tmp.fc = [];
    });
    for (let round = 0; round <= REPS; round++) {
      await each(async ({ t, s, tmp }) => {
        const [w] = await measure(s, t, 'nav a[href$="/inbox/waiting"]', [listSpec(tmp.waiting, 'waiting')], `filter to Waiting (round ${round})`);
        await sleep(150);
        const [c] = await measure(s, t, 'nav a[href$="/inbox/closed"]', [listSpec(tmp.closed, 'closed')], `filter to Closed (round ${round})`);
        await sleep(150);
        if (round > 0) tmp.fw.push(w);
        if (round > 0) tmp.fc.push(c);
      });
    }
    await each(async ({ r, tmp }) => Object.assign(r, summary('filterWaiting', tmp.fw), summary('filterClosed', tmp.fc)));

    // Status change on the first conversation of the Open view: Waiting ⇄ Open, one warm-up pair,
    // then 2 × REPS - 1 measured changes; marks: the header's button, the nav counts, the timeline.
    await each(async ({ t, s, tmp }) => {
      const open = await navCount(s, 'open');
      await measure(s, t, 'nav a[href$="/inbox/open"]', [listSpec(open, 'open')], 'open the Open view');
      await measure(s, t, 'li.conversation-row[aria-posinset="1"] a', [{ sel: btn('Waiting') }, { sel: '[data-testid=timeline] [data-testid=timeline-item]' }], 'open a customer from the Open view');
      Object.assign(tmp, { st: [], sc: [], stl: [] });
    });
    await sleep(300);
    for (let k = 0; k < 2 * REPS + 1; k++) {
      const to = k % 2 ? 'Open' : 'Waiting';
      await each(async ({ t, s, tmp }) => {
        const w0 = await navCount(s, 'waiting');
        const n0 = await timelineItems(s, t, `status to ${to} (${k})`);
        const marks = await measure(s, t, btn(to), [pressed(to), { sel: 'nav a[href$="/inbox/waiting"] .count', text: String(to === 'Waiting' ? w0 + 1 : w0 - 1) }, newItem(n0)], `status to ${to} (${k})`);
        if (k >= 2) [tmp.st, tmp.sc, tmp.stl].forEach((list, i) => list.push(marks[i]));
        await sleep(300);
      });
    }
    await each(async ({ r, tmp }) => Object.assign(r, summary('status', tmp.st), summary('statusCounts', tmp.sc), summary('statusTimeline', tmp.stl)));

    // The long timeline: find Morgan Longhistory (not measured), then click → the timeline counts
    // all its items (data-items) and renders the newest one, next frame. REPS times, going back to
    // the search results in between.
    await each(async ({ s }) => {
      await s.page.fill('#search-input', 'Morgan Longhistory');
      await s.page.press('#search-input', 'Enter');
    });
    await each(async ({ tmp }) => { tmp.tl = []; });
    for (let k = 0; k < REPS; k++) {
      await each(async ({ t, s, tmp }) => {
        if (k > 0) await s.page.goBack();
        await s.page.waitForSelector('[data-testid=customer-results] a', { timeout: TIMEOUT }).catch(() => {
          throw new Error(`${t.name}: search found no "Morgan Longhistory"`);
        });
        await sleep(300);
        const [m] = await measure(s, t, '[data-testid=customer-results] a', [{ sel: '[data-testid=timeline]', newest: opts.heavy }], `open the ${opts.heavy}-item timeline (${k})`);
        tmp.tl.push(m);
        await sleep(300);
        // Both really virtualize: the newest item stays (stuck to the bottom), few items are rendered.
        const after = await timelineState(s);
        must(after.items === m.items, `${t.name}: the timeline counted ${m.items} items when measured but ${after.items} a moment later`);
        must(after.newest, `${t.name}: the newest timeline item (aria-posinset ${after.items}) left the DOM a moment after the clock stopped (not kept at the bottom?)`);
        must(after.rendered < MAX_RENDERED, `${t.name}: ${after.rendered} of ${after.items} timeline items in the DOM; a virtualized timeline renders fewer than ${MAX_RENDERED}`);
        tmp.tlAfter = after;
      });
    }
    await each(async ({ r, tmp }) => {
      Object.assign(r, summary('timeline', tmp.tl));
      r.timelineItems = tmp.tlAfter.items;
      r.timelineRendered = tmp.tlAfter.rendered;
      r.timelineRenderedAtMark = median(tmp.tl.map((m) => m.rendered));
      Object.assign(tmp, { sh: [], shl: [] });
    });

    // Status change with that long timeline on screen: reopen its last conversation, then
    // Waiting, then Open again.
    for (const to of ['Open', 'Waiting', 'Open']) {
      await each(async ({ t, s, tmp }) => {
        const n0 = await timelineItems(s, t, `status to ${to} on the ${opts.heavy}-item customer`);
        const [a, c] = await measure(s, t, btn(to), [pressed(to), newItem(n0)], `status to ${to} on the ${opts.heavy}-item customer`);
        tmp.sh.push(a);
        tmp.shl.push(c);
        await sleep(400);
      });
    }
    await each(async ({ r, tmp }) => Object.assign(r, summary('statusHeavy', tmp.sh), summary('statusHeavyTimeline', tmp.shl)));

    // Memory growth: open a customer from the Closed view and go back to the list, `cycles`
    // times (after two warm-up cycles), with forced GCs before and after.
    await each(async ({ t, s, tmp }) => {
      const closedNow = await navCount(s, 'closed');
      await measure(s, t, 'nav a[href$="/inbox/closed"]', [listSpec(closedNow, 'closed')], 'back to the Closed view');
      const cycle = async (i) => {
        await measure(s, t, `li.conversation-row[aria-posinset="${1 + (i % 2)}"] a`, [{ sel: '[data-testid=timeline] [data-testid=timeline-item]' }], `cycle ${i}: open a customer`);
        await measure(s, t, 'nav a[href$="/inbox/closed"]', [{ sel: 'main.no-selection' }], `cycle ${i}: back to the list`);
      };
      for (let i = 0; i < 2; i++) await cycle(i);
      tmp.cycle = cycle;
    });
    await each(async ({ t, s, tmp }) => { tmp.before = await memory(s, t); });
    await each(async ({ tmp }) => {
      for (let i = 0; i < opts.cycles; i++) await tmp.cycle(i);
    });
    await each(async ({ t, s, r, tmp }) => {
      const after = await memory(s, t);
      r.memGrowth = after.total - tmp.before.total;
      r.nodeGrowth = after.nodes - tmp.before.nodes;
      r.listenerGrowth = after.listeners - tmp.before.listeners;
      must(!s.errors.length, s.errors.join('\n'));
    });
    return Object.fromEntries(sessions.map((x) => [x.t.name, x.r]));
  } finally {
    for (const x of sessions) await x.s.context.close();
  }
}

async function scrollSession(browser, target) {
  const s = await openPage(browser, target.name);
  try {
    const url = `${target.url}inbox/closed?demo-conversations=${opts.conversations}&demo-heavy=${opts.heavy}`;
    await load(s, target, url);
    await sleep(500);
    const box = await s.page.locator('.conversation-scroller').boundingBox();
    must(box && box.height > 200, `${target.name}: no scroller to scroll`);
    await s.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await s.page.evaluate(() => {
      const B = window.__bench;
      B.frames = [];
      B.recording = true;
      const tick = (t) => { B.frames.push(t); if (B.recording) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    const busy0 = (await s.cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
    const t0 = await s.page.evaluate(() => performance.now());
    // 120 wheel events of 100 px down, then 120 up, at most one per 16 ms: about 2 s each way,
    // 125 rows of scrolling. The scroll position is checked halfway.
    const EVENTS = 120;
    const wheel = async (dy) => {
      for (let i = 0; i < EVENTS; i++) {
        const next = Date.now() + 16;
        await s.page.mouse.wheel(0, dy);
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    };
    await wheel(100);
    await sleep(200);
    const mid = await s.page.evaluate(() => {
      const top = document.querySelector('.conversation-scroller').scrollTop;
      const first = Math.floor(top / 96) + 1;
      const rows = [...document.querySelectorAll('li.conversation-row')].filter((li) => Math.abs(Number(li.getAttribute('aria-posinset')) - first) <= 3).length;
      return { top, rows };
    });
    must(mid.top > 5000, `${target.name}: the list did not scroll (scrollTop ${mid.top})`);
    must(mid.rows > 0, `${target.name}: no rows rendered where the list was scrolled to (scrollTop ${mid.top})`);
    await wheel(-100);
    await sleep(200);
    const t1 = await s.page.evaluate(() => performance.now());
    const busy1 = (await s.cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
    const res = await s.page.evaluate(([a, b]) => {
      const B = window.__bench;
      B.recording = false;
      const sc = document.querySelector('.conversation-scroller');
      const f = B.frames.filter((t) => t >= a && t <= b);
      const gaps = f.slice(1).map((t, i) => t - f[i]);
      return { gaps, top: sc.scrollTop, row1: !!document.querySelector('li.conversation-row[aria-posinset="1"]') };
    }, [t0, t1]);
    must(res.top < 100 && res.row1, `${target.name}: the list did not scroll back to the top (scrollTop ${res.top})`);
    must(res.gaps.length > 120, `${target.name}: only ${res.gaps.length} frames recorded while scrolling`);
    const long = res.gaps.filter((g) => g > 1.5 * FRAME);
    const dropped = long.reduce((n, g) => n + Math.max(1, Math.round(g / FRAME) - 1), 0);
    must(!s.errors.length, s.errors.join('\n'));
    return {
      scrollDropped: dropped,
      scrollFrames: res.gaps.length + dropped,
      scrollWorstFrame: Math.max(...res.gaps),
      scrollBusyMs: (busy1 - busy0) * 1000,
      scrollMs: t1 - t0,
    };
  } finally {
    await s.context.close();
  }
}

// ---------- the mobile profile: a phone's screen and a 4× slower CPU, as Lighthouse's mobile ----------
// The default demo (no size knobs; the twin's default is the same size). Total blocking time is
// what every main-thread task after first contentful paint spends over 50 ms, until the page has
// been quiet for QUIET ms after its first row (at most WINDOW ms): Lighthouse's definition, with
// quiet standing in for its time-to-interactive.
const MOBILE = { viewport: { width: 412, height: 823 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const QUIET = 2000;
const WINDOW = 15_000;
async function mobileSession(browser, target) {
  const context = await browser.newContext(MOBILE);
  await context.addInitScript(instrument);
  // As on Android's Chrome, which has no SharedWorker: the demo runs in a dedicated worker.
  await context.addInitScript(() => { delete window.SharedWorker; });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${target.name} (mobile): pageerror: ${e.message}`));
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(`${target.url}inbox/mine`, { waitUntil: 'commit', timeout: TIMEOUT });
    await page.waitForFunction(() => window.__bench?.ready != null, null, { timeout: 4 * TIMEOUT, polling: 100 })
      .catch((err) => { throw new Error(`${target.name} (mobile): no row became visible (${err.message.split('\n')[0]})`); });
    // Quiet: no long task began in the last QUIET ms.
    await page.waitForFunction(([quiet, window_]) => {
      const B = window.__bench;
      const last = Math.max(B.ready, ...B.longTasks.map(([t, d]) => t + d));
      return performance.now() - last >= quiet || performance.now() - B.ready >= window_;
    }, [QUIET, WINDOW], { timeout: WINDOW + TIMEOUT, polling: 200 });
    const m = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      lcp: window.__bench.lcp,
      ready: window.__bench.ready,
      tasks: window.__bench.longTasks,
    }));
    must(m.fcp != null && m.lcp != null, `${target.name} (mobile): no paint entries (fcp ${m.fcp}, lcp ${m.lcp})`);
    must(!errors.length, errors.join('\n'));
    const after = m.tasks.filter(([t]) => t >= m.fcp);
    return {
      mobileTbt: after.reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0),
      mobileLcp: m.lcp,
      mobileReady: m.ready,
      mobileLongest: Math.max(0, ...m.tasks.map(([, d]) => d)),
    };
  } finally {
    await context.close();
  }
}

// ---------- report ----------
const METRICS = [
  { key: 'transfer', label: 'first-load transfer (brotli-11)', fmt: (v) => `${kib(v)} KiB`, budget: { abs: TARGET_KIB * 1024, text: `≤ ${TARGET_KIB} KiB` } },
  { key: 'fcp', label: 'first contentful paint', ms: true, budget: { ratio: 2.5 } },
  { key: 'inboxReady', label: `inbox of ${opts.conversations / 1000}k ready (nav start → first row painted)`, ms: true, budget: { ratio: 2.5 } },
  { key: 'timeline', label: `${opts.heavy / 1000}k-item timeline opened (click → newest item, next frame)`, ms: true, budget: { ratio: 2.5 } },
  { key: 'status', label: 'status change → DOM (button pressed, next frame)', ms: true, budget: { ratio: 2 } },
  { key: 'statusCounts', label: '  … → nav counts updated (info)', ms: true },
  { key: 'statusTimeline', label: '  … → timeline shows the change (info)', ms: true },
  { key: 'statusHeavy', label: `status change, ${opts.heavy / 1000}k-item customer open → DOM`, ms: true, budget: { ratio: 2 } },
  { key: 'statusHeavyTimeline', label: '  … → timeline shows the change (info)', ms: true },
  { key: 'filterWaiting', label: 'filter: switch to Waiting view (next frame)', ms: true, budget: { ratio: 2.5 } },
  { key: 'filterClosed', label: 'filter: switch to Closed view (next frame)', ms: true, budget: { ratio: 2.5 } },
  { key: 'scrollDropped', label: 'scrolling: dropped frames (240 wheel events)', fmt: (v) => `${v}`, budget: { ratio: 2.5, floor: 1 } },
  { key: 'scrollBusyMs', label: '  scrolling: main-thread busy (info)', ms: true },
  { key: 'longestTask', label: 'longest main-thread task, load → inbox ready (≤ 50 ms asked)', ms: true, budget: { abs: 50, text: '≤ 50 ms' } },
  { key: 'mobileTbt', label: 'mobile (4× CPU, default demo): total blocking time', ms: true, budget: { ratio: 2.5, floor: 50 } },
  { key: 'mobileLcp', label: '  mobile: largest contentful paint', ms: true, budget: { ratio: 2.5 } },
  { key: 'mobileReady', label: '  mobile: first row painted (info)', ms: true },
  { key: 'mobileLongest', label: '  mobile: longest main-thread task (info)', ms: true },
  { key: 'memTotal', label: 'memory after load: JS heap + wasm', fmt: mb, budget: { abs: 30 * 1e6, text: '≤ 30 MB' } },
  { key: 'memWasm', label: '  of which wasm linear memory (info)', fmt: mb, noRatio: true },
  { key: 'memWorker', label: '  of which in the demo worker (info)', fmt: mb, noRatio: true },
  { key: 'domNodes', label: '  DOM nodes after load (info)', fmt: (v) => `${Math.round(v)}` },
  { key: 'memGrowth', label: `memory growth over ${opts.cycles} open/close cycles`, fmt: mb, noRatio: true, budget: { abs: 1e6, text: '≤ 1 MB' } },
  { key: 'nodeGrowth', label: '  DOM node growth over the cycles (info)', fmt: (v) => `${Math.round(v)}`, noRatio: true },
];
function mb(v) {
  return `${(v / 1e6).toFixed(2)} MB`;
}

function report(results, machine) {
  const rows = [];
  let allPass = true;
  for (const m of METRICS) {
    const a = median(results.Rapport.map((r) => r[m.key]));
    const b = median(results.baseline.map((r) => r[m.key]));
    const fmt = m.fmt ?? ((v) => `${v.toFixed(1)} ms`);
    if (m.budget) must(Number.isFinite(a), `${m.key}: Rapport measured nothing (${a})`);
    const ratioBase = m.budget?.floor ? Math.max(b, m.budget.floor) : b;
    const ratio = !m.noRatio && ratioBase > 0 ? a / ratioBase : NaN;
    let budget = '—';
    let result = '';
    if (m.budget?.abs != null) {
      budget = m.budget.text;
      result = a <= m.budget.abs ? 'pass' : 'FAIL';
    } else if (m.budget?.ratio != null) {
      budget = `≤ ${m.budget.ratio}× baseline`;
      must(Number.isFinite(ratio), `${m.key}: no ratio (baseline ${b})`);
      result = ratio <= m.budget.ratio ? 'pass' : 'FAIL';
    }
    if (result === 'FAIL') allPass = false;
    rows.push([m.label, fmt(a), Number.isFinite(b) ? fmt(b) : '—', Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—', budget, result]);
  }
  const head = ['metric (median of ' + opts.runs + ' runs)', 'Rapport', 'baseline', 'ratio', 'budget', 'result'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ').trimEnd();
  console.log('');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGb} GB; ${machine.browser}; node ${process.version}`);
  console.log(`load average (1 min): ${machine.loadStart} before the browsers started (a build just before raises it), ${machine.loadEnd} at the end (the bench itself adds about 1; much more means other work competed and timings are noisier)`);
  console.log(`data: ${opts.conversations} conversations (closed view: Rapport ${median(results.Rapport.map((r) => r.closedCount))}, baseline ${median(results.baseline.map((r) => r.closedCount))} rows), timeline of ${median(results.Rapport.map((r) => r.timelineItems))} / ${median(results.baseline.map((r) => r.timelineItems))} items, ${median(results.Rapport.map((r) => r.timelineRendered))} / ${median(results.baseline.map((r) => r.timelineRendered))} of them in the DOM`);
  console.log(`budgets: ${allPass ? 'all pass' : 'some FAIL (a report: exit code stays 0)'}`);
  return { rows, allPass };
}

// ---------- main ----------
const { server, baseUrl, baselineUrl, distDir } = await startBench({ dist: opts.dist }).catch((e) => die(`${e.message}\n(build first: make bench builds ${opts.dist})`));
const targets = [{ name: 'Rapport', url: baseUrl }, { name: 'baseline', url: baselineUrl }];
const results = { Rapport: [], baseline: [] };
let latency;
let frames;
let exit = 0;
const loadStart = os.loadavg()[0].toFixed(2);
try {
  latency = await chromium.launch({ executablePath: EXECUTABLE, args: LATENCY_ARGS, headless: true });
  frames = await chromium.launch({ executablePath: EXECUTABLE, args: FRAMES_ARGS, headless: true });
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) || [])[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const machine = { cpu, cores: os.cpus().length, memGb: (os.totalmem() / 2 ** 30).toFixed(1), browser: `Chromium ${latency.version()} headless`, loadStart };
  console.log(`bench: ${opts.runs} runs, ${opts.conversations} conversations, ${opts.heavy}-item timeline, ${opts.cycles} cycles; ${machine.cpu}, ${machine.cores} cores; ${machine.browser}`);
  const started = Date.now();
  for (let run = 1; run <= opts.runs; run++) {
    const order = run % 2 ? targets : [...targets].reverse();
    const lat = await latencyRun(latency, order, distDir);
    for (const t of order) {
      const r = Object.assign(lat[t.name], await scrollSession(frames, t), await mobileSession(latency, t));
      results[t.name].push(r);
      const f = (v) => (Number.isFinite(v) ? v.toFixed(0) : '?');
      console.log(`  run ${run} ${t.name.padEnd(8)} load ${f(r.inboxReady)} ms, timeline ${f(r.timeline)} ms, status ${r.status.toFixed(1)}/${f(r.statusHeavy)} ms, filter ${f(r.filterWaiting)}/${f(r.filterClosed)} ms, dropped ${r.scrollDropped}/${r.scrollFrames} frames, mem ${(r.memTotal / 1e6).toFixed(1)} MB (+${(r.memGrowth / 1e6).toFixed(2)}), mobile TBT ${f(r.mobileTbt)} ms, LCP ${f(r.mobileLcp)} ms`);
    }
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  machine.loadEnd = os.loadavg()[0].toFixed(2);
  const { rows, allPass } = report(results, machine);
  console.log('\nfirst-load files (brotli-11 bytes):');
  for (const t of targets) console.log(`  ${t.name}: ${Object.entries(results[t.name][0].transferFiles).map(([f, b]) => `${f} ${b}`).join(', ')}`);
  if (opts.json) {
    mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    writeFileSync(opts.json, JSON.stringify({ date: new Date().toISOString(), opts, machine, table: rows, allPass, runs: results }, null, 1));
    console.log(`\nevery run's numbers: ${opts.json}`);
  }
} catch (err) {
  console.error(`\nbench: the run broke, no report: ${err.message}`);
  exit = 1;
} finally {
  await latency?.close();
  await frames?.close();
  server.close();
}
process.exit(exit);
