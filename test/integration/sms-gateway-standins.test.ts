import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SendCredentials, SendRequest } from '../../functions/core/outbound.ts';
import { sms } from '../../functions/providers/sms/index.ts';
import { createSmsGatewaySender } from '../../functions/providers/sms/send.ts';
import type { WebhookRequest } from '../../functions/providers/types.ts';
import { startAndroidGatewayApiStandIn, type AndroidGatewayApiStandIn } from '../../lib/local/provider-standins/android-gateway-api.ts';
import { startWebhookGatewayStandIn, type WebhookGatewayStandIn } from '../../lib/local/provider-standins/webhook-gateway.ts';
import { anEndpoint } from '../helpers/factories.ts';
import { eventually } from '../helpers/waiting.ts';

// The SMS gateway send clients against their stand-ins, and the stand-ins' webhooks against the sms provider's own verifier and parser.

const signingKey = 'android-app-signing-key-0123456789';
const gatewayPassword = 'app-shown-password';
const sendSecret = `whsec_${Buffer.from('message-send-signing-key-0123456').toString('base64')}`;
const statusSecret = `whsec_${Buffer.from('message-status-signing-key-01234').toString('base64')}`;
const signal = () => AbortSignal.timeout(5_000);

/** A local webhook receiver: every request, as the ack path would see it. */
let receiver: Server;
let receiverUrl: string;
const received: WebhookRequest[] = [];

let androidApi: AndroidGatewayApiStandIn;
let webhookGateway: WebhookGatewayStandIn;
let sender: ReturnType<typeof createSmsGatewaySender>;

const android: SendCredentials = { provider: 'sms', gateway: 'android', username: 'JOHNDOE', password: gatewayPassword };
const gatewayCredentials = (): SendCredentials => ({ provider: 'sms', gateway: 'webhook', url: `${webhookGateway.url}/send`, signingSecret: sendSecret });

let sequence = 0;
const request = (text: string): SendRequest => {
  sequence += 1;
  return {
    messageId: `msg_01JDZ8Q7W3X5Y2V9N4M6K8P${String(sequence).padStart(3, '0')}`,
    channel: 'sms',
    from: '+15005550006',
    to: '+14155550100',
    content: { text },
    statusCallbackUrl: `${receiverUrl}/webhooks/sms/ep_1`,
  };
};

/**
 * The statuses of our message among the webhooks `endpointId` received so far, each verified as
 * the endpoint holding `secret` would verify it: a webhook that does not verify is a refusal.
 */
const statusesOf = (endpointId: string, messageId: string, secret: string): string[] =>
  received
    .filter((webhook) => webhook.url.endsWith(`/webhooks/sms/${endpointId}`))
    .flatMap((webhook) => {
      const verdict = sms.verify(webhook, anEndpoint({ provider: 'sms', secrets: [secret] }), new Date());
      if (!verdict.ok) return [`refused: ${verdict.reason}`];
      return sms.normalize(webhook).flatMap((event) => (event.kind === 'status' && event.correlationId === messageId ? [event.status] : []));
    });

beforeAll(async () => {
  receiver = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers = Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, String(value)]));
      received.push({ url: `http://${incoming.headers.host}${incoming.url}`, headers, body: Buffer.concat(chunks) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  androidApi = await startAndroidGatewayApiStandIn({
    accountOf: async (username) => (username === 'JOHNDOE' ? { password: gatewayPassword, webhook: { url: `${receiverUrl}/webhooks/sms/ep_1`, signingKey } } : undefined),
  });
  webhookGateway = await startWebhookGatewayStandIn({
    accounts: async () => [{ signingSecret: sendSecret, statusWebhook: { url: `${receiverUrl}/webhooks/sms/ep_2`, secret: statusSecret } }],
  });
  sender = createSmsGatewaySender({ androidBaseUrl: androidApi.url });
});

afterEach(() => {
  androidApi.clearFaults();
  webhookGateway.clearFaults();
});

afterAll(async () => {
  await Promise.all([androidApi?.stop(), webhookGateway?.stop()]);
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('SMS Gateway for Android, against its stand-in', () => {
  it('takes the message under our id, then posts sms:sent and sms:delivered, signed as the app signs them, naming it', async () => {
    // Prepare
    const message = request('Your order shipped.');

    // Act
    const outcome = await sender.send(message, android, signal());
    const statuses = await eventually('both statuses', () => {
      const found = statusesOf('ep_1', message.messageId, signingKey);
      return found.length === 2 ? found : undefined;
    }, 5_000);

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: message.messageId });
    expect(androidApi.messages.find((taken) => taken.id === message.messageId)).toMatchObject({ text: 'Your order shipped.', phoneNumbers: ['+14155550100'], withDeliveryReport: true });
    expect(statuses).toEqual(['sent', 'delivered']);
    expect(await sender.status?.(message.messageId, android, signal())).toEqual({ status: 'delivered', providerStatus: 'Delivered' });
  });

  it('takes a message whose answer was lost once: sent again, it is refused as a duplicate and counted as taken', async () => {
    // Prepare
    const message = request('Tracking: 1Z999');
    androidApi.inject({ status: 500, afterAccepting: true, times: 1 });

    // Act
    const lost = await sender.send(message, android, signal());
    const lookedUp = await sender.lookup?.(message, android, new Date(), signal());
    const again = await sender.send(message, android, signal());

    // Assess
    expect(lost).toMatchObject({ kind: 'unknown', code: '500' });
    expect(lookedUp).toEqual({ found: true, providerMessageId: message.messageId });
    expect(again).toEqual({ kind: 'accepted', providerMessageId: message.messageId });
    expect(androidApi.messages.filter((taken) => taken.id === message.messageId)).toHaveLength(1);
  });

  it('says it never had a message that was refused before it was queued, so that it can be sent again', async () => {
    const message = request('Queue full');
    androidApi.inject({ status: 503, times: 1 });

    expect(await sender.send(message, android, signal())).toMatchObject({ kind: 'temporary', code: '503' });
    expect(await sender.lookup?.(message, android, new Date(), signal())).toEqual({ found: false });
  });

  it('refuses a wrong password as the credentials, and a wrong number for good', async () => {
    expect(await sender.send(request('hi'), { ...android, password: 'not-it' }, signal())).toMatchObject({ kind: 'failed', category: 'credentials', code: '401' });
    expect(await sender.send({ ...request('hi'), to: '12345' }, android, signal())).toMatchObject({ kind: 'failed', category: 'permanent', code: '400' });
  });

  it('passes a throttle on with its Retry-After', async () => {
    androidApi.inject({ status: 429, retryAfterSeconds: 4, times: 1 });

    expect(await sender.send(request('slow down'), android, signal())).toMatchObject({ kind: 'throttled', retryAfterSeconds: 4 });
  });
});

describe('a generic gateway, against its stand-in', () => {
  it("is handed a signed message.send, answers its id, and posts message.status sent and delivered naming our id", async () => {
    // Prepare
    const message = request('Your table is ready.');

    // Act
    const outcome = await sender.send(message, gatewayCredentials(), signal());
    const statuses = await eventually('both statuses', () => {
      const found = statusesOf('ep_2', message.messageId, statusSecret);
      return found.length === 2 ? found : undefined;
    }, 5_000);

    // Assess
    const taken = webhookGateway.messages.find((candidate) => candidate.webhookId === message.messageId);
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: taken?.id });
    expect(taken).toMatchObject({ from: '+15005550006', to: '+14155550100', text: 'Your table is ready.' });
    expect(statuses).toEqual(['sent', 'delivered']);
  });

  it('is sent a message again after a lost answer and takes it once, by its webhook-id', async () => {
    const message = request('Once only');
    webhookGateway.inject({ status: 500, afterAccepting: true, times: 1 });

    const lost = await sender.send(message, gatewayCredentials(), signal());
    const again = await sender.send(message, gatewayCredentials(), signal());

    expect(lost).toMatchObject({ kind: 'unknown' });
    expect(again).toMatchObject({ kind: 'accepted' });
    expect(webhookGateway.messages.filter((candidate) => candidate.webhookId === message.messageId)).toHaveLength(1);
  });

  it('refuses a message signed with another secret', async () => {
    const other = `whsec_${Buffer.from('not-the-gateway-secret-012345678').toString('base64')}`;

    expect(await sender.send(request('hi'), { ...gatewayCredentials(), signingSecret: other } as SendCredentials, signal())).toMatchObject({ kind: 'failed', category: 'credentials', code: '401' });
  });

  it('declines with a Retry-After as temporary', async () => {
    webhookGateway.inject({ status: 503, retryAfterSeconds: 2, times: 1 });

    expect(await sender.send(request('later'), gatewayCredentials(), signal())).toMatchObject({ kind: 'temporary', retryAfterSeconds: 2 });
  });
});
