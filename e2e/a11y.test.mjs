// Accessibility as a gate: axe-core on the inbox, a customer page, Settings and the command
// palette, light and dark, at desktop and phone widths; any serious or critical violation fails.
// The same pass saves screenshots at 1024, 1280, 1440 and 390 px in both themes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { screenshot, useApp, withPage } from './helpers.mjs';
import { T, timeline } from './desk.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const app = useApp();

/** Serious and critical violations on the page as it is now, one line each (rule, target, why). */
async function violations(page) {
  // evaluate runs outside the page's Content-Security-Policy, which would refuse an injected tag.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(1, 2).join('').trim()}`));
  });
  return found;
}

const SCREENS = {
  async inbox(page) {
    await page.goto(app.baseUrl);
    await page.getByTestId('conversation-row').nth(2).waitFor({ timeout: T });
  },
  async customer(page) {
    await page.goto(app.baseUrl);
    await page.getByTestId('conversation-row').first().click();
    await page.getByTestId('timeline-item').last().waitFor({ timeout: T });
  },
  async settings(page) {
    await page.goto(`${app.baseUrl}settings`);
    await page.locator('h1', { hasText: 'Settings' }).waitFor({ timeout: T });
  },
  async palette(page) {
    await SCREENS.inbox(page);
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Command' }).waitFor({ timeout: T });
  },
};

for (const colorScheme of ['light', 'dark']) {
  for (const width of [1280, 390]) {
    test(`no serious or critical axe violation, ${colorScheme}, ${width} px`, { timeout: 180_000 }, () =>
      withPage(app.browser, `a11y-${colorScheme}-${width}`, async ({ page, errors }) => {
        const found = [];
        for (const [name, open] of Object.entries(SCREENS)) {
          // The phone width shows the list or the customer, not both; the palette is a desktop tool.
          if (width < 600 && name === 'palette') continue;
          await open(page);
          found.push(...(await violations(page)).map((v) => `${name}: ${v}`));
        }
        assert.deepEqual(found, [], `axe found:\n  ${found.join('\n  ')}`);
        assert.deepEqual(errors.filter((e) => e.startsWith('pageerror')), []);
      }, { viewport: { width, height: width < 600 ? 844 : 800 }, colorScheme }),
    );
  }
}

test('the desk at 1024, 1280, 1440 and 390 px in both themes (screenshots)', { timeout: 240_000 }, async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1024, 1280, 1440, 390]) {
      await withPage(app.browser, `layout-${colorScheme}-${width}`, async ({ page }) => {
        await SCREENS.customer(page);
        // What the agent works with is on the screen at every width: the timeline and the reply box.
        assert.ok(await timeline(page).first().isVisible(), 'the timeline shows');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `no sideways scroll at ${width} px (${overflow} px too wide)`);
        await screenshot(page, `layout-${colorScheme}-${width}.png`);
        // The profile (contacts, tasks, past conversations) is never out of reach: beside the
        // timeline when there is room, else one click on "Profile" away.
        const profile = page.locator('#customer-profile');
        if (width < 1100) {
          assert.equal(await profile.isVisible(), false);
          await page.getByRole('button', { name: 'Profile' }).click();
          await screenshot(page, `layout-${colorScheme}-${width}-profile.png`);
        }
        await profile.getByRole('heading', { name: 'Conversations' }).waitFor({ timeout: T });
        assert.ok(await profile.isVisible(), 'the profile shows');
      }, { viewport: { width, height: width < 600 ? 844 : 800 }, colorScheme });
    }
  }
});
