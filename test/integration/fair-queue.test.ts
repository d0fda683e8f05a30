import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeOf } from '../../functions/core/envelope.ts';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { startFairIntake } from '../../lib/local/fair-queue.ts';
import { createQueues, type QueueUrls } from '../../lib/local/resources.ts';
import { startSqsPoller } from '../../lib/local/sqs-poller.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { startSqs } from '../helpers/services.ts';
import { inboundSmsFields, twilioSid } from '../helpers/twilio.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * The local fair queue: the processor's poller on fauxqs, with the stack's own grouping (the
 * envelope's tenant, as the ack sets MessageGroupId). A quiet tenant's messages come out ahead
 * of a noisy tenant's backlog, where a plain poller keeps them behind it; a failing record is
 * still received again and moved to the DLQ by the redrive policy; a stopped poller leaves
 * nothing hidden.
 */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let queueNumber = 0;

beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

/** A queue pair of its own for each test; a one-second visibility timeout makes each redelivery take a second. */
const newQueues = (): Promise<QueueUrls> => createQueues(sqs.client, { prefix: `fair-${(queueNumber += 1)}-`, endpoint: sqs.endpoint, visibilityTimeoutSeconds: 1 });

/** Queues one tenant's envelopes as the ack does, ten at a time; resolves with their SQS message ids. */
const send = async (queueUrl: string, tenantId: string, count: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(aTwilioEnvelope(inboundSmsFields({ MessageSid: twilioSid('SM') }), { tenantId })),
      MessageGroupId: tenantId,
    }));
    const { Successful = [] } = await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    ids.push(...Successful.map((entry) => entry.MessageId ?? ''));
  }
  return ids;
};

const visibleMessages = async (queueUrl: string): Promise<number> => {
  const { Attributes } = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes?.ApproximateNumberOfMessages);
};

/** A gate the handler waits at: open() lets it through. */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

/**
 * The processor's poller of `queues.ingest`, one batch of ten at a time, fair or plain; the
 * handler records each batch and answers with `answer`, the first batch only once `firstBatch` opens.
 */
const pollerOf = async (queues: QueueUrls, { fair, firstBatch, answer = () => ({ batchItemFailures: [] }) }: { fair: boolean; firstBatch?: Promise<void>; answer?: (records: SQSRecord[]) => SQSBatchResponse }) => {
  const batches: SQSRecord[][] = [];
  const errors: unknown[] = [];
  const { Attributes } = await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queues.ingest, AttributeNames: ['QueueArn'] }));
  const poller = startSqsPoller({
    client: sqs.client,
    queueUrl: queues.ingest,
    queueArn: Attributes?.QueueArn ?? '',
    functionName: 'processor',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    concurrency: 1,
    timeoutSeconds: 10,
    ...(fair && { groupOf: (body: string) => envelopeOf(body)?.tenantId }),
    handler: async (event: SQSEvent) => {
      batches.push(event.Records);
      if (batches.length === 1) await firstBatch;
      return answer(event.Records);
    },
    onError: (error) => errors.push(error),
  });
  return { batches, errors, stop: poller.stop };
};

const receive = async (queueUrl: string): Promise<Message[]> =>
  (await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'] }))).Messages ?? [];

/**
 * A noisy tenant's backlog with ten of its messages in flight, then two messages of a quiet
 * tenant, and the next batch: taken from the fair intake, or received from the queue as it is.
 */
const noisyThenQuiet = async (fair: boolean) => {
  const queues = await newQueues();
  const intake = fair ? startFairIntake({ client: sqs.client, queueUrl: queues.ingest, groupOf: (body) => envelopeOf(body)?.tenantId }) : undefined;
  const next = () => (intake ? intake.take(10, 0) : receive(queues.ingest));
  try {
    const noisy = await send(queues.ingest, 'noisy', 35);
    const inFlight = await next();
    const quiet = await send(queues.ingest, 'quiet', 2);
    if (intake) await waitUntil(async () => (await visibleMessages(queues.ingest)) === 0, 'the intake holds every message');
    const batch = await next();
    return { noisy, quiet, inFlight, batch };
  } finally {
    await intake?.stop();
  }
};

describe('the local fair queue', () => {
  it("hands a quiet tenant's messages out ahead of a noisy tenant's backlog, with their MessageGroupId", async () => {
    // Act
    const { noisy, quiet, inFlight, batch } = await noisyThenQuiet(true);

    // Assess
    expect(inFlight.map((message) => message.MessageId)).toEqual(noisy.slice(0, 10));
    expect(batch.map((message) => message.MessageId)).toEqual([...quiet, ...noisy.slice(10, 18)]);
    expect(batch.map((message) => message.Attributes?.MessageGroupId)).toEqual(['quiet', 'quiet', ...Array(8).fill('noisy')]);
  });

  it('keeps them behind the backlog on a plain fauxqs queue, which is what it stands in for', async () => {
    // Act
    const { noisy, batch } = await noisyThenQuiet(false);

    // Assess
    expect(batch.map((message) => message.MessageId)).toEqual(noisy.slice(10, 20));
  });

  it('lets a failing record be received again, each receive counted, until the redrive policy moves it to the DLQ', async () => {
    // Prepare
    const queues = await newQueues();
    const [poison = '', ...others] = await send(queues.ingest, 'noisy', 3);
    const poller = await pollerOf(queues, { fair: true, answer: (records) => ({ batchItemFailures: records.filter((record) => record.messageId === poison).map((record) => ({ itemIdentifier: record.messageId })) }) });

    // Act
    await waitUntil(async () => (await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queues.deadLetter }))).Messages?.[0]?.MessageId === poison, 'the poison record is in the DLQ', 20_000);
    await poller.stop();

    // Assess
    const deliveries = poller.batches.flat();
    expect(deliveries.filter((record) => record.messageId === poison).map((record) => record.attributes.ApproximateReceiveCount)).toEqual(
      Array.from({ length: ingestQueueSettings.maxReceiveCount }, (_, index) => String(index + 1)),
    );
    expect(deliveries.filter((record) => record.messageId !== poison).map((record) => record.messageId).sort()).toEqual([...others].sort());
  });

  it('puts the messages it holds back on the queue when it stops', async () => {
    // Prepare
    const queues = await newQueues();
    await send(queues.ingest, 'noisy', 25);
    const first = gate();
    const poller = await pollerOf(queues, { fair: true, firstBatch: first.opened });
    await waitUntil(async () => poller.batches.length === 1 && (await visibleMessages(queues.ingest)) === 0, 'the backlog is held');

    // Act
    const stopped = poller.stop();
    first.open();
    await stopped;

    // Assess: the 15 held are visible at once, not after their hold.
    expect(await visibleMessages(queues.ingest)).toBe(15);
  });
});
