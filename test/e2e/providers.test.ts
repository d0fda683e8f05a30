import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProvider, providerNames } from '../../functions/providers/registry.ts';
import { standardWebhookHeaders } from '../../functions/providers/standard/signature.ts';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { messageKey } from '../../functions/core/items.ts';
import { maxInlineBodyBytes } from '../../lib/definitions/pipeline.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';

/**
 * Every registered provider through `npm start`: an endpoint added with the CLI, a signed
 * message sent as the provider would (`switchboard send`), and its frame on the tenant's
 * WebSocket. Meta also answers its subscription handshake and routes a shared app's
 * accounts to their tenants.
 */

interface EndpointOutput {
  endpointId: string;
  url: string;
}

const tenant = 'e2e-providers';
const verifyToken = 'e2e-verify-token';
let stack: LocalStackProcess;
let socket: RecordingSocket;

const connect = (tenantId: string) => tenantSocket(stack, tenantId);

/** A SendGrid endpoint usually holds its Event Webhook's verification key too, which can sign no sample: listed first, send must pass over it. */
const sendgridEventKey = (JSON.parse(readFileSync(new URL('../../events/sendgrid/events.json', import.meta.url), 'utf8')) as { secret: string }).secret;

const addEndpoint = async (provider: string, extra: readonly string[] = []) => {
  const secrets = [...(provider === 'sendgrid' ? [sendgridEventKey] : []), providerCredentials[provider]!.secret].flatMap((secret) => ['--secret', secret]);
  return JSON.parse(await stack.cli(['endpoint', 'add', '--provider', provider, '--tenant', tenant, ...secrets, '--verify-token', verifyToken, ...extra])) as EndpointOutput;
};

const messageFrame = (text: string) => (frame: Record<string, unknown>) =>
  frame.type === 'message.created' && String((frame.data as { text?: string } | undefined)?.text ?? '').includes(text);

const storedItem = async (messageId: string) => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.description.dynamodbEndpoint, region: stack.description.region, credentials: localCredentials }));
  try {
    return (await client.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: messageKey(messageId) }))).Item;
  } finally {
    client.destroy();
  }
};

beforeAll(async () => {
  stack = await startLocalStackProcess();
  socket = await connect(tenant);
}, 90_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
});

describe.each(providerNames)('%s through the local stack', (provider) => {
  it('acknowledges a signed message and pushes it to the tenant as message.created', async () => {
    // Prepare
    const endpoint = await addEndpoint(provider);
    const text = `Hello through ${provider} ✓ ${Date.now()}`;

    // Act
    const answer = await stack.cli(['send', endpoint.endpointId, '--text', text]);
    const frame = await socket.waitFor(messageFrame(text), 15_000);

    // Assess
    expect(answer).toMatch(/^HTTP 20\d/);
    expect(frame).toMatchObject({ tenantId: tenant, data: { provider, direction: 'inbound' } });
  });
});

describe('meta on the local stack', () => {
  it("answers the subscription handshake with the challenge, and refuses a wrong token with 403", async () => {
    const endpoint = await addEndpoint('meta');
    const handshake = (token: string) => fetch(`${endpoint.url}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`);

    const accepted = await handshake(verifyToken);
    const refused = await handshake('guess');

    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe('1158201444');
    expect(refused.status).toBe(403);
  });

  it("routes a shared app's phone number to the tenant that owns it", async () => {
    const routedSocket = await connect('e2e-routed');
    try {
      const endpoint = await addEndpoint('meta', ['--route', '106540352242922=e2e-routed']);
      const text = `Routed ${Date.now()}`;

      await stack.cli(['send', endpoint.endpointId, '--text', text, '--to', '106540352242922']);
      const frame = await routedSocket.waitFor(messageFrame(text), 15_000);

      expect(frame).toMatchObject({ tenantId: 'e2e-routed' });
      expect(socket.frames.filter(messageFrame(text))).toEqual([]);
    } finally {
      await routedSocket.close();
    }
  });
});

describe('large bodies on the local stack', () => {
  it('takes an email over 700 KiB through the S3 stand-in, keeping a readable part and where the whole is', async () => {
    // Prepare
    const endpoint = await addEndpoint('sendgrid');
    const text = `Invoice attached. ${'Line item, quantity, price. '.repeat(30_000)}`;
    const request = (await loadProvider('sendgrid'))!.sample({ url: endpoint.url, secret: providerCredentials.sendgrid!.secret, text });

    // Act
    const response = await fetch(endpoint.url, { method: 'POST', headers: request.headers, body: request.body });
    // Over 32 KB, a frame is a reference the client fetches: the stored item is the proof.
    const frame = await socket.waitFor((candidate) => candidate.type === 'message.created' && (candidate.data as { truncated?: boolean }).truncated === true, 15_000);
    const stored = await storedItem(String((frame.data as { id: string }).id));

    // Assess
    expect(Buffer.byteLength(request.body)).toBeGreaterThan(maxInlineBodyBytes);
    expect(response.status).toBe(200);
    expect(stored).toMatchObject({ textTruncated: true, source: { bodyKey: expect.stringMatching(/^bodies\//) } });
    expect(text.startsWith(String(stored?.text))).toBe(true);
  });

  it('archives every queued request as it was received', async () => {
    const endpoint = await addEndpoint('standard');
    const text = `Archived ${Date.now()}`;
    await stack.cli(['send', endpoint.endpointId, '--text', text]);
    const frame = await socket.waitFor(messageFrame(text), 15_000);
    const { source, receivedAt } = frame.data as { source: { requestId: string }; receivedAt: string };
    const archive = createBodyStore({
      bucket: stack.description.bodyBucket,
      credentials: async () => localCredentials,
      region: async () => stack.description.region,
      endpoint: stack.description.sqsEndpoint,
    });

    const archived = JSON.parse((await archive.get(`archive/${receivedAt.slice(0, 10)}/${source.requestId}.json`)).toString()) as { body: string };

    expect(Buffer.from(archived.body, 'base64').toString()).toContain(text);
  });
});


describe('receipts on the local stack', () => {
  /** A Standard Webhooks delivery, signed as a sender would. */
  const postStandard = async (endpoint: EndpointOutput, type: string, data: Record<string, unknown>) => {
    const body = JSON.stringify({ type, data });
    const headers = { 'content-type': 'application/json', ...standardWebhookHeaders(providerCredentials.standard!.secret, `wh_${randomUUID()}`, new Date(), body) };
    const response = await fetch(endpoint.url, { method: 'POST', headers, body });
    expect(response.status).toBe(204);
  };
  const parties = { channel: 'sms', from: '+15005550006', to: '+14155550177' };
  const updatesOf = (messageId: string) => (frame: Record<string, unknown>) =>
    frame.type === 'message.updated' && (frame.data as { providerMessageId?: string }).providerMessageId === messageId;

  it('moves a sent message forward once per receipt, never back, and applies one that came first when the message lands', async () => {
    // Prepare
    const endpoint = await addEndpoint('standard');
    const messageId = `out-${Date.now()}`;

    // Act: delivered arrives before the message it is about, then the message, then a late sent, then read.
    await postStandard(endpoint, 'message.status', { messageId, status: 'delivered', ...parties });
    await postStandard(endpoint, 'message.sent', { id: messageId, text: 'Your order has shipped', ...parties });
    await socket.waitFor((frame) => updatesOf(messageId)(frame) && (frame.data as { status?: string }).status === 'delivered', 15_000);
    await postStandard(endpoint, 'message.status', { messageId, status: 'sent', ...parties });
    await postStandard(endpoint, 'message.status', { messageId, status: 'read', ...parties });
    await socket.waitFor((frame) => updatesOf(messageId)(frame) && (frame.data as { status?: string }).status === 'read', 15_000);
    await sleep(1_000);

    // Assess
    const statuses = socket.frames.filter(updatesOf(messageId)).map((frame) => (frame.data as { status?: string }).status);
    expect(statuses).toEqual(['delivered', 'read']);
    expect(socket.frames.filter((frame) => frame.type === 'message.created' && (frame.data as { providerMessageId?: string }).providerMessageId === messageId)).toHaveLength(1);
  });
});
