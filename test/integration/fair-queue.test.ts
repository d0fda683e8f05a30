import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeOf } from '../../functions/core/envelope.ts';
import { makeFairQueue } from '../../lib/local/fair-queue.ts';
import { createQueues, type QueueUrls } from '../../lib/local/resources.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { startSqs } from '../helpers/services.ts';
import { inboundSmsFields, twilioSid } from '../helpers/twilio.ts';

/**
 * The local fair queue on fauxqs itself, with the stack's own grouping (the envelope's tenant,
 * as the ack sets MessageGroupId): a quiet tenant's messages come out ahead of a noisy
 * tenant's backlog, where a plain fauxqs queue keeps them behind it. It also guards the shape
 * of fauxqs it relies on, so that an upgrade that changes it fails here.
 */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let fair: QueueUrls;
let plain: QueueUrls;

beforeAll(async () => {
  sqs = await startSqs();
  fair = await createQueues(sqs.client, { prefix: 'fair-', endpoint: sqs.endpoint });
  plain = await createQueues(sqs.client, { prefix: 'plain-', endpoint: sqs.endpoint });
  makeFairQueue(sqs.server, fair.ingest, (body) => envelopeOf(body)?.tenantId);
});
afterAll(async () => {
  await sqs?.stop();
});

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

const receive = async (queueUrl: string): Promise<Message[]> =>
  (await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'] }))).Messages ?? [];

/** A noisy tenant's backlog with ten of its messages in flight, then two messages of a quiet tenant, and the next receive. */
const noisyThenQuiet = async (queueUrl: string) => {
  const noisy = await send(queueUrl, 'noisy', 35);
  const inFlight = await receive(queueUrl);
  const quiet = await send(queueUrl, 'quiet', 2);
  const next = await receive(queueUrl);
  const rest: Message[] = [];
  for (let batch = await receive(queueUrl); batch.length > 0; batch = await receive(queueUrl)) rest.push(...batch);
  return { noisy, quiet, inFlight, next, received: [...inFlight, ...next, ...rest].map((message) => message.MessageId) };
};

describe('a fair fauxqs queue', () => {
  it("hands a quiet tenant's messages out ahead of a noisy tenant's backlog, each message once, with its MessageGroupId", async () => {
    // Act
    const { noisy, quiet, inFlight, next, received } = await noisyThenQuiet(fair.ingest);

    // Assess
    expect(inFlight.map((message) => message.MessageId)).toEqual(noisy.slice(0, 10));
    expect(next.map((message) => message.MessageId)).toEqual([...quiet, ...noisy.slice(10, 18)]);
    expect(next.map((message) => message.Attributes?.MessageGroupId)).toEqual(['quiet', 'quiet', ...Array(8).fill('noisy')]);
    expect(received).toHaveLength(37);
    expect(new Set(received)).toEqual(new Set([...noisy, ...quiet]));
  });

  it("keeps them behind the backlog on a plain fauxqs queue, which is what it stands in for", async () => {
    // Act
    const { noisy, quiet, next, received } = await noisyThenQuiet(plain.ingest);

    // Assess
    expect(next.map((message) => message.MessageId)).toEqual(noisy.slice(10, 20));
    expect(received.slice(-2)).toEqual(quiet);
  });

  it('refuses, at start, a queue it cannot make fair: one fauxqs does not have, or a FIFO queue', async () => {
    // Prepare
    const { QueueUrl = '' } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'fair-fifo.fifo', Attributes: { FifoQueue: 'true' } }));
    const missing = new URL('/000000000000/no-such-queue', sqs.endpoint).toString();

    // Act / Assess
    expect(() => makeFairQueue(sqs.server, missing, () => undefined)).toThrow('fauxqs\'s queue "no-such-queue" is missing or not the standard queue');
    expect(() => makeFairQueue(sqs.server, QueueUrl, () => undefined)).toThrow('fauxqs\'s queue "fair-fifo.fifo" is missing or not the standard queue');
  });
});
