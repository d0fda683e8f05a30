import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import { startFairIntake } from './fair-queue.ts';
import { invokeWithTimeout, type LambdaHandler } from './lambda-context.ts';

export interface SqsPollerOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly functionName: string;
  /** Its answer is read as Lambda reads it, whatever it is (reportedFailures). */
  readonly handler: LambdaHandler<SQSEvent, unknown>;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Parallel pollers, as Lambda scales an SQS mapping out to several concurrent batches. */
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  /**
   * For a fair queue (messages sent with a MessageGroupId): the group of a message, from its
   * body. The poller then hands out batches as an SQS fair queue would (fair-queue.ts).
   */
  readonly groupOf?: (body: string) => string | undefined;
  onError?(error: unknown): void;
}

const toRecord = (message: Message, queueArn: string): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? '',
    SenderId: message.Attributes?.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '',
    ...(message.Attributes?.MessageGroupId && { MessageGroupId: message.Attributes.MessageGroupId }),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: queueArn.split(':')[3] ?? '',
});

/** A partial batch response (ReportBatchItemFailures) as Lambda accepts one; other keys are ignored. */
const batchResponseSchema = z.nullish(
  z.object({
    batchItemFailures: z.nullish(z.array(z.object({ itemIdentifier: z.string().check(z.minLength(1)) }))),
  }),
);

/**
 * The ids of the records the function reported failed, read as Lambda reads the answer: an
 * empty or null answer or list is a complete success; an answer of any other shape (an empty,
 * null or misspelt itemIdentifier), or one naming a record not in the batch, fails the whole
 * batch, thrown here like a failed invocation.
 */
const reportedFailures = (response: unknown, batch: readonly Message[], { functionName, consequence }: { functionName: string; consequence: string }): Set<string> => {
  const parsed = batchResponseSchema.safeParse(response);
  if (!parsed.success) throw new Error(`${functionName} answered with a malformed batch response, so ${consequence}: ${z.prettifyError(parsed.error)}`);
  const failed = new Set((parsed.data?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  const inBatch = new Set(batch.map((message) => message.MessageId));
  const strangers = [...failed].filter((id) => !inBatch.has(id));
  if (strangers.length > 0) throw new Error(`${functionName} reported failed records that are not in its batch (${strangers.join(', ')}), so ${consequence}`);
  return failed;
};

/**
 * Plays Lambda's SQS event source mapping: receive a batch, invoke the function, delete what
 * succeeded. Records reported in batchItemFailures, and every record of an invocation that
 * throws, outlives its timeout or answers with a malformed response, stay on the queue: they
 * return after the visibility timeout, each receive counted, and the queue's redrive policy
 * moves them to the DLQ after maxReceiveCount receives, as on AWS.
 */
export const startSqsPoller = (options: SqsPollerOptions) => {
  const { client, queueUrl, batchSize } = options;
  let running = true;
  const stopping = new AbortController();
  const fairIntake = options.groupOf && startFairIntake({ client, queueUrl, groupOf: options.groupOf, ...(options.onError && { onError: options.onError }) });

  const receiveBatch = async (): Promise<Message[]> => {
    const batch: Message[] = [];
    const windowEnds = Date.now() + options.maxBatchingWindowSeconds * 1000;
    do {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: batchSize - batch.length,
          // Short polls keep shutdown quick; the loop makes it a long poll in effect.
          WaitTimeSeconds: batch.length === 0 ? 1 : 0,
          MessageSystemAttributeNames: ['All'],
        }),
        { abortSignal: stopping.signal },
      );
      batch.push(...Messages);
      if (Messages.length === 0 && batch.length > 0) break;
    } while (running && batch.length < batchSize && Date.now() < windowEnds);
    return batch;
  };

  const settle = async (batch: Message[], failedIds: Set<string>) => {
    const done = batch.filter((message) => !failedIds.has(message.MessageId ?? ''));
    for (let start = 0; start < done.length; start += 10) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.slice(start, start + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
  };

  const poll = async () => {
    while (running) {
      try {
        const batch = fairIntake ? await fairIntake.take(batchSize, options.maxBatchingWindowSeconds) : await receiveBatch();
        if (batch.length === 0) continue;
        const { functionName } = options;
        const consequence = `its ${batch.length} record(s) return to the queue after its visibility timeout`;
        let failedIds: Set<string>;
        try {
          const response = await invokeWithTimeout(options.handler, { Records: batch.map((message) => toRecord(message, options.queueArn)) }, {
            functionName,
            timeoutSeconds: options.timeoutSeconds,
            consequence: `the invocation failed, and ${consequence}`,
          });
          failedIds = reportedFailures(response, batch, { functionName, consequence });
        } catch (error) {
          options.onError?.(error);
          failedIds = new Set(batch.map((message) => message.MessageId ?? ''));
        }
        await settle(batch, failedIds).finally(() => fairIntake?.release(batch));
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await sleep(500);
      }
    }
  };

  const loops = Array.from({ length: options.concurrency }, poll);
  return {
    async stop(): Promise<void> {
      running = false;
      stopping.abort();
      // Its stop ends the loops' waits for a batch.
      await fairIntake?.stop();
      await Promise.allSettled(loops);
    },
  };
};
