// Credentials stay with their server (security review, finding 5): a token saved on the Settings
// page for one server is never sent to another that a `?api=` link names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, useApp } from './helpers.mjs';
import { T } from './desk.mjs';
import { startBackend } from './fault-proxy.mjs';

const app = useApp();

test('a token saved for one server is not sent to another named in a link', { timeout: 90_000 }, async () => {
  const mine = await startBackend();
  const theirs = await startBackend();
  const p = await openPage(app.browser);
  try {
    const { page } = p;
    // Connect to "my" server with a token, as an agent does on the Settings page.
    await page.goto(`${app.baseUrl}settings?api=demo`);
    await page.getByLabel('Server address').fill(mine.url);
    await page.getByLabel('Access token (optional)').fill('token-for-my-server');
    await page.getByRole('button', { name: 'Connect to this server' }).click();
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
    const auth = (backend) => backend.requests.map((r) => r.headers.authorization).filter(Boolean);
    assert.ok(auth(mine).includes('Bearer token-for-my-server'), 'my server gets my token');

    // A link to another server (as an attacker would send): it is used, but gets no token.
    await page.goto(`${app.baseUrl}inbox/open?api=${encodeURIComponent(theirs.url)}`);
    await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
    assert.ok(theirs.requests.length > 0, 'the linked server was asked');
    assert.deepEqual(auth(theirs), [], 'and was sent no token');
    await screenshot(page, 'credentials-other-server.png');
  } finally {
    await p.close();
    await mine.close();
    await theirs.close();
  }
});
