import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * The inbox's reply box in headless Chromium against `npm start`, whose stand-in for Twilio's
 * Messages API takes the reply and posts its signed status callbacks: the reply shows at once as
 * queued and its status moves on live; a WhatsApp conversation whose window is closed says so,
 * takes no free text and sends a template from its form. The first test's screenshot is the README's
 * (docs/inbox-reply.png), refreshed with INBOX_REPLY_SCREENSHOT=docs/inbox-reply.png.
 */

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** INBOX_REPLY_SCREENSHOT=docs/inbox-reply.png refreshes the README's; otherwise it lands in the temp folder, leaving the tree clean. */
const screenshot = resolve(process.env.INBOX_REPLY_SCREENSHOT ?? join(tmpdir(), 'switchboard-inbox-reply.png'));
const tenant = 'inbox-reply';
const twilioAuthToken = 'inbox-reply-twilio-token';
const twilioAccountSid = `AC${'0'.repeat(31)}1`;
const business = '+15005550006';
/** A Twilio Content SID: how a WhatsApp template is named through Twilio. */
const contentSid = `HX${'0'.repeat(31)}1`;

let stack: LocalStackProcess;
let browser: Browser;
let twilioEndpointId: string;
let token: string;

beforeAll(async () => {
  stack = await startLocalStackProcess();
  const twilio = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenant, '--secret', twilioAuthToken])) as { endpointId: string };
  twilioEndpointId = twilio.endpointId;
  await stack.cli(['endpoint', 'credentials', twilioEndpointId, '--twilio-account-sid', twilioAccountSid, '--twilio-auth-token', twilioAuthToken, '--from', business]);
  token = (await stack.cli(['token', '--tenant', tenant])).trim();
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Opens the inbox for the tenant and waits until it is live over the WebSocket. */
const openInbox = async (): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  const url = new URL(stack.description.httpUrl);
  url.search = new URLSearchParams({ token }).toString();
  await page.goto(url.toString());
  await page.locator('#transport[data-transport="websocket"]').waitFor({ timeout: 15_000 });
  return page;
};

/** Opens the conversation with `from` once the page lists it, and waits for the message saying `text`. */
const openConversation = async (page: Page, text: string, from: string) => {
  await page.locator('#conversations button', { hasText: from }).first().click({ timeout: 15_000 });
  await page.locator('#messages .text', { hasText: text }).waitFor({ timeout: 15_000 });
};

/**
 * Records, in the page, every status the thread shows for the message saying `text`, each
 * change once, from now on: the page redraws the thread on every frame, so a status shown for
 * a moment between two polls of the test is still seen.
 */
const recordStatuses = (page: Page, text: string) =>
  page.evaluate(`(() => {
    window.shownStatuses = [];
    const record = () => {
      const message = [...document.querySelectorAll('#messages .message.outbound')].find((item) => item.querySelector('.text')?.textContent === ${JSON.stringify(text)});
      const status = message?.querySelector('.status')?.classList[1];
      if (status && window.shownStatuses.at(-1) !== status) window.shownStatuses.push(status);
    };
    new MutationObserver(record).observe(document.getElementById('messages'), { childList: true, subtree: true });
  })()`);

const shownStatuses = (page: Page) => page.evaluate('window.shownStatuses') as Promise<string[]>;

describe('replying from the inbox', () => {
  it('shows a reply at once as queued, then its status moving to sent and delivered', { timeout: 60_000 }, async () => {
    const page = await openInbox();
    try {
      // Prepare: a customer wrote over SMS, and the agent has the conversation open
      const customer = '+14155550123';
      await stack.cli(['send', twilioEndpointId, '--text', 'Hi! Is my order #1042 on its way?', '--from', customer]);
      await openConversation(page, 'Hi! Is my order #1042 on its way?', customer);
      const reply = 'Yes: it left our warehouse this morning and arrives tomorrow.';
      await recordStatuses(page, reply);

      // Act: the agent types the reply and presses Enter
      await page.locator('#reply-text').fill(reply);
      await page.locator('#reply-text').press('Enter');

      // Assess
      await page.locator('#reply-status', { hasText: 'Accepted.' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#reply-text').inputValue()).toBe('');
      const shown = await eventually('the reply delivered', async () => {
        const statuses = await shownStatuses(page);
        return statuses.includes('delivered') ? statuses : undefined;
      }, 30_000);
      expect(shown[0]).toBe('queued');
      expect(shown).toEqual(expect.arrayContaining(['queued', 'sent', 'delivered']));
      const rank = ['queued', 'sending', 'sent', 'delivered', 'read'];
      expect(shown.map((status) => rank.indexOf(status))).toEqual([...shown.map((status) => rank.indexOf(status))].sort((a, b) => a - b));
      expect(await page.locator('#messages .message.outbound .text', { hasText: reply }).count()).toBe(1);
      expect(await page.locator('#messages .message.outbound .status.delivered .ticks').last().textContent()).toBe('✓✓');
      await mkdir(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
    } finally {
      await page.close();
    }
  });

  it("says a WhatsApp conversation's window is closed, takes no free text, and sends an approved template from its form", { timeout: 60_000 }, async () => {
    // Prepare: a WhatsApp conversation the business started with a template; the customer has not written, so only templates may go
    const customer = '+14155550188';
    const started = await fetch(`${stack.description.httpUrl}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ channel: 'whatsapp', endpointId: twilioEndpointId, to: customer, template: { name: contentSid, language: 'en', parameters: ['Ada'] } }),
    });
    expect(started.status).toBe(202);
    const page = await openInbox();
    try {
      // Act
      await openConversation(page, `📄 Template ${contentSid}: Ada`, customer);

      // Assess
      await page.locator('#reply-notice').waitFor({ timeout: 15_000 });
      expect(await page.locator('#reply-notice').textContent()).toBe(
        'The 24-hour window is closed: WhatsApp takes only an approved template until the customer writes again. Send a template below.',
      );
      expect(await page.getByLabel('Reply').isDisabled()).toBe(true);
      expect(await page.locator('#reply-send').isDisabled()).toBe(true);
      expect(await page.getByRole('group', { name: 'Send an approved template' }).isVisible()).toBe(true);

      // Act: the agent sends a template from the form
      await page.getByLabel('Template name').fill(contentSid);
      await page.getByLabel('Language').fill('en');
      await page.getByLabel('Parameters, comma-separated').fill('Ada, #1042');
      await page.getByRole('button', { name: 'Send template' }).click();

      // Assess
      const sent = page.locator('#messages .message.outbound', { hasText: `📄 Template ${contentSid}: Ada, #1042` });
      await sent.locator('.status.sent, .status.delivered, .status.read').waitFor({ timeout: 30_000 });
      expect(await sent.count()).toBe(1);
      expect(await page.getByLabel('Parameters, comma-separated').inputValue()).toBe('');
    } finally {
      await page.close();
    }
  });

  it('attaches a file to a reply: uploaded, named in the box, sent as an MMS whose MediaUrl serves it; a file over the channel’s cap is refused', { timeout: 60_000 }, async () => {
    const page = await openInbox();
    try {
      // Prepare: a customer wrote over SMS, and the agent has the conversation open
      const customer = '+14155550166';
      await stack.cli(['send', twilioEndpointId, '--text', 'Can you send me the invoice?', '--from', customer]);
      await openConversation(page, 'Can you send me the invoice?', customer);
      const invoice = Buffer.from('%PDF-1.7 invoice #1042');

      // Act: a file over MMS's 5 MB, then the invoice with a line of text
      await page.locator('#reply-file').setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: Buffer.alloc(6 * 1024 * 1024) });
      await page.locator('#reply-text').fill('Too big?');
      await page.locator('#reply-send').click();
      const refused = await page.locator('#reply-status', { hasText: 'scan.png not attached' }).textContent({ timeout: 15_000 });
      await page.locator('#reply-file').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: invoice });
      const attachment = await page.locator('#reply-attachment').textContent();
      await page.locator('#reply-text').fill('Here it is.');
      await page.locator('#reply-send').click();
      await page.locator('#reply-status', { hasText: 'Accepted.' }).waitFor({ timeout: 15_000 });

      // Assess
      expect(refused).toBe('scan.png not attached: scan.png (image/png) is 6 MB: sms takes image/png files of up to 5 MB.');
      expect(attachment).toBe('Attached: invoice.pdf (1 KB)');
      expect(await page.locator('#reply-attachment').textContent()).toBe('');
      const sent = await eventually('the stand-in to take the MMS', async () => {
        const { messages } = (await (await fetch(`${stack.description.providerApiBaseUrls.twilioApiBaseUrl}/_switchboard/messages`)).json()) as { messages: { body: string; media: string[] }[] };
        return messages.find((message) => message.body === 'Here it is.');
      }, 15_000);
      expect(sent.media).toHaveLength(1);
      expect(Buffer.from(await (await fetch(sent.media[0] ?? '')).arrayBuffer())).toEqual(invoice);
    } finally {
      await page.close();
    }
  });
});
