import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { conversationIdFor, messageIdFor } from '../../functions/core/ids.ts';
import { broadcastFilterPattern } from '../../lib/definitions/pipeline.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startStreamPoller, type StreamPollerOptions } from '../../lib/local/stream-poller.ts';
import { aStoredMessage, aConversationKey } from '../helpers/factories.ts';
import { startDynamoDb } from '../helpers/services.ts';

/**
 * The local stand-in for the broadcaster's stream mapping, on DynamoDB Local: it applies the
 * deployed filter, delivers in order, and retries from the first failed record.
 */

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
beforeAll(async () => {
  dynamo = await startDynamoDb();
});
afterAll(async () => {
  await dynamo?.stop();
});

/** The broadcaster's poller of the messages table's stream: the tests vary only the handler, the timeout and what they hear. */
const pollerOfMessages = async (options: Pick<StreamPollerOptions, 'handler' | 'timeoutSeconds' | 'onError' | 'onDiscard'> & Partial<Pick<StreamPollerOptions, 'batchSize'>>) => {
  const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tables.Messages }));
  return startStreamPoller({
    client: new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials }),
    streamArn: Table?.LatestStreamArn ?? '',
    functionName: 'broadcaster',
    filter: broadcastFilterPattern,
    batchSize: 100,
    retryAttempts: 3,
    ...options,
  });
};

describe('stream poller', () => {
  it('delivers only the entities clients see, in order, retrying a failed record', async () => {
    // Prepare
    const delivered: DynamoDBRecord[] = [];
    let failuresLeft = 1;
    const poller = await pollerOfMessages({
      timeoutSeconds: 5,
      handler: async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
        const [first] = event.Records;
        if (first && failuresLeft-- > 0) return { batchItemFailures: [{ itemIdentifier: first.dynamodb?.SequenceNumber ?? '' }] };
        delivered.push(...event.Records);
        return { batchItemFailures: [] };
      },
    });
    await poller.ready;
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = { tenantId: 'acme', channel: 'sms', businessAddress: '+15005550006', customerAddress: '+14155550100' } as const;
    const now = new Date().toISOString();

    // Act
    await store.quarantine({ id: 'q-1', reason: 'unparseable', raw: '{', rawBytes: 1, quarantinedAt: now });
    await store.saveMessage(
      {
        id: messageIdFor({ tenantId: key.tenantId, namespace: 'twilio' }, 'SM1'),
        conversationId: conversationIdFor(key),
        tenantId: 'acme',
        provider: 'twilio',
        providerMessageId: 'SM1',
        channel: 'sms',
        direction: 'inbound',
        contentType: 'text',
        from: key.customerAddress,
        to: key.businessAddress,
        text: 'hi',
        media: [],
        receivedAt: now,
        storedAt: now,
        source: { requestId: 'r', endpointId: 'e' },
      },
      key,
    );
    for (let waited = 0; delivered.length < 2 && waited < 10_000; waited += 50) await sleep(50);
    await sleep(300);
    await poller.stop();

    // Assess
    expect(delivered.map((record) => [record.eventName, record.dynamodb?.NewImage?.entity?.S])).toEqual([
      ['INSERT', 'message'],
      ['INSERT', 'conversation'],
    ]);
    // The refused record was offered again rather than skipped.
    expect(failuresLeft).toBeLessThan(0);
  });

  it('fails an invocation that outlives its timeout and retries its records, ignoring what it returns late', async () => {
    // Prepare: the first invocation takes 2.5 s of a 1 s timeout, then answers that all went well.
    const invocations: { firstSequenceNumber?: string; remainingMs: number }[] = [];
    const errors: string[] = [];
    const poller = await pollerOfMessages({
      timeoutSeconds: 1,
      handler: async (event: DynamoDBStreamEvent, context): Promise<DynamoDBBatchResponse> => {
        invocations.push({ firstSequenceNumber: event.Records[0]?.dynamodb?.SequenceNumber, remainingMs: context.getRemainingTimeInMillis() });
        if (invocations.length === 1) await sleep(2_500);
        return { batchItemFailures: [] };
      },
      onError: (error) => errors.push(String(error)),
    });
    await poller.ready;
    const key = aConversationKey({ customerAddress: '+14155550199' });

    // Act
    await createMessageStore(dynamo.documentClient, dynamo.tables.Messages).saveMessage(aStoredMessage({ providerMessageId: 'SM-slow' }, key), key);
    for (let waited = 0; invocations.length < 2 && waited < 10_000; waited += 50) await sleep(50);
    await poller.stop();

    // Assess
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    expect(invocations[1]?.firstSequenceNumber).toBe(invocations[0]?.firstSequenceNumber);
    expect(invocations[0]?.remainingMs).toBeLessThanOrEqual(1_000);
    expect(errors[0]).toMatch(/^InvocationTimedOut: broadcaster timed out after 1 s, its configured timeout: the invocation failed, and its \d+ record\(s\) are retried \(retry 1 of 3\)$/);
  });
  it('hands a backlog to the function in batches of at most its batch size, in stream order', async () => {
    // Prepare: a backlog written before the poller starts, so that one read returns more records than a batch takes.
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = aConversationKey({ tenantId: 'backlog', customerAddress: '+14155550142' });
    const messages = 30;
    for (let i = 0; i < messages; i++) {
      const at = new Date(Date.UTC(2026, 10, 22, 12, 0, i)).toISOString();
      await store.saveMessage(aStoredMessage({ providerMessageId: `SMbacklog${i}`, receivedAt: at, storedAt: at }, key), key);
    }
    const batches: DynamoDBRecord[][] = [];

    // Act
    const poller = await pollerOfMessages({
      batchSize: 7,
      timeoutSeconds: 5,
      handler: async (event: DynamoDBStreamEvent) => {
        batches.push(event.Records);
        return { batchItemFailures: [] };
      },
    });
    const backlogMessages = () => batches.flat().filter((record) => record.dynamodb?.NewImage?.entity?.S === 'message' && record.dynamodb.NewImage.tenantId?.S === 'backlog');
    for (let waited = 0; backlogMessages().length < messages && waited < 10_000; waited += 50) await sleep(50);
    await poller.stop();

    // Assess
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(7);
    expect(backlogMessages().map((record) => record.dynamodb?.NewImage?.providerMessageId?.S)).toEqual(Array.from({ length: messages }, (_, i) => `SMbacklog${i}`));
  });
});
