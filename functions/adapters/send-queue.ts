import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendQueueId } from '../../lib/definitions/functions.ts';
import { sendQueueOfChannel } from '../../lib/definitions/sending.ts';
import type { OutboundMessage } from '../core/sending-items.ts';

/** What a send queue's record carries: which message, of which tenant. The message itself is in the table. */
export interface SendRecord {
  readonly tenantId: string;
  readonly messageId: string;
}

/**
 * The send queues, by channel (lib/definitions/sending.ts). The tenant is the message group: on
 * an SQS fair queue a tenant's burst delays only that tenant's messages.
 */
export const createSendQueues = (client: SQSClient, queueUrls: Readonly<Record<SendQueueId, string>>) => ({
  async enqueue(message: Pick<OutboundMessage, 'id' | 'tenantId' | 'channel'>, delaySeconds = 0): Promise<void> {
    const queue = sendQueueOfChannel[message.channel];
    if (!queue) throw new Error(`no send queue carries ${message.channel}`);
    const record: SendRecord = { tenantId: message.tenantId, messageId: message.id };
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrls[queue],
        MessageBody: JSON.stringify(record),
        MessageGroupId: message.tenantId,
        ...(delaySeconds > 0 && { DelaySeconds: delaySeconds }),
      }),
    );
  },
});

/** A send queue record's body, or undefined when it is not one. */
export const sendRecordOf = (body: string): SendRecord | undefined => {
  try {
    const parsed = JSON.parse(body) as Partial<SendRecord>;
    return typeof parsed.tenantId === 'string' && typeof parsed.messageId === 'string' ? { tenantId: parsed.tenantId, messageId: parsed.messageId } : undefined;
  } catch {
    return undefined;
  }
};
