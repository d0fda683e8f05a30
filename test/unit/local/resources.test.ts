import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ingestQueueSettings, redrivenQueues, sendQueueSettings } from '../../../lib/definitions/pipeline.ts';
import { createQueues } from '../../../lib/local/resources.ts';

/** An SQS client that records the queues asked for and answers as fauxqs would. */
const recordingClient = () => {
  const created: { name: string; attributes: Record<string, string> }[] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof CreateQueueCommand) {
        created.push({ name: command.input.QueueName ?? '', attributes: command.input.Attributes ?? {} });
        return { QueueUrl: `http://sqs.us-east-1.localhost:9324/000000000000/${command.input.QueueName}` };
      }
      if (command instanceof GetQueueAttributesCommand) return { Attributes: { QueueArn: `arn:aws:sqs:us-east-1:000000000000:${command.input.QueueUrl?.split('/').at(-1)}` } };
      throw new Error('unexpected command');
    },
  } as unknown as SQSClient;
  return { client, created };
};

describe('createQueues', () => {
  it('creates every consumed queue and its DLQ of the definitions, with the deployed redrive, on the given endpoint', async () => {
    // Prepare
    const { client, created } = recordingClient();

    // Act
    const urls = await createQueues(client, { prefix: 'sb-', endpoint: 'http://127.0.0.1:4566' });

    // Assess
    expect(Object.keys(urls).sort()).toEqual(redrivenQueues.flatMap(({ queue, deadLetter }) => [queue, deadLetter]).sort());
    expect(urls.ingest).toBe('http://127.0.0.1:4566/000000000000/sb-ingest');
    expect(urls.deadLetter).toBe('http://127.0.0.1:4566/000000000000/sb-ingest-dlq');
    expect(urls.sendSmsDeadLetter).toBe('http://127.0.0.1:4566/000000000000/sb-sendSms-dlq');
    expect(created.find(({ name }) => name === 'sb-sendWhatsapp')?.attributes).toEqual({
      VisibilityTimeout: String(sendQueueSettings.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(sendQueueSettings.retentionPeriodSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:sb-sendWhatsapp-dlq', maxReceiveCount: 5 }),
    });
    expect(created.find(({ name }) => name === 'sb-ingest')?.attributes).toMatchObject({
      MaximumMessageSize: String(ingestQueueSettings.maximumMessageBytes),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:sb-ingest-dlq', maxReceiveCount: 5 }),
    });
    expect(created.find(({ name }) => name === 'sb-sendMessenger-dlq')?.attributes).toEqual({ MessageRetentionPeriod: String(14 * 24 * 3600) });
  });

  it('shortens every consumed queue\'s visibility timeout when asked, and no DLQ\'s', async () => {
    // Prepare
    const { client, created } = recordingClient();

    // Act
    await createQueues(client, { prefix: 'sb-', endpoint: 'http://127.0.0.1:4566', visibilityTimeoutSeconds: 2 });

    // Assess
    const consumed = created.filter(({ name }) => !name.endsWith('-dlq'));
    expect(consumed.map(({ attributes }) => attributes.VisibilityTimeout)).toEqual(redrivenQueues.map(() => '2'));
    expect(created.filter(({ name }) => name.endsWith('-dlq')).every(({ attributes }) => attributes.VisibilityTimeout === undefined)).toBe(true);
  });
});
