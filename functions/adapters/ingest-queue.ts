import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Envelope } from '../core/envelope.ts';

/**
 * The ingest queue. The tenant is the message group: on an SQS fair queue a noisy tenant's
 * burst then delays only that tenant. The ack queues requests here, and the processor the
 * parts of a request too large for one record, which carry their request's tenant, so a
 * tenant's 10,000-message POST is that tenant's backlog alone.
 */
export const createIngestQueue = (client: SQSClient, queueUrl: string) => ({
  async enqueue(envelope: Envelope): Promise<void> {
    await client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(envelope), MessageGroupId: envelope.tenantId }),
    );
  },
});

/**
 * The records the processor received from the ingest queue: it hides one that failed for its
 * backoff delay (core/backoff.ts). Apart from createIngestQueue, so that the ack's bundle
 * carries no command it never sends.
 */
export const createIngestRecords = (client: SQSClient, queueUrl: string) => ({
  /** Keeps a received record from being delivered again for `seconds` (0: right away). */
  async hide(receiptHandle: string, seconds: number): Promise<void> {
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  },
});
