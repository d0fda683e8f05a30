import { describe, expect, it } from 'vitest';
import type { SendCredentials, SendRequest } from '../../../../functions/core/outbound.ts';
import { androidMessageBody } from '../../../../functions/providers/sms/android-send.ts';
import { createSmsGatewaySender } from '../../../../functions/providers/sms/send.ts';
import { messageSendBody } from '../../../../functions/providers/sms/webhook-send.ts';
import { verifyStandardWebhook } from '../../../../functions/providers/standard/signature.ts';
import { answering } from '../../../helpers/fetch-stub.ts';

const androidBaseUrl = 'https://sms-gate.test';
const sender = createSmsGatewaySender({ androidBaseUrl });
const signal = new AbortController().signal;
const messageId = 'msg_01JDZ8Q7W3X5Y2V9N4M6K8P0RS';
const android: SendCredentials = { provider: 'sms', gateway: 'android', username: 'JOHNDOE', password: 'app-shown-password' };
const signingSecret = `whsec_${Buffer.from('gateway-signing-key-0123456789ab').toString('base64')}`;
const webhook: SendCredentials = { provider: 'sms', gateway: 'webhook', url: 'https://gateway.example.com/send', signingSecret };

const request = (overrides: Partial<SendRequest> = {}): SendRequest => ({
  messageId,
  channel: 'sms',
  from: '+15005550006',
  to: '+14155550100',
  content: { text: 'Your order shipped.' },
  statusCallbackUrl: 'https://hooks.example.com/webhooks/sms/ep_1?sb_message=msg_01JDZ8Q7W3X5Y2V9N4M6K8P0RS',
  ...overrides,
});

const answer = (status: number, body: unknown = {}, headers: Record<string, string> = {}) => () => Response.json(body, { status, headers });

describe('SMS Gateway for Android: the request', () => {
  it('posts the text to the customer under our id, with a delivery report, to the cloud server with basic auth', async () => {
    // Prepare
    const calls = answering(answer(202, { id: messageId, state: 'Pending' }));

    // Act
    const outcome = await sender.send(request(), android, signal);

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: messageId });
    expect(calls[0]?.url).toBe('https://sms-gate.test/3rdparty/v1/messages');
    expect(calls[0]?.init.redirect).toBe('manual');
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(`Basic ${Buffer.from('JOHNDOE:app-shown-password').toString('base64')}`);
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ id: messageId, textMessage: { text: 'Your order shipped.' }, phoneNumbers: ['+14155550100'], withDeliveryReport: true });
  });

  it("goes to a private server's apiUrl instead, and through the device a device-named conversation came in on", async () => {
    const calls = answering(answer(202, { id: messageId }));

    await sender.send(request({ from: 'yVULogr4Y1ksRfnos1Dsw' }), { ...android, apiUrl: 'https://sms.example.com/api/' }, signal);

    expect(calls[0]?.url).toBe('https://sms.example.com/api/3rdparty/v1/messages');
    expect(androidMessageBody(request({ from: 'yVULogr4Y1ksRfnos1Dsw' }))).toMatchObject({ deviceId: 'yVULogr4Y1ksRfnos1Dsw' });
  });

  it.each([
    ['media', { text: 'see this', media: [{ url: 'https://cdn.example.com/a.jpg', contentType: 'image/jpeg' }] }, 'switchboard.sms_text_only'],
    ['a template', { template: { name: 'order_update', language: 'en_US', parameters: [] } }, 'switchboard.no_templates'],
    ['no text', { text: '' }, 'switchboard.empty'],
  ])('refuses %s before calling, for good', async (_case, content, code) => {
    const calls = answering(answer(202));

    const outcome = await sender.send(request({ content }), android, signal);

    expect(outcome).toMatchObject({ kind: 'failed', category: 'permanent', code });
    expect(calls).toHaveLength(0);
  });
});

describe('SMS Gateway for Android: the answers', () => {
  it.each([
    ['a 202 without a body: queued under the id we gave', answer(202, 'not json'), { kind: 'accepted', providerMessageId: messageId }],
    ['a 409, the id already taken by an earlier attempt', answer(409, { message: 'message with the same ID already exists' }), { kind: 'accepted', providerMessageId: messageId }],
    ['a 400', answer(400, { message: 'invalid phone number' }), { kind: 'failed', category: 'permanent', code: '400', message: 'invalid phone number' }],
    ['a 401', answer(401, { message: 'Unauthorized' }), { kind: 'failed', category: 'credentials', code: '401' }],
    ['a 403', answer(403, { message: 'Forbidden' }), { kind: 'failed', category: 'credentials', code: '403' }],
    ['a 429 with Retry-After', answer(429, { message: 'Too Many Requests' }, { 'retry-after': '7' }), { kind: 'throttled', retryAfterSeconds: 7 }],
    ['a 503, the queue full: refused before it was queued', answer(503, { message: 'queue limit exceeded' }), { kind: 'temporary', message: 'queue limit exceeded' }],
    ['a 500', answer(500, { message: 'failed to handle request' }), { kind: 'unknown', code: '500' }],
    ['a redirect', () => new Response(null, { status: 302, headers: { location: 'http://10.0.0.1/' } }), { kind: 'failed', category: 'permanent', code: '302', message: expect.stringContaining('http://10.0.0.1/') }],
  ])('classifies %s', async (_case, response, expected) => {
    answering(response);

    expect(await sender.send(request(), android, signal)).toMatchObject(expected);
  });

  it('calls a refused connection temporary and a timeout unknown', async () => {
    answering(() => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    });
    const refused = await sender.send(request(), android, signal);
    answering(() => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    const timedOut = await sender.send(request(), android, signal);

    expect(refused).toMatchObject({ kind: 'temporary', code: 'ECONNREFUSED' });
    expect(timedOut).toMatchObject({ kind: 'unknown' });
  });
});

describe('SMS Gateway for Android: asking', () => {
  it.each([
    ['has it', answer(200, { id: messageId, state: 'Sent' }), { found: true, providerMessageId: messageId }],
    ['has none', answer(404, { message: 'message not found' }), { found: false }],
    ['cannot say', answer(500), { found: 'unknown' }],
  ])('settles an unknown outcome by our id: the server %s', async (_case, response, expected) => {
    const calls = answering(response);

    expect(await sender.lookup?.(request(), android, new Date(), signal)).toEqual(expected);
    expect(calls[0]?.url).toBe(`https://sms-gate.test/3rdparty/v1/messages/${messageId}`);
  });

  it.each([
    ['Pending', 'queued'],
    ['Sent', 'sent'],
    ['Delivered', 'delivered'],
    ['Cancelled', 'failed'],
  ])('reads the state %s as %s', async (state, status) => {
    answering(answer(200, { id: messageId, state, recipients: [{ phoneNumber: '+14155550100', state }] }));

    expect(await sender.status?.(messageId, android, signal)).toEqual({ status, providerStatus: state });
  });

  it("carries a failed recipient's error", async () => {
    answering(answer(200, { id: messageId, state: 'Failed', recipients: [{ phoneNumber: '+14155550100', state: 'Failed', error: 'RESULT_ERROR_NO_SERVICE' }] }));

    expect(await sender.status?.(messageId, android, signal)).toEqual({ status: 'failed', providerStatus: 'Failed', error: { code: 'Failed', message: 'RESULT_ERROR_NO_SERVICE' } });
  });
});

describe('a generic gateway', () => {
  it("posts message.send signed with the endpoint's secret, our id as the webhook-id, and takes the gateway's id", async () => {
    // Prepare
    const calls = answering(answer(200, { id: 'gw_42' }));

    // Act
    const outcome = await sender.send(request(), webhook, signal);

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'gw_42' });
    const sent = calls[0];
    const headers = Object.fromEntries(new Headers(sent?.init.headers));
    expect(sent?.url).toBe('https://gateway.example.com/send');
    expect(sent?.init.redirect).toBe('manual');
    expect(headers['webhook-id']).toBe(messageId);
    expect(verifyStandardWebhook({ url: sent?.url ?? '', headers, body: Buffer.from(String(sent?.init.body)) }, [signingSecret], new Date())).toEqual({ ok: true });
    expect(JSON.parse(String(sent?.init.body))).toEqual({
      type: 'message.send',
      timestamp: expect.any(String),
      data: { id: messageId, channel: 'sms', from: '+15005550006', to: '+14155550100', text: 'Your order shipped.' },
    });
  });

  it('keeps the webhook-id on every attempt of a message, and signs each afresh', async () => {
    const calls = answering(answer(200, { id: 'gw_42' }));

    await sender.send(request(), webhook, signal);
    await sender.send(request(), webhook, signal);

    const headers = calls.map((call) => Object.fromEntries(new Headers(call.init.headers)));
    expect(headers.map((header) => header['webhook-id'])).toEqual([messageId, messageId]);
  });

  it('passes media as URLs', () => {
    const media = [{ url: 'https://cdn.example.com/a.jpg', contentType: 'image/jpeg' }];

    expect(JSON.parse(messageSendBody(request({ channel: 'mms', content: { text: 'look', media } }), new Date('2026-11-23T10:00:00Z'))).data).toMatchObject({ channel: 'mms', media });
  });

  it.each([
    ['a 2xx without an id: taken, under our id', answer(202, ''), { kind: 'accepted', providerMessageId: messageId }],
    ['a 2xx with a numeric id', answer(200, { id: 42 }), { kind: 'accepted', providerMessageId: '42' }],
    ['a 400', answer(400, { error: 'bad number' }), { kind: 'failed', category: 'permanent', message: 'bad number' }],
    ['a 401', answer(401, { error: { message: 'invalid signature' } }), { kind: 'failed', category: 'credentials', message: 'invalid signature' }],
    ['a 429', answer(429, {}, { 'retry-after': '3' }), { kind: 'throttled', retryAfterSeconds: 3 }],
    ['a 503 with Retry-After', answer(503, {}, { 'retry-after': '30' }), { kind: 'temporary', retryAfterSeconds: 30 }],
    ['a 503 without one', answer(503), { kind: 'unknown' }],
    ['a 502', answer(502), { kind: 'unknown', code: '502' }],
    ['a redirect, never followed', () => new Response(null, { status: 307, headers: { location: 'http://169.254.169.254/' } }), { kind: 'failed', category: 'permanent', code: '307' }],
  ])('classifies %s', async (_case, response, expected) => {
    answering(response);

    expect(await sender.send(request(), webhook, signal)).toMatchObject(expected);
  });

  it('sends nowhere but http(s)', async () => {
    const calls = answering(answer(200, { id: 'gw_1' }));

    const outcome = await sender.send(request(), { ...webhook, url: 'file:///etc/passwd' }, signal);

    expect(outcome).toMatchObject({ kind: 'failed', category: 'permanent', code: 'switchboard.gateway_url' });
    expect(calls).toHaveLength(0);
  });

  it('cannot be asked about a message: only told', async () => {
    const calls = answering(answer(200));

    expect(await sender.lookup?.(request(), webhook, new Date(), signal)).toEqual({ found: 'unknown' });
    expect(await sender.status?.('gw_1', webhook, signal)).toBeUndefined();
    expect(calls).toHaveLength(0);
  });
});

describe('SMS gateway sending', () => {
  it("refuses another provider's credentials as the endpoint's fault", async () => {
    expect(await sender.send(request(), { provider: 'meta', accessToken: 't' }, signal)).toMatchObject({ kind: 'failed', category: 'credentials' });
  });

  it('sends a segment a second by default, and costs an SMS its segments', () => {
    expect(sender.defaultRate('sms', '+15005550006')).toEqual({ perSecond: 1 });
    expect(sender.costOf({ channel: 'sms', content: { text: 'short' } })).toBe(1);
    expect(sender.costOf({ channel: 'sms', content: { text: 'x'.repeat(161) } })).toBe(2);
    expect(sender.costOf({ channel: 'sms', content: { text: '😀'.repeat(40) } })).toBe(2);
  });
});
