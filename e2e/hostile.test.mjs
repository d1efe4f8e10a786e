// Hostile content never executes: every field a customer or a server controls is filled with the
// XSS vectors of fixtures/xss-vectors.json, served by the reference server (started from that
// organisation, behind the fault proxy), and every page that shows
// them is checked: nothing runs (window.__pwned stays unset, no dialog), nothing reaches another
// host, the strings show as literal text, email HTML stays inside an empty-sandbox frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SCREENSHOTS, openPage, useApp } from './helpers.mjs';
import { composer, setStatus, T, timeline, toasts } from './desk.mjs';
import { baseFixture } from './fixtures/base.mjs';
import { startBackend } from './fault-proxy.mjs';
import { LONG, MALLORY, V, VECTORS, hostileFixture } from './fixtures/hostile.mjs';

const app = useApp();

/** The hostile organisation, and the server it runs on, shared: the tests only read from it (and clear the faults they set). */
const hostile = hostileFixture();
let backend;

before(async () => {
  backend = await startBackend({ fixture: hostile });
});

after(async () => {
  await backend?.close();
});

/** What the agent sees (the window, not the full page: the panes scroll on their own). */
async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name) });
}

/**
 * Stands in for every other host on the internet: the browser contexts use it as their proxy
 * (loopback bypasses it), so any request that would leave the machine lands here, whichever frame
 * made it and whether or not Playwright reports it.
 */
const elsewhere = { hits: [], server: null, url: '' };
/** Chromium's own services (autofill predictions for the app's forms), not the page's doing. */
const BROWSER_OWN = /^CONNECT [a-z0-9.-]+\.(googleapis|gstatic|google|gvt1)\.com:443$/;

before(async () => {
  elsewhere.server = http.createServer((req, res) => {
    elsewhere.hits.push(`${req.method} ${req.url}`);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('nothing here');
  });
  elsewhere.server.on('connect', (req, socket) => {
    elsewhere.hits.push(`CONNECT ${req.url}`);
    socket.destroy();
  });
  await new Promise((resolve) => elsewhere.server.listen(0, '127.0.0.1', resolve));
  elsewhere.url = `http://127.0.0.1:${elsewhere.server.address().port}`;
});

after(async () => {
  await new Promise((resolve) => (elsewhere.server ? elsewhere.server.close(resolve) : resolve()));
});

/**
 * A fresh page on the hostile backend with every tripwire set: dialogs, requests to other hosts
 * (counted at the proxy), uncaught errors.
 */
async function hostilePage(browser, route) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    proxy: { server: elsewhere.url, bypass: '127.0.0.1,localhost,[::1]' },
  });
  const page = await context.newPage();
  const errors = [];
  const start = elsewhere.hits.length;
  const trip = {
    dialogs: [],
    pageErrors: [],
    get external() {
      return elsewhere.hits.slice(start).filter((h) => !BROWSER_OWN.test(h));
    },
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('dialog', (d) => {
    trip.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => trip.pageErrors.push(e.message));
  const sep = route.includes('?') ? '&' : '?';
  await page.goto(`${app.baseUrl}${route}${sep}api=${encodeURIComponent(backend.url)}`);
  return { page, errors, trip, close: () => context.close() };
}

/** Everything that must hold on any page under attack. */
async function assertSafe(page, trip, where) {
  // Give late handlers (image errors, frame loads, focus) a moment to fire.
  await page.waitForTimeout(300);
  const dom = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    const handlers = all.flatMap((el) =>
      [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${el.tagName.toLowerCase()} ${a.name}>`),
    );
    return {
      pwned: window.__pwned,
      jsLinks: document.querySelectorAll('a[href^="javascript:" i], [href*="javascript:" i], [src*="javascript:" i], [action*="javascript:" i], [formaction]').length,
      handlers,
      // The app renders no inline SVG, styles or forms with actions of its own.
      strays: document.querySelectorAll('body script, body object, body embed, body iframe:not(.email-frame), body svg, body math, body meta, body base, body form[action], body style').length,
      frames: [...document.querySelectorAll('iframe')].map((f) => ({ sandbox: f.getAttribute('sandbox'), src: f.getAttribute('src'), hasSrcdoc: f.hasAttribute('srcdoc') })),
    };
  });
  assert.equal(dom.pwned, undefined, `${where}: window.__pwned was set`);
  assert.deepEqual(trip.dialogs, [], `${where}: a dialog opened`);
  assert.deepEqual(trip.external, [], `${where}: something contacted another host`);
  assert.deepEqual(trip.pageErrors, [], `${where}: uncaught errors`);
  assert.equal(dom.jsLinks, 0, `${where}: a javascript: URL made it into an attribute`);
  assert.deepEqual(dom.handlers, [], `${where}: event-handler attributes in the DOM`);
  assert.equal(dom.strays, 0, `${where}: markup from data became elements`);
  for (const fr of dom.frames) {
    assert.equal(fr.sandbox, '', `${where}: an iframe is not sandboxed with sandbox="" (${fr.sandbox})`);
    assert.equal(fr.src, null, `${where}: an iframe has a src`);
    assert.ok(fr.hasSrcdoc, `${where}: an iframe without srcdoc`);
  }
  return dom;
}

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/**
 * The timeline is virtualized, so no single moment has every item in the DOM. This walks it from
 * top to bottom the way an agent would: unfolding each chapter and opening each original email
 * it passes (by clicks), and calling `visit()` at every step with what is rendered then.
 */
async function sweep(page, visit) {
  const list = timeline(page);
  // A tall window, so each step covers many rows (the hostile header leaves the timeline little room).
  const size = page.viewportSize();
  await page.setViewportSize({ width: size.width, height: 3000 });
  // The whole history: earlier pages are read on demand.
  const more = page.getByTestId('load-earlier');
  for (let i = 0; i < 100 && (await more.isVisible()); i++) {
    await more.click();
    // The click starts the read at once; the status line is empty again when it is in.
    await page.waitForFunction(() => !document.querySelector('[data-testid=timeline-tools] [role=status]').textContent);
  }
  await list.evaluate((el) => (el.scrollTop = 0));
  await page.waitForTimeout(150);
  try {
    for (let step = 0; step < 400; step++) {
      // Unfold the chapters and open the original emails in sight, as clicks would.
      for (let round = 0; round < 10; round++) {
        const opened = await list.evaluate((el) => {
          const heads = [...el.querySelectorAll('button.chapter-toggle[aria-expanded=false]')];
          heads.slice(0, 1).forEach((b) => b.click());
          const mails = [...el.querySelectorAll('details.email-original:not([open])')];
          mails.forEach((d) => (d.open = true));
          return heads.length + mails.length;
        });
        if (!opened) break;
        await page.waitForTimeout(60);
      }
      await visit();
      // Everything rendered has been visited: bring the last rendered row to the top (a whole
      // window further) or, when it is there already (a very tall row), scroll to its end.
      const atEnd = await list.evaluate((el) => {
        const before = el.scrollTop;
        const rows = el.querySelectorAll('[data-size-key]');
        const last = rows[rows.length - 1]?.getBoundingClientRect();
        const top = el.getBoundingClientRect().top;
        const ahead = !last ? el.clientHeight : last.top - top > 1 ? last.top - top : last.bottom - top - 1;
        el.scrollTop += Math.max(ahead, 1);
        return el.scrollTop === before;
      });
      await page.waitForTimeout(60);
      if (atEnd) return step;
    }
    throw new Error('the timeline sweep did not reach the bottom');
  } finally {
    await page.setViewportSize(size);
  }
}

/** What the rendered timeline shows now, per item (by its position in the whole timeline). */
function snapshot(page) {
  return timeline(page).evaluate((tl) => {
    const has = (e, sel, text) => [...e.querySelectorAll(sel)].some((t) => t.textContent.includes(text));
    return {
      topics: [...tl.querySelectorAll('.chapter-topics')].map((t) => t.textContent),
      items: [...tl.querySelectorAll('[data-testid=timeline-item]')].map((e) => ({
        pos: e.getAttribute('aria-posinset'),
        kind: e.dataset.kind,
        sms: e.dataset.kind === 'SMS' && has(e, '.text', '<script>window.__pwned=true</script>'),
        subject: e.dataset.kind === 'EMAIL' && has(e, '.subject', '<svg onload=window.__pwned=true>'),
        unknown: e.textContent.includes('An item of a kind this version does not show') ? e.textContent : null,
        activity: e.dataset.kind === 'CUSTOMER_ACTIVITY' && has(e, '.activity-title', 'javascript:window.__pwned=true'),
        frames: [...e.querySelectorAll('iframe')].map((f) => ({ sandbox: f.getAttribute('sandbox'), cls: f.className, srcdoc: f.getAttribute('srcdoc') })),
      })),
    };
  });
}

const expectedFrames = () => hostile.timeline.cuH.filter((i) => i.content.type === 'EMAIL' && i.content.html?.trim()).length;

test('the tripwires work: a request to another host and a dialog are caught', { timeout: 60_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'settings');
  try {
    await page.getByRole('heading', { name: 'Settings' }).waitFor({ timeout: T });
    await page.evaluate(() => fetch('http://evil.example/canary').catch(() => {}));
    await page.evaluate(() => setTimeout(() => alert('canary'), 0));
    await page.waitForTimeout(500);
    assert.ok(trip.external.some((h) => h.includes('evil.example/canary')), `the proxy saw ${JSON.stringify(trip.external)}`);
    assert.deepEqual(trip.dialogs, ['alert: canary']);
  } finally {
    await close();
  }
});

test('the conversation list shows hostile names, previews, agents and topics as text', { timeout: 120_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open');
  try {
    const rows = page.getByTestId('conversation-row');
    await rows.first().waitFor({ timeout: T });
    // The whole list, scrolled through so every row has been in the DOM once.
    const scroller = page.locator('.conversation-scroller');
    const seen = new Set();
    const previews = [];
    for (let i = 0; i < 60; i++) {
      for (const t of await rows.locator('.customer-name').allTextContents()) seen.add(t);
      previews.push(...(await rows.filter({ hasText: 'Mallory' }).locator('.preview').allTextContents()));
      const done = await scroller.evaluate((el) => {
        const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
        el.scrollTop += el.clientHeight;
        return end;
      });
      await page.waitForTimeout(30);
      if (done) break;
    }
    assert.ok(seen.has(MALLORY), 'the hostile name shows as literal text');
    // Every vector is some customer's name, shown as the very same string.
    for (const v of V.filter((s) => s.trim() && s.length < 1000)) {
      assert.ok(seen.has(v), `a customer named ${JSON.stringify(v).slice(0, 80)} is listed under that exact name`);
    }
    assert.ok(previews.some((p) => p.includes(MALLORY.slice(0, 40))), `Mallory's last message previews as text: ${JSON.stringify(previews).slice(0, 300)}`);
    await scroller.evaluate((el) => (el.scrollTop = 0));
    // Navigation and command palette list the hostile inbox names.
    assert.ok((await page.locator('nav .nav-label').allTextContents()).includes(MALLORY));
    await page.locator('body').click({ position: { x: 700, y: 10 } });
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('combobox', { name: 'Command' });
    await palette.waitFor({ timeout: T });
    await palette.fill('onerror');
    await page.waitForTimeout(200);
    await screenshot(page, 'hostile-palette.png');
    await page.keyboard.press('Escape');
    await screenshot(page, 'hostile-list.png');
    await assertSafe(page, trip, 'conversation list');
  } finally {
    await close();
  }
});

test('the customer page: every field, every item kind, every chapter and original email', { timeout: 180_000 }, async () => {
  const { page, trip, errors, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    const title = page.locator('.customer-title');
    await title.waitFor({ timeout: T });
    assert.equal(await title.textContent(), MALLORY, 'the name is shown as literal text');
    assert.match(await title.textContent(), /<script>/);
    await page.getByTestId('timeline-item').first().waitFor({ timeout: T });
    await page.getByTestId('jump-conversation').focus();
    assert.equal(await page.locator('[data-testid=jump-conversation] option:not([value=""])').count(), 3, 'three conversations');
    const want = expectedFrames();
    // Everything the sweep sees, by item position.
    const items = new Map();
    const topics = new Set();
    let framed = false;
    await sweep(page, async () => {
      const snap = await snapshot(page);
      snap.topics.forEach((t) => topics.add(t));
      for (const it of snap.items) {
        const had = items.get(it.pos);
        items.set(it.pos, had && had.frames.length >= it.frames.length ? had : it);
      }
      if (!framed && snap.items.some((it) => it.frames.some((f) => f.srcdoc.includes('<img src=x onerror')))) {
        // Let the frames parse and try whatever they try, then show one.
        framed = true;
        await page.waitForTimeout(1500);
        await page.evaluate(() => {
          for (const el of document.querySelectorAll('*')) if (el.scrollLeft) el.scrollLeft = 0;
        });
        await screenshot(page, 'hostile-email-frame.png');
      }
    });
    await page.waitForTimeout(1500);

    // Literal text in every field of the profile.
    const profile = page.locator('aside.profile');
    const profileText = await profile.textContent();
    for (const v of V.filter((s) => s.length < 1000 && /<|javascript/i.test(s))) {
      assert.ok(profileText.includes(v), `profile shows ${JSON.stringify(v).slice(0, 60)} literally`);
    }
    const keys = await profile.locator('dl.attributes dt').allTextContents();
    assert.ok(keys.includes(`${V[0]} #0`), 'attribute keys are literal text');
    // Literal text in every kind of item.
    const seen = [...items.values()];
    const kinds = [...new Set(seen.map((it) => it.kind))];
    for (const k of ['CHAT_MESSAGE', 'SMS', 'EMAIL', 'WHATSAPP', 'FACEBOOK_MESSAGE', 'INSTAGRAM_DIRECT', 'PHONE_CALL', 'VOICEMAIL', 'CONVERSATION_NOTE', 'CUSTOMER_ACTIVITY', 'TASK', 'TOPIC_CHANGE', 'ASSIGNMENT_CHANGE', 'HOLOGRAM', '<img src=x onerror=window.__pwned=true>']) {
      assert.ok(kinds.includes(k), `an item of kind ${k} is shown`);
    }
    assert.ok(seen.some((it) => it.sms), 'an SMS body shows <script> as text');
    assert.ok(seen.some((it) => it.subject), 'an email subject shows markup as text');
    const unknown = seen.filter((it) => it.unknown);
    assert.equal(unknown.length, 6, 'unknown kinds render as a generic item, one per chapter and kind');
    assert.ok(unknown.some((it) => it.unknown.includes('<img src=x onerror=window.__pwned=true>')));
    assert.ok(seen.some((it) => it.activity), 'activity titles are text');
    // Topic names in chapter summaries, chips, picker; agent names in the assignee picker.
    assert.ok([...topics].some((t) => t.includes('<script>')));
    const optgroups = await page.locator('#topic-select optgroup').evaluateAll((els) => els.map((e) => e.label));
    assert.ok(optgroups.includes(V[0]), 'a hostile topic name is an optgroup label, as text');
    const agents = await page.locator('#assignee-select option').allTextContents();
    assert.ok(agents.includes(MALLORY));
    // Tasks and comments in the profile.
    const task = page.getByTestId('task').filter({ hasText: '<img src=x onerror=window.__pwned=true>' }).first();
    await task.waitFor({ timeout: T });
    assert.match(await task.locator('.task-comments').textContent(), /<img src=x onerror=window\.__pwned=true>/);

    // Email HTML: only in frames with every sandbox restriction on, and only as srcdoc.
    const frames = seen.flatMap((it) => it.frames);
    assert.equal(frames.length, want);
    for (const f of frames) {
      assert.equal(f.sandbox, '', 'sandbox="" exactly: no allow-scripts, no allow-same-origin');
      assert.equal(f.cls, 'email-frame');
    }
    assert.ok(frames.some((f) => f.srcdoc === '<script>window.__pwned=true</script>'), 'the frame gets the HTML as it came');
    await screenshot(page, 'hostile-customer.png');
    await assertSafe(page, trip, 'customer page');
    if (errors.length) console.log(`# customer page console: ${errors.length} messages, e.g. ${errors[0].slice(0, 160)}`);
  } finally {
    await close();
  }
});

test('email frames do not load remote content (tracking pixels, CSS beacons, meta refresh)', { timeout: 120_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    await page.getByTestId('timeline-item').first().waitFor({ timeout: T });
    const srcdocs = new Set();
    await sweep(page, async () => {
      const snap = await snapshot(page);
      snap.items.forEach((it) => it.frames.forEach((f) => srcdocs.add(`${it.pos}:${f.srcdoc}`)));
    });
    assert.equal(srcdocs.size, expectedFrames(), 'every email frame was rendered on the way');
    await page.waitForTimeout(2000);
    console.log(`# requests that left the machine while ${expectedFrames()} email frames rendered: ${trip.external.length} ${trip.external.join(', ')}`);
    assert.deepEqual(trip.external, [], 'email frames fetched from other hosts');
  } finally {
    await close();
  }
});

test('search results and the echoed query stay text', { timeout: 90_000 }, async () => {
  const attack = '<svg onload=window.__pwned=true>';
  const { page, trip, close } = await hostilePage(app.browser, `search?q=${encodeURIComponent(attack)}`);
  try {
    const customers = page.getByTestId('customer-results');
    await customers.waitFor({ timeout: T });
    assert.ok((await page.locator('.search-page .hint').first().textContent()).includes(attack), 'the query is echoed as text');
    const names = await customers.locator('.customer-name').allTextContents();
    assert.ok(names.includes(MALLORY), `results: ${JSON.stringify(names).slice(0, 300)}`);
    assert.ok(names.includes(attack));
    const snippets = await page.locator('.snippet').allTextContents();
    assert.ok(snippets.some((s) => s.includes(attack)), 'snippets are literal text');
    await screenshot(page, 'hostile-search.png');
    await assertSafe(page, trip, 'search page');
    // A hostile result still opens its customer.
    await customers.locator('a', { hasText: 'Mallory' }).first().click();
    await page.locator('.customer-title').waitFor({ timeout: T });
    assert.equal(await page.locator('.customer-title').textContent(), MALLORY);
    await assertSafe(page, trip, 'customer from search');
  } finally {
    await close();
  }
});

test('My tasks and Settings list hostile task bodies, customer and agent names as text', { timeout: 90_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'tasks');
  try {
    const tasks = page.getByTestId('my-task');
    await tasks.first().waitFor({ timeout: T });
    const bodies = await tasks.locator('.task-body').allTextContents();
    assert.ok(bodies.includes('<script>window.__pwned=true</script>'));
    assert.ok((await tasks.first().textContent()).includes(MALLORY), 'the customer name is text');
    await screenshot(page, 'hostile-tasks.png');
    await assertSafe(page, trip, 'my tasks');

    await page.locator('nav a[href$="/settings"]').click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor({ timeout: T });
    const options = await page.locator('.settings select option').allTextContents();
    assert.ok(options.includes(MALLORY) && options.includes(V[1]), 'agent names are option text');
    await screenshot(page, 'hostile-settings.png');
    await assertSafe(page, trip, 'settings');
  } finally {
    await close();
  }
});

test('inserting hostile answers puts literal text in the composer, nothing runs', { timeout: 90_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    const picker = page.getByLabel('Insert an answer');
    await picker.waitFor({ timeout: T });
    const box = composer(page);
    for (const id of ['script-textarea-breakout', 'img-onerror', 'dq-break-script', 'placeholder-syntax', 'template-constructor']) {
      const i = VECTORS.findIndex((v) => v.id === id);
      const before = (await box.inputValue()).length;
      await picker.selectOption(`anV${i}`);
      await page.waitForFunction((n) => document.querySelector('#composer-text')?.value.length > n, before, { timeout: T });
    }
    const text = await box.inputValue();
    assert.ok(text.includes('</textarea><script>window.__pwned=true</script>'));
    assert.ok(text.includes('"><script>window.__pwned=true</script>'));
    assert.ok(text.includes(`{{constructor.constructor('window.__pwned=true')()}}`));
    // A customer-supplied placeholder is filled once, never re-expanded: {refund.amount} stays.
    assert.ok(text.includes('{refund.amount}'));
    // {customer.firstName} was filled with the first word of a hostile name: still text.
    assert.ok(text.startsWith('Hi <script>window.__pwned=true</script><img,'), text.slice(0, 80));
    assert.equal(await page.locator('.composer textarea').count(), 1, 'no textarea breakout');
    await screenshot(page, 'hostile-composer.png');
    await assertSafe(page, trip, 'composer');
  } finally {
    await close();
  }
});

test('links built from server data: none point anywhere but the app, and none run script', { timeout: 90_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    await page.getByTestId('timeline-item').first().waitFor({ timeout: T });
    const links = [];
    await sweep(page, async () => {
      links.push(
        ...(await page.locator('a[href]').evaluateAll((els) =>
          els.map((a) => ({ href: a.href, raw: a.getAttribute('href'), rel: a.rel, target: a.target })),
        )),
      );
    });
    const base = new URL(app.baseUrl);
    const foreign = links.filter((l) => {
      const u = new URL(l.href);
      return u.origin !== base.origin || !u.pathname.startsWith(base.pathname);
    });
    for (const l of foreign) {
      assert.match(l.rel, /noopener/, `${l.raw} needs rel=noopener`);
      assert.match(l.rel, /noreferrer/, `${l.raw} needs rel=noreferrer`);
    }
    const activityLinks = await page.locator('[data-kind=CUSTOMER_ACTIVITY] a').count();
    console.log(`# links on the customer page: ${links.length} (all app routes: ${foreign.length === 0}); activity links rendered: ${activityLinks}`);
    await assertSafe(page, trip, 'links');
  } finally {
    await close();
  }
});

test('a hostile error detail from the server shows as text in the toast', { timeout: 90_000 }, async () => {
  const detail = `<img src=x onerror=window.__pwned=true><script>alert(1)</script>`;
  backend.setFault(/\/conversations\/coH2$/, { method: 'PATCH', status: 422, code: 'invalid', detail, times: 1 });
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    await setStatus(page, 'Waiting');
    const toast = toasts(page, 'onerror');
    await toast.waitFor({ timeout: T });
    assert.ok((await toast.textContent()).includes(detail));
    assert.equal(await toast.getAttribute('role'), 'alert');
    await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
    await assertSafe(page, trip, 'error toast');
  } finally {
    backend.clearFaults();
    await close();
  }
});

test('garbage on the event stream is ignored', { timeout: 90_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
    await page.locator('.customer-title').waitFor({ timeout: T });
    backend.emitRaw(`id: <script>window.__pwned=true</script>\ndata: <img src=x onerror=alert(1)>\n\n`);
    backend.emitRaw(`event: change\ndata: {"seq":"<svg onload=alert(1)>"}\n\n`);
    backend.emitRaw(`id: 99999999999999999999999999\ndata: {}\n\n: ${'x'.repeat(200_000)}\n\n`);
    backend.emitRaw(`data: \u0000\u202E\n\n`);
    await page.waitForTimeout(500);
    // Still live, and a real change after the garbage still comes through.
    await backend.tick();
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
    await assertSafe(page, trip, 'event stream');
  } finally {
    await close();
  }
});

/** Panes that scroll sideways, and what sticks out of them, on the page as it is. */
async function sideways(page) {
  return page.evaluate(() => {
    const out = {};
    for (const [name, sel] of [['timeline', '.timeline'], ['profile', 'aside.profile'], ['list', '.conversation-scroller'], ['page', '.page']]) {
      const pane = document.querySelector(sel);
      if (!pane) continue;
      const extra = pane.scrollWidth - pane.clientWidth;
      if (extra <= 1) continue;
      const r = pane.getBoundingClientRect();
      const culprits = new Set();
      const walk = (el) => {
        for (const c of el.children) {
          const b = c.getBoundingClientRect();
          if (b.width > r.width + 2 || (b.right > r.right + 2 && c.children.length === 0)) culprits.add(`${c.tagName.toLowerCase()}${c.className ? '.' + String(c.className).trim().split(/\s+/).join('.') : ''}`);
          else walk(c);
        }
      };
      walk(pane);
      out[name] = { extra, culprits: [...culprits].slice(0, 8) };
    }
    return out;
  });
}

test('a 100 000-character word does not make any page scroll sideways', { timeout: 120_000 }, async () => {
  const { page, trip, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    await page.getByTestId('timeline-item').first().waitFor({ timeout: T });
    const report = { customer: 0 };
    await sweep(page, async () => {
      report.customer = Math.max(report.customer, await overflow(page));
    });
    // The customer named with the long word, in the list and on their page.
    const longIdx = V.indexOf(LONG);
    await page.goto(`${app.baseUrl}inbox/open/cuV${longIdx}?api=${encodeURIComponent(backend.url)}`);
    await page.locator('.customer-title').waitFor({ timeout: T });
    report.longCustomer = await overflow(page);
    await screenshot(page, 'hostile-long-name.png');
    // A search that finds the customer with the long name (and messages made of it).
    await page.goto(`${app.baseUrl}search?q=WWWW&api=${encodeURIComponent(backend.url)}`);
    await page.getByTestId('customer-results').waitFor({ timeout: T });
    report.search = await overflow(page);
    await page.goto(`${app.baseUrl}tasks?api=${encodeURIComponent(backend.url)}`);
    await page.getByTestId('my-task').first().waitFor({ timeout: T });
    report.tasks = await overflow(page);
    console.log(`# document overflow in px: ${JSON.stringify(report)}`);
    for (const k of Object.keys(report)) {
      assert.ok(report[k] <= 1, `${k}: the page is ${report[k]}px wider than the window`);
    }
    await assertSafe(page, trip, 'long strings');
  } finally {
    await close();
  }
});

test('…nor the timeline or profile pane inside it', { timeout: 120_000 }, async () => {
  const { page, close } = await hostilePage(app.browser, 'inbox/open/cuH');
  try {
    await page.getByTestId('timeline-item').first().waitFor({ timeout: T });
    await sweep(page, async () => {});
    const panes = await sideways(page);
    const profile = await page.locator('aside.profile').evaluate((el) => ({ left: Math.round(el.getBoundingClientRect().left), window: window.innerWidth }));
    console.log(`# panes scrolling sideways: ${JSON.stringify(panes)}; profile column starts at x=${profile.left} of a ${profile.window}px window`);
    await screenshot(page, 'hostile-sideways.png');
    assert.ok(profile.left < profile.window, 'the profile column is pushed off the screen');
    assert.deepEqual(Object.keys(panes), [], 'panes scroll sideways');
  } finally {
    await close();
  }
});

test('customer ids with markup characters are only ever data', { timeout: 90_000 }, async () => {
  const odd = `x"><svg onload=window.__pwned=true> ?#&%`;
  const fixture = baseFixture();
  fixture.customers[0].id = odd;
  for (const c of fixture.conversations) if (c.customerId === 'cu1') c.customerId = odd;
  fixture.timeline[odd] = fixture.timeline.cu1.map((i) => ({ ...i, customerId: odd }));
  delete fixture.timeline.cu1;
  for (const t of fixture.tasks) if (t.customerId === 'cu1') t.customerId = odd;
  const own = await startBackend({ fixture });
  const p = await openPage(app.browser);
  try {
    const dialogs = [];
    p.page.on('dialog', (d) => (dialogs.push(d.message()), d.dismiss()));
    await p.page.goto(`${app.baseUrl}inbox/open?api=${encodeURIComponent(own.url)}`);
    const row = p.page.getByTestId('conversation-row').filter({ hasText: 'Olivia Bennett' });
    await row.waitFor({ timeout: T });
    await row.click();
    await p.page.locator('.customer-title', { hasText: 'Olivia Bennett' }).waitFor({ timeout: 10_000 });
    assert.equal(await p.page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(dialogs, []);
  } finally {
    await p.close();
    await own.close();
  }
});
