// The desk as the suites drive it: the one module that knows its selectors and actions (counts,
// status, assignment, the composer, toasts, the simulator). A renamed id or test id is changed
// here, not in every suite.

/** How long any one thing may take to show (a slow machine, a cold worker). */
export const T = 30_000;

/** The nav count of a view (`mine`, `new`, `inbox-support`…). */
export const navCount = async (page, slug) =>
  Number(await page.locator(`nav a[href$="/inbox/${slug}"] .count`).textContent());

/** Waits until the nav count for `slug` equals `n`. */
export async function expectCount(page, slug, n) {
  await page.waitForFunction(
    ([s, want]) => document.querySelector(`nav a[href$="/inbox/${s}"] .count`)?.textContent === String(want),
    [slug, n],
    { timeout: T },
  );
}

/** A status button of the conversation header (`New`, `Open`, `Waiting`, `Closed`). */
export const statusButton = (page, label) => page.locator(`button[data-status="${label}"]`);

export const setStatus = (page, label) => statusButton(page, label).click();

/** Waits until the header shows `label` as the status. */
export const statusIs = (page, label) =>
  page.locator(`button[data-status="${label}"][aria-pressed="true"]`).waitFor({ timeout: T });

/** The assignment select: values are `inboxId|agentId` (`inboxId|` for the inbox's queue). */
export const assignee = (page) => page.locator('#assignee-select');

export const composer = (page) => page.locator('#composer-text');

export const timeline = (page) => page.getByTestId('timeline');

/** Every toast, or those saying `text`. */
export const toasts = (page, text) =>
  text === undefined ? page.getByTestId('toast') : page.getByTestId('toast').filter({ hasText: text });

export async function lastToast(page) {
  const toast = toasts(page).last();
  await toast.waitFor({ timeout: T });
  return toast.textContent();
}

/** Replies on `channel` (the option's value, e.g. `Sms`) and waits for it in the timeline. */
export async function send(page, channel, text) {
  await page.locator('#mode-reply').click();
  await page.locator('#channel-select').selectOption(channel);
  await composer(page).fill(text);
  await composer(page).press('Control+Enter');
  await timeline(page).getByText(text).waitFor({ timeout: T });
}

/** The simulator: the customer writes in on `channel`; waits for it in the timeline. */
export async function customerWritesIn(page, channel, text) {
  await page.getByLabel("Customer's channel").selectOption(channel);
  await page.getByLabel("Customer's message").fill(text);
  await page.locator('#simulate-inbound').click();
  await timeline(page).getByText(text).first().waitFor({ timeout: T });
}
