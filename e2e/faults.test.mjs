// Failing backends: in front of the reference server, a proxy answers 500, 502, 429, nothing, a reset, broken JSON, JSON from
// a newer server, huge payloads and stale-version conflicts, on reads and on writes. The agent must
// always be told, in the place they are looking, never lose what they typed, and get back to work
// once the server recovers. A table of what was injected and what the agent saw prints at the end.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, useApp } from './helpers.mjs';
import { composer, setStatus, T, timeline, toasts } from './desk.mjs';
import { baseFixture } from './fixtures/base.mjs';
import { describeFault, startBackend } from './fault-proxy.mjs';

/** The app gives up on a request after 15 s; a wait on that needs more. */
const SLOW = 45_000;
const app = useApp();

/** fault × where → what the agent saw, for the summary. */
const table = [];
function saw(fault, where, text) {
  table.push({ fault: typeof fault === 'string' ? fault : describeFault(fault), where, saw: String(text).replace(/\s+/g, ' ').trim() });
}

after(() => {
  if (!table.length) return;
  const rows = [['fault', 'where', 'what the agent saw'], ...table.map((r) => [r.fault, r.where, r.saw.length > 200 ? r.saw.slice(0, 197) + '…' : r.saw])];
  const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r[0].padEnd(w[0])} | ${r[1].padEnd(w[1])} | ${r[2]}`;
  console.log(
    ['', `Faults injected: ${table.length}`, line(rows[0]), `|${'-'.repeat(w[0] + 2)}|${'-'.repeat(w[1] + 2)}|${'-'.repeat(20)}`, ...rows.slice(1).map(line), ''].join('\n'),
  );
});

/** What an ErrorNotice says, and whether it offers Try again. */
async function notice(alert) {
  const msg = (await alert.locator('li').allTextContents()).join(' ');
  const retry = (await alert.getByRole('button', { name: 'Try again' }).count()) > 0;
  return `${msg}${retry ? ' [Try again]' : ' (no Try again)'}`;
}

/** A fresh server (base fixture unless given) behind the fault proxy, and a page on it at `route`. */
async function desk({ route = 'inbox/open', faults = [], fixture } = {}) {
  const backend = await startBackend({ fixture: fixture ?? baseFixture(), faults });
  const p = await openPage(app.browser);
  await p.page.goto(`${app.baseUrl}${route}?api=${encodeURIComponent(backend.url)}`);
  return {
    ...p,
    backend,
    pageErrors: () => p.errors.filter((e) => e.startsWith('pageerror')),
    close: async () => {
      await p.close();
      await backend.close();
    },
  };
}

/** Runs `fn` on a fresh desk; on failure keeps a screenshot and the page errors. */
async function withDesk(name, options, fn) {
  const d = await desk(options);
  try {
    await fn(d);
  } catch (err) {
    await screenshot(d.page, `faults-${name}-failure.png`).catch(() => {});
    if (d.errors.length) err.message += `\npage errors:\n  ${d.errors.slice(0, 10).join('\n  ')}`;
    throw err;
  } finally {
    await d.close();
  }
}

// Any read of a view: its order (`conversation-ids`), rows by id, or the older paged list.
const LIST = /\/api\/v1\/(conversation-ids\?view=|conversations\?(view|ids)=)/;
// Reads of list rows only, for faults shaped like a page of rows.
const ROWS = /\/api\/v1\/conversations\?(view|ids)=/;
const errorText = {
  500: /The server had a problem \(500: The server had an internal problem\.\)/,
  502: /The server had a problem \(502: The upstream server did not answer\.\)/,
  '502html': /The server had a problem \(502: Bad Gateway\)/,
  429: /Too many requests/,
  timeout: /could not be reached|did not answer/,
  reset: /could not be reached/,
  malformed: /does not understand/,
  enum: /does not understand.*(SNOOZED|CARRIER_PIGEON)/,
  409: /Someone else changed this conversation/,
};

const READ_FAULTS = [
  ['500', { status: 500 }, errorText[500]],
  ['502', { status: 502 }, errorText[502]],
  ['429', { status: 429, retryAfter: 2 }, errorText[429]],
  ['reset', { reset: true }, errorText.reset],
  ['malformed', { malformed: true }, errorText.malformed],
  ['timeout', { timeout: true }, errorText.timeout],
];

describe('a read fails: the agent is told where they look, and Try again recovers', { concurrency: 4 }, () => {
  const listFaults = [
    ...READ_FAULTS,
    [
      'unknown enum',
      { label: 'unknown enum (status SNOOZED)', body: { items: [{ conversation: { ...baseFixture().conversations[1], status: 'SNOOZED' }, customerName: 'Olivia Bennett', preview: 'x' }] } },
      errorText.enum,
    ],
  ];
  for (const [name, fault, expected] of listFaults) {
    test(`conversation list: ${name}`, { timeout: 120_000 }, () =>
      withDesk(`list-${name}`, { route: 'inbox/open', faults: [[fault.body ? ROWS : LIST, fault]] }, async ({ page, backend, pageErrors }) => {
        const alert = page.locator('.list-pane [role=alert]');
        if (fault.body) {
          // JSON from a newer server: an app that skips what it cannot read is fine too.
          const shown = page.locator('.list-pane .empty-state, .list-pane [data-testid=conversation-row]');
          await Promise.race([alert.waitFor({ timeout: T }), shown.first().waitFor({ timeout: T })]);
          if (!(await alert.count())) {
            saw(fault, 'conversation list (read)', `no error; ${await page.getByTestId('conversation-row').count()} rows`);
            assert.deepEqual(pageErrors(), []);
            return;
          }
        }
        await alert.waitFor({ timeout: fault.timeout ? SLOW : T });
        const text = await alert.textContent();
        saw(fault, 'conversation list (read)', await notice(alert));
        assert.match(text, expected);
        const retry = alert.getByRole('button', { name: 'Try again' });
        // Still failing: Try again says so again, nothing breaks.
        if (!fault.timeout) {
          await retry.click();
          await alert.waitFor({ timeout: T });
        }
        backend.clearFaults();
        // (A live event or the browser's own retry may already have brought the data back.)
        await retry.click({ timeout: 2_000 }).catch(() => {});
        const rows = page.getByTestId('conversation-row');
        await rows.first().waitFor({ timeout: T });
        await alert.waitFor({ state: 'detached', timeout: T });
        // The app keeps working: open the customer, move to another view.
        await rows.first().click();
        await page.locator('.customer-title', { hasText: 'Olivia Bennett' }).waitFor({ timeout: T });
        await page.locator('nav a[href$="/inbox/waiting"]').click();
        await page.getByTestId('conversation-row').filter({ hasText: 'Priya Shah' }).waitFor({ timeout: T });
        assert.deepEqual(pageErrors(), []);
      }),
    );
  }

  const customerFaults = [
    ['500 on the profile', '/customer-profiles/cu1', /\/customer-profiles\/cu1$/, { status: 500 }, errorText[500]],
    ['502 (HTML page) on conversations', '/customers/cu1/conversations', /\/customers\/cu1\/conversations$/, { status: 502, raw: '<html><body><h1>502 Bad Gateway</h1></body></html>' }, errorText['502html']],
    ['429 on the timeline', '/customers/cu1/timeline', /\/customers\/cu1\/timeline/, { status: 429, retryAfter: 2 }, errorText[429]],
    ['reset on tasks', '/customers/cu1/tasks', /\/customers\/cu1\/tasks$/, { reset: true }, errorText.reset],
    ['malformed timeline', '/customers/cu1/timeline', /\/customers\/cu1\/timeline/, { malformed: true }, errorText.malformed],
    [
      'unknown channel in conversations',
      '/customers/cu1/conversations',
      /\/customers\/cu1\/conversations$/,
      { label: 'unknown enum (channel CARRIER_PIGEON)', body: (convs) => convs.map((c) => ({ ...c, channels: [...c.channels, 'CARRIER_PIGEON'] })) },
      errorText.enum,
    ],
    ['timeout on the profile', '/customer-profiles/cu1', /\/customer-profiles\/cu1$/, { timeout: true }, errorText.timeout],
  ];
  for (const [name, what, re, fault, expected] of customerFaults) {
    test(`customer page: ${name}`, { timeout: 120_000 }, () =>
      withDesk(`customer-${name.split(' ')[0]}`, { route: 'inbox/open' }, async ({ page, backend, pageErrors }) => {
        // The agent opens the customer from the list; the customer's read fails.
        await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: T });
        const row = page.getByTestId('conversation-row').filter({ hasText: 'Olivia Bennett' });
        await row.waitFor({ timeout: T });
        backend.setFault(re, fault);
        await row.click();
        const alert = page.locator('main.workspace [role=alert]');
        if (fault.body) {
          // JSON from a newer server: an app that shows what it can read is fine too.
          await Promise.race([alert.waitFor({ timeout: T }), page.locator('.customer-title').waitFor({ timeout: T })]);
          if (!(await alert.count())) {
            saw(fault, `customer page (read ${what})`, 'no error; the customer shows');
            assert.deepEqual(pageErrors(), []);
            return;
          }
        }
        await alert.waitFor({ timeout: fault.timeout ? SLOW : T });
        const text = await alert.textContent();
        saw(fault, `customer page (read ${what})`, await notice(alert));
        assert.match(text, expected);
        if (name.startsWith('500')) await screenshot(page, 'faults-customer-500.png');
        // The list beside it is unaffected.
        assert.equal(await page.getByTestId('conversation-row').count(), 1);
        backend.clearFaults();
        await alert.getByRole('button', { name: 'Try again' }).click({ timeout: 2_000 }).catch(() => {});
        await page.locator('.customer-title', { hasText: 'Olivia Bennett' }).waitFor({ timeout: T });
        await timeline(page).getByText('Still nothing here, can you check again?').waitFor({ timeout: T });
        await alert.waitFor({ state: 'detached', timeout: T });
        // Navigation still works.
        await page.locator('nav a[href$="/inbox/waiting"]').click();
        await page.getByTestId('conversation-row').filter({ hasText: 'Priya Shah' }).click();
        await page.locator('.customer-title', { hasText: 'Priya Shah' }).waitFor({ timeout: T });
        assert.deepEqual(pageErrors(), []);
      }),
    );
  }

  test('customer page opened by a link (or a reload) while its read fails', { timeout: 90_000 }, () =>
    withDesk('customer-deeplink', { route: 'inbox/open/cu1', faults: [[/\/customers\/cu1\/timeline/, { status: 500, delay: 500 }]] }, async ({ page, backend }) => {
      await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
      const alert = page.locator('main.workspace [role=alert]');
      await alert.waitFor({ timeout: 10_000 }).catch(() => {});
      const what = (await alert.count()) ? await notice(alert) : `empty workspace: ${JSON.stringify(await page.locator('main.workspace').innerHTML())}`;
      saw({ status: 500 }, 'customer page by deep link (read /timeline)', what);
      assert.match(await alert.textContent({ timeout: 1_000 }), errorText[500]);
      backend.clearFaults();
      await alert.getByRole('button', { name: 'Try again' }).click();
      await page.locator('.customer-title', { hasText: 'Olivia Bennett' }).waitFor({ timeout: T });
    }),
  );

  test('directory (agents) fails on start: the agent is told and can retry', { timeout: 90_000 }, () =>
    withDesk('directory', { route: 'inbox/open/cu1', faults: [[/\/api\/v1\/agents$/, { status: 500 }]] }, async ({ page, backend }) => {
      // The desk waits for the directory (it names everything on screen); a failure says so.
      const notice = page.locator('.error-notice[role=alert]');
      await notice.waitFor({ timeout: T });
      const text = await notice.textContent();
      saw({ status: 500 }, 'directory on start (read /agents)', `${text.replace(/Try again.*$/, '')} (role=alert, with Try again and Use the demo instead)`);
      assert.match(text, errorText[500]);
      assert.match(text, /could not load your organisation/);
      backend.clearFaults();
      await page.getByRole('button', { name: 'Try again' }).click({ timeout: 5_000 });
      await page.locator('[data-testid=timeline] .author:visible', { hasText: 'Ava Thompson' }).first().waitFor({ timeout: 10_000 });
    }),
  );

  test('counts fail: the list still works', { timeout: 90_000 }, () =>
    withDesk('counts', { route: 'inbox/open', faults: [[/conversation-counts/, { status: 500 }]] }, async ({ page, backend, pageErrors }) => {
      await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
      await page.waitForTimeout(500);
      const count = await page.locator('nav a[href$="/inbox/open"] .count').textContent();
      const alerts = await page.locator('[role=alert]').count();
      saw({ status: 500 }, 'nav counts (read)', `counts blank ("${count}"), ${alerts} alert(s); list works`);
      backend.clearFaults();
      await backend.tick(); // the next change refreshes them
      await page.waitForFunction(() => document.querySelector('nav a[href$="/inbox/open"] .count')?.textContent === '1', null, { timeout: T });
      assert.deepEqual(pageErrors(), []);
    }),
  );
});

describe('JSON from another version of the server', { concurrency: 4 }, () => {
  test('an unknown item kind renders as a generic item', { timeout: 90_000 }, () => {
    const fixture = baseFixture();
    fixture.timeline.cu1.push(
      { id: 'itU1', customerId: 'cu1', conversationId: 'co1', timestamp: new Date().toISOString(), initiator: { type: 'CUSTOMER' }, content: { type: 'CARRIER_PIGEON_MESSAGE', scroll: 'Coo', legs: 2 } },
      // A known kind missing a required field, and an initiator from the future.
      { id: 'itU2', customerId: 'cu1', conversationId: 'co1', timestamp: new Date().toISOString(), initiator: { type: 'CUSTOMER' }, content: { type: 'SMS', content: 'no direction' } },
    );
    return withDesk('unknown-kind', { route: 'inbox/open/cu1', fixture }, async ({ page, pageErrors }) => {
      const generic = page.getByTestId('timeline-item').filter({ hasText: 'An item of a kind this version does not show' });
      await generic.first().waitFor({ timeout: T });
      const texts = await generic.allTextContents();
      saw('unknown item kind', 'customer timeline', texts.join(' / '));
      assert.equal(texts.length, 2);
      assert.match(texts[0], /CARRIER_PIGEON_MESSAGE/);
      assert.match(texts[1], /\(SMS\)/);
      // The rest of the timeline is there.
      await timeline(page).getByText('Still nothing here, can you check again?').waitFor({ timeout: T });
      assert.deepEqual(pageErrors(), []);
    });
  });

  test('missing optional fields everywhere: pages still render', { timeout: 90_000 }, () => {
    // An older or leaner server: every optional field left out of every answer.
    const OPTIONAL = new Set(['topicIds', 'channels', 'customerWaitingSince', 'lastActivityAt', 'reopenCount', 'closedAt', 'address', 'emails', 'handles', 'externalCustomerIds', 'customAttributes', 'image', 'comments', 'html', 'from', 'to', 'topicsRequiredToClose', 'disabled', 'parentId']);
    const strip = (v) => {
      if (Array.isArray(v)) return v.map(strip);
      if (!v || typeof v !== 'object') return v;
      return Object.fromEntries(Object.entries(v).filter(([k]) => !OPTIONAL.has(k)).map(([k, x]) => [k, strip(x)]));
    };
    const faults = [
      [/\/api\/v1\/organization$/, { label: 'no organisation name', body: () => ({}) }],
      [/\/api\/v1\/(?!events)/, { label: 'no optional fields', method: 'GET', body: strip }],
    ];
    return withDesk('missing-fields', { route: 'inbox/open/cu1', faults }, async ({ page, pageErrors }) => {
      await page.locator('.customer-title', { hasText: 'Olivia Bennett' }).waitFor({ timeout: T });
      await timeline(page).getByText('Still nothing here, can you check again?').waitFor({ timeout: T });
      await page.getByTestId('conversation-row').first().waitFor({ timeout: T });
      await page.locator('nav a[href$="/tasks"]').click();
      await page.getByTestId('my-task').filter({ hasText: 'Call Olivia back' }).waitFor({ timeout: T });
      saw('missing optional fields', 'list, customer page, My tasks', 'rendered normally');
      assert.deepEqual(pageErrors(), []);
    });
  });

  test('one row with an unknown status does not hide the rest of the list', { timeout: 90_000 }, () =>
    withDesk(
      'enum-row',
      {
        route: 'inbox/mine',
        faults: [[ROWS, { label: 'unknown enum in one row', body: (page) => ({ ...page, items: page.items.map((row, k) => (k ? row : { ...row, conversation: { ...row.conversation, status: 'SNOOZED', channels: ['CARRIER_PIGEON'] } })) }) }]],
      },
      async ({ page }) => {
        const rows = page.getByTestId('conversation-row');
        const shown = rows.locator('.row-link');
        const alert = page.locator('.list-pane [role=alert]');
        await Promise.race([shown.first().waitFor({ timeout: T }), alert.waitFor({ timeout: T })]);
        await rows.locator('.row-unavailable').first().waitFor({ timeout: T });
        const what = (await alert.count()) ? await alert.textContent() : `${await shown.count()} of ${await rows.count()} rows shown, the other says it cannot be shown`;
        saw('unknown enum in one row', 'conversation list (read)', what);
        assert.equal(await shown.count(), (await rows.count()) - 1, 'every other row is listed');
        assert.ok((await shown.count()) >= 1);
      },
    ),
  );

  test('a conversation with an unknown channel does not hide the customer', { timeout: 90_000 }, () =>
    withDesk(
      'enum-customer',
      { route: 'inbox/open/cu1', faults: [[/\/customers\/cu1\/conversations$/, { label: 'unknown channel in a past conversation', body: (convs) => convs.map((c, i) => (i === 0 ? { ...c, channels: ['CARRIER_PIGEON'] } : c)) }]] },
      async ({ page }) => {
        const alert = page.locator('main.workspace [role=alert]');
        const title = page.locator('.customer-title');
        await Promise.race([title.waitFor({ timeout: T }), alert.waitFor({ timeout: T })]);
        saw('unknown channel in a past conversation', 'customer page (read)', (await alert.count()) ? await alert.textContent() : 'rendered');
        assert.equal(await alert.count(), 0);
      },
    ),
  );
});

describe('a slow backend', { concurrency: 2 }, () => {
  test('over the network the timeline opens at the latest message', { timeout: 90_000 }, () => {
    const fixture = baseFixture();
    for (let i = 0; i < 60; i++) {
      fixture.timeline.cu1.push({ id: `itF${i}`, customerId: 'cu1', conversationId: 'co1', timestamp: new Date(Date.now() - (60 - i) * 1000).toISOString(), initiator: { type: 'CUSTOMER' }, content: { type: 'SMS', content: `Message ${i} of 60`, direction: 'INBOUND' } });
    }
    return withDesk('timeline-bottom', { route: 'inbox/open', fixture }, async ({ page }) => {
      await page.getByTestId('conversation-row').first().click();
      await timeline(page).getByText('Message 59 of 60').waitFor({ state: 'attached', timeout: T });
      await page.waitForTimeout(500);
      const pos = await timeline(page).evaluate((el) => ({ top: Math.round(el.scrollTop), bottom: el.scrollHeight - el.clientHeight }));
      saw('~0 ms latency', 'customer timeline scroll position', `scrollTop ${pos.top} of ${pos.bottom}`);
      assert.ok(pos.bottom - pos.top <= 2, `the timeline is at ${pos.top}px of ${pos.bottom}px`);
    });
  });

  test('rows read while the order changed are read again when they arrive', { timeout: 90_000 }, () =>
    withDesk('stale-rows', { route: 'inbox/open', faults: [[/\/conversations\?ids=/, { delay: 1500, times: 1 }]] }, async ({ page, backend }) => {
      const rowReads = () => backend.requests.filter((r) => /\/conversations\?ids=/.test(r.path)).length;
      for (let i = 0; i < 100 && rowReads() === 0; i++) await page.waitForTimeout(50);
      assert.equal(rowReads(), 1, 'the rows are being read');
      // While their answer is on its way, Olivia writes again: the order and her row change.
      await backend.api('POST', '/inbound', { customerId: 'cu1', channel: 'SMS', text: 'Any news? I am leaving tomorrow.' });
      const row = page.getByTestId('conversation-row').filter({ hasText: 'Olivia Bennett' });
      // The rows read before that change are read again: the new message shows in her row.
      await row.filter({ hasText: 'Any news? I am leaving tomorrow.' }).waitFor({ timeout: T });
      saw({ delay: 1500 }, 'list rows read across a change', `${rowReads()} row reads; the later one shows the new message`);
      assert.ok(rowReads() >= 2, 'the rows were read again');
    }),
  );

  test('the directory arrives after the list: rows and timeline show names, not "Unknown agent"', { timeout: 90_000 }, () =>
    withDesk('slow-directory', { route: 'inbox/mine/cu1', faults: [[/\/api\/v1\/agents$/, { delay: 1500 }]] }, async ({ page }) => {
      await page.locator('.whoami', { hasText: 'Ava Thompson' }).waitFor({ timeout: T });
      await page.waitForTimeout(500);
      const assignees = await page.getByTestId('conversation-row').locator('.assignee').allTextContents();
      const authors = await page.locator('[data-kind=EMAIL] .author').allTextContents();
      saw({ delay: 1500 }, 'directory (/agents) slower than list and customer', `list assignees: ${assignees.join(', ')}; email author: ${authors.join(', ')}`);
      assert.deepEqual(assignees, ['Ava Thompson', 'Ava Thompson']);
      assert.deepEqual(authors, ['Ava Thompson']);
    }),
  );
});

describe('a long history over HTTP', () => {
  test('the timeline is read 200 items at a time, earlier pages as the agent scrolls up; a failed page can be tried again', { timeout: 120_000 }, () => {
    const fixture = baseFixture();
    // The app reads TIMELINE_PAGE (src/api/mod.rs) items at a time; three pages and a part.
    const PAGE = 200;
    const N = 3 * PAGE + 80;
    for (let i = 0; i < N; i++) {
      fixture.timeline.cu1.unshift({ id: `itH${i}`, customerId: 'cu1', timestamp: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(), initiator: { type: 'SYSTEM' }, content: { type: 'CUSTOMER_ACTIVITY', title: `Old activity ${i}`, body: '' } });
    }
    fixture.timeline.cu1.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const total = fixture.timeline.cu1.length;
    return withDesk('long-history', { route: 'inbox/open/cu1', fixture }, async ({ page, backend, pageErrors }) => {
      const tl = timeline(page);
      await page.waitForFunction((n) => document.querySelector(`[data-testid=timeline][data-items="${n}"] [aria-posinset="${n}"]`), total, { timeout: T });
      const reads = () => backend.requests.filter((r) => /\/customers\/cu1\/timeline/.test(r.path)).map((r) => r.path);
      assert.deepEqual(reads().map((p) => new URL(p, 'http://x').searchParams.get('limit')), [String(PAGE)], `one read of the newest ${PAGE}`);
      const more = page.getByTestId('load-earlier');
      await more.filter({ hasText: `(${total - PAGE} more)` }).waitFor({ timeout: T });

      // The next page fails once: the agent is told, and Try again reads it.
      backend.setFault(/\/customers\/cu1\/timeline\?.*before=/, { status: 503, times: 1 });
      await page.waitForTimeout(300);
      await tl.evaluate((el) => { el.scrollTop = 0; });
      const status = page.getByTestId('timeline-tools').getByRole('status').filter({ hasText: 'could not be loaded' });
      await status.waitFor({ timeout: T });
      saw({ status: 503 }, 'earlier timeline page (scrolled to the top)', (await status.textContent()).trim());
      await more.filter({ hasText: 'Try again' }).click();
      await more.filter({ hasText: `(${total - 2 * PAGE} more)` }).waitFor({ timeout: T });
      assert.equal(new URL(reads().at(-1), 'http://x').searchParams.get('before'), String(total - PAGE));

      // From the keyboard, over a slow network: the button keeps focus while the page is read.
      backend.setFault(/\/customers\/cu1\/timeline\?.*before=/, { delay: 1000, times: 1 });
      await more.focus();
      await page.keyboard.press('Enter');
      await page.locator('[data-testid=load-earlier][aria-disabled=true]').waitFor({ timeout: T });
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'load-earlier', 'focus stays on the button');

      // A jump to a date made while that page is read waits for it, then reads the rest and
      // shows the oldest item.
      await page.getByTestId('jump-date').fill('2020-01-01');
      await page.locator('[data-testid=timeline-item][aria-posinset="1"]').waitFor({ timeout: T });
      await tl.getByText('Old activity 0', { exact: true }).waitFor({ timeout: T });
      assert.ok(await more.isHidden(), 'nothing earlier left to show');
      assert.equal(reads().length, 5, `timeline reads: the newest page, a failed one, its retry, one by keyboard, the rest (${reads().join(' ')})`);
      await screenshot(page, 'faults-long-history.png');
      assert.deepEqual(pageErrors(), []);
    });
  });
});

describe('an older server without the list extensions', () => {
  test('no conversation-ids (404): views are read as whole pages, and still refresh', { timeout: 90_000 }, () =>
    withDesk('older-server', { route: 'inbox/open', faults: [[/\/api\/v1\/conversation-ids\?/, { status: 404 }]] }, async ({ page, pageErrors }) => {
      const rows = page.getByTestId('conversation-row');
      await rows.locator('.row-link').first().waitFor({ timeout: T });
      const n = await rows.count();
      assert.equal(await page.getByTestId('conversation-list').getAttribute('data-count'), String(n));
      // Another view, read the same way.
      await page.locator('nav a[href$="/inbox/waiting"]').click();
      await page.getByTestId('conversation-row').filter({ hasText: 'Priya Shah' }).waitFor({ timeout: T });
      // A change refreshes the rows from the old list.
      await page.getByTestId('conversation-row').filter({ hasText: 'Priya Shah' }).locator('a').click();
      await setStatus(page, 'Open');
      await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
      await page.locator('nav a[href$="/inbox/open"]').click();
      await page.getByTestId('conversation-row').filter({ hasText: 'Priya Shah' }).locator('.status-pill.st-open').waitFor({ timeout: T });
      saw({ status: 404 }, 'conversation-ids (an older server)', 'views read from the paged list; rows refresh after a change');
      assert.deepEqual(pageErrors(), []);
    }),
  );
});

describe('the agent reloads', () => {
  test('a reload after moving around stays on the server the app was opened with', { timeout: 90_000 }, () =>
    withDesk('reload', { route: 'inbox/open' }, async ({ page, backend }) => {
      await page.getByTestId('conversation-row').filter({ hasText: 'Olivia Bennett' }).click();
      await page.locator('.customer-title', { hasText: 'Olivia Bennett' }).waitFor({ timeout: T });
      const before = backend.requests.length;
      await page.reload();
      await page.locator('.customer-title').waitFor({ timeout: T });
      const title = await page.locator('.customer-title').textContent();
      saw('reload (F5) on /inbox/open/cu1', 'backend choice', `after reload: "${title}", ${backend.requests.length - before} requests to the server, demo controls: ${await page.locator('details.trial').count() > 0}`);
      assert.equal(title, 'Olivia Bennett');
    }),
  );
});

describe('huge answers', { concurrency: 3 }, () => {
  test('5 000 timeline items', { timeout: 120_000 }, () =>
    withDesk('huge-timeline', { route: 'inbox/open/cu1', faults: [[/\/customers\/cu1\/timeline/, { huge: 5000 }]] }, async ({ page, pageErrors }) => {
      const started = Date.now();
      // Virtualized: the newest item is in sight, and only the rows around it are in the DOM.
      await page.waitForFunction(() => {
        const tl = document.querySelector('[data-testid=timeline]');
        const n = Number(tl?.dataset.items);
        return n >= 5000 && tl.querySelector(`[data-testid=timeline-item][aria-posinset="${n}"]`);
      }, null, { timeout: 60_000 });
      const ms = Date.now() - started;
      const inDom = await page.getByTestId('timeline-item').count();
      saw({ huge: 5000 }, 'customer timeline (read)', `5000 items, newest in sight after ${(ms / 1000).toFixed(1)} s, ${inDom} in the DOM`);
      assert.ok(inDom < 500, `${inDom} timeline items in the DOM`);
      // Still usable: a status change goes through.
      await setStatus(page, 'Waiting');
      await page.locator('button[data-status="Waiting"][aria-pressed="true"]').waitFor({ timeout: T });
      await toasts(page, 'Status set to Waiting').waitFor({ timeout: T });
      await screenshot(page, 'faults-huge-timeline.png');
      assert.deepEqual(pageErrors(), []);
    }),
  );

  test('a 5 MB message', { timeout: 120_000 }, () =>
    withDesk('huge-text', { route: 'inbox/open/cu1', faults: [[/\/customers\/cu1\/timeline/, { huge: '5MB' }]] }, async ({ page, pageErrors }) => {
      const started = Date.now();
      const big = page.getByTestId('timeline-item').filter({ hasText: 'Still nothing here, can you check again? Lorem ipsum' });
      await big.waitFor({ timeout: 60_000 });
      const ms = Date.now() - started;
      const width = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      saw({ huge: '5MB' }, 'one timeline message (read)', `rendered in ${(ms / 1000).toFixed(1)} s, page ${width <= 1 ? 'does not scroll sideways' : `is ${width}px too wide`}`);
      assert.ok(width <= 1);
      await page.locator('nav a[href$="/inbox/waiting"]').click();
      await page.getByTestId('conversation-row').filter({ hasText: 'Priya Shah' }).waitFor({ timeout: T });
      assert.deepEqual(pageErrors(), []);
    }),
  );

  test('5 000 conversations in a view', { timeout: 120_000 }, () =>
    withDesk('huge-list', { route: 'inbox/open', faults: [[LIST, { huge: 5000 }]] }, async ({ page, pageErrors }) => {
      const list = page.getByTestId('conversation-list');
      await list.waitFor({ timeout: 60_000 });
      assert.equal(await list.getAttribute('data-count'), '5000');
      const inDom = await page.getByTestId('conversation-row').count();
      await page.locator('.conversation-scroller').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.locator('[data-testid=conversation-row][aria-posinset="5000"]').waitFor({ timeout: T });
      saw({ huge: 5000 }, 'conversation list (read)', `5000 rows, ${inDom} in the DOM; scrolls to the last`);
      assert.ok(inDom < 100, `${inDom} rows in the DOM`);
      assert.deepEqual(pageErrors(), []);
    }),
  );
});

const WRITE_FAULTS = [
  ['500', { status: 500 }, errorText[500]],
  ['502', { status: 502 }, errorText[502]],
  ['429', { status: 429, retryAfter: 2 }, errorText[429]],
  ['reset', { reset: true }, errorText.reset],
  ['409', { status: 409 }, errorText[409]],
  ['timeout', { timeout: true }, errorText.timeout],
];

describe('a write fails: the reason shows, nothing is lost, it can be sent again', { concurrency: 4 }, () => {
  for (const [name, fault, expected] of WRITE_FAULTS) {
    test(`status change: ${name}`, { timeout: 120_000 }, () =>
      withDesk(`status-${name}`, { route: 'inbox/open/cu1' }, async ({ page, backend, pageErrors }) => {
        await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
        // Latency, as on a real network, so the optimistic state can be seen (long enough that a
        // loaded machine's polling does not miss it).
        backend.setFault(/\/conversations\/co1$/, { ...fault, method: 'PATCH', delay: fault.timeout ? 0 : 1200 });
        const reads = backend.seen(/\/customer-profiles\/cu1$/).length;
        await setStatus(page, 'Waiting');
        // Optimistic at once…
        await page.locator('button[data-status="Waiting"][aria-pressed="true"]').waitFor({ timeout: T });
        // …then the reason, and back to where it was.
        const toast = page.locator('[data-testid=toast][role=alert]');
        await toast.waitFor({ timeout: fault.timeout ? SLOW : T });
        const text = await toast.textContent();
        await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
        saw(fault, 'status change (write)', `toast: ${text.replace('✕', '')}; rolled back to Open`);
        assert.match(text, expected);
        if (name === '409') {
          // A conflict reloads the page so the agent sees what the other person did.
          for (let i = 0; i < 100 && backend.seen(/\/customer-profiles\/cu1$/).length <= reads; i++) await page.waitForTimeout(100);
          assert.ok(backend.seen(/\/customer-profiles\/cu1$/).length > reads, 'the customer page was read again');
        }
        backend.clearFaults();
        await toast.getByRole('button', { name: 'Dismiss' }).click();
        await setStatus(page, 'Waiting');
        await toasts(page, 'Status set to Waiting.').waitFor({ timeout: T });
        await page.locator('button[data-status="Waiting"][aria-pressed="true"]').waitFor({ timeout: T });
        assert.equal((await backend.api('GET', '/conversations/co1', null, 'ag1')).status, 'WAITING');
        assert.deepEqual(pageErrors(), []);
      }),
    );
  }

  test('status change: someone else closed it meanwhile (stale version → 409)', { timeout: 90_000 }, () =>
    withDesk('status-stale', { route: 'inbox/open/cu1' }, async ({ page, backend, pageErrors }) => {
      await page.locator('button[data-status="Open"][aria-pressed="true"]').waitFor({ timeout: T });
      // Another agent closes it; this page's live stream stalls, so it hears nothing of it.
      backend.holdEvents();
      await backend.api('PATCH', '/conversations/co1', { status: { value: 'CLOSED' } }, 'ag2');
      await setStatus(page, 'Waiting');
      const toast = page.locator('[data-testid=toast][role=alert]');
      await toast.waitFor({ timeout: T });
      const text = await toast.textContent();
      assert.match(text, errorText[409]);
      // The page reloads: it now shows what the other agent did.
      await page.locator('button[data-status="Closed"][aria-pressed="true"]').waitFor({ timeout: T });
      await timeline(page).getByText('Noah Patel set the status to Closed').waitFor({ timeout: T });
      saw('409 (real stale If-Match)', 'status change (write)', `toast: ${text.replace('✕', '')}; page reloaded, shows Closed by Noah Patel`);
      backend.releaseEvents();
      assert.equal(backend.seen(/\/conversations\/co1$/, 'PATCH').at(-1).headers['if-match'], '"3"');
      assert.deepEqual(pageErrors(), []);
    }),
  );

  for (const [name, fault, expected] of WRITE_FAULTS) {
    test(`reply: ${name}`, { timeout: 120_000 }, () =>
      withDesk(`reply-${name}`, { route: 'inbox/open/cu1' }, async ({ page, backend, pageErrors }) => {
        const words = `Checking with the carrier now (${name}).`;
        await composer(page).waitFor({ timeout: T });
        backend.setFault(/\/conversations\/co1\/replies$/, { ...fault, method: 'POST' });
        await page.locator('#mode-reply').click();
        await composer(page).fill(words);
        await page.locator('#send-btn').click();
        const unsent = page.getByTestId('unsent').filter({ hasText: words });
        await unsent.waitFor({ timeout: fault.timeout ? SLOW : T });
        const reason = await unsent.locator('[role=alert]').textContent();
        const composerError = await page.locator('.composer [role=alert]').textContent();
        await page.waitForTimeout(name === '409' ? 1_000 : 0);
        const reloaded = name === '409' ? `[page re-read after it: ${backend.seen(/\/customer-profiles\/cu1$/).some((r) => r.at > backend.seen(/replies$/, 'POST').at(-1).at) ? 'yes' : 'no'}] ` : '';
        saw(fault, 'reply (write)', `${reloaded}"Not sent" in the timeline with Retry: ${reason}; composer: ${composerError}`);
        assert.match(reason, expected);
        assert.match(composerError, /^Not sent: /);
        assert.equal(await composer(page).inputValue(), words, 'the text stays in the composer');
        if (name === '500') await screenshot(page, 'faults-reply-unsent.png');
        // Retry while still failing: still unsent, with the reason.
        if (!fault.timeout) {
          await unsent.getByRole('button', { name: 'Retry' }).click();
          await page.waitForTimeout(300);
          await unsent.waitFor({ timeout: T });
        }
        backend.clearFaults();
        await unsent.getByRole('button', { name: 'Retry' }).click();
        await unsent.waitFor({ state: 'detached', timeout: T });
        await page.getByTestId('timeline-item').filter({ hasText: words }).first().waitFor({ timeout: T });
        const sent = backend.seen(/\/conversations\/co1\/replies$/, 'POST').filter((r) => !r.fault);
        assert.equal(sent.length, 1, 'sent exactly once');
        assert.equal(sent[0].body.body, words);
        assert.deepEqual(pageErrors(), []);
      }),
    );
  }

  test('task creation: 500 shows in the form and keeps the text', { timeout: 90_000 }, () =>
    withDesk('task-500', { route: 'inbox/open/cu1' }, async ({ page, backend, pageErrors }) => {
      await page.getByRole('button', { name: 'New task' }).click();
      backend.setFault(/\/customers\/cu1\/tasks$/, { status: 500, method: 'POST', times: 1 });
      await page.getByLabel('Task', { exact: true }).fill('Send the replacement strap');
      await page.getByRole('button', { name: 'Create task' }).click();
      const error = page.locator('.task-form [role=alert]');
      await error.waitFor({ timeout: T });
      saw({ status: 500 }, 'create task (write)', `form: ${await error.textContent()}`);
      assert.match(await error.textContent(), errorText[500]);
      assert.equal(await page.getByLabel('Task', { exact: true }).inputValue(), 'Send the replacement strap');
      await page.getByRole('button', { name: 'Create task' }).click();
      await page.getByTestId('task').filter({ hasText: 'Send the replacement strap' }).waitFor({ timeout: T });
      assert.deepEqual(pageErrors(), []);
    }),
  );
});
