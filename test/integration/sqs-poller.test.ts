import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { createQueues, type QueueUrls } from '../../lib/local/resources.ts';
import { startSqsPoller } from '../../lib/local/sqs-poller.ts';
import { startSqs } from '../helpers/services.ts';

/**
 * The local stand-in for Lambda's SQS event source mapping, on fauxqs with the deployed
 * redrive policy: a failing record is retried alone and ends in the DLQ after
 * maxReceiveCount receives, while its batch-mates succeed on the first try.
 */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let queues: QueueUrls;

beforeAll(async () => {
  sqs = await startSqs();
  // A one-second visibility timeout makes each redelivery take a second instead of minutes.
  queues = await createQueues(sqs.client, { prefix: 'poller-', endpoint: sqs.endpoint, visibilityTimeoutSeconds: 1 });
});
afterAll(async () => {
  await sqs?.stop();
});

describe('SQS poller', () => {
  it('reports a poison record alone and lets the redrive policy move it to the DLQ', async () => {
    // Prepare
    const deliveries = new Map<string, number>();
    const { Attributes } = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queues.ingest, AttributeNames: ['QueueArn'] }));
    for (const body of ['ok-1', 'poison', 'ok-2', 'ok-3']) {
      await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: body }));
    }
    const poller = startSqsPoller({
      client: sqs.client,
      queueUrl: queues.ingest,
      queueArn: Attributes?.QueueArn ?? '',
      functionName: 'processor',
      batchSize: 10,
      maxBatchingWindowSeconds: 0.2,
      concurrency: 1,
      timeoutSeconds: 5,
      handler: async (event: SQSEvent): Promise<SQSBatchResponse> => {
        for (const record of event.Records) deliveries.set(record.body, (deliveries.get(record.body) ?? 0) + 1);
        return { batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({ itemIdentifier: record.messageId })) };
      },
    });

    // Act: wait until the poison record has been received maxReceiveCount times and moved.
    let dead: string[] = [];
    for (let waited = 0; dead.length === 0 && waited < 20_000; waited += 500) {
      await sleep(500);
      const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queues.deadLetter, MaxNumberOfMessages: 10 }));
      dead = Messages.map((message) => message.Body ?? '');
    }
    await poller.stop();

    // Assess
    expect(dead).toEqual(['poison']);
    expect(deliveries.get('poison')).toBe(ingestQueueSettings.maxReceiveCount);
    expect([deliveries.get('ok-1'), deliveries.get('ok-2'), deliveries.get('ok-3')]).toEqual([1, 1, 1]);
    const { Messages: left = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queues.ingest, MaxNumberOfMessages: 10 }));
    expect(left).toHaveLength(0);
  });
});
