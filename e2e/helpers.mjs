// Browser plumbing shared by the end-to-end tests: system Chromium, error capture, screenshots.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { start } from './serve.mjs';

export const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

// Playwright's own browser download can't work here; use Debian's Chromium.
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';

// The network refuses Chromium's background connections; these keep it from trying.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium with a fresh temporary profile. */
export function launch() {
  return chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true });
}

/**
 * A page in its own context. `errors` collects uncaught exceptions and console errors
 * (a broken wasm module shows up only there), so tests can assert it stays empty.
 */
export async function openPage(browser, { viewport = { width: 1280, height: 800 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  return { page, errors, close: () => context.close() };
}

/** Writes e2e/screenshots/<name> (a .png name). */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs `fn({ page, errors })` on a fresh page; on failure saves `<name>-failure.png` and
 * appends the page errors to the message, since they usually explain a timeout.
 */
export async function withPage(browser, name, fn, options = {}) {
  const { page, errors, close } = await openPage(browser, options);
  try {
    await fn({ page, errors });
  } catch (err) {
    await screenshot(page, `${name}-failure.png`).catch(() => {});
    if (errors.length) err.message += `\npage errors:\n  ${errors.join('\n  ')}`;
    throw err;
  } finally {
    await close();
  }
}

/**
 * Starts the static server and a browser around the tests of one file. Returns an object whose
 * `baseUrl` and `browser` are filled in once `before` has run.
 */
export function useApp() {
  const app = { baseUrl: '', browser: null, server: null };
  before(async () => {
    ({ server: app.server, baseUrl: app.baseUrl } = await start());
    // The reference servers these tests start let the app's pages call them (server.mjs).
    process.env.RAPPORT_E2E_APP_ORIGIN = new URL(app.baseUrl).origin;
    app.browser = await launch();
  });
  after(async () => {
    await app.browser?.close();
    await new Promise((resolve) => (app.server ? app.server.close(resolve) : resolve()));
  });
  return app;
}
