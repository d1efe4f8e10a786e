// Nothing lost, nothing sent twice: each promise of the desk replayed as an agent meets it, over
// HTTP to the reference server (behind the fault proxy), and checked in the server's own data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, useApp } from './helpers.mjs';
import { composer, setStatus, T, toasts } from './desk.mjs';
import { startBackend } from './fault-proxy.mjs';

const app = useApp();

/** A desk on a fresh server (the base fixture), opened at `route`, as Ava. */
async function withDesk(name, route, fn) {
  const backend = await startBackend();
  const p = await openPage(app.browser);
  try {
    await p.page.goto(`${app.baseUrl}${route}?api=${encodeURIComponent(backend.url)}`);
    await fn({ page: p.page, backend });
    assert.deepEqual(p.errors.filter((e) => e.startsWith('pageerror')), []);
  } catch (err) {
    await screenshot(p.page, `promises-${name}-failure.png`).catch(() => {});
    throw err;
  } finally {
    await p.close();
    await backend.close();
  }
}

/** How many of Olivia's (cu1) timeline items carry `text`, as the server has them. */
async function itemsSaying(backend, text) {
  const page = await backend.api('GET', '/customers/cu1/timeline?limit=500', null, 'ag1');
  return page.items.filter((i) => [i.content.content, i.content.body].includes(text)).length;
}

test('Retry after a lost answer, even pressed twice, sends the reply once, and clears the composer', { timeout: 90_000 }, () =>
  withDesk('retry-once', 'inbox/open/cu1', async ({ page, backend }) => {
    const words = 'A replacement is on its way today.';
    await composer(page).waitFor({ timeout: T });
    // The server takes the reply, but its answer never reaches the desk (nor that of the
    // browser's own retry on a dropped connection).
    backend.setFault(/\/conversations\/co1\/replies$/, { lost: true, method: 'POST' });
    await page.locator('#mode-reply').click();
    await composer(page).fill(words);
    await page.locator('#send-btn').click();
    const unsent = page.getByTestId('unsent').filter({ hasText: words });
    await unsent.waitFor({ timeout: T });
    assert.equal(await itemsSaying(backend, words), 1, 'the first attempt did land');
    backend.clearFaults();
    await unsent.getByRole('button', { name: 'Retry' }).dblclick();
    await toasts(page, 'Sent.').first().waitFor({ timeout: T });
    await unsent.waitFor({ state: 'detached', timeout: T });
    // The composer lets go of it: no text to send again, no "Not sent" line.
    await page.waitForFunction(() => document.querySelector('#composer-text')?.value === '', null, { timeout: T });
    assert.equal(await page.locator('.composer [role=alert]').count(), 0);
    assert.equal(await itemsSaying(backend, words), 1, 'sent exactly once');
  }),
);

test('Send pressed again on a reply that failed is that reply again, not a second copy', { timeout: 90_000 }, () =>
  withDesk('send-again', 'inbox/open/cu1', async ({ page, backend }) => {
    const words = 'Checking with the warehouse now.';
    await composer(page).waitFor({ timeout: T });
    backend.setFault(/\/conversations\/co1\/replies$/, { lost: true, method: 'POST' });
    await page.locator('#mode-reply').click();
    await composer(page).fill(words);
    await page.locator('#send-btn').click();
    await page.getByTestId('unsent').filter({ hasText: words }).waitFor({ timeout: T });
    backend.clearFaults();
    await page.locator('#send-btn').click();
    await toasts(page, 'Sent on').first().waitFor({ timeout: T });
    await page.getByTestId('unsent').waitFor({ state: 'detached', timeout: T });
    assert.equal(await itemsSaying(backend, words), 1);
  }),
);

test('text typed while a reply is being sent stays in the composer and in the draft', { timeout: 90_000 }, () =>
  withDesk('typed-during-send', 'inbox/open/cu1', async ({ page, backend }) => {
    await composer(page).waitFor({ timeout: T });
    backend.setFault(/\/conversations\/co1\/replies$/, { delay: 1500, method: 'POST', times: 1 });
    await page.locator('#mode-reply').click();
    const box = composer(page);
    await box.fill('First message');
    await page.locator('#send-btn').click();
    await box.press('End');
    await box.pressSequentially(' and the second one', { delay: 20 });
    await toasts(page, 'Sent on').first().waitFor({ timeout: T });
    assert.equal(await box.inputValue(), 'and the second one');
    assert.equal(await itemsSaying(backend, 'First message'), 1);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#composer-text')?.value === 'and the second one', null, { timeout: T });
  }),
);

test('a double click on Create task makes one task; two Enters in a comment make one comment', { timeout: 90_000 }, () =>
  withDesk('create-once', 'inbox/open/cu1', async ({ page, backend }) => {
    const tasksNow = async () => (await backend.api('GET', '/customers/cu1/tasks', null, 'ag1')).filter((t) => t.body === 'Send the return label');
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Task', { exact: true }).fill('Send the return label');
    // Slow, so the second click lands while the first is on its way.
    backend.setFault(/\/customers\/cu1\/tasks$/, { delay: 800, method: 'POST', times: 2 });
    await page.getByRole('button', { name: 'Create task' }).dblclick();
    const task = page.getByTestId('task').filter({ hasText: 'Send the return label' });
    await task.waitFor({ timeout: T });
    await page.waitForTimeout(1500);
    assert.equal((await tasksNow()).length, 1, 'one task');

    backend.setFault(/\/tasks\/[^/]+\/comments$/, { delay: 800, method: 'POST', times: 2 });
    const comment = task.getByLabel('Comment on this task');
    await comment.fill('Printed it.');
    await comment.press('Enter');
    await comment.press('Enter');
    await task.getByText('Printed it.').waitFor({ timeout: T });
    await page.waitForTimeout(1500);
    const [saved] = await tasksNow();
    assert.deepEqual(saved.comments.map((c) => c.body), ['Printed it.']);
  }),
);

test('a refusal no retry can change offers no Retry, and the page shows what it contradicts', { timeout: 90_000 }, () =>
  withDesk('permanent-refusal', 'inbox/open/cu1', async ({ page, backend }) => {
    await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
    // Noah closes it; this page's live stream is stalled, so its header still says Open.
    backend.holdEvents();
    await backend.api('PATCH', '/conversations/co1', { status: { value: 'CLOSED' } }, 'ag2');
    await page.locator('#mode-reply').click();
    await composer(page).fill('Following up on your order.');
    await page.locator('#send-btn').click();
    const unsent = page.getByTestId('unsent').filter({ hasText: 'Following up on your order.' });
    await unsent.waitFor({ timeout: T });
    assert.match(await unsent.locator('[role=alert]').textContent(), /closed/i);
    assert.equal(await unsent.getByRole('button', { name: 'Retry' }).count(), 0, 'no Retry that can never work');
    await unsent.getByRole('button', { name: 'Discard' }).waitFor({ timeout: T });
    // The header is read again and shows the close.
    await page.locator('button[data-status="Closed"][aria-pressed="true"]').waitFor({ timeout: T });
    backend.releaseEvents();
  }),
);

test('over a slow server, a status just undone can be chosen again at once (step 12)', { timeout: 90_000 }, () =>
  withDesk('undo-reclick', 'inbox/open/cu1', async ({ page, backend }) => {
    await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
    // Every read now takes 1.5 s: the page is read again long after each write's answer.
    backend.setFault(/^\/api\/v1\/(customers|conversations)/, { delay: 1500, method: 'GET' });
    await setStatus(page, 'Waiting');
    const shown = toasts(page);
    await shown.filter({ hasText: 'Status set to Waiting.' }).getByRole('button', { name: 'Undo' }).click();
    await shown.filter({ hasText: 'Undone.' }).first().waitFor({ timeout: T });
    // The header shows what the undo's answer says, without waiting for the slow read.
    await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: 1000 });
    await setStatus(page, 'Waiting');
    const status = async () => (await backend.api('GET', '/conversations/co1', null, 'ag1')).status;
    for (let i = 0; i < 100 && (await status()) !== 'WAITING'; i++) await page.waitForTimeout(100);
    assert.equal(await status(), 'WAITING', 'the second Waiting reached the server');
    // (The first "Status set to Waiting." went with its Undo.)
    await shown.filter({ hasText: 'Status set to Waiting.' }).first().waitFor({ timeout: T });
    assert.equal(await page.locator('.toast.error').count(), 0, 'no conflict, no refusal');
  }),
);

test('a live stream refused with 429 waits the Retry-After the server asked before trying again', { timeout: 90_000 }, () =>
  withDesk('retry-after', 'inbox/open', async ({ page, backend }) => {
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
    const streams = () => backend.seen(/^\/api\/v1\/events/, 'GET');
    // The live stream drops; the next connection is told to wait 3 s (more than the 1 s backoff).
    backend.setFault(/^\/api\/v1\/events/, { status: 429, retryAfter: 3, times: 1, method: 'GET' });
    backend.dropStreams();
    const until = async (what, ok) => {
      for (let i = 0; i < 300 && !ok(); i++) await page.waitForTimeout(50);
      assert.ok(ok(), what);
    };
    await until('the stream is refused once', () => streams().some((r) => r.fault));
    const refused = streams().find((r) => r.fault);
    await until('and tried again', () => streams().some((r) => !r.fault && r.at > refused.at));
    const next = streams().find((r) => !r.fault && r.at > refused.at);
    assert.ok(next.at - refused.at >= 2900, `not before the 3 s asked for (${next.at - refused.at} ms)`);
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
  }),
);
