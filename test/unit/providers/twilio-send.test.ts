import { describe, expect, it, vi } from 'vitest';
import { answering } from '../../helpers/fetch-stub.ts';
import type { SendCredentials, SendRequest } from '../../../functions/core/outbound.ts';
import { classifyTwilioError, createTwilioSender, twilioMessageForm } from '../../../functions/providers/twilio/send.ts';

const accountSid = 'AC0123456789abcdef0123456789abcdef';
const authToken = 'twilio-auth-token-secret';
const credentials: SendCredentials = { provider: 'twilio', accountSid, authToken };
const baseUrl = 'https://twilio.test';
const sender = createTwilioSender({ baseUrl });
const signal = new AbortController().signal;

const request = (overrides: Partial<SendRequest> = {}): SendRequest => ({
  messageId: 'msg_0123456789abcdef',
  channel: 'sms',
  from: '+15005550006',
  to: '+14155550100',
  content: { text: 'Your order shipped.' },
  statusCallbackUrl: 'https://hooks.example.com/webhooks/twilio/ep_1?sb_message=msg_0123456789abcdef',
  ...overrides,
});


const twilioError = (status: number, code: number, message: string, headers: Record<string, string> = {}) => () =>
  Response.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, { status, headers });


describe('twilioMessageForm', () => {
  it('sends an SMS as To, From, Body and the StatusCallback naming our message', () => {
    expect(Object.fromEntries(twilioMessageForm(request()))).toEqual({
      To: '+14155550100',
      From: '+15005550006',
      Body: 'Your order shipped.',
      StatusCallback: 'https://hooks.example.com/webhooks/twilio/ep_1?sb_message=msg_0123456789abcdef',
    });
  });

  it('repeats MediaUrl once per attachment, in order', () => {
    const media = [
      { url: 'https://cdn.example.com/a.jpg', contentType: 'image/jpeg' },
      { url: 'https://cdn.example.com/b.pdf', contentType: 'application/pdf' },
    ];

    expect(twilioMessageForm(request({ channel: 'mms', content: { text: 'Two files', media } })).getAll('MediaUrl')).toEqual([
      'https://cdn.example.com/a.jpg',
      'https://cdn.example.com/b.pdf',
    ]);
  });

  it('prefixes both WhatsApp addresses with whatsapp:', () => {
    const form = twilioMessageForm(request({ channel: 'whatsapp' }));

    expect([form.get('To'), form.get('From')]).toEqual(['whatsapp:+14155550100', 'whatsapp:+15005550006']);
  });

  it('sends a WhatsApp template as ContentSid and numbered ContentVariables, without a Body', () => {
    const template = { name: 'HX0123456789abcdef0123456789abcdef', language: 'en_US', parameters: ['Ada', '12 May'] };

    const form = twilioMessageForm(request({ channel: 'whatsapp', content: { template } }));

    expect(form.get('ContentSid')).toBe(template.name);
    expect(JSON.parse(form.get('ContentVariables') ?? '')).toEqual({ 1: 'Ada', 2: '12 May' });
    expect(form.has('Body')).toBe(false);
  });
});

describe('the Twilio sender: send', () => {
  it('posts the form to the account Messages resource with basic auth, and takes the SID of a 201', async () => {
    // Prepare
    const calls = answering(() => Response.json({ sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' }, { status: 201 }));

    // Act
    const outcome = await sender.send(request(), credentials, signal);

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'SM0123456789abcdef0123456789abcdef' });
    expect(calls[0]?.url).toBe(`${baseUrl}/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
    expect(String(calls[0]?.init.body)).toContain('Body=Your+order+shipped.');
  });

  it('authenticates with an API key as its SID and secret, on the account path', async () => {
    const calls = answering(() => Response.json({ sid: 'SM0123456789abcdef0123456789abcdef' }, { status: 201 }));
    const apiKey: SendCredentials = { provider: 'twilio', accountSid, apiKeySid: 'SK0123456789abcdef0123456789abcdef', apiKeySecret: 'key-secret' };

    await sender.send(request(), apiKey, signal);

    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(`Basic ${Buffer.from('SK0123456789abcdef0123456789abcdef:key-secret').toString('base64')}`);
    expect(calls[0]?.url).toContain(`/Accounts/${accountSid}/`);
  });

  it('classifies a 429 as throttled with its Retry-After', async () => {
    answering(twilioError(429, 20429, 'Too Many Requests', { 'retry-after': '7' }));

    expect(await sender.send(request(), credentials, signal)).toEqual({ kind: 'throttled', code: '20429', message: 'Too Many Requests', retryAfterSeconds: 7 });
  });

  it('never puts the credentials in an outcome', async () => {
    answering(twilioError(401, 20003, 'Authenticate'));

    const outcome = await sender.send(request(), credentials, signal);

    expect(outcome).toMatchObject({ kind: 'failed', category: 'credentials' });
    expect(JSON.stringify(outcome)).not.toContain(authToken);
  });

  it('calls a refused connection temporary: nothing was written', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    });

    expect(await sender.send(request(), credentials, signal)).toMatchObject({ kind: 'temporary', code: 'ECONNREFUSED' });
  });

  it('calls a timeout unknown: Twilio may have taken the message', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });

    expect(await sender.send(request(), credentials, signal)).toMatchObject({ kind: 'unknown', code: 'TimeoutError' });
  });

  it('calls a 2xx without a SID unknown rather than accepted', async () => {
    answering(() => new Response('<html>', { status: 201 }));

    expect(await sender.send(request(), credentials, signal)).toMatchObject({ kind: 'unknown' });
  });

  it('refuses credentials of another provider as a credentials failure, calling nothing', async () => {
    const calls = answering(() => Response.json({}));

    const outcome = await sender.send(request(), { provider: 'meta', accessToken: 'x' }, signal);

    expect(outcome).toMatchObject({ kind: 'failed', category: 'credentials' });
    expect(calls).toHaveLength(0);
  });
});

describe('classifyTwilioError', () => {
  // Codes: https://www.twilio.com/docs/api/errors/<code>
  it.each([
    [429, 20429, undefined, { kind: 'throttled' }],
    [400, 63018, undefined, { kind: 'throttled' }],
    [400, 21611, undefined, { kind: 'throttled' }],
    [400, 21610, undefined, { kind: 'failed', category: 'opted-out', hint: 'The recipient replied STOP; they must send START before you can message them.' }],
    [400, 21211, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21614, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21612, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21408, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21606, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21617, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21620, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21602, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 21604, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 63016, undefined, { kind: 'failed', category: 'window' }],
    [401, 20003, undefined, { kind: 'failed', category: 'credentials' }],
    [404, 20404, undefined, { kind: 'failed', category: 'credentials' }],
    [503, 20503, 30, { kind: 'temporary', retryAfterSeconds: 30 }],
    [503, 20503, undefined, { kind: 'unknown' }],
    [500, 20500, undefined, { kind: 'unknown' }],
    [502, undefined, undefined, { kind: 'unknown', code: '502' }],
    [400, 21999, undefined, { kind: 'failed', category: 'permanent' }],
  ])('classifies HTTP %s code %s (Retry-After %s) as %o', (status, code, retryAfter, expected) => {
    const outcome = classifyTwilioError(status, { ...(code !== undefined && { code }), message: 'Twilio says no' }, retryAfter);

    expect(outcome).toMatchObject(expected);
    if (outcome.kind === 'failed') expect(outcome.hint.length).toBeGreaterThan(10);
  });
});

describe('the Twilio sender: lookup', () => {
  const since = new Date('2026-12-03T07:00:00.000Z');
  const listed = (messages: Record<string, unknown>[]) => () => Response.json({ messages, next_page_uri: null, page: 0, page_size: 50 });

  it('asks for the messages from the sender to the recipient sent since the day of the attempt', async () => {
    const calls = answering(listed([]));

    await sender.lookup?.(request({ channel: 'whatsapp' }), credentials, since, signal);

    const query = new URL(calls[0]?.url ?? '').searchParams;
    expect(Object.fromEntries(query)).toEqual({ To: 'whatsapp:+14155550100', From: 'whatsapp:+15005550006', 'DateSent>': '2026-12-03', PageSize: '50' });
  });

  it('finds the message with the same body created since the attempt', async () => {
    answering(
      listed([
        { sid: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', body: 'Your order shipped.', date_created: 'Thu, 03 Dec 2026 06:59:59 +0000' },
        { sid: 'SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', body: 'Another text', date_created: 'Thu, 03 Dec 2026 07:00:01 +0000' },
        { sid: 'SMcccccccccccccccccccccccccccccccc', body: 'Your order shipped.', date_created: 'Thu, 03 Dec 2026 07:00:00 +0000' },
      ]),
    );

    expect(await sender.lookup?.(request(), credentials, since, signal)).toEqual({ found: true, providerMessageId: 'SMcccccccccccccccccccccccccccccccc' });
  });

  it('finds nothing when no message matches, and cannot tell when Twilio errs', async () => {
    answering(listed([{ sid: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', body: 'Your order shipped.', date_created: 'Wed, 02 Dec 2026 23:00:00 +0000' }]));
    const none = await sender.lookup?.(request(), credentials, since, signal);
    answering(twilioError(500, 20500, 'Internal Server Error'));
    const failing = await sender.lookup?.(request(), credentials, since, signal);

    expect([none, failing]).toEqual([{ found: false }, { found: 'unknown' }]);
  });
});

describe('the Twilio sender: rates', () => {
  it.each([
    ['sms', '+15005550006', 1],
    ['sms', '+18005550100', 3],
    ['sms', '+18885550100', 3],
    ['sms', '12345', 100],
    ['sms', '123456', 100],
    ['mms', '+15005550006', 1],
    ['whatsapp', '+15005550006', 10],
  ] as const)('holds a %s sender %s to %s a second', (channel, from, perSecond) => {
    expect(sender.defaultRate(channel, from)).toEqual({ perSecond });
  });

  it('costs an SMS its segments, an MMS one, and WhatsApp media the share of 1.5 a second', () => {
    const media = [{ url: 'https://cdn.example.com/a.jpg', contentType: 'image/jpeg' }];

    expect(sender.costOf({ channel: 'sms', content: { text: 'a'.repeat(161) } })).toBe(2);
    expect(sender.costOf({ channel: 'sms', content: { text: '😀'.repeat(36) } })).toBe(2);
    expect(sender.costOf({ channel: 'mms', content: { text: 'a'.repeat(400), media } })).toBe(1);
    expect(sender.costOf({ channel: 'whatsapp', content: { text: 'a'.repeat(400) } })).toBe(1);
    expect(sender.costOf({ channel: 'whatsapp', content: { media } })).toBe(7);
  });
});
