import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';

/**
 * The inbox page in headless Chromium (Debian's `chromium`; CHROMIUM_PATH elsewhere) against
 * `npm start`: a signed webhook sent with the CLI appears on the page, over the WebSocket and,
 * when the socket cannot connect, over the long-poll. The first test's screenshot is the
 * README's (docs/inbox.png), refreshed with INBOX_SCREENSHOT=docs/inbox.png.
 */

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** INBOX_SCREENSHOT=docs/inbox.png refreshes the README's; otherwise it lands in the temp folder, leaving the tree clean. */
const screenshot = resolve(process.env.INBOX_SCREENSHOT ?? join(tmpdir(), 'switchboard-inbox.png'));
const tenant = 'inbox-browser';

let stack: LocalStackProcess;
let browser: Browser;
let endpointId: string;
let token: string;

beforeAll(async () => {
  stack = await startLocalStackProcess();
  ({ endpointId } = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenant, '--secret', 'inbox-browser-token'])) as { endpointId: string });
  token = (await stack.cli(['token', '--tenant', tenant])).trim();
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Opens the inbox for the tenant and waits until it says which transport it settled on. */
const openInbox = async (query: Record<string, string> = {}): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  const url = new URL(stack.description.httpUrl);
  url.search = new URLSearchParams({ token, ...query }).toString();
  await page.goto(url.toString());
  await page.locator('#transport[data-transport="websocket"], #transport[data-transport="long-poll"]').waitFor({ timeout: 15_000 });
  return page;
};

/** Sends an SMS as Twilio would, and opens its conversation once the page lists it. */
const receive = async (page: Page, text: string, from: string) => {
  await stack.cli(['send', endpointId, '--text', text, '--from', from]);
  await page.locator('#conversations button', { hasText: from }).first().click({ timeout: 15_000 });
  await page.locator('#messages .text', { hasText: text }).waitFor({ timeout: 15_000 });
};

describe('the inbox page in a browser', () => {
  it('shows a message the moment it is stored, over the WebSocket', async () => {
    const page = await openInbox();
    try {
      await receive(page, 'Hi! Is my order #1042 on its way?', '+14155550100');
      const live = 'Also, can I still change the delivery address?';
      await stack.cli(['send', endpointId, '--text', live, '--from', '+14155550100']);
      await page.locator('#messages .text', { hasText: live }).waitFor({ timeout: 15_000 });

      expect(await page.locator('#transport').getAttribute('data-transport')).toBe('websocket');
      expect(await page.locator('#messages .text').allTextContents()).toEqual(expect.arrayContaining([live]));
      await mkdir(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
    } finally {
      await page.close();
    }
  });

  it('falls back to long-polling when the socket cannot connect, and still shows new messages', async () => {
    const page = await openInbox({ ws: 'ws://127.0.0.1:9' });
    try {
      const text = `Sent while the socket is down ${Date.now()}`;

      await receive(page, text, '+14155550199');

      expect(await page.locator('#transport').getAttribute('data-transport')).toBe('long-poll');
    } finally {
      await page.close();
    }
  });
});
