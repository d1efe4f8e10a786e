// The agent desk on the demo backend, as an agent would use it: status, assignment, replies on two
// channels, the reopen window, tasks, search, keyboard, drafts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, useApp, withPage } from './helpers.mjs';
import { assignee, composer, customerWritesIn, expectCount, lastToast, navCount, send, setStatus, statusIs, T, timeline, toasts } from './desk.mjs';

const app = useApp();


test('one conversation from New to Closed, reopened inside the window, new after it', { timeout: 180_000 }, () =>
  withPage(app.browser, 'lifecycle', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/new`);
    const rows = page.getByTestId('conversation-row');
    await rows.first().waitFor({ timeout: T });
    const [newBefore, openBefore] = [await navCount(page, 'new'), await navCount(page, 'open')];
    const name = (await rows.first().locator('.customer-name').textContent()).trim();
    await rows.first().click();
    await page.locator('.customer-title', { hasText: name }).waitFor({ timeout: T });
    await statusIs(page, 'New');
    // One option per conversation in the timeline's jump list (its chapters are virtualized).
    // (The list is filled when the agent reaches for it.)
    const conversationCount = async () => {
      await page.getByTestId('jump-conversation').focus();
      return page.locator('[data-testid=jump-conversation] option:not([value=""])').count();
    };
    const chaptersBefore = await conversationCount();

    // Assign to Ava (the current agent) in General Support: New → Open, and the counts move.
    await assignee(page).selectOption('support|ag1');
    await statusIs(page, 'Open');
    await expectCount(page, 'new', newBefore - 1);
    await expectCount(page, 'open', openBefore + 1);
    assert.match(await lastToast(page), /Assigned to Ava Thompson/);

    // Reply on SMS, then on email: both in the one timeline; the conversation waits on the customer.
    await send(page, 'Sms', 'Thanks for writing, checking this for you now.');
    await send(page, 'Email', 'Following up by email with the details.');
    await statusIs(page, 'Waiting');
    const current = page.locator('[data-testid=timeline] .item.in-chapter.current');
    await current.getByText('Thanks for writing, checking this for you now.').waitFor();
    await current.getByText('Following up by email with the details.').waitFor();
    assert.ok(await current.locator('.channel-badge', { hasText: 'SMS' }).count() >= 1);
    assert.ok(await current.locator('.channel-badge', { hasText: 'Email' }).count() >= 1);

    // The customer answers: back to Open.
    await customerWritesIn(page, 'Sms', 'Great, thank you!');
    await statusIs(page, 'Open');
    assert.match(await lastToast(page), /joined the open conversation/);

    // Closing needs a topic in this inbox: the topic picker asks for one, inline.
    await setStatus(page, 'Closed');
    await page.getByText('Add a topic to close').waitFor({ timeout: T });
    await statusIs(page, 'Open');
    await page.locator('#topic-select').selectOption('where-is-my-order');
    await page.locator('.topic.chip', { hasText: 'Where is my order' }).waitFor({ timeout: T });
    await setStatus(page, 'Closed');
    await statusIs(page, 'Closed');
    await screenshot(page, 'closed.png');

    // Writing again within the reopen window reopens the same conversation.
    await customerWritesIn(page, 'Sms', 'Sorry, one more thing.');
    await statusIs(page, 'Open');
    assert.match(await lastToast(page), /reopened/);
    assert.equal(await conversationCount(), chaptersBefore);

    // Close again, move the clock past the window: the next message starts a new conversation.
    await setStatus(page, 'Closed');
    await statusIs(page, 'Closed');
    await page.locator('details.trial > summary').click();
    await page.getByRole('button', { name: '+3 days' }).click();
    await page.getByTestId('demo-clock').getByText('+3 d').waitFor({ timeout: T });
    await customerWritesIn(page, 'Email', 'Hello again, new question.');
    assert.match(await lastToast(page), /new conversation started/);
    await statusIs(page, 'New');
    assert.equal(await conversationCount(), chaptersBefore + 1);
    // The previous conversation is folded into a chapter, the new one open.
    const chapters = page.getByTestId('chapter');
    const heads = await chapters.count();
    assert.equal(await chapters.nth(heads - 2).getAttribute('data-open'), 'false');
    assert.equal(await chapters.last().getAttribute('data-open'), 'true');
    assert.equal(await chapters.last().locator('button').getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'customer-light.png');

    assert.deepEqual(errors, []);
  }),
);

test('tasks: create from the customer page, comment, close', { timeout: 90_000 }, () =>
  withPage(app.browser, 'tasks', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await timeline(page).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Task', { exact: true }).fill('Send the replacement strap');
    await page.getByRole('button', { name: 'Create task' }).click();
    const task = page.getByTestId('task').filter({ hasText: 'Send the replacement strap' });
    await task.waitFor({ timeout: T });
    await task.getByLabel('Comment on this task').fill('Ordered from the warehouse');
    await task.getByLabel('Comment on this task').press('Enter');
    await task.getByText('Ordered from the warehouse').waitFor({ timeout: T });
    await task.getByRole('button', { name: 'Close task' }).click();
    await page.locator('details.closed-tasks').getByText('Send the replacement strap').waitFor({ state: 'attached', timeout: T });
    // And it shows in the timeline as task events.
    await timeline(page).getByText('closed a task').last().waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('search finds a customer by phone number typed without formatting', { timeout: 90_000 }, () =>
  withPage(app.browser, 'search', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    const phoneText = await page.locator('.contacts dt:text-is("Phone") + dd').first().textContent();
    const name = (await page.locator('.customer-title').textContent()).trim();
    const digits = phoneText.replace(/\D/g, '').slice(-7);
    await page.keyboard.press('/');
    await page.keyboard.type(digits);
    await page.keyboard.press('Enter');
    const hit = page.getByTestId('customer-results').getByText(name).first();
    await hit.waitFor({ timeout: T });
    await hit.click();
    await page.locator('.customer-title', { hasText: name }).waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('keyboard: j/k through the list, ? for help, Ctrl+K runs a command by name', { timeout: 90_000 }, () =>
  withPage(app.browser, 'keyboard', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    const rows = page.getByTestId('conversation-row');
    await rows.nth(2).waitFor({ timeout: T });
    const names = await rows.locator('.customer-name').allTextContents();
    await page.keyboard.press('j');
    await page.locator('.customer-title', { hasText: names[0] }).waitFor({ timeout: T });
    await page.keyboard.press('j');
    await page.locator('.customer-title', { hasText: names[1] }).waitFor({ timeout: T });
    await page.keyboard.press('k');
    await page.locator('.customer-title', { hasText: names[0] }).waitFor({ timeout: T });

    await page.keyboard.press('r');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-text');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 5 } });

    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ timeout: T });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached', timeout: T });

    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Command' }).fill('waiting');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/inbox\/waiting$/, { timeout: T });
    await page.locator('#list-title', { hasText: 'Waiting' }).waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('a draft survives a reload', { timeout: 90_000 }, () =>
  withPage(app.browser, 'drafts', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await composer(page).fill('Half-written reply about the refund');
    await page.reload();
    await composer(page).waitFor({ timeout: T });
    await page.waitForFunction(() => document.querySelector('#composer-text')?.value === 'Half-written reply about the refund', null, { timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('dark theme and a phone-width screen', { timeout: 90_000 }, async () => {
  await withPage(app.browser, 'dark', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}settings`);
    await page.getByLabel('Dark').check();
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await timeline(page).waitFor({ timeout: T });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await screenshot(page, 'customer-dark.png');
    assert.deepEqual(errors, []);
  });
  await withPage(
    app.browser,
    'phone',
    async ({ page, errors }) => {
      await page.goto(`${app.baseUrl}inbox/open`);
      await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
      await screenshot(page, 'phone-inbox.png');
      await page.getByTestId('conversation-row').first().click();
      await timeline(page).waitFor({ timeout: T });
      // On a phone the conversation takes the screen; nothing scrolls sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
      await screenshot(page, 'phone-customer.png');
      assert.deepEqual(errors, []);
    },
    { viewport: { width: 390, height: 844 } },
  );
});

test('the list stays still: a new arrival waits behind "1 new"', { timeout: 90_000 }, () =>
  withPage(app.browser, 'arrivals', async ({ page, errors }) => {
    // A customer with no open conversation, shown beside the General Support list.
    await page.goto(`${app.baseUrl}inbox/closed`);
    const closedRow = page.getByTestId('conversation-row').first();
    await closedRow.waitFor({ timeout: T });
    const href = await closedRow.locator('a').getAttribute('href');
    const customerId = href.split('/').pop();
    await page.goto(`${app.baseUrl}inbox/inbox-support/${customerId}`);
    const rows = page.getByTestId('conversation-row');
    await rows.first().waitFor({ timeout: T });
    const list = page.getByTestId('conversation-list');
    const before = await rows.locator('.customer-name').allTextContents();
    const countBefore = Number(await list.getAttribute('data-count'));
    const name = (await page.locator('.customer-title').textContent()).trim();

    // Past every reopen window, the customer writes by SMS: a new conversation in this inbox.
    await page.locator('details.trial > summary').click();
    await page.getByRole('button', { name: '+3 days' }).click();
    await customerWritesIn(page, 'Sms', 'Hi, a brand new question.');
    assert.match(await lastToast(page), /new conversation started/);

    const arrivals = page.getByTestId('new-arrivals');
    await arrivals.waitFor({ timeout: T });
    assert.match(await arrivals.textContent(), /^1 new/);
    assert.deepEqual(await rows.locator('.customer-name').allTextContents(), before, 'rows moved under the cursor');

    assert.equal(Number(await list.getAttribute('data-count')), countBefore);
    await arrivals.click();
    await arrivals.waitFor({ state: 'detached', timeout: T });
    await page.waitForFunction((n) => document.querySelector('[data-testid=conversation-list]')?.dataset.count === String(n), countBefore + 1, { timeout: T });
    // The newest arrival sorts to the top of the applied list: its customer waits the shortest…
    // wherever it lands, scrolling the list must find it.
    const scroller = page.locator('.conversation-scroller');
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      found = (await rows.filter({ hasText: name }).count()) > 0;
      if (!found) await scroller.evaluate((el) => { el.scrollTop += el.clientHeight; });
      await page.waitForTimeout(50);
    }
    assert.ok(found, `${name} is listed after applying`);
    assert.deepEqual(errors, []);
  }),
);

test('an answer fills what it can and blocks sending until the rest is filled', { timeout: 90_000 }, () =>
  withPage(app.browser, 'answers', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    const first = (await page.locator('.customer-title').textContent()).trim().split(' ')[0];
    await page.getByLabel('Insert an answer').selectOption({ label: 'Refund on its way' });
    const box = composer(page);
    await page.waitForFunction((f) => document.querySelector('#composer-text')?.value.startsWith(`Hi ${f},`), first, { timeout: T });
    assert.match(await box.inputValue(), /\{refund\.amount\}/);
    await page.locator('#send-btn').click();
    await page.getByText('Fill in {refund.amount} before sending.').waitFor({ timeout: T });
    await box.fill((await box.inputValue()).replace('{refund.amount}', '$42.00'));
    await page.locator('#send-btn').click();
    await timeline(page).getByText('refund of $42.00').waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('Close & Next closes and opens the next conversation in the view', { timeout: 90_000 }, () =>
  withPage(app.browser, 'close-next', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/mine`);
    const rows = page.getByTestId('conversation-row');
    await rows.nth(1).waitFor({ timeout: T });
    const mine = await navCount(page, 'mine');
    await rows.first().click();
    const name = (await page.locator('.customer-title').textContent()).trim();
    if ((await page.locator('.topic.chip').count()) === 0) {
      await page.locator('#topic-select').selectOption('compliment');
      await page.locator('.topic.chip').first().waitFor({ timeout: T });
    }
    await page.locator('#close-next-btn').click();
    await page.waitForFunction((n) => {
      const t = document.querySelector('.customer-title')?.textContent?.trim();
      return t && t !== n;
    }, name, { timeout: T });
    await expectCount(page, 'mine', mine - 1);
    assert.deepEqual(errors, []);
  }),
);

test('My tasks lists the tasks assigned to me', { timeout: 90_000 }, () =>
  withPage(app.browser, 'my-tasks', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Task', { exact: true }).fill('Check the warranty terms');
    await page.getByLabel('For').selectOption('support|ag1');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByTestId('task').filter({ hasText: 'Check the warranty terms' }).waitFor({ timeout: T });
    await page.getByRole('link', { name: 'My tasks' }).click();
    await page.getByTestId('my-task').filter({ hasText: 'Check the warranty terms' }).waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('a long view renders only the rows in sight, and scrolls to its end', { timeout: 90_000 }, () =>
  withPage(app.browser, 'virtual-list', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/closed`);
    const list = page.getByTestId('conversation-list');
    await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
    const total = Number(await list.getAttribute('data-count'));
    assert.ok(total > 500, `closed view has ${total} rows`);
    assert.equal(total, await navCount(page, 'closed'));
    const rendered = await page.getByTestId('conversation-row').count();
    assert.ok(rendered < 40, `${rendered} rows in the DOM`);
    await page.locator('.conversation-scroller').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.locator(`[data-testid=conversation-row][aria-posinset="${total}"]`).waitFor({ timeout: T });
    assert.ok((await page.getByTestId('conversation-row').count()) < 40);
    assert.deepEqual(errors, []);
  }),
);

test('two tabs share one demo: neither overwrites the other, and each sees the other live', { timeout: 120_000 }, async () => {
  // One browser profile, two tabs, as a Ctrl+click on a row opens them.
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  const tab = async (route) => {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.baseUrl}${route}`);
    return page;
  };
  try {
    const one = await tab('inbox/open');
    const rows = one.getByTestId('conversation-row');
    await rows.nth(1).waitFor({ timeout: T });
    const names = (await rows.locator('.customer-name').allTextContents()).map((n) => n.trim());
    const [hrefOne, hrefTwo] = await Promise.all([0, 1].map((i) => rows.nth(i).locator('a').first().getAttribute('href')));
    await one.goto(new URL(hrefOne, one.url()).href);
    const two = await tab(new URL(hrefTwo, one.url()).href.slice(app.baseUrl.length));
    await one.locator('.customer-title', { hasText: names[0] }).waitFor({ timeout: T });
    await two.locator('.customer-title', { hasText: names[1] }).waitFor({ timeout: T });

    // A reply in one tab, a note in the other.
    await one.locator('#mode-reply').click();
    await composer(one).fill('Your parcel left the depot this morning.');
    await composer(one).press('Control+Enter');
    await timeline(one).getByText('Your parcel left the depot this morning.').waitFor({ timeout: T });
    await two.locator('#mode-note').click();
    await composer(two).fill('Called the courier about the second parcel.');
    await composer(two).press('Control+Enter');
    await timeline(two).getByText('Called the courier about the second parcel.').waitFor({ timeout: T });

    // Reloaded, the first tab still has its reply; the note is on the other customer.
    await one.reload();
    await timeline(one).getByText('Your parcel left the depot this morning.').waitFor({ timeout: T });
    await one.goto(new URL(hrefTwo, one.url()).href);
    await timeline(one).getByText('Called the courier about the second parcel.').waitFor({ timeout: T });

    // Live: a note written in one tab shows in the other, which is on the same customer now.
    await one.locator('#mode-note').click();
    await composer(one).fill('Courier confirmed: delivery tomorrow.');
    await composer(one).press('Control+Enter');
    await timeline(two).getByText('Courier confirmed: delivery tomorrow.').waitFor({ timeout: T });
    await screenshot(two, 'two-tabs.png');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('"Act as" applies to the header at once: Close & Next goes on in the chosen agent\'s Mine', { timeout: 90_000 }, () =>
  withPage(app.browser, 'act-as', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/mine`);
    await page.getByTestId('conversation-row').first().click();
    await page.locator('.customer-title').waitFor({ timeout: T });
    const first = page.url();
    // Trial controls → Act as: someone else, after the header was shown.
    await page.locator('details.trial summary').click();
    const actAs = page.getByLabel('Act as agent');
    const me = await actAs.inputValue();
    const other = await actAs.locator('option').evaluateAll((os, mine) => os.map((o) => o.value).find((v) => v !== mine), me);
    await actAs.selectOption(other);
    await page.locator('#close-next-btn').click();
    await page.waitForTimeout(300);
    if (await page.getByText('Add a topic to close').count()) {
      await page.locator('#topic-select').selectOption({ index: 1 });
      await toasts(page, 'Topics updated.').first().waitFor({ timeout: T });
      await page.locator('#close-next-btn').click();
    }
    await page.waitForFunction((was) => location.href !== was, first, { timeout: T });
    await page.locator('.customer-title').waitFor({ timeout: T });
    // The next one is the other agent's: their Mine, not the one the header was shown for.
    await page.waitForFunction((who) => document.querySelector('#assignee-select')?.value.endsWith(`|${who}`), other, { timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('a conversation is one chapter wherever its items fall, and each change names who made it (Act as)', { timeout: 90_000 }, () =>
  withPage(app.browser, 'one-chapter', async ({ page, errors }) => {
    // Issue 12 step 2 and issue 14: Evelyn Hill's open conversation has a customer activity among
    // its items; a change after it opened a second "Waiting" head reading "Conversation started".
    await page.goto(`${app.baseUrl}inbox/mine`);
    await page.getByTestId('conversation-row').filter({ hasText: 'Evelyn Hill' }).first().click();
    await page.locator('.customer-title', { hasText: 'Evelyn Hill' }).waitFor({ timeout: T });
    await page.locator('details.trial summary').click();
    await page.getByLabel('Act as agent').selectOption({ label: 'Noah Patel' });
    const target = (await page.locator('button[data-status="Waiting"][aria-pressed="true"]').count()) ? 'Open' : 'Waiting';
    await page.locator(`button[data-status="${target}"]`).click();
    await statusIs(page, target);
    const events = timeline(page);
    await events.getByText(`Noah Patel set the status to ${target}`).waitFor({ timeout: T });
    // A task comment is one more item of the same chapter.
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Task', { exact: true }).fill('Check the courier scan');
    await page.getByRole('button', { name: 'Create task' }).click();
    const task = page.getByTestId('task').filter({ hasText: 'Check the courier scan' });
    await task.getByLabel('Comment on this task').fill('Asked the depot');
    await task.getByLabel('Comment on this task').press('Enter');
    await task.getByText('Asked the depot').waitFor({ timeout: T });
    await page.locator(`button[data-status="${target === 'Open' ? 'Waiting' : 'Open'}"]`).click();
    await events.getByText(/Noah Patel set the status to/).nth(1).waitFor({ timeout: T });
    assert.ok((await events.locator('.chapter-head.current').count()) <= 1, 'one head for the current conversation');
    await screenshot(page, 'one-chapter.png');
    assert.deepEqual(errors, []);
  }),
);

test('ages in the list follow the clock: the demo clock moved 3 days shows at once', { timeout: 90_000 }, () =>
  withPage(app.browser, 'ages-tick', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/new`);
    const waiting = page.getByTestId('conversation-row').first().locator('.reason.waiting');
    await waiting.waitFor({ timeout: T });
    const before = await waiting.textContent();
    const days = (text) => Number(/(\d+) d/.exec(text)?.[1] ?? 0);
    await page.locator('details.trial summary').click();
    await page.getByRole('button', { name: '+3 days' }).click();
    await page.waitForFunction(
      ([want]) => {
        const t = document.querySelector('[data-testid=conversation-row] .reason.waiting')?.textContent ?? '';
        return Number(/(\d+) d/.exec(t)?.[1] ?? 0) >= want;
      },
      [days(before) + 3],
      { timeout: T },
    );
    assert.deepEqual(errors, []);
  }),
);

test('a past due date reads overdue, and entering one is asked about first', { timeout: 90_000 }, () =>
  withPage(app.browser, 'overdue', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Task', { exact: true }).fill('Chase the courier (yesterday)');
    const yesterday = new Date(Date.now() - 86_400_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.locator('.task-form input[type=datetime-local]').fill(yesterday);
    await page.getByRole('button', { name: 'Create task' }).click();
    const asked = page.locator('.task-form [role=alert]');
    await asked.filter({ hasText: 'already passed' }).waitFor({ timeout: T });
    assert.equal(await page.getByTestId('task').filter({ hasText: 'Chase the courier' }).count(), 0, 'not created yet');
    await page.getByRole('button', { name: 'Create task' }).click();
    const task = page.getByTestId('task').filter({ hasText: 'Chase the courier' });
    await task.waitFor({ timeout: T });
    assert.match(await task.locator('.muted').textContent(), /^Overdue 1 d/);
    await page.locator('nav a[href$="/tasks"]').click();
    const mine = page.getByTestId('my-task').filter({ hasText: 'Chase the courier' });
    await mine.waitFor({ timeout: T });
    assert.match(await mine.textContent(), /overdue 1 d/);
    assert.deepEqual(errors, []);
  }),
);

test('Undo takes back a close, a status change after a topic, and an unassignment, whole', { timeout: 120_000 }, () =>
  withPage(app.browser, 'undo', async ({ page, errors }) => {
    const undoOf = async (text) => {
      await toasts(page, text).getByRole('button', { name: 'Undo' }).click();
      await toasts(page, 'Undone.').first().waitFor({ timeout: T });
    };
    await page.goto(`${app.baseUrl}inbox/waiting`);
    await page.getByTestId('conversation-row').first().click();
    await statusIs(page, 'Waiting');
    // Step 5: close a Waiting conversation, then Undo: Waiting again.
    await setStatus(page, 'Closed');
    await page.waitForTimeout(300);
    if (await page.getByText('Add a topic to close').count()) {
      await page.locator('#topic-select').selectOption({ index: 1 });
      await toasts(page, 'Topics updated.').first().waitFor({ timeout: T });
      await setStatus(page, 'Closed');
    }
    await statusIs(page, 'Closed');
    await undoOf('Status set to Closed.');
    await statusIs(page, 'Waiting');
    // Step 6: Open, then a topic of one's own, then Undo of "Open": Waiting again, topic kept.
    await setStatus(page, 'Open');
    await toasts(page, 'Status set to Open.').waitFor({ timeout: T });
    await page.locator('#topic-select').selectOption({ index: 1 });
    await toasts(page, 'Topics updated.').last().waitFor({ timeout: T });
    const chips = await page.locator('.conversation-header .topic.chip').count();
    await undoOf('Status set to Open.');
    await statusIs(page, 'Waiting');
    assert.equal(await page.locator('.conversation-header .topic.chip').count(), chips, 'the topic stays');
    // Step 7: unassign (→ New), then Undo: the agent and Waiting both back.
    const owner = await assignee(page).inputValue();
    const inbox = owner.split('|')[0];
    await assignee(page).selectOption(`${inbox}|`);
    await statusIs(page, 'New');
    await undoOf('Assigned to');
    await statusIs(page, 'Waiting');
    assert.equal(await assignee(page).inputValue(), owner);
    assert.deepEqual(errors, []);
  }),
);

test('a link to nothing says so, without a Try again that cannot help', { timeout: 90_000 }, () =>
  withPage(app.browser, 'not-found', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open/nope`);
    const alert = page.locator('main.workspace [role=alert]');
    await alert.waitFor({ timeout: T });
    assert.match(await alert.textContent(), /no longer exists/);
    assert.equal(await alert.getByRole('button', { name: 'Try again' }).count(), 0);
    await page.goto(`${app.baseUrl}inbox/inbox-nope`);
    const list = page.locator('.list-pane [role=alert]');
    await list.waitFor({ timeout: T });
    assert.match(await list.textContent(), /no inbox/);
    assert.equal(await list.getByRole('button', { name: 'Try again' }).count(), 0);
    assert.deepEqual(errors.filter((e) => e.startsWith('pageerror')), []);
  }),
);

test('the composer: a hint goes once the text changes, the subject is kept with the draft, and no typed "call"', { timeout: 90_000 }, () =>
  withPage(app.browser, 'composer-small', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await page.locator('#mode-reply').click();
    await page.locator('#send-btn').click();
    const hint = page.locator('.composer [role=alert]');
    await hint.filter({ hasText: 'Write something first.' }).waitFor({ timeout: T });
    await composer(page).fill('Hi');
    await hint.waitFor({ state: 'detached', timeout: T });
    const channels = await page.locator('#channel-select option').allTextContents();
    assert.ok(!channels.includes('Voice'), `reply channels: ${channels.join(', ')}`);
    if (channels.includes('Email')) {
      await page.locator('#channel-select').selectOption({ label: 'Email' });
      await page.getByLabel('Subject').fill('About your exchange');
      await page.reload();
      await page.locator('#mode-reply').click();
      await page.locator('#channel-select').selectOption({ label: 'Email' });
      assert.equal(await page.getByLabel('Subject').inputValue(), 'About your exchange');
    }
    assert.deepEqual(errors, []);
  }),
);

test('a note over its limit is refused in the composer, the text kept to shorten', { timeout: 90_000 }, () =>
  withPage(app.browser, 'too-long', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    await page.locator('#mode-note').click();
    const long = 'x'.repeat(20_001);
    await composer(page).fill(long);
    await page.locator('#send-btn').click();
    await page.getByText('The note is too long: 20001 characters, and at most 20000 fit.').waitFor({ timeout: T });
    assert.equal((await composer(page).inputValue()).length, 20_001, 'nothing typed is lost');
    assert.equal(await page.getByTestId('unsent').count(), 0, 'nothing was sent');
    assert.deepEqual(errors, []);
  }),
);

test('a new user is not caught out: the topic picker resets, a demo reset asks first, the demo offers no demo', { timeout: 120_000 }, () =>
  withPage(app.browser, 'first-steps', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/open`);
    await page.getByTestId('conversation-row').first().click();
    const picker = page.locator('#topic-select');
    await picker.waitFor({ timeout: T });
    const chips = await page.locator('.conversation-header .topic.chip').count();
    await picker.selectOption({ index: 1 });
    await page.locator('.conversation-header .topic.chip').nth(chips).waitFor({ timeout: T });
    // The picker adds; it does not keep showing a topic as if chosen.
    assert.equal(await picker.inputValue(), '');
    // The navigation's counts are read out with their number ("Mine 9 conversations").
    const mine = page.locator('nav a[href$="/inbox/mine"]');
    assert.match((await mine.innerText()).replace(/\s+/g, ' '), /Mine \d+/);
    assert.match(await mine.textContent(), /\d+ conversations$/);

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('h1', { hasText: 'Settings' }).waitFor({ timeout: T });
    assert.equal(await page.getByRole('button', { name: 'Use the demo instead' }).count(), 0, 'already on the demo');
    await page.getByRole('button', { name: 'Reset demo data' }).click();
    await page.getByText('Every change made in this browser goes back to the seed.').waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Keep my changes' }).click();
    await page.getByRole('button', { name: 'Reset demo data' }).waitFor({ timeout: T });
    assert.equal(await page.getByText('The demo data was reset to the seed.').count(), 0, 'nothing was reset');
    await page.getByRole('button', { name: 'Reset demo data' }).click();
    await page.getByRole('button', { name: 'Yes, reset the demo' }).click();
    await page.getByText('The demo data was reset to the seed.').waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  }),
);

test('an Undo belongs to who made the change: acting as another agent drops it; at most two toasts show', { timeout: 90_000 }, () =>
  withPage(app.browser, 'undo-per-agent', async ({ page, errors }) => {
    await page.goto(`${app.baseUrl}inbox/mine`);
    await page.getByTestId('conversation-row').first().click();
    await statusIs(page, 'Open');
    await setStatus(page, 'Waiting');
    const undo = toasts(page).getByRole('button', { name: 'Undo' });
    await undo.waitFor({ timeout: T });
    // Three messages in a row: only the newest two stay on screen.
    for (const hours of ['+1 h', '+1 day']) {
      await page.locator('details.trial summary').click();
      await page.getByRole('button', { name: hours }).click();
      await page.locator('details.trial summary').click();
    }
    await toasts(page, 'Moved the demo clock 24 h ahead.').waitFor({ timeout: T });
    assert.equal(await toasts(page).count(), 2);
    await setStatus(page, 'Open');
    await undo.first().waitFor({ timeout: T });
    await page.locator('details.trial summary').click();
    const actAs = page.getByLabel('Act as agent');
    const me = await actAs.inputValue();
    const other = await actAs.locator('option').evaluateAll((os, mine) => os.map((o) => o.value).find((v) => v !== mine), me);
    await actAs.selectOption(other);
    await page.waitForFunction(() => !document.querySelector('[data-testid=toast] button.btn-link:not([aria-label])'), null, { timeout: T });
    assert.equal(await undo.count(), 0, 'no Undo of another agent\'s change');
    assert.deepEqual(errors, []);
  }),
);
