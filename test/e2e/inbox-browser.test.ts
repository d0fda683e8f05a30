import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { inboundSmsFields, signedTwilioRequest } from '../helpers/twilio.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * The inbox page in headless Chromium (Debian's `chromium`; CHROMIUM_PATH elsewhere) against
 * `npm start`: a signed webhook sent with the CLI appears on the page, over the WebSocket and,
 * when the socket cannot connect, over the long-poll; a sender's image is fetched only once the
 * agent chooses to load it. The first test's screenshot is the
 * README's (docs/inbox.png), refreshed with INBOX_SCREENSHOT=docs/inbox.png.
 */

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** INBOX_SCREENSHOT=docs/inbox.png refreshes the README's; otherwise it lands in the temp folder, leaving the tree clean. */
const screenshot = resolve(process.env.INBOX_SCREENSHOT ?? join(tmpdir(), 'switchboard-inbox.png'));
const tenant = 'inbox-browser';
const authToken = 'inbox-browser-token';

let stack: LocalStackProcess;
let browser: Browser;
let endpointId: string;
let endpointUrl: string;
let token: string;

beforeAll(async () => {
  // Messages racing into one conversation may conflict and come back through the queue: soon, not in minutes.
  stack = await startLocalStackProcess({ SWITCHBOARD_VISIBILITY_TIMEOUT: '10' });
  ({ endpointId, url: endpointUrl } = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenant, '--secret', authToken])) as {
    endpointId: string;
    url: string;
  });
  token = (await stack.cli(['token', '--tenant', tenant])).trim();
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Opens the inbox with `query` (the tenant's token unless it has another) and waits until it shows `transport`. */
const openInboxShowing = async (transport: string, query: Record<string, string> = {}): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  const url = new URL(stack.description.httpUrl);
  url.search = new URLSearchParams({ token, ...query }).toString();
  await page.goto(url.toString());
  await page.locator(transport).waitFor({ timeout: 15_000 });
  return page;
};

/** Opens the inbox for the tenant and waits until it says which transport it settled on. */
const openInbox = (query: Record<string, string> = {}): Promise<Page> =>
  openInboxShowing('#transport[data-transport="websocket"], #transport[data-transport="long-poll"]', query);

/** Opens the conversation with `from` once the page lists it, and waits for the message saying `text`. */
const openConversation = async (page: Page, text: string, from: string) => {
  await page.locator('#conversations button', { hasText: from }).first().click({ timeout: 15_000 });
  await page.locator('#messages .text', { hasText: text }).waitFor({ timeout: 15_000 });
};

/** Sends an SMS as Twilio would, and opens its conversation once the page lists it. */
const receive = async (page: Page, text: string, from: string) => {
  await stack.cli(['send', endpointId, '--text', text, '--from', from]);
  await openConversation(page, text, from);
};

/** Posts an MMS as Twilio would, its image at a URL the sender chose. */
const receiveImage = async (text: string, from: string, imageUrl: string) => {
  const fields = inboundSmsFields({ Body: text, From: from, NumMedia: '1', MediaUrl0: imageUrl, MediaContentType0: 'image/png' });
  const request = signedTwilioRequest(endpointUrl, authToken, fields);
  const response = await fetch(endpointUrl, { method: 'POST', body: request.body, headers: request.headers });
  expect(response.status).toBe(200);
};

/** Posts an SMS as Twilio would. */
const postSms = async (text: string, from: string) => {
  const request = signedTwilioRequest(endpointUrl, authToken, inboundSmsFields({ Body: text, From: from }));
  const response = await fetch(endpointUrl, { method: 'POST', body: request.body, headers: request.headers });
  expect(response.status).toBe(200);
};

/** The conversation list as the page shows it, and as the API orders it: customer and preview, latest first. */
const listOnPage = async (page: Page) =>
  (await page.locator('#conversations button').evaluateAll((buttons) =>
    (buttons as unknown as { querySelector(selector: string): { textContent: string | null } | null }[]).map(
      (button) => `${button.querySelector('.title')?.textContent?.split(' · ')[0]} ${button.querySelector('.preview')?.textContent}`,
    ),
  )) as string[];
const listOfApi = async () => {
  const response = await fetch(`${stack.description.httpUrl}/conversations?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  const { conversations } = (await response.json()) as { conversations: { customerAddress: string; lastMessagePreview: string }[] };
  return conversations.map((conversation) => `${conversation.customerAddress} ${conversation.lastMessagePreview}`);
};

/** A 1×1 PNG: what the sender's image server answers. */
const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * Stands in for the sender's image host at the browser's network layer, so nothing leaves the
 * machine: every request the page makes to it is recorded, with the headers it carried.
 */
const recordSenderHost = async (page: Page, origin: string) => {
  const requests: { url: string; referer: string | undefined }[] = [];
  await page.route(`${origin}/**`, async (route) => {
    requests.push({ url: route.request().url(), referer: await route.request().headerValue('referer') ?? undefined });
    await route.fulfill({ status: 200, contentType: 'image/png', body: onePixelPng });
  });
  return requests;
};

/** The URLs of the images the page shows, loaded and decoded; waits until there is one. */
const loadedImages = (page: Page): Promise<string[]> =>
  eventually('an image loaded on the page', async () => {
    const images = await page
      .locator('#messages img')
      // Element types come from the page; this project's tsconfig has no DOM library.
      .evaluateAll((elements) => (elements as unknown as { complete: boolean; naturalWidth: number; src: string }[]).filter((image) => image.complete && image.naturalWidth > 0).map((image) => image.src));
    return images.length > 0 ? images : undefined;
  }, 15_000);

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

  it('shows every message of a burst in long-poll mode, and the conversation list in the order of the latest messages', { timeout: 60_000 }, async () => {
    const page = await openInbox({ ws: 'ws://127.0.0.1:9' });
    try {
      // Prepare: the agent has the conversation open
      const from = '+14155550177';
      const run = Date.now();
      await receive(page, `Before the burst ${run}`, from);
      const burst = Array.from({ length: 10 }, (_, index) => `Burst ${index} of ${run}`);
      const elsewhere = ['+14155550178', '+14155550179'];

      // Act: the burst to the open conversation and to two others, all at once
      await Promise.all([...burst.map((text) => postSms(text, from)), ...elsewhere.map((other) => postSms(`Elsewhere ${run}`, other))]);
      const shown = await eventually(
        'every burst message on the page',
        async () => {
          const texts = await page.locator('#messages .text').allTextContents();
          return burst.every((text) => texts.includes(text)) ? texts : undefined;
        },
        30_000,
      );

      // Assess
      expect(await page.locator('#transport').getAttribute('data-transport')).toBe('long-poll');
      expect(shown.filter((text) => burst.includes(text)).sort()).toEqual([...burst].sort());
      const expected = await listOfApi();
      await eventually('the list in the order of the latest messages', async () => ((await listOnPage(page)).join('\n') === expected.join('\n') ? true : undefined), 10_000);
      expect(await listOnPage(page)).toEqual(expected);
    } finally {
      await page.close();
    }
  });

  it("fetches no sender's image until the agent chooses to load it, then fetches it without a referrer", async () => {
    const page = await openInbox();
    try {
      const senderOrigin = 'https://images.sender.example';
      const imageUrl = `${senderOrigin}/pixel.png?who=agent-opened`;
      const requests = await recordSenderHost(page, senderOrigin);
      const text = `A photo of the parcel ${Date.now()}`;
      await receiveImage(text, '+14155550142', imageUrl);

      await openConversation(page, text, '+14155550142');
      await page.waitForLoadState('networkidle');

      expect(requests).toEqual([]);
      expect(await page.locator('#messages img').count()).toBe(0);
      const placeholder = page.locator('#messages .image-placeholder');
      expect(await placeholder.textContent()).toContain('image/png from images.sender.example');
      expect(await page.locator('#load-conversation-images').isVisible()).toBe(true);

      await placeholder.getByRole('button', { name: 'Load images' }).click();

      expect(await loadedImages(page)).toEqual([imageUrl]);
      expect(requests).toEqual([{ url: imageUrl, referer: undefined }]);
      expect(await page.locator('#messages img').getAttribute('referrerpolicy')).toBe('no-referrer');
      expect(await page.locator('#messages a').first().getAttribute('referrerpolicy')).toBe('no-referrer');
      expect(await page.locator('#load-conversation-images').isVisible()).toBe(false);
    } finally {
      await page.close();
    }
  });

  it('says an inbox with no conversations is empty, for which tenant, and how to fill it', async () => {
    const page = await openInbox({ token: await issueToken('inbox-browser-empty', stack.description.jwtSecret, 300) });
    try {
      expect(await page.locator('#conversations li').allTextContents()).toEqual([
        'No conversations yet for tenant "inbox-browser-empty". Register an endpoint with npx switchboard endpoint add --provider twilio --tenant inbox-browser-empty --secret <secret>, then send a message with npx switchboard send <endpointId>.',
      ]);
    } finally {
      await page.close();
    }
  });

  it('says an expired token expired and how to get a new one, and stops rather than retrying', async () => {
    const expired = await issueToken(tenant, stack.description.jwtSecret, -60);
    const page = await openInboxShowing('#transport[data-transport="stopped"]', { token: expired });
    try {
      expect(await page.locator('#transport').textContent()).toBe('Stopped: token not accepted');
      expect(await page.locator('#notice').textContent()).toBe(
        `Your token expired: get a new one with npx switchboard token --tenant ${tenant} and open this page with ?token=<it> (or restart npm start for a fresh link).`,
      );
    } finally {
      await page.close();
    }
  });

  it('loads images at once, after a reload too, when the agent chose to always load them', async () => {
    const page = await openInbox();
    try {
      const senderOrigin = 'https://cdn.sender.example';
      const imageUrl = `${senderOrigin}/always.png`;
      const requests = await recordSenderHost(page, senderOrigin);
      const text = `Another photo ${Date.now()}`;
      await receiveImage(text, '+14155550143', imageUrl);
      await openConversation(page, text, '+14155550143');
      await page.waitForLoadState('networkidle');
      expect(requests).toEqual([]);

      await page.locator('#always-load-images').check();
      await page.reload();
      await page.locator('#transport[data-transport="websocket"]').waitFor({ timeout: 15_000 });
      await openConversation(page, text, '+14155550143');

      expect(await loadedImages(page)).toEqual([imageUrl]);
      expect(await page.locator('#always-load-images').isChecked()).toBe(true);
      expect(requests.map(({ url }) => url)).toContain(imageUrl);
    } finally {
      await page.close();
    }
  });
});
