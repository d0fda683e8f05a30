import { createOutboxStore } from '../../functions/adapters/outbox-store.ts';
import { createSendQueues } from '../../functions/adapters/send-queue.ts';
import { deliveryStatuses, type DeliveryStatus } from '../../functions/core/message.ts';
import { defaultValiditySeconds, type OutboundMessage } from '../../functions/core/sending-items.ts';
import { oneLine } from './dlq.ts';
import { formatTable } from './table.ts';
import type { SendingTarget } from './target.ts';
import { UsageError } from './usage-error.ts';

/**
 * `switchboard outbox`: a tenant's outbound messages, read from the messages table as an
 * operator (not through the HTTP API), and a failed one sent again. What an agent wrote is
 * never shown: only where a message went and how far it got.
 */

export const defaultLimit = 50;
export const maxLimit = 1000;

const outboxOf = (target: SendingTarget) => createOutboxStore(target.messages, { messages: target.messagesTable, sending: target.sendingTable });

/** An outbound message as an operator sees it. */
export interface OutboxEntry {
  readonly acceptedAt: string;
  readonly id: string;
  readonly conversationId: string;
  readonly channel: string;
  readonly to: string;
  readonly status: string;
  readonly attempts: number;
  readonly failure?: { readonly category: string; readonly code: string; readonly message: string; readonly hint: string };
}

export const describeOutbound = (message: OutboundMessage): OutboxEntry => ({
  acceptedAt: message.storedAt,
  id: message.id,
  conversationId: message.conversationId,
  channel: message.channel,
  to: message.to,
  status: message.status,
  attempts: message.attempts,
  ...(message.failure && { failure: message.failure }),
});

export interface OutboxFilters {
  readonly status?: DeliveryStatus;
  readonly limit: number;
}

/** `--status` and `--limit` as the listing takes them. */
export const outboxFilters = (status: string | undefined, limit: string | undefined): OutboxFilters => {
  if (status !== undefined && !(deliveryStatuses as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of: ${deliveryStatuses.join(', ')}`);
  }
  const count = limit === undefined ? defaultLimit : /^\d+$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(count >= 1 && count <= maxLimit)) {
    throw new UsageError(`--limit is a whole number from 1 to ${maxLimit}; got "${limit}"`);
  }
  return { ...(status !== undefined && { status: status as DeliveryStatus }), limit: count };
};

/** A tenant's outbound messages, newest first. */
export const listOutbox = async (target: SendingTarget, tenant: string, filters: OutboxFilters): Promise<OutboxEntry[]> =>
  (await outboxOf(target).list(tenant, filters)).map(describeOutbound);

export const formatOutbox = (entries: readonly OutboxEntry[]): string[] =>
  entries.length === 0
    ? ['No outbound messages.']
    : formatTable(
        ['ACCEPTED', 'ID', 'CHANNEL', 'TO', 'STATUS', 'ATTEMPTS', 'FAILURE'],
        entries.map((entry) => [
          entry.acceptedAt,
          entry.id,
          entry.channel,
          entry.to,
          entry.status,
          String(entry.attempts),
          entry.failure ? oneLine(`${entry.failure.category}: ${entry.failure.code}`) : '-',
        ]),
      );

export interface RetryResult {
  readonly retried: string;
  readonly tenantId: string;
  readonly channel: string;
  readonly status: string;
  readonly validUntil: string;
}

/** Why a message is not retried, the same for a missing message and another tenant's. */
const notRetried = (tenant: string, messageId: string, message: OutboundMessage | undefined): Error =>
  new Error(
    message === undefined
      ? `tenant ${tenant} has no outbound message ${messageId}: see switchboard outbox list --tenant ${tenant}`
      : `message ${messageId} is ${message.status}, not failed: only a failed message is sent again`,
  );

/**
 * Sends a failed message again: back to queued with a fresh validity and a new reconciler
 * marker in one transaction (outbox-store.ts retryFailed), then on its channel's send queue;
 * should the queue refuse it, the reconciler queues it within minutes rather than never.
 */
export const retryOutbound = async (target: SendingTarget, tenant: string, messageId: string, now = new Date()): Promise<RetryResult> => {
  const outbox = outboxOf(target);
  const message = await outbox.outbound(tenant, messageId);
  if (message?.status !== 'failed') throw notRetried(tenant, messageId, message);
  const validUntil = new Date(now.getTime() + defaultValiditySeconds * 1000).toISOString();
  const retried = await outbox.retryFailed(tenant, messageId, now, validUntil);
  // Another operator retried it first, or a late receipt moved it on.
  if (!retried) throw notRetried(tenant, messageId, await outbox.outbound(tenant, messageId));
  try {
    await createSendQueues(target.sqs, target.queueUrls).enqueue(retried);
  } catch (error) {
    throw new Error(`message ${messageId} is queued again, but its send queue refused it (${(error as Error).message}): the reconciler will queue it within minutes`, { cause: error });
  }
  return { retried: messageId, tenantId: tenant, channel: retried.channel, status: retried.status, validUntil };
};

export const describeRetry = (result: RetryResult): string[] => [
  `Queued ${result.retried} (tenant ${result.tenantId}, ${result.channel}) to be sent again; it may be sent until ${result.validUntil}.`,
];
