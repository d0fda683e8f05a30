import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's `chromium`, or the one at CHROMIUM_PATH: the browser tests drive a locally installed Chromium. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium, or an error saying how to get one. */
export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
};

/** The paths of every request the page makes to `origin`, as it makes them (`/stats?hours=24`…). */
export const recordRequests = (page: Page, origin: string): string[] => {
  const paths: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === origin) paths.push(`${url.pathname}${url.search}`);
  });
  return paths;
};

/** The page's console messages about its Content-Security-Policy: a violation is logged there, and each test expects none. */
export const recordPolicyViolations = (page: Page): string[] => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  return violations;
};
