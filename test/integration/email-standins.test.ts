import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { SendRequest } from '../../functions/core/outbound.ts';
import { verifyMailgun } from '../../functions/providers/mailgun/verify.ts';
import { createMailgunSender } from '../../functions/providers/mailgun/send.ts';
import { createSendgridSender } from '../../functions/providers/sendgrid/send.ts';
import { verifySendgrid } from '../../functions/providers/sendgrid/verify.ts';
import { startMailgunApiStandIn, type MailgunApiStandIn } from '../../lib/local/provider-standins/mailgun-api.ts';
import { startSendgridApiStandIn, type SendgridApiStandIn } from '../../lib/local/provider-standins/sendgrid-api.ts';
import { waitUntil } from '../helpers/waiting.ts';

/** Each email sender against its stand-in: what the stand-in took, how its refusals classify, and its events verified as the ack verifies them. */

interface Received {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let sendgridApi: SendgridApiStandIn;
let mailgunApi: MailgunApiStandIn;

const request: SendRequest = {
  messageId: 'msg_0123456789abcdefghijklmnop',
  channel: 'email',
  from: 'support@mg.example.com',
  to: 'ana.ruiz@example.net',
  content: { text: 'Your label is attached.', attachments: [{ filename: 'label.pdf', contentType: 'application/pdf', content: Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]) }] },
  statusCallbackUrl: 'https://unused.example.com/',
  email: { subject: 'Re: Order #1042', inReplyTo: 'c@example.net', references: ['a@example.net', 'c@example.net'] },
};

const endpointWith = (secrets: string[]): Endpoint => ({ endpointId: 'ep_test', provider: 'x', tenantId: 'acme', secrets, createdAt: '2026-11-23T00:00:00Z' });

beforeAll(async () => {
  receiver = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      received.push({ headers: incoming.headers as Record<string, string>, body: Buffer.concat(chunks) });
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  sendgridApi = await startSendgridApiStandIn({ accountOf: async (apiKey) => (apiKey === 'SG.good' ? { webhook: { url: receiverUrl } } : undefined) });
  mailgunApi = await startMailgunApiStandIn({ domainOf: async (domain) => (domain === 'mg.example.com' ? { apiKey: 'key-good', webhook: { url: receiverUrl, signingKey: 'key-signing' } } : undefined) });
});

afterAll(async () => {
  await Promise.all([sendgridApi?.stop(), mailgunApi?.stop()]);
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('SendGrid sender against its stand-in', () => {
  const sender = () => createSendgridSender({ baseUrl: sendgridApi.url });

  it('is taken with the X-Message-Id its events name, and the events verify with the stand-in’s public key', async () => {
    // Act
    const outcome = await sender().send(request, { provider: 'sendgrid', apiKey: 'SG.good' }, AbortSignal.timeout(5000));
    await waitUntil(() => sendgridApi.callbacks.delivered >= 3, 'processed, delivered and open to be posted');

    // Assess
    const taken = sendgridApi.messages.at(-1);
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: taken?.messageId });
    expect(taken).toMatchObject({ subject: 'Re: Order #1042', headers: { 'In-Reply-To': '<c@example.net>', References: '<a@example.net> <c@example.net>' }, customArgs: { sb_message: request.messageId } });
    expect(Buffer.from(taken?.attachments[0]?.content ?? '', 'base64')).toEqual(request.content.attachments?.[0]?.content);
    const events = received.filter(({ headers }) => headers['x-twilio-email-event-webhook-signature'] !== undefined);
    expect(events.map(({ body }) => (JSON.parse(body.toString()) as { event: string }[])[0]?.event)).toEqual(['processed', 'delivered', 'open']);
    for (const { headers, body } of events) {
      expect(verifySendgrid({ url: receiverUrl, headers, body }, endpointWith([sendgridApi.verificationKey])).ok).toBe(true);
      expect(verifySendgrid({ url: receiverUrl, headers, body: Buffer.concat([body, Buffer.from(' ')]) }, endpointWith([sendgridApi.verificationKey])).ok).toBe(false);
    }
  });

  it('answers a wrong key 401, and a 429 whose X-RateLimit-Reset becomes the wait; an address that is not one is never sent', async () => {
    // Arrange
    sendgridApi.inject({ status: 429, retryAfterSeconds: 4, times: 1 });

    // Act
    const throttled = await sender().send(request, { provider: 'sendgrid', apiKey: 'SG.good' }, AbortSignal.timeout(5000));
    const refused = await sender().send(request, { provider: 'sendgrid', apiKey: 'SG.wrong' }, AbortSignal.timeout(5000));
    const invalid = await sender().send({ ...request, to: 'not an address' }, { provider: 'sendgrid', apiKey: 'SG.good' }, AbortSignal.timeout(5000));

    // Assess
    expect(throttled).toMatchObject({ kind: 'throttled', code: '429', retryAfterSeconds: expect.any(Number) });
    expect((throttled as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(3);
    expect(refused).toMatchObject({ kind: 'failed', category: 'credentials', code: '401' });
    // Refused before SendGrid is called: a reply goes to one mailbox (its 400 is classified in the unit tests).
    expect(invalid).toMatchObject({ kind: 'failed', category: 'permanent', code: 'switchboard.not_one_mailbox' });
  });
});

describe('Mailgun sender against its stand-in', () => {
  const sender = () => createMailgunSender({ baseUrl: mailgunApi.url });
  const credentials = (apiKey: string) => ({ provider: 'mailgun', apiKey, domain: 'mg.example.com' }) as const;

  it('is taken with the Message-Id its events name, files intact, and the webhooks verify with the signing key', async () => {
    // Arrange
    const before = received.length;

    // Act
    const outcome = await sender().send(request, credentials('key-good'), AbortSignal.timeout(5000));
    await waitUntil(() => mailgunApi.callbacks.delivered >= 2, 'delivered and opened to be posted');

    // Assess
    const taken = mailgunApi.messages.at(-1);
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: taken?.messageId });
    expect(taken).toMatchObject({ subject: 'Re: Order #1042', headers: { 'In-Reply-To': '<c@example.net>' }, variables: { sb_message: request.messageId }, attachments: [{ filename: 'label.pdf', type: 'application/pdf' }] });
    expect(Buffer.from(taken?.attachments[0]?.content ?? '', 'base64')).toEqual(request.content.attachments?.[0]?.content);
    const webhooks = received.slice(before);
    expect(webhooks.map(({ body }) => (JSON.parse(body.toString()) as { 'event-data': { event: string; 'user-variables': unknown } })['event-data'])).toEqual([
      expect.objectContaining({ event: 'delivered', 'user-variables': { sb_message: request.messageId } }),
      expect.objectContaining({ event: 'opened' }),
    ]);
    for (const { headers, body } of webhooks) expect(verifyMailgun({ url: receiverUrl, headers, body }, endpointWith(['key-signing']), new Date()).ok).toBe(true);
  });

  it('answers a wrong key "Forbidden" and a missing text 400, classified as credentials and permanent', async () => {
    // Act
    const refused = await sender().send(request, credentials('key-wrong'), AbortSignal.timeout(5000));
    const empty = await sender().send({ ...request, content: { text: '' } }, credentials('key-good'), AbortSignal.timeout(5000));

    // Assess
    expect(refused).toMatchObject({ kind: 'failed', category: 'credentials', code: '401', message: 'Forbidden' });
    expect(empty).toMatchObject({ kind: 'failed', category: 'permanent', message: "Need at least one of 'text', 'html' or 'template' parameters specified" });
  });
});
