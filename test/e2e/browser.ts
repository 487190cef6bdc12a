import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuild } from '../../scripts/build-web';

/** The Debian package's binary; CI installs it (`apt-get install -y chromium`), nothing is downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Long enough for a turn through Temporal on a busy 2-core machine; waits end as soon as the page shows it. */
export const UI_TIMEOUT_MS = 60_000;

/**
 * Starts the system's browser for the page tests. A missing browser fails the test run with a
 * message that says how to install it, rather than skipping the pages untested.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Builds web/dist if a source changed since the last build, so the API serves the pages under test. */
export async function ensurePagesBuilt(): Promise<void> {
  await ensureWebBuild({ quiet: true });
}

/**
 * A browser window of its own (own storage, own language), as a separate person would have.
 * Script errors and console errors (a blocked script, a failed request) are added to `problems`.
 */
export async function openWindow(browser: Browser, baseURL: string, locale: 'zh-CN' | 'en-US', problems: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, locale, viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return { context, page };
}
