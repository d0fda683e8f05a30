import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor } from '../../functions/core/ids.ts';
import { eventKey } from '../../functions/core/items.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { correlationParam } from '../../functions/providers/twilio/status-callback.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { eventually, waitUntil } from '../helpers/waiting.ts';

/**
 * Replies as a user sends them: `npm start`, an endpoint with send credentials set by the CLI,
 * a customer's message, then the send API, the frames on the tenant's socket, the Twilio
 * stand-in's record of what it was asked to send, and its signed callbacks closing the loop.
 */

interface EndpointOutput {
  endpointId: string;
  url: string;
}

const accountSid = `AC${'0'.repeat(31)}1`;
const acmeAuthToken = 'acme-auth-token-0123456789abcdef';
const globexAuthToken = 'globex-auth-token-0123456789abcd';
const business = '+15005550006';
const customer = '+14155550123';

let stack: LocalStackProcess;
let acme: EndpointOutput;
let globex: EndpointOutput;
let acmeSocket: RecordingSocket;
let conversationId: string;
let acmeJwt: string;
let operator: DynamoDBDocumentClient;

const twilioStandIn = () => stack.description.providerApiBaseUrls.twilioApiBaseUrl;
const sentByStandIn = async (): Promise<{ body: string; to: string; statusCallback?: string }[]> =>
  ((await (await fetch(`${twilioStandIn()}/_switchboard/messages`)).json()) as { messages: { body: string; to: string; statusCallback?: string }[] }).messages;

const postInbound = (endpoint: EndpointOutput, authToken: string, fields: Record<string, string>, url = endpoint.url) => {
  const request = signedTwilioRequest(url, authToken, fields);
  return fetch(url, { method: 'POST', body: request.body, headers: request.headers });
};

const send = (path: string, jwt: string, body: unknown, idempotencyKey: string | undefined = randomUUID(), query = '') =>
  fetch(`${stack.description.httpUrl}${path}${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', ...(idempotencyKey && { 'idempotency-key': idempotencyKey }) },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  stack = await startLocalStackProcess();
  acme = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'acme', '--secret', acmeAuthToken])) as EndpointOutput;
  globex = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'globex', '--secret', globexAuthToken])) as EndpointOutput;
  await stack.cli(['endpoint', 'credentials', acme.endpointId, '--twilio-account-sid', accountSid, '--twilio-auth-token', acmeAuthToken, '--from', business]);
  acmeJwt = await issueToken('acme', stack.description.jwtSecret, 600);
  operator = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.description.dynamodbEndpoint, region: stack.description.region, credentials: localCredentials }));
  acmeSocket = await tenantSocket(stack, 'acme');
  expect((await postInbound(acme, acmeAuthToken, inboundSmsFields({ MessageSid: twilioSid('SM'), From: customer, To: business, Body: 'Is my order on its way?' }))).status).toBe(200);
  const created = await acmeSocket.waitFor((frame) => frame.type === 'message.created');
  conversationId = (created.data as { conversationId: string }).conversationId;
}, 90_000);

afterAll(async () => {
  await acmeSocket?.close();
  await stack?.stop();
});

const framesOf = (messageId: string) => acmeSocket.frames.filter((frame) => (frame.data as { id?: string } | undefined)?.id === messageId);

describe('replying through npm start', () => {
  it('queues a reply, shows it at once, sends it once and moves it to delivered through the provider’s signed callbacks', async () => {
    // Act
    const answer = await send(`/conversations/${conversationId}/messages`, acmeJwt, { text: 'Yes, it ships today.' });
    const accepted = (await answer.json()) as { id: string; status: string; conversationId: string };
    await acmeSocket.waitFor((frame) => frame.type === 'message.updated' && (frame.data as { id?: string; status?: string }).id === accepted.id && (frame.data as { status?: string }).status === 'delivered');

    // Assess
    expect(answer.status).toBe(202);
    expect(accepted).toEqual({ id: expect.stringMatching(/^msg_/), status: 'queued', conversationId });
    const statuses = framesOf(accepted.id).map((frame) => (frame.data as { status: string }).status);
    expect(statuses[0]).toBe('queued');
    expect(statuses).toContain('sent');
    expect(statuses.at(-1)).toBe('delivered');
    const sent = (await sentByStandIn()).filter((message) => message.body === 'Yes, it ships today.');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: customer });
    expect(new URL(sent[0]?.statusCallback ?? '').searchParams.get(correlationParam)).toBe(accepted.id);
  });

  it('answers a retried request with the same message and sends nothing again; the same key with another body is refused', async () => {
    // Arrange
    const key = randomUUID();
    const first = (await (await send(`/conversations/${conversationId}/messages`, acmeJwt, { text: 'Tracking: 1Z999' }, key, '?wait=5')).json()) as { id: string; status: string };

    // Act
    const again = await send(`/conversations/${conversationId}/messages`, acmeJwt, { text: 'Tracking: 1Z999' }, key);
    const other = await send(`/conversations/${conversationId}/messages`, acmeJwt, { text: 'Something else' }, key);

    // Assess
    expect(['sent', 'delivered']).toContain(first.status);
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ reason: 'idempotency_key_reused' });
    expect((await sentByStandIn()).filter((message) => message.body === 'Tracking: 1Z999')).toHaveLength(1);
  });

  it('takes a send over the WebSocket under the same rules, answering on the connection', async () => {
    // Act
    const key = randomUUID();
    acmeSocket.socket.send(JSON.stringify({ action: 'send', idempotencyKey: key, conversationId, text: 'Sent from the socket' }));
    const answer = await acmeSocket.waitFor((frame) => frame.type === 'send.accepted' && frame.idempotencyKey === key);
    acmeSocket.socket.send(JSON.stringify({ action: 'send', conversationId, text: 'no key' }));
    const refused = await acmeSocket.waitFor((frame) => frame.type === 'send.refused');

    // Assess
    expect(answer).toMatchObject({ status: 'queued', conversationId, id: expect.stringMatching(/^msg_/) });
    expect(refused).toMatchObject({ reason: 'bad_request' });
    await waitUntil(async () => (await sentByStandIn()).some((message) => message.body === 'Sent from the socket'), 'the stand-in to be asked to send it');
  });

  it('refuses what the conversation cannot take before anything is queued: no key, a closed WhatsApp window, no credentials', async () => {
    // Act
    const noKey = await send(`/conversations/${conversationId}/messages`, acmeJwt, { text: 'x' }, '');
    const whatsapp = await send('/messages', acmeJwt, { channel: 'whatsapp', endpointId: acme.endpointId, to: '+14155550999', text: 'hi' });
    const globexJwt = await issueToken('globex', stack.description.jwtSecret, 600);
    const noCredentials = await send('/messages', globexJwt, { channel: 'sms', endpointId: globex.endpointId, to: customer, from: business, text: 'hi' });

    // Assess
    expect(noKey.status).toBe(400);
    expect(whatsapp.status).toBe(409);
    expect(await whatsapp.json()).toMatchObject({ reason: 'window_closed', templateRequired: true });
    expect(noCredentials.status).toBe(409);
    expect(await noCredentials.json()).toMatchObject({ reason: 'no_send_credentials' });
    expect((await sentByStandIn()).some((message) => message.body === 'hi')).toBe(false);
  });
});

describe('sending between tenants', () => {
  it("never lets a tenant send in another tenant's conversation or through its endpoint", async () => {
    // Arrange
    const globexJwt = await issueToken('globex', stack.description.jwtSecret, 600);

    // Act
    const reply = await send(`/conversations/${conversationId}/messages`, globexJwt, { text: 'hijack' });
    const first = await send('/messages', globexJwt, { channel: 'sms', endpointId: acme.endpointId, to: customer, text: 'hijack' });

    // Assess: answered exactly like what does not exist.
    expect(reply.status).toBe(404);
    expect(await reply.json()).toMatchObject({ reason: 'not_found' });
    expect(first.status).toBe(404);
    expect((await sentByStandIn()).some((message) => message.body === 'hijack')).toBe(false);
  });

  it("cannot move another tenant's message with a status callback naming its id through its own endpoint", async () => {
    // Arrange: acme's sent message, and globex's own signed callback claiming it failed.
    const accepted = (await (await send(`/conversations/${conversationId}/messages`, acmeJwt, { text: 'Yours, acme' }, randomUUID(), '?wait=5')).json()) as { id: string };
    await acmeSocket.waitFor((frame) => (frame.data as { id?: string; status?: string } | undefined)?.id === accepted.id && (frame.data as { status?: string }).status === 'delivered');
    const forgedUrl = `${globex.url}?${correlationParam}=${accepted.id}`;

    // Act
    const callbackSid = twilioSid('SM');
    const answer = await postInbound(
      globex,
      globexAuthToken,
      { MessageSid: callbackSid, AccountSid: accountSid, From: business, To: customer, MessageStatus: 'failed', SmsStatus: 'failed', ErrorCode: '30007' },
      forgedUrl,
    );
    // The processor keeps the callback as an event of globex's; once it is there, it has done all it will.
    const event = await eventually('the forged callback to be processed', async () => {
      const { Item } = await operator.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: eventKey(eventIdFor({ tenantId: 'globex', namespace: 'twilio' }, `${callbackSid}#failed`)) }));
      return Item;
    });
    const messages = (await (await fetch(`${stack.description.httpUrl}/conversations/${conversationId}/messages`, { headers: { authorization: `Bearer ${acmeJwt}` } })).json()) as {
      messages: { id: string; status?: string }[];
    };

    // Assess
    expect(answer.status).toBe(200);
    expect(event).toMatchObject({ tenantId: 'globex', state: 'stale' });
    expect(messages.messages.find((message) => message.id === accepted.id)?.status).toBe('delivered');
  });
});
