import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SendCredentials, SendRequest } from '../../functions/core/outbound.ts';
import { meta } from '../../functions/providers/meta/index.ts';
import { createMetaSender } from '../../functions/providers/meta/send.ts';
import { twilio } from '../../functions/providers/twilio/index.ts';
import { createTwilioSender } from '../../functions/providers/twilio/send.ts';
import type { WebhookRequest } from '../../functions/providers/types.ts';
import { startGraphApiStandIn, type GraphApiStandIn } from '../../lib/local/provider-standins/graph-api.ts';
import { startTwilioApiStandIn, type TwilioApiStandIn } from '../../lib/local/provider-standins/twilio-api.ts';
import { anEndpoint } from '../helpers/factories.ts';
import { freePort } from '../helpers/ports.ts';
import { eventually } from '../helpers/waiting.ts';

// The real send clients against the stand-ins, and the stand-ins' callbacks against our own verifiers.

const accountSid = 'AC0123456789abcdef0123456789abcdef';
const authToken = 'twilio-auth-token-of-the-account';
const accessToken = 'EAAG-access-token-of-the-app';
const appSecret = 'meta-app-secret-of-the-app';
const phoneNumberId = '106540352242922';
const pageId = '1477564302276431';
const instagramId = '17841400000000000';
const signal = () => AbortSignal.timeout(5_000);

/** A local webhook receiver: every request, as the ack path would see it. */
let receiver: Server;
let receiverUrl: string;
const received: WebhookRequest[] = [];

let twilioApi: TwilioApiStandIn;
let graphApi: GraphApiStandIn;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      received.push({ url: `http://${request.headers.host}${request.url}`, headers, body: Buffer.concat(chunks) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  twilioApi = await startTwilioApiStandIn({ authTokenOf: async (sid) => (sid === accountSid ? authToken : undefined) });
  graphApi = await startGraphApiStandIn({
    webhookOf: async (token, id) => {
      if (token !== accessToken) return undefined;
      if (id === phoneNumberId || id === pageId) return { url: `${receiverUrl}/webhooks/meta/ep_1`, appSecret };
      return id === instagramId ? { url: `${receiverUrl}/webhooks/meta/ep_1`, appSecret, channel: 'instagram' } : undefined;
    },
  });
});

afterEach(() => {
  twilioApi.clearFaults();
  graphApi.clearFaults();
});

afterAll(async () => {
  await Promise.all([twilioApi?.stop(), graphApi?.stop(), new Promise((resolve) => receiver?.close(resolve))]);
});

// Each test sends from its own number: the stand-in holds a long code to one segment a second.
let numbers = 0;
const nextNumber = (): string => `+1500555${String(1000 + (numbers += 1))}`;

const receivedFor = (path: string, count: number) =>
  eventually(`${count} webhooks at ${path}`, () => {
    const matching = received.filter((request) => request.url.includes(path));
    return matching.length >= count ? matching : undefined;
  }, 5_000);

describe('the Twilio client against the Messages API stand-in', () => {
  const twilioClient = () => createTwilioSender({ baseUrl: twilioApi.url });
  const credentials: SendCredentials = { provider: 'twilio', accountSid, authToken };
  const smsRequest = (messageId: string, overrides: Partial<SendRequest> = {}): SendRequest => ({
    messageId,
    channel: 'sms',
    from: nextNumber(),
    to: '+14155550100',
    content: { text: `Hello from ${messageId}` },
    statusCallbackUrl: `${receiverUrl}/webhooks/twilio/ep_1?sb_message=${messageId}`,
    ...overrides,
  });

  it('is accepted with a message SID, and the callbacks that follow verify and name our message', async () => {
    // Prepare
    const request = smsRequest('msg_accepted');

    // Act
    const outcome = await twilioClient().send(request, credentials, signal());
    const callbacks = await receivedFor('sb_message=msg_accepted', 2);

    // Assess
    expect(outcome).toMatchObject({ kind: 'accepted', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    expect(twilioApi.messages.filter((message) => message.body === 'Hello from msg_accepted')).toHaveLength(1);
    const endpoint = anEndpoint({ secrets: [authToken] });
    expect(callbacks.map((callback) => twilio.verify(callback, endpoint, new Date()))).toEqual([{ ok: true }, { ok: true }]);
    const statuses = callbacks.flatMap((callback) => twilio.normalize(callback));
    expect(statuses).toMatchObject([
      { kind: 'status', status: 'sent', correlationId: 'msg_accepted', providerMessageIds: [outcome.kind === 'accepted' && outcome.providerMessageId] },
      { kind: 'status', status: 'delivered', correlationId: 'msg_accepted' },
    ]);
  });

  it("tells a sent message's status from its Message resource, as the reconciler asks it", async () => {
    // Prepare: a message whose callbacks have all posted.
    const outcome = await twilioClient().send(smsRequest('msg_status'), credentials, signal());
    await receivedFor('sb_message=msg_status', 2);
    const sid = outcome.kind === 'accepted' ? outcome.providerMessageId : '';

    // Act
    const status = await twilioClient().status?.(sid, credentials, signal());
    const unknown = await twilioClient().status?.(`SM${'0'.repeat(32)}`, credentials, signal());

    // Assess
    expect(status).toEqual({ status: 'delivered', providerStatus: 'delivered' });
    expect(unknown).toBeUndefined();
  });

  it('posts read after delivered on WhatsApp, between whatsapp: addresses', async () => {
    const request = smsRequest('msg_whatsapp', { channel: 'whatsapp' });

    const outcome = await twilioClient().send(request, credentials, signal());
    const callbacks = await receivedFor('sb_message=msg_whatsapp', 3);

    expect(outcome.kind).toBe('accepted');
    expect(callbacks.flatMap((callback) => twilio.normalize(callback))).toMatchObject([
      { channel: 'whatsapp', status: 'sent', customerAddress: '+14155550100' },
      { status: 'delivered' },
      { status: 'read' },
    ]);
  });

  it('answers a wrong Auth Token 401 with code 20003, a credentials failure that creates nothing', async () => {
    const before = twilioApi.messages.length;

    const outcome = await twilioClient().send(smsRequest('msg_wrong_token'), { ...credentials, authToken: 'not-the-token' }, signal());

    expect(outcome).toMatchObject({ kind: 'failed', category: 'credentials', code: '20003' });
    expect(twilioApi.messages).toHaveLength(before);
  });

  it('answers an injected 429 with its Retry-After: throttled, nothing created', async () => {
    twilioApi.inject({ status: 429, retryAfterSeconds: 3, times: 1 });
    const before = twilioApi.messages.length;

    const outcome = await twilioClient().send(smsRequest('msg_throttled'), credentials, signal());

    expect(outcome).toEqual({ kind: 'throttled', code: '20429', message: 'Too Many Requests', retryAfterSeconds: 3 });
    expect(twilioApi.messages).toHaveLength(before);
  });

  it('holds a long code to one segment a second, answering 20429 with Retry-After', async () => {
    const from = nextNumber();

    const first = await twilioClient().send(smsRequest('msg_rate_1', { from }), credentials, signal());
    const second = await twilioClient().send(smsRequest('msg_rate_2', { from }), credentials, signal());

    expect(first.kind).toBe('accepted');
    expect(second).toMatchObject({ kind: 'throttled', code: '20429', retryAfterSeconds: 1 });
  });

  it('calls a 500 after accepting unknown; the message exists, with its callbacks, and lookup finds it', async () => {
    // Prepare
    twilioApi.inject({ status: 500, afterAccepting: true, times: 1 });
    const request = smsRequest('msg_after_accepting');
    const since = new Date();

    // Act
    const outcome = await twilioClient().send(request, credentials, signal());
    const found = await twilioClient().lookup?.(request, credentials, since, signal());

    // Assess
    expect(outcome).toMatchObject({ kind: 'unknown', code: '20500' });
    const created = twilioApi.messages.filter((message) => message.body === 'Hello from msg_after_accepting');
    expect(created).toHaveLength(1);
    expect(found).toEqual({ found: true, providerMessageId: created[0]?.sid });
    await receivedFor('sb_message=msg_after_accepting', 2);
  });

  it('finds nothing on lookup for a message never created', async () => {
    const found = await twilioClient().lookup?.(smsRequest('msg_never_sent'), credentials, new Date(), signal());

    expect(found).toEqual({ found: false });
  });

  it('calls an answer later than the client waits unknown, though the message was created', async () => {
    twilioApi.inject({ delayMs: 1_000, times: 1 });

    const outcome = await twilioClient().send(smsRequest('msg_late'), credentials, AbortSignal.timeout(100));

    expect(outcome.kind).toBe('unknown');
    await eventually('the late message', () => twilioApi.messages.find((message) => message.body === 'Hello from msg_late'), 5_000);
  });

  it('answers a bad request with its code and an unknown path 404 20404, in Twilio error bodies', async () => {
    const invalid = await twilioClient().send(smsRequest('msg_invalid', { to: 'not-a-number' }), credentials, signal());
    const unknownPath = await fetch(`${twilioApi.url}/2010-04-01/Accounts/${accountSid}/Calls.json`);

    expect(invalid).toMatchObject({ kind: 'failed', category: 'permanent', code: '21211' });
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toEqual({ code: 20404, message: expect.any(String), more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
  });

  it('calls a refused connection temporary', async () => {
    const port = await freePort();

    const outcome = await createTwilioSender({ baseUrl: `http://127.0.0.1:${port}` }).send(smsRequest('msg_refused'), credentials, signal());

    expect(outcome).toMatchObject({ kind: 'temporary', code: 'ECONNREFUSED' });
  });
});

describe('the Meta client against the Graph API stand-in', () => {
  const metaClient = () => createMetaSender({ baseUrl: graphApi.url });
  const credentials: SendCredentials = { provider: 'meta', accessToken };
  const endpoint = anEndpoint({ provider: 'meta', secrets: [appSecret] });
  const metaRequest = (messageId: string, overrides: Partial<SendRequest> = {}): SendRequest => ({
    messageId,
    channel: 'whatsapp',
    from: phoneNumberId,
    to: '16505551234',
    content: { text: `Hello from ${messageId}` },
    statusCallbackUrl: `${receiverUrl}/webhooks/meta/ep_1`,
    ...overrides,
  });
  const webhooksNaming = (messageId: string, count: number) =>
    eventually(`${count} webhooks naming ${messageId}`, () => {
      const matching = received.filter((request) => request.body.toString().includes(messageId));
      return matching.length >= count ? matching : undefined;
    }, 5_000);

  it('is accepted with a wamid, and the sent, delivered and read statuses verify and name our message', async () => {
    // Act
    const outcome = await metaClient().send(metaRequest('msg_wa_accepted'), credentials, signal());
    const webhooks = await webhooksNaming('msg_wa_accepted', 3);

    // Assess
    expect(outcome).toMatchObject({ kind: 'accepted', providerMessageId: expect.stringMatching(/^wamid\./) });
    expect(webhooks.map((webhook) => meta.verify(webhook, endpoint, new Date()))).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(webhooks.flatMap((webhook) => meta.normalize(webhook))).toMatchObject([
      { kind: 'status', status: 'sent', correlationId: 'msg_wa_accepted', businessAddress: phoneNumberId, customerAddress: '16505551234' },
      { kind: 'status', status: 'delivered', correlationId: 'msg_wa_accepted' },
      { kind: 'status', status: 'read', correlationId: 'msg_wa_accepted' },
    ]);
  });

  it("turns a Messenger send's echo into its sent status, followed by delivery and read", async () => {
    const outcome = await metaClient().send(metaRequest('msg_messenger', { channel: 'messenger', from: pageId, to: '6842361215878961' }), credentials, signal());
    const [echo] = await webhooksNaming('msg_messenger', 1);
    const mid = outcome.kind === 'accepted' ? outcome.providerMessageId : 'none';
    const receipts = await eventually('delivery and read', () => {
      const matching = received.filter((request) => request.body.toString().includes('"delivery"') || request.body.toString().includes('"read"'));
      const ours = matching.filter((request) => request.body.toString().includes(mid) || request.body.toString().includes('"watermark"'));
      return ours.length >= 2 ? ours : undefined;
    }, 5_000);

    expect(outcome).toMatchObject({ kind: 'accepted', providerMessageId: expect.stringMatching(/^m_/) });
    expect(echo && meta.normalize(echo)).toEqual([expect.objectContaining({ kind: 'status', status: 'sent', correlationId: 'msg_messenger', providerMessageIds: [mid] })]);
    expect(receipts.every((receipt) => meta.verify(receipt, endpoint, new Date()).ok)).toBe(true);
  });

  it('sends on Instagram through the same Send API, its echo and seen webhooks naming the message', async () => {
    const outcome = await metaClient().send(metaRequest('msg_instagram', { channel: 'instagram', from: instagramId, to: '1254459154682919' }), credentials, signal());
    const mid = outcome.kind === 'accepted' ? outcome.providerMessageId : 'none';
    const webhooks = await eventually('echo and seen', () => {
      const matching = received.filter((request) => request.body.toString().includes(mid));
      return matching.length >= 2 ? matching : undefined;
    }, 5_000);

    expect(webhooks.flatMap((webhook) => meta.normalize(webhook))).toMatchObject([
      { kind: 'status', channel: 'instagram', status: 'sent', correlationId: 'msg_instagram' },
      { kind: 'status', channel: 'instagram', status: 'read', providerMessageIds: [mid] },
    ]);
  });

  it('answers a wrong access token 401 with code 190, a credentials failure that creates nothing', async () => {
    const before = graphApi.messages.length;

    const outcome = await metaClient().send(metaRequest('msg_wa_wrong_token'), { provider: 'meta', accessToken: 'someone-elses' }, signal());

    expect(outcome).toMatchObject({ kind: 'failed', category: 'credentials', code: '190' });
    expect(graphApi.messages).toHaveLength(before);
  });

  it('answers an injected 429 throttled with its Retry-After, and a 500 after accepting unknown with the message created', async () => {
    graphApi.inject({ status: 429, retryAfterSeconds: 2, times: 1 });
    graphApi.inject({ status: 500, afterAccepting: true, times: 1 });
    const before = graphApi.messages.length;

    const throttled = await metaClient().send(metaRequest('msg_wa_429'), credentials, signal());
    const unknown = await metaClient().send(metaRequest('msg_wa_500'), credentials, signal());

    expect(throttled).toMatchObject({ kind: 'throttled', code: '130429', retryAfterSeconds: 2 });
    expect(unknown).toMatchObject({ kind: 'unknown', code: '2' });
    expect(graphApi.messages.slice(before).map((message) => message.callbackData)).toEqual(['msg_wa_500']);
  });

  it('answers a request it cannot take with a Graph error body, never a stack trace', async () => {
    const response = await fetch(`${graphApi.url}/v23.0/${phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: '{not json',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { message: expect.stringContaining('(#100)'), type: 'OAuthException', code: 100, fbtrace_id: expect.any(String) } });
  });
});
