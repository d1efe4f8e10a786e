// Smoke test of the release build served under /rapport/ with the seeded demo backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, useApp, withPage } from './helpers.mjs';

// First paint needs the wasm download and compile; allow for a slow CI machine.
const APP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 90_000;

const app = useApp();

test('inbox lists seeded conversations and opens a timeline', { timeout: TEST_TIMEOUT }, () =>
  withPage(app.browser, 'inbox', async ({ page, errors }) => {
    // The build's Content-Security-Policy must not block anything the app itself does.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(app.baseUrl);
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'));
    assert.doesNotMatch(scriptSrc, /'unsafe-inline'|'unsafe-eval'/);

    const rows = page.getByTestId('conversation-row');
    await rows.nth(4).waitFor({ timeout: APP_TIMEOUT });
    const count = await rows.count();
    assert.ok(count >= 5, `expected at least 5 conversation rows, got ${count}`);
    await page.getByRole('navigation').first().waitFor({ timeout: APP_TIMEOUT });
    await screenshot(page, 'inbox.png');

    await rows.first().click();
    const timeline = page.getByTestId('timeline');
    await timeline.first().waitFor({ timeout: APP_TIMEOUT });
    await timeline.first().getByTestId('timeline-item').last().waitFor({ timeout: APP_TIMEOUT });
    await screenshot(page, 'customer.png');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);

    assert.deepEqual(errors, [], 'page errors');
  }),
);

test('deep link to settings works under the sub-path', { timeout: TEST_TIMEOUT }, () =>
  withPage(app.browser, 'settings', async ({ page, errors }) => {
    const response = await page.goto(`${app.baseUrl}settings`);
    assert.equal(response.status(), 200);

    const heading = page.locator('h1', { hasText: 'Settings' });
    await heading.first().waitFor({ timeout: APP_TIMEOUT });
    assert.match(await heading.first().textContent(), /Settings/);

    assert.deepEqual(errors, [], 'page errors');
  }),
);
