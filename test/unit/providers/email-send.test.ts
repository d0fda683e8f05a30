import { describe, expect, it } from 'vitest';
import type { SendRequest } from '../../../functions/core/outbound.ts';
import { mailgun } from '../../../functions/providers/mailgun/index.ts';
import { classifyMailgunAnswer, createMailgunSender, mailgunMessageForm } from '../../../functions/providers/mailgun/send.ts';
import { sendgrid } from '../../../functions/providers/sendgrid/index.ts';
import { classifySendgridAnswer, createSendgridSender, sendgridMailBody } from '../../../functions/providers/sendgrid/send.ts';
import { answering } from '../../helpers/fetch-stub.ts';

const reply: SendRequest = {
  messageId: 'msg_0123456789abcdefghijklmnop',
  channel: 'email',
  from: 'support@example.com',
  to: 'ana.ruiz@example.net',
  content: { text: 'It ships today.', attachments: [{ filename: 'label.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7') }] },
  statusCallbackUrl: 'https://hooks.example.com/unused',
  email: { subject: 'Re: Order #1042', html: '<p>It ships today.</p>', inReplyTo: 'c@mail.example.net', references: ['a@mail.example.net', 'c@mail.example.net'] },
};

const now = Date.parse('2026-11-23T10:00:00Z');

describe('SendGrid Mail Send', () => {
  it('sends text and HTML from the inbox, threaded, with our id and the inbox in custom_args and the files base64', () => {
    // Act
    const body = sendgridMailBody(reply);

    // Assess
    expect(body).toEqual({
      personalizations: [{ to: [{ email: 'ana.ruiz@example.net' }] }],
      from: { email: 'support@example.com' },
      subject: 'Re: Order #1042',
      content: [
        { type: 'text/plain', value: 'It ships today.' },
        { type: 'text/html', value: '<p>It ships today.</p>' },
      ],
      headers: { 'In-Reply-To': '<c@mail.example.net>', References: '<a@mail.example.net> <c@mail.example.net>' },
      custom_args: { sb_message: 'msg_0123456789abcdefghijklmnop', from: 'support@example.com' },
      attachments: [{ content: Buffer.from('%PDF-1.7').toString('base64'), type: 'application/pdf', filename: 'label.pdf', disposition: 'attachment' }],
    });
  });

  it('sends text only, and no threading headers, for a first email', () => {
    // Act
    const body = sendgridMailBody({ ...reply, content: { text: 'Hello' }, email: { subject: 'Welcome' } });

    // Assess
    expect(body.content).toEqual([{ type: 'text/plain', value: 'Hello' }]);
    expect(body).not.toHaveProperty('headers');
    expect(body).not.toHaveProperty('attachments');
  });

  it.each([
    [202, { 'x-message-id': 'Fut1XCSgQFuJOGZNaeOjOQ' }, undefined, { kind: 'accepted', providerMessageId: 'Fut1XCSgQFuJOGZNaeOjOQ' }],
    [202, {}, undefined, { kind: 'unknown', code: '202' }],
    [400, {}, { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] }, { kind: 'failed', category: 'permanent', code: '400', message: 'personalizations.0.to.0.email: Does not contain a valid address.' }],
    [401, {}, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null }] }, { kind: 'failed', category: 'credentials', code: '401' }],
    [403, {}, { errors: [{ message: 'The from address does not match a verified Sender Identity.' }] }, { kind: 'failed', category: 'credentials', code: '403' }],
    [429, { 'x-ratelimit-reset': String(now / 1000 + 7) }, { errors: [{ message: 'too many requests' }] }, { kind: 'throttled', code: '429', retryAfterSeconds: 7 }],
    [429, { 'retry-after': '3', 'x-ratelimit-reset': String(now / 1000 + 7) }, undefined, { kind: 'throttled', retryAfterSeconds: 3 }],
    [500, {}, undefined, { kind: 'unknown', code: '500' }],
    [503, { 'retry-after': '5' }, undefined, { kind: 'temporary', retryAfterSeconds: 5 }],
  ])('classifies %i %j as %j', (status, headers, body, expected) => {
    // Act / Assess
    expect(classifySendgridAnswer(status, new Headers(headers), body, now)).toMatchObject(expected);
  });

  it('posts to /v3/mail/send with the bearer key; a refused connection is temporary', async () => {
    // Prepare
    const calls = answering(() => new Response(null, { status: 202, headers: { 'x-message-id': 'abc' } }));
    const sender = createSendgridSender({ baseUrl: 'https://sendgrid.test/' });

    // Act
    const outcome = await sender.send(reply, { provider: 'sendgrid', apiKey: 'SG.key' }, AbortSignal.timeout(1000));

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'abc' });
    expect(calls[0]?.url).toBe('https://sendgrid.test/v3/mail/send');
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe('Bearer SG.key');
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    answering(() => {
      throw refused;
    });
    expect(await sender.send(reply, { provider: 'sendgrid', apiKey: 'SG.key' }, AbortSignal.timeout(1000))).toMatchObject({ kind: 'temporary', code: 'ECONNREFUSED' });
  });
});

describe('Mailgun Messages', () => {
  it('sends a multipart form: h: threading headers, v: our id, the files as attachment parts', async () => {
    // Act
    const form = mailgunMessageForm(reply);

    // Assess
    expect(Object.fromEntries([...form.entries()].filter(([, value]) => typeof value === 'string'))).toEqual({
      from: 'support@example.com',
      to: 'ana.ruiz@example.net',
      subject: 'Re: Order #1042',
      text: 'It ships today.',
      html: '<p>It ships today.</p>',
      'h:In-Reply-To': '<c@mail.example.net>',
      'h:References': '<a@mail.example.net> <c@mail.example.net>',
      'v:sb_message': 'msg_0123456789abcdefghijklmnop',
    });
    const attachment = form.get('attachment') as File;
    expect([attachment.name, attachment.type, Buffer.from(await attachment.arrayBuffer()).toString()]).toEqual(['label.pdf', 'application/pdf', '%PDF-1.7']);
  });

  it.each([
    [200, {}, { id: '<20261123100000.abc@mg.example.com>', message: 'Queued. Thank you.' }, { kind: 'accepted', providerMessageId: '20261123100000.abc@mg.example.com' }],
    [400, {}, { message: "'to' parameter is not a valid address. please check documentation" }, { kind: 'failed', category: 'permanent', message: "'to' parameter is not a valid address. please check documentation" }],
    [401, {}, 'Forbidden', { kind: 'failed', category: 'credentials', message: 'Forbidden' }],
    [404, {}, { message: 'Domain not found: mg.example.com' }, { kind: 'failed', category: 'credentials', code: '404' }],
    [429, { 'retry-after': '2' }, { message: 'Too many requests' }, { kind: 'throttled', retryAfterSeconds: 2 }],
    [502, {}, undefined, { kind: 'unknown', code: '502' }],
  ])('classifies %i %j as %j', (status, headers, body, expected) => {
    // Act / Assess
    expect(classifyMailgunAnswer(status, new Headers(headers), body, now)).toMatchObject(expected);
  });

  it("posts to the domain's messages with basic auth api:<key>; a timeout may have been taken", async () => {
    // Prepare
    const calls = answering(() => Response.json({ id: '<x@mg.example.com>', message: 'Queued. Thank you.' }));
    const sender = createMailgunSender({ baseUrl: 'https://mailgun.test' });
    const credentials = { provider: 'mailgun', apiKey: 'key-1', domain: 'mg.example.com' } as const;

    // Act
    const outcome = await sender.send(reply, credentials, AbortSignal.timeout(1000));

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'x@mg.example.com' });
    expect(calls[0]?.url).toBe('https://mailgun.test/v3/mg.example.com/messages');
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(`Basic ${Buffer.from('api:key-1').toString('base64')}`);
    answering(() => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    expect(await sender.send(reply, credentials, AbortSignal.timeout(1000))).toMatchObject({ kind: 'unknown' });
  });

  it('refuses an email without a subject before calling anyone', async () => {
    // Prepare
    const calls = answering(() => Response.json({}));

    // Act
    const outcome = await createMailgunSender().send({ ...reply, email: { subject: '' } }, { provider: 'mailgun', apiKey: 'k', domain: 'mg.example.com' }, AbortSignal.timeout(1000));

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', category: 'permanent', code: 'switchboard.no_subject' });
    expect(calls).toHaveLength(0);
  });

  it('refuses a recipient that is a list of addresses (a customer’s From header can be) before calling anyone', async () => {
    // Prepare
    const calls = answering(() => Response.json({}));

    // Act
    const outcome = await createMailgunSender().send({ ...reply, to: 'multi1@x.example, victim@y.example' }, { provider: 'mailgun', apiKey: 'k', domain: 'mg.example.com' }, AbortSignal.timeout(1000));

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', category: 'permanent', code: 'switchboard.not_one_mailbox' });
    expect(calls).toHaveLength(0);
  });
});

describe('email events name our message', () => {
  const url = 'https://hooks.example.com/webhooks/x/ep_0123456789abcdefghijklmnopq';

  it("takes SendGrid's sb_message custom arg as the correlation id, and a drop as failed with its reason", () => {
    // Prepare
    const event = { email: 'ana.ruiz@example.net', timestamp: 1795186790, sg_event_id: 'ZHJvcA', sg_message_id: 'abc.filter-1', event: 'dropped', reason: 'Unsubscribed Address', sb_message: reply.messageId, from: 'support@example.com' };

    // Act
    const [status] = sendgrid.normalize({ url, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify([event])) });

    // Assess
    expect(status).toMatchObject({ kind: 'status', correlationId: reply.messageId, businessAddress: 'support@example.com', providerMessageIds: ['abc'], status: 'failed', error: { code: 'dropped', message: 'Unsubscribed Address' } });
  });

  it("takes Mailgun's user-variables.sb_message as the correlation id, and a permanent failure as failed", () => {
    // Prepare
    const payload = {
      signature: { timestamp: '1795186790', token: 't', signature: 's' },
      'event-data': {
        event: 'failed',
        severity: 'permanent',
        reason: 'suppress-bounce',
        id: 'evt-1',
        timestamp: 1795186790.1,
        recipient: 'ana.ruiz@example.net',
        message: { headers: { 'message-id': 'x@mg.example.com', from: 'support@example.com' } },
        'user-variables': { sb_message: reply.messageId },
        'delivery-status': { code: 605, message: 'Not delivering to previously bounced address' },
      },
    };

    // Act
    const [status] = mailgun.normalize({ url, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(payload)) });

    // Assess
    expect(status).toMatchObject({ kind: 'status', correlationId: reply.messageId, providerMessageIds: ['x@mg.example.com'], status: 'failed', error: { code: '605', message: 'Not delivering to previously bounced address' } });
  });
});
