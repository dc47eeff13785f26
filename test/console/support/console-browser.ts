import AxeBuilder from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. No browser is downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium with the flags this machine's closed network needs (no background
 * networking, no component updates), a new profile each launch. Fails saying what to install.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The console's browser tests need Chromium at ${CHROMIUM_PATH}: install Debian's chromium package ` +
        '(apt-get install chromium; .ci/run does it when it runs as root), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A page of a fresh browser context that records what must never happen on the console:
 * an uncaught error, a console error (CSP violations are reported there), a failed request.
 */
export async function consolePage(browser: Browser, baseUrl: URL): Promise<{ context: BrowserContext; page: Page; faults: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl.origin, viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl.origin });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const faults: string[] = [];
  page.on('pageerror', (error) => faults.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // 4xx answers the console handles itself are logged by Chromium as failed resources: those are expected.
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      faults.push(`console error: ${message.text()}`);
    }
  });
  // A request the page itself abandoned (net::ERR_ABORTED: a navigation or reload while it was
  // on the wire) is no fault; a refused one (CSP, connection, DNS) is.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED') faults.push(`request failed: ${request.method()} ${request.url()} ${reason}`);
  });
  return { context, page, faults };
}

/** axe-core on the page as it is: the serious and critical violations (none is accepted), as readable lines. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
}

/**
 * A screenshot of a main screen: into CONSOLE_SCREENSHOTS_DIR when set (`npm run console:screenshots`
 * writes docs/console/, committed for the README), else into the run's temporary directory.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = process.env.CONSOLE_SCREENSHOTS_DIR ?? join(tmpdir(), 'ringfence-console-screens');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}
