// HTTP mode: the app against the reference server, two agents at once, live updates, and a
// server restart in the middle of a session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, useApp } from './helpers.mjs';
import { composer, navCount, setStatus, T, timeline, toasts } from './desk.mjs';
import { api, startServer } from './server.mjs';

const app = useApp();
let server;

before(async () => {
  server = await startServer({ sandbox: true });
});

after(async () => {
  await server?.stop();
});

/** A page for `agent`, on the server. */
async function agentPage(agent, path) {
  const p = await openPage(app.browser);
  await p.page.addInitScript((a) => localStorage.setItem('rapport.prefs', JSON.stringify({ agent: a })), agent);
  await p.page.goto(`${app.baseUrl}${path}?api=${encodeURIComponent(server.url)}`);
  await p.page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
  return p;
}


test('two agents: one closes a conversation, the other sees list and counts change live', { timeout: 120_000 }, async () => {
  const a = await agentPage('ag1', 'inbox/open');
  const b = await agentPage('ag3', 'inbox/open');
  try {
    const rows = a.page.getByTestId('conversation-row');
    await rows.first().waitFor({ timeout: T });
    await b.page.getByTestId('conversation-row').first().waitFor({ timeout: T });
    const openBefore = await navCount(b.page, 'open');
    const name = (await rows.first().locator('.customer-name').textContent()).trim();
    // B's list shows it too (waited for: B's first rows may still be settling).
    await b.page.getByTestId('conversation-row').filter({ hasText: name }).first().waitFor({ timeout: T });

    await rows.first().click();
    await a.page.locator('.customer-title', { hasText: name }).waitFor({ timeout: T });
    if ((await a.page.locator('.topic.chip').count()) === 0) {
      await a.page.locator('#topic-select').selectOption('compliment');
      await a.page.locator('.topic.chip').first().waitFor({ timeout: T });
      // Let the write land and the views it refreshes settle (its own event refreshes them again).
      await toasts(a.page, 'Topics updated.').waitFor({ timeout: T });
      await a.page.waitForTimeout(750);
    }
    await setStatus(a.page, 'Closed');
    await a.page.locator('button[data-status="Closed"][aria-pressed="true"]').waitFor({ timeout: T });

    // Agent B did nothing: the event stream brings the change.
    await b.page.waitForFunction(
      (want) => document.querySelector('nav a[href$="/inbox/open"] .count')?.textContent === String(want),
      openBefore - 1,
      { timeout: T },
    );
    await b.page.getByTestId('conversation-row').filter({ hasText: name }).waitFor({ state: 'detached', timeout: T });
    await screenshot(b.page, 'http-agent-b.png');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a customer message posted to the server appears in the open timeline, also after a restart', { timeout: 150_000 }, async () => {
  const b = await agentPage('ag3', 'inbox/open');
  try {
    await b.page.getByTestId('conversation-row').first().click();
    await timeline(b.page).waitFor({ timeout: T });
    const href = await b.page.getByTestId('conversation-row').first().locator('a').getAttribute('href');
    const customerId = href.split('/').pop();

    await api(server.url, 'POST', '/inbound', { customerId, channel: 'SMS', text: 'Posted while you watch' });
    await timeline(b.page).getByText('Posted while you watch').waitFor({ timeout: T });

    // The server goes away: the app says so, and keeps working with what it has.
    await server.stop();
    await b.page.getByTestId('live').filter({ hasText: /Reconnecting|Offline/ }).waitFor({ timeout: T });
    // A reply written now fails; it waits in the timeline, and its text stays in the draft.
    await b.page.locator('#mode-reply').click();
    await composer(b.page).fill('Reply written while the server is down');
    await b.page.locator('#send-btn').click();
    const unsent = b.page.getByTestId('unsent').filter({ hasText: 'Reply written while the server is down' });
    await unsent.waitFor({ timeout: T });
    assert.equal(await composer(b.page).inputValue(), 'Reply written while the server is down');
    await screenshot(b.page, 'http-reconnecting.png');

    // It comes back on the same address and data; something happens before the app reconnects.
    server = await startServer({ addr: server.addr, db: server.db, sandbox: true });
    await api(server.url, 'POST', '/inbound', { customerId, channel: 'SMS', text: 'Sent while you were away' });
    await b.page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: 60_000 });
    await timeline(b.page).getByText('Sent while you were away').waitFor({ timeout: T });
    await timeline(b.page).getByText('Posted while you watch').waitFor({ timeout: T });
    // Retry sends it; it leaves the outbox and shows as a real reply.
    await unsent.getByRole('button', { name: 'Retry' }).click();
    await unsent.waitFor({ state: 'detached', timeout: T });
    await b.page.getByTestId('timeline-item').filter({ hasText: 'Reply written while the server is down' }).first().waitFor({ timeout: T });
    // Network errors while the server was down are expected in the console; page errors are not.
    assert.deepEqual(b.errors.filter((e) => e.startsWith('pageerror')), []);
  } finally {
    await b.close();
  }
});
