import { marshall } from '@aws-sdk/util-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionStore } from '../../functions/adapters/connection-store.ts';
import { conversationChange, conversationKey, messageItem } from '../../functions/core/items.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { lambdaContext, loadHandler, type LambdaHandler } from '../../lib/local/lambda-context.ts';
import { startWebSocketGateway } from '../../lib/local/websocket-gateway.ts';
import { aConversationKey, aStoredMessage } from '../helpers/factories.ts';
import { startDynamoDb, startJwtSecret } from '../helpers/services.ts';
import { openSocket, type RecordingSocket } from '../helpers/sockets.ts';

/**
 * The real connect, socket and broadcaster handlers behind the local WebSocket gateway, on
 * DynamoDB Local: subscriptions are stored on connection records, read back through the tenant
 * index, and decide which frames each socket receives.
 */

type SocketHandler = LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
const secret = 'integration-test-signing-secret';
const handlers: { connect?: SocketHandler; disconnect?: SocketHandler; socket?: SocketHandler } = {};
const lazy =
  (name: keyof typeof handlers): SocketHandler =>
  (event, context) =>
    (handlers[name] as SocketHandler)(event, context);

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let secrets: Awaited<ReturnType<typeof startJwtSecret>>;
let gateway: Awaited<ReturnType<typeof startWebSocketGateway>>;
let broadcaster: LambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>;
const gatewayErrors: unknown[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDb();
  secrets = await startJwtSecret(secret);
  gateway = await startWebSocketGateway({
    port: 0,
    routes: {
      $connect: { functionName: 'connect', handler: lazy('connect') },
      $disconnect: { functionName: 'disconnect', handler: lazy('disconnect') },
      $default: { functionName: 'socket', handler: lazy('socket') },
    },
    onError: (error) => gatewayErrors.push(error),
  });
  // The handlers read their configuration at load, as on Lambda.
  Object.assign(process.env, {
    ...dynamo.handlerEnvironment,
    CONNECTIONS_TABLE: dynamo.tables.Connections,
    FEED_TABLE: dynamo.tables.Feed,
    STATS_TABLE: dynamo.tables.Stats,
    WEBSOCKET_MANAGEMENT_ENDPOINT: gateway.url.replace(/^ws/, 'http'),
    ...secrets.handlerEnvironment,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  handlers.connect = await loadHandler('connect');
  handlers.disconnect = await loadHandler('disconnect');
  handlers.socket = await loadHandler('socket');
  broadcaster = await loadHandler('broadcaster');
});
afterAll(async () => {
  await gateway?.stop();
  await secrets?.stop();
  await dynamo?.stop();
});

const store = () => createConnectionStore(dynamo.documentClient, dynamo.tables.Connections);
const connect = async (tenant: string) => openSocket(`${gateway.url}/?token=${await issueToken(tenant, secret, 3600)}`);

/** Sends a client message and waits for the reply the test expects. */
const request = async (client: RecordingSocket, message: unknown, reply: (frame: Record<string, unknown>) => boolean) => {
  const before = client.frames.length;
  client.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  return client.waitFor((frame) => client.frames.indexOf(frame) >= before && reply(frame));
};

/** The stream event the messages table would emit for these new images. */
/** Stream records as DynamoDB numbers them: each with an event id and a sequence number of its own, which the feed publishes once. */
let recordsMade = 0;
const streamEvent = (...images: Record<string, unknown>[]): DynamoDBStreamEvent => ({
  Records: images.map((image) => {
    const sequenceNumber = String(++recordsMade);
    return {
      eventID: `event-${sequenceNumber}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: { SequenceNumber: sequenceNumber, NewImage: marshall(image, { removeUndefinedValues: true }) as never },
    };
  }),
});

const conversationOfKey = (customerAddress: string, tenantId = 'acme') => aConversationKey({ tenantId, customerAddress });
const messageIn = (customerAddress: string, providerMessageId: string, tenantId = 'acme') => {
  const key = conversationOfKey(customerAddress, tenantId);
  return messageItem(aStoredMessage({ id: `msg_${providerMessageId}`, providerMessageId, text: providerMessageId }, key));
};
const conversationFrom = (item: ReturnType<typeof messageIn>) =>
  ({ ...conversationKey(item.conversationId), ...conversationChange(item, conversationOfKey(item.from, item.tenantId)) });

const textsOf = (client: RecordingSocket) =>
  client.frames.filter((frame) => frame.type === 'message.created').map((frame) => (frame.data as { text: string }).text);

describe('socket handlers on the local gateway', () => {
  it('answers ping with pong, and anything else with an error frame, keeping the socket open', async () => {
    // Prepare
    const client = await connect('acme');

    // Act
    const pong = await request(client, { action: 'ping' }, (frame) => frame.type === 'pong');
    const error = await request(client, 'not json', (frame) => frame.type === 'error');
    const unknown = await request(client, { action: 'publish' }, (frame) => frame.type === 'error');
    const pongAgain = await request(client, { action: 'ping' }, (frame) => frame.type === 'pong');

    // Assess
    expect(pong).toEqual({ type: 'pong' });
    expect(error).toMatchObject({ type: 'error', message: expect.stringContaining('"action":"ping"') });
    expect(unknown).toMatchObject({ type: 'error' });
    expect(pongAgain).toEqual({ type: 'pong' });
    expect(client.frames).toHaveLength(4);
    expect(gatewayErrors).toEqual([]);
    await client.close();
  });

  it('sends a subscribed socket only its conversation, the others the whole tenant, and widens back on request', async () => {
    // Prepare: two sockets of acme, one narrowed to the first conversation; one of globex
    // narrowed to that same (acme) conversation id.
    const first = messageIn('+14155550101', 'first-1');
    const second = messageIn('+14155550102', 'second-1');
    const narrow = await connect('acme');
    const wide = await connect('acme');
    const intruder = await connect('globex');
    await request(narrow, { action: 'subscribe', conversationId: first.conversationId }, (frame) => frame.type === 'subscribed');
    await request(intruder, { action: 'subscribe', conversationId: first.conversationId }, (frame) => frame.type === 'subscribed');

    // Act
    const result = await broadcaster(
      streamEvent(first, conversationFrom(first), second, conversationFrom(second)),
      lambdaContext('broadcaster'),
    );
    await wide.waitFor(() => wide.frames.length === 4);
    await narrow.waitFor(() => narrow.frames.length === 3);
    await request(narrow, { action: 'subscribe' }, (frame) => frame.type === 'subscribed' && !('conversationId' in frame));
    const later = messageIn('+14155550102', 'second-2');
    await broadcaster(streamEvent(later), lambdaContext('broadcaster'));
    await narrow.waitFor((frame) => (frame.data as { text?: string } | undefined)?.text === 'second-2');
    await wide.waitFor((frame) => (frame.data as { text?: string } | undefined)?.text === 'second-2');

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(first.conversationId).not.toBe(second.conversationId);
    expect(textsOf(wide)).toEqual(['first-1', 'second-1', 'second-2']);
    expect(wide.frames.filter((frame) => frame.type === 'conversation.updated')).toHaveLength(2);
    expect(textsOf(narrow)).toEqual(['first-1', 'second-2']);
    expect(narrow.frames.map((frame) => frame.type)).toEqual([
      'subscribed',
      'message.created',
      'conversation.updated',
      'subscribed',
      'message.created',
    ]);
    expect((narrow.frames[2]?.data as { id: string }).id).toBe(first.conversationId);
    expect(intruder.frames).toEqual([{ type: 'subscribed', conversationId: first.conversationId }]);
    for (const client of [narrow, wide, intruder]) await client.close();
  });

  it('stores the subscription on the connection record, and forgets a gone connection while the others still receive', async () => {
    // Prepare: a tenant of its own, so the index holds only this test's connections.
    const item = messageIn('+14155550103', 'third-1', 'initech');
    const staying = await connect('initech');
    await request(staying, { action: 'subscribe', conversationId: item.conversationId }, (frame) => frame.type === 'subscribed');
    // A record whose socket is gone, as after a $disconnect that never ran.
    const stale = { connectionId: 'c3RhbGUtY29ubmVjdGlvbg==', tenantId: 'initech', connectedAt: new Date().toISOString(), conversationId: item.conversationId };
    await dynamo.documentClient.send(new PutCommand({ TableName: dynamo.tables.Connections, Item: stale }));
    const [subscribed] = (await store().subscribersOf('initech')).filter((subscriber) => subscriber.connectionId !== stale.connectionId);

    // Act
    const result = await broadcaster(streamEvent(item), lambdaContext('broadcaster'));
    await staying.waitFor((frame) => frame.type === 'message.created');

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(subscribed).toEqual({ connectionId: expect.any(String), conversationId: item.conversationId });
    expect(await store().subscribersOf('initech')).toEqual([subscribed]);
    await staying.close();
  });

  it('refuses an expired token at connect', async () => {
    const expired = await issueToken('acme', secret, -60);

    await expect(openSocket(`${gateway.url}/?token=${expired}`)).rejects.toThrow('HTTP 401');
  });
});

