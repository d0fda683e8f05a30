import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { webhookUrl } from '../../functions/core/ack.ts';
import { conversationIdFor } from '../../functions/core/ids.ts';
import { androidGatewaySignature } from '../../functions/providers/sms/android-signature.ts';
import { smsSample } from '../../functions/providers/sms/sample.ts';
import { addEndpoint } from '../../lib/cli/endpoint.ts';
import { setCredentials } from '../../lib/cli/credentials.ts';
import type { Target } from '../../lib/cli/target.ts';
import { startWebhookGatewayStandIn, type WebhookGatewayStandIn } from '../../lib/local/provider-standins/webhook-gateway.ts';
import { startSendingStack, type SendingStack } from '../helpers/sending-stack.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * Replies through SMS gateways on the local stack: a customer's SMS comes in through the
 * gateway's webhook, an agent replies through the API, the gateway is handed the reply, and its
 * status webhooks move the reply to delivered. SMS Gateway for Android's API is the stack's own
 * stand-in (it knows the account by the credentials the CLI set); the generic gateway is one
 * this test runs, at the URL the endpoint's credentials name.
 */

const customer = '+14155550123';
const business = '+15005550006';
const androidSigningKey = 'android-app-signing-key-0123456789';
const sendSecret = `whsec_${Buffer.from('e2e-message-send-signing-key-0123').toString('base64')}`;
const statusSecret = `whsec_${Buffer.from('e2e-gateway-webhook-secret-012345').toString('base64')}`;

let stack: SendingStack;
let target: Target;
let gateway: WebhookGatewayStandIn;

beforeAll(async () => {
  stack = await startSendingStack();
  const { description } = stack;
  // What `switchboard endpoint add` and `endpoint credentials` write to.
  target = {
    publicBaseUrl: description.publicBaseUrl,
    webSocketUrl: description.wsUrl,
    endpoints: createEndpointStore(stack.documentClient, description.tables.Endpoints),
    tokenMaxLifetimeSeconds: 3600,
    jwtSecret: async () => description.jwtSecret,
    sendKey: async () => description.sendKey,
  };
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await stack?.stop();
});

/** Replies in the conversation once the customer's message made it, as an agent in the inbox would: our message's id. */
const reply = async (tenantId: string, text: string): Promise<string> => {
  const conversationId = conversationIdFor({ tenantId, channel: 'sms', businessAddress: business, customerAddress: customer });
  const key = randomUUID();
  const answer = await eventually('the conversation to take a reply', async () => {
    const sent = await stack.post(tenantId, `/conversations/${conversationId}/messages`, { text }, key);
    return sent.status === 202 ? sent : undefined;
  }, 10_000);
  return String(answer.body.id);
};

const delivered = (messageId: string) =>
  eventually(`${messageId} to be delivered`, async () => {
    const item = await stack.message(messageId);
    return item?.status === 'delivered' ? item : undefined;
  }, 15_000);

describe('replying through SMS Gateway for Android', () => {
  it('sends the reply through the API under our id, and the app’s signed webhooks close the loop', async () => {
    // Prepare: the endpoint's secret is the app's webhook signing key; the CLI sets the app's username and password.
    const tenantId = 'gateway-android';
    const { endpointId } = await addEndpoint(target, { provider: 'sms', tenant: tenantId, secrets: [androidSigningKey] });
    await setCredentials(target, endpointId, { credentials: { 'sms-username': 'ACMEPHONE', 'sms-password': 'app-shown-password' }, env: {} });
    const body = JSON.stringify({
      deviceId: 'yVULogr4Y1ksRfnos1Dsw',
      event: 'sms:received',
      id: randomUUID(),
      payload: { message: 'Is my order on its way?', phoneNumber: customer, sender: customer, recipient: business, receivedAt: new Date().toISOString() },
      webhookId: randomUUID(),
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const inbound = await fetch(webhookUrl(stack.description.httpUrl, 'sms', endpointId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': androidGatewaySignature(androidSigningKey, Buffer.from(body), timestamp) },
      body,
    });

    // Act
    const messageId = await reply(tenantId, 'Yes, it ships today.');
    const item = await delivered(messageId);

    // Assess
    expect(inbound.status).toBe(200);
    expect(item).toMatchObject({ status: 'delivered', providerMessageId: messageId });
    const apiUrl = stack.description.providerApiBaseUrls.androidGatewayApiBaseUrl;
    const taken = ((await (await fetch(`${apiUrl}/_switchboard/messages`)).json()) as { messages: { id: string; text: string; phoneNumbers: string[] }[] }).messages;
    expect(taken.filter((message) => message.id === messageId)).toEqual([expect.objectContaining({ text: 'Yes, it ships today.', phoneNumbers: [customer] })]);
  });
});

describe('replying through a generic gateway', () => {
  it('hands the gateway a signed message.send and takes its message.status webhooks back to delivered', async () => {
    // Prepare: the endpoint's secret signs what the gateway posts; the CLI sets the gateway's URL and the secret message.send is signed with.
    const tenantId = 'gateway-webhook';
    const { endpointId } = await addEndpoint(target, { provider: 'sms', tenant: tenantId, secrets: [statusSecret] });
    gateway = await startWebhookGatewayStandIn({
      accounts: async () => [{ signingSecret: sendSecret, statusWebhook: { url: webhookUrl(stack.description.httpUrl, 'sms', endpointId), secret: statusSecret } }],
    });
    await setCredentials(target, endpointId, { credentials: { 'sms-webhook-url': `${gateway.url}/messages`, 'sms-signing-secret': sendSecret }, env: {} });
    const url = webhookUrl(stack.description.httpUrl, 'sms', endpointId);
    const sample = smsSample({ url, secret: statusSecret, text: 'Can I move my booking to 8pm?', from: customer, to: business });
    const inbound = await fetch(url, { method: 'POST', headers: sample.headers, body: sample.body });

    // Act
    const messageId = await reply(tenantId, 'Done: 8pm it is.');
    const item = await delivered(messageId);

    // Assess
    expect(inbound.status).toBe(200);
    const taken = gateway.messages.filter((message) => message.webhookId === messageId);
    expect(taken).toEqual([expect.objectContaining({ from: business, to: customer, text: 'Done: 8pm it is.' })]);
    expect(item).toMatchObject({ status: 'delivered', providerMessageId: taken[0]?.id });
  });
});
