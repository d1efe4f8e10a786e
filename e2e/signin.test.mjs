// Sign-in on a server with accounts: the sign-in page instead of the desk, a refused password and
// too many of them said in the form, the desk as the signed-in agent (no "Act as", no X-Agent-Id),
// an ended session back to the sign-in page with the draft and the unsent reply kept, sign-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, useApp } from './helpers.mjs';
import { composer, T, timeline } from './desk.mjs';
import { startServer } from './server.mjs';

const app = useApp();
const AVA = 'ava@rapport.example';
const NOAH = 'noah@rapport.example';
const MIA = 'mia@rapport.example';
let server;

before(async () => {
  server = await startServer({
    accounts: [
      { email: AVA, agent: 'ag1', role: 'agent' },
      { email: NOAH, agent: 'ag2', role: 'agent' },
      { email: MIA, agent: 'ag3', role: 'agent' },
    ],
  });
});

after(async () => {
  await server?.stop();
});

/** A request to the server with a bearer token (or none); the status, parsed body and Retry-After. */
async function call(method, pathname, { token, body } = {}) {
  const res = await fetch(`${server.url}/api/v1${pathname}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: Number(res.headers.get('retry-after')) };
}

async function signIn(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  // Enter submits the form.
  await page.getByLabel('Password').press('Enter');
}

const signInHeading = (page) => page.getByRole('heading', { name: 'Sign in to Rapport' });
const alertText = (page) => page.getByTestId('sign-in-error');

test('sign in, work as the signed-in agent, come back after the session ends, sign out', { timeout: 180_000 }, async () => {
  const { page, errors, close } = await openPage(app.browser);
  // Every API request the page makes, with its headers.
  const sent = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${server.url}/api/v1/`)) sent.push({ url: r.url(), method: r.method(), headers: r.allHeaders() });
  });
  try {
    await page.goto(`${app.baseUrl}inbox/open?api=${encodeURIComponent(server.url)}`);
    await signInHeading(page).waitFor({ timeout: T });
    assert.equal(await page.getByTestId('conversation-row').count(), 0, 'no desk before signing in');
    const email = page.getByLabel('Email');
    assert.equal(await email.getAttribute('autocomplete'), 'username');
    assert.equal(await page.getByLabel('Password').getAttribute('autocomplete'), 'current-password');

    // A wrong password: the server's reason, in the alert region.
    await signIn(page, AVA, 'not the password at all');
    await alertText(page).filter({ hasText: 'That email and password do not match an active account.' }).waitFor({ timeout: T });
    await screenshot(page, 'signin-refused.png');

    // The right one: the desk, as Ava, without "Act as".
    await signIn(page, AVA, server.passwords[AVA]);
    await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
    await page.getByTestId('whoami').filter({ hasText: 'Signed in as Ava Thompson' }).waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Act as agent').count(), 0);
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
    const tokens = await page.evaluate(() => JSON.parse(localStorage.getItem('rapport.tokens') || '{}'));
    const token = tokens[new URL(server.url).origin];
    assert.ok(token, 'the token is kept for this server');
    await screenshot(page, 'signin-desk.png');

    // A note goes out as Ava: the token says who, no X-Agent-Id.
    await page.getByTestId('conversation-row').first().click();
    await timeline(page).waitFor({ timeout: T });
    await page.locator('#mode-note').click();
    await composer(page).fill('Signed-in note');
    await page.locator('#send-btn').click();
    await timeline(page).getByText('Signed-in note').first().waitFor({ timeout: T });
    const writes = sent.filter((r) => r.method !== 'GET' && !r.url.endsWith('/session'));
    assert.ok(writes.length > 0, 'the note was sent');
    for (const w of writes) {
      const headers = await w.headers;
      assert.equal(headers['authorization'], `Bearer ${token}`, w.url);
      assert.ok(!('x-agent-id' in headers) || headers['x-agent-id'] === 'ag1', `${w.url}: X-Agent-Id ${headers['x-agent-id']}`);
    }

    // A reload keeps the session.
    await page.reload();
    await page.getByTestId('whoami').filter({ hasText: 'Signed in as Ava Thompson' }).waitFor({ timeout: T });

    // Ava's sessions are ended elsewhere; her next send meets it: the sign-in page, with the reply
    // she wrote kept as a draft and waiting to be sent.
    const elsewhere = await call('POST', '/session', { body: { email: AVA, password: server.passwords[AVA] } });
    assert.equal(elsewhere.status, 201);
    assert.equal((await call('DELETE', '/sessions', { token: elsewhere.body.token })).status, 204);
    await timeline(page).waitFor({ timeout: T });
    await page.locator('#mode-note').click();
    await composer(page).fill('Written as the session ended');
    await page.locator('#send-btn').click();
    await signInHeading(page).waitFor({ timeout: T });
    const drafts = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith('rapport.draft.')).map((k) => localStorage.getItem(k)),
    );
    assert.ok(drafts.includes('Written as the session ended'), `drafts: ${JSON.stringify(drafts)}`);
    await screenshot(page, 'signin-session-ended.png');

    await signIn(page, AVA, server.passwords[AVA]);
    const unsent = page.getByTestId('unsent').filter({ hasText: 'Written as the session ended' });
    await unsent.waitFor({ timeout: T });
    await unsent.getByRole('button', { name: 'Retry' }).click();
    await unsent.waitFor({ state: 'detached', timeout: T });
    await timeline(page).getByText('Written as the session ended').first().waitFor({ timeout: T });

    // Sign out: the sign-in page, and no token kept for this server.
    await page.getByTestId('whoami').getByRole('button', { name: 'Sign out' }).click();
    await signInHeading(page).waitFor({ timeout: T });
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem('rapport.tokens') || '{}'));
    assert.ok(!after[new URL(server.url).origin], 'no token kept for this server');
    assert.equal((await call('GET', '/me', { token })).status, 401, 'the session ended on the server too');
    // Refused requests (401) show in the console as failed loads; uncaught errors must not.
    assert.deepEqual(errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await close();
  }
});

test('two agents signed in: one outside an inbox cannot act there and is told why; a member can', { timeout: 180_000 }, async () => {
  // A conversation of the Phone Team inbox (voice): Noah is a member, Ava is not.
  const noahSession = await call('POST', '/session', { body: { email: NOAH, password: server.passwords[NOAH] } });
  assert.equal(noahSession.status, 201);
  const ids = await call('GET', '/conversation-ids?view=inbox-voice', { token: noahSession.body.token });
  const conversation = await call('GET', `/conversations/${ids.body.ids[0]}`, { token: noahSession.body.token });
  const customer = conversation.body.customerId;
  const ava = await openPage(app.browser);
  const noah = await openPage(app.browser);
  try {
    for (const [who, email] of [[ava, AVA], [noah, NOAH]]) {
      await who.page.goto(`${app.baseUrl}customers/${customer}?api=${encodeURIComponent(server.url)}`);
      await signInHeading(who.page).waitFor({ timeout: T });
      await signIn(who.page, email, server.passwords[email]);
      await timeline(who.page).waitFor({ timeout: T });
    }
    // The navigation lists the inboxes each belongs to.
    const navInbox = (who, name) => who.page.locator('nav .nav-label', { hasText: name });
    await navInbox(ava, 'General Support').waitFor({ timeout: T });
    await navInbox(noah, 'Phone Team').waitFor({ timeout: T });
    await ava.page.waitForFunction(() => ![...document.querySelectorAll('nav .nav-label')].some((e) => e.textContent === 'Phone Team'), null, { timeout: T });
    // Every signed-in agent reads the customer's timeline; Ava may not write in Phone Team.
    await ava.page.locator('#mode-note').click();
    await composer(ava.page).fill('Ava tries a note');
    await ava.page.locator('#send-btn').click();
    await ava.page.getByText('which you are not a member of').first().waitFor({ timeout: T });
    await screenshot(ava.page, 'signin-not-a-member.png');
    const read = await call('GET', `/conversations/${ids.body.ids[0]}/items`, { token: noahSession.body.token });
    assert.ok(!JSON.stringify(read.body).includes('Ava tries a note'), 'the refused note was not stored');
    // Noah, a member, can: and Ava's page shows it live.
    await noah.page.locator('#mode-note').click();
    await composer(noah.page).fill('Noah answers here');
    await noah.page.locator('#send-btn').click();
    await timeline(noah.page).getByText('Noah answers here').first().waitFor({ timeout: T });
    await timeline(ava.page).getByText('Noah answers here').first().waitFor({ timeout: T });
    // Ava's lists leave Phone Team out.
    const avaToken = await ava.page.evaluate((origin) => JSON.parse(localStorage.getItem('rapport.tokens') || '{}')[origin], new URL(server.url).origin);
    const counts = await call('GET', '/conversation-counts', { token: avaToken });
    assert.equal(counts.status, 200);
    assert.equal(counts.body.byInbox.voice, undefined, JSON.stringify(counts.body));
    assert.deepEqual(ava.errors.filter((e) => e.startsWith('pageerror')), []);
    assert.deepEqual(noah.errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await ava.close();
    await noah.close();
  }
});

test('her own account in Settings: a token made, used and revoked; the password changed; signed out everywhere', { timeout: 180_000 }, async () => {
  const { page, errors, close } = await openPage(app.browser);
  try {
    await page.goto(`${app.baseUrl}settings?api=${encodeURIComponent(server.url)}`);
    await signInHeading(page).waitFor({ timeout: T });
    await signIn(page, MIA, server.passwords[MIA]);
    await page.getByRole('heading', { name: 'Your account' }).waitFor({ timeout: T });
    await page.getByText('No tokens yet.').waitFor({ timeout: T });

    // A token, shown once, that signs an integration in as Mia.
    await page.getByLabel('Token name').fill('CRM sync');
    await page.getByRole('button', { name: 'Make a token' }).click();
    const secret = (await page.getByTestId('new-token').textContent({ timeout: T })).trim();
    await page.getByRole('button', { name: 'Revoke CRM sync' }).waitFor({ timeout: T });
    const me = await call('GET', '/me', { token: secret });
    assert.equal(me.status, 200);
    assert.equal(me.body.agentId, 'ag3');
    await screenshot(page, 'account-token.png');
    await page.getByRole('button', { name: 'Revoke CRM sync' }).click();
    await page.getByText('No tokens yet.').waitFor({ timeout: T });
    assert.equal((await call('GET', '/me', { token: secret })).status, 401, 'revoked at once');

    // A new password ends her other sessions; this one stays.
    const elsewhere = await call('POST', '/session', { body: { email: MIA, password: server.passwords[MIA] } });
    assert.equal(elsewhere.status, 201);
    await page.getByLabel('Current password').fill('not it at all, sorry');
    await page.getByLabel(/^New password/).fill('a new and long password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('password-message').filter({ hasText: 'The current password is not right.' }).waitFor({ timeout: T });
    await page.getByLabel('Current password').fill(server.passwords[MIA]);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('password-message').filter({ hasText: 'Password changed.' }).waitFor({ timeout: T });
    assert.equal((await call('GET', '/me', { token: elsewhere.body.token })).status, 401, 'the other session ended');

    // Everywhere, this tab too: the sign-in page, and the old token is no good.
    const tokens = await page.evaluate(() => JSON.parse(localStorage.getItem('rapport.tokens') || '{}'));
    const mine = tokens[new URL(server.url).origin];
    assert.equal((await call('GET', '/me', { token: mine })).status, 200);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await signInHeading(page).waitFor({ timeout: T });
    assert.equal((await call('GET', '/me', { token: mine })).status, 401);
    await signIn(page, MIA, 'a new and long password');
    await page.getByRole('heading', { name: 'Your account' }).waitFor({ timeout: T });
    assert.deepEqual(errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await close();
  }
});

test('too many wrong passwords: the form says how long to wait', { timeout: 90_000 }, async () => {
  // Noah's failures, from the same address as the browser, until the server asks to wait a while
  // (each wait is longer than the last): the browser's try below falls inside it.
  let wait = 0;
  for (let i = 0; i < 12 && wait < 8; i++) {
    const r = await call('POST', '/session', { body: { email: NOAH, password: `wrong password ${i}` } });
    if (r.status === 429) {
      wait = r.retryAfter;
      assert.ok(wait > 0, 'a 429 says how long to wait');
      if (wait < 8) await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    }
  }
  assert.ok(wait >= 8, 'the server slows repeated failures down');
  const { page, errors, close } = await openPage(app.browser);
  try {
    await page.goto(`${app.baseUrl}inbox/open?api=${encodeURIComponent(server.url)}`);
    await signInHeading(page).waitFor({ timeout: T });
    await signIn(page, NOAH, 'yet another wrong one');
    await alertText(page).filter({ hasText: /Too many attempts: try again in \d+ s/ }).waitFor({ timeout: T });
    // Ready for another try when the wait is over.
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isEnabled(), true);
    await screenshot(page, 'signin-too-many.png');
    assert.deepEqual(errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await close();
  }
});
