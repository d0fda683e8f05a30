import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordFailure } from '../../functions/core/items.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../lib/local/dynamodb.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { freePort } from '../helpers/ports.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { startThrottlingProxy, type ThrottlingProxy } from '../helpers/throttling-proxy.ts';
import { createdFrameCounts, standardEndpoint, inParallel, postMessage, queueDepths, standardMessages, storedConversation } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * DynamoDB throttling writes: `npm start` talks to DynamoDB Local through a proxy that
 * answers 70% of the writes with ProvisionedThroughputExceededException, at most four times
 * for any one item, as a throttled partition recovers. The SDK's DynamoDB client tries four
 * times, so some writes get through on its retries and the rest fail their queue record,
 * which the processor puts off with backoff, recording why. Every message is still stored
 * exactly once, and pushed once.
 */

const tenant = 'fault-throttling';
const count = 40;
let dynamo: RunningDynamoDb;
let proxy: ThrottlingProxy;
let stack: LocalStackProcess;
let socket: RecordingSocket;
let url: string;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ port: await freePort() });
  proxy = await startThrottlingProxy(dynamo.endpoint);
  // Longer than a throttled attempt with the SDK's own retries (as the deployed 180 s is 6× the
  // processor's timeout): shorter, a record still being processed is delivered again, and its
  // receives run out into the DLQ although an attempt is about to succeed.
  stack = await startLocalStackProcess({ DYNAMODB_ENDPOINT: proxy.endpoint, SWITCHBOARD_VISIBILITY_TIMEOUT: '10' });
  url = await standardEndpoint(stack, tenant);
  socket = await tenantSocket(stack, tenant);
}, 90_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
  await proxy?.stop();
  await dynamo?.stop();
});

const failureRecords = async (): Promise<RecordFailure[]> => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region: stack.description.region, credentials: localCredentials }));
  try {
    const { Items = [] } = await client.send(
      new ScanCommand({ TableName: stack.description.tables.Messages, FilterExpression: 'entity = :failure', ExpressionAttributeValues: { ':failure': 'failure' }, ConsistentRead: true }),
    );
    return Items as RecordFailure[];
  } finally {
    client.destroy();
  }
};

describe('DynamoDB throttling under the local stack', () => {
  it('stores every message exactly once, some after the queue retried them with backoff', async () => {
    // Prepare
    const messages = standardMessages(url, count, 'throttled');
    proxy.throttle({ operations: ['TransactWriteItems', 'PutItem'], rate: 0.7, maxPerItem: 4 });

    // Act
    const responses = await inParallel(messages, 8, (message) => postMessage(url, message));
    // Bounds, not targets: on a loaded machine (another suite's 10,000-message request beside it) this takes minutes.
    await waitUntil(() => createdFrameCounts(socket).size >= count, `${count} messages were pushed`, 180_000);
    // A batch is settled when its slowest record is: a stored message's record may wait on a throttled batch-mate.
    await waitUntil(async () => (await queueDepths(stack.description)).ingest === 0, 'the queue was drained', 120_000);
    // Any duplicate would come through the stream within this.
    await sleep(1_000);
    const stored = await storedConversation(stack.description, tenant);
    const failures = await failureRecords();

    // Assess
    expect(responses.filter((response) => response.status === 204)).toHaveLength(count);
    expect(proxy.throttled.TransactWriteItems).toBeGreaterThan(0);
    // Retried by the queue, not only by the SDK: the record's failure says why.
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((failure) => failure.error.startsWith('ProvisionedThroughputExceededException: '))).toBe(true);
    expect(failures.every((failure) => failure.tenantId === tenant)).toBe(true);
    const frames = createdFrameCounts(socket);
    expect(frames.size).toBe(count);
    expect([...frames.values()].filter((times) => times !== 1)).toEqual([]);
    expect(stored.providerMessageIds).toHaveLength(count);
    expect(new Set(stored.providerMessageIds)).toEqual(new Set(messages.map((message) => message.providerMessageId)));
    expect(stored.messageCount).toBe(count);
    expect(await queueDepths(stack.description)).toEqual({ ingest: 0, deadLetter: 0 });
  }, 330_000);
});
