import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { createQueues, type QueueUrls } from '../../lib/local/resources.ts';
import { startSqsPoller, type SqsPollerOptions } from '../../lib/local/sqs-poller.ts';
import { startSqs } from '../helpers/services.ts';

/**
 * The local stand-in for Lambda's SQS event source mapping, on fauxqs with the deployed
 * redrive policy: a failing record is retried alone and ends in the DLQ after
 * maxReceiveCount receives, while its batch-mates succeed on the first try; an answer Lambda
 * would not accept deletes nothing.
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

/** The processor's poller of `queueUrl`, one batch at a time: the tests vary only the handler, the timeout and what they hear. */
const pollerOf = async (queueUrl: string, options: Pick<SqsPollerOptions, 'handler' | 'timeoutSeconds' | 'onError'>) => {
  const { Attributes } = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return startSqsPoller({ client: sqs.client, queueUrl, queueArn: Attributes?.QueueArn ?? '', functionName: 'processor', batchSize: 10, maxBatchingWindowSeconds: 0.2, concurrency: 1, ...options });
};

describe('SQS poller', () => {
  it('reports a poison record alone and lets the redrive policy move it to the DLQ', async () => {
    // Prepare
    const deliveries = new Map<string, number>();
    for (const body of ['ok-1', 'poison', 'ok-2', 'ok-3']) {
      await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: body }));
    }
    const poller = await pollerOf(queues.ingest, {
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

  it('fails an invocation at its timeout: its records return and are received again, whatever the handler returns late', async () => {
    // Prepare: the first invocation takes 2.5 s of a 1 s timeout, then answers that all went well.
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: 'slow' }));
    const invocations: { bodies: string[]; receiveCounts: string[]; remainingMs: number }[] = [];
    const errors: string[] = [];
    const poller = await pollerOf(queues.ingest, {
      timeoutSeconds: 1,
      handler: async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
        invocations.push({
          bodies: event.Records.map((record) => record.body).sort(),
          receiveCounts: event.Records.map((record) => record.attributes.ApproximateReceiveCount),
          remainingMs: context.getRemainingTimeInMillis(),
        });
        if (invocations.length === 1) await sleep(2_500);
        return { batchItemFailures: [] };
      },
      onError: (error) => errors.push(String(error)),
    });

    // Act: wait for the redelivery, and past the first invocation's late answer.
    for (let waited = 0; invocations.length < 2 && waited < 10_000; waited += 100) await sleep(100);
    await sleep(2_000);
    await poller.stop();

    // Assess
    // Counted from the first receive: the previous test's stopped poller may have left a long poll that took one.
    const [first, second] = invocations.map(({ receiveCounts }) => Number(receiveCounts[0]));
    expect(invocations.map(({ bodies }) => bodies)).toEqual([['slow'], ['slow']]);
    expect(second).toBe((first ?? 0) + 1);
    expect(invocations[0]?.remainingMs).toBeLessThanOrEqual(1_000);
    expect(errors).toEqual([
      'InvocationTimedOut: processor timed out after 1 s, its configured timeout: the invocation failed, and its 1 record(s) return to the queue after its visibility timeout',
    ]);
    const { Messages: left = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queues.ingest, MaxNumberOfMessages: 10 }));
    expect(left).toHaveLength(0);
  });

  it('deletes nothing of a batch whose answer is malformed or names a record not in it, as Lambda', async () => {
    // Prepare: a queue of its own; each invocation answers the next of these, then nothing, which is a complete success.
    const own = await createQueues(sqs.client, { prefix: 'poller-answers-', endpoint: sqs.endpoint, visibilityTimeoutSeconds: 1 });
    const { MessageId: id = '' } = await sqs.client.send(new SendMessageCommand({ QueueUrl: own.ingest, MessageBody: 'kept' }));
    const answers: unknown[] = [
      { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifer: id }] },
      'done',
    ];
    const receiveCounts: string[] = [];
    const errors: string[] = [];
    const poller = await pollerOf(own.ingest, {
      timeoutSeconds: 5,
      handler: async (event: SQSEvent) => {
        receiveCounts.push(...event.Records.map((record) => record.attributes.ApproximateReceiveCount));
        return answers[receiveCounts.length - 1];
      },
      onError: (error) => errors.push(String(error)),
    });

    // Act
    for (let waited = 0; receiveCounts.length < answers.length + 1 && waited < 15_000; waited += 100) await sleep(100);
    await sleep(1_500);
    await poller.stop();

    // Assess
    expect(receiveCounts).toEqual(['1', '2', '3', '4', '5']);
    expect(errors).toEqual([
      `Error: processor reported failed records that are not in its batch (not-in-this-batch), so its 1 record(s) return to the queue after its visibility timeout`,
      expect.stringMatching(/^Error: processor answered with a malformed batch response, so its 1 record\(s\) return to the queue after its visibility timeout: /),
      expect.stringMatching(/^Error: processor answered with a malformed batch response, /),
      expect.stringMatching(/^Error: processor answered with a malformed batch response, /),
    ]);
    const left = await Promise.all([own.ingest, own.deadLetter].map((queueUrl) => sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }))));
    expect(left.map(({ Messages = [] }) => Messages.length)).toEqual([0, 0]);
  });
});
