import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { openCredentials } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { createOutboxStore } from '../../functions/adapters/outbox-store.ts';
import { createRateStore } from '../../functions/adapters/rate-store.ts';
import type { AcceptDependencies } from '../../functions/core/accept.ts';
import type { SenderDependencies } from '../../functions/core/send.ts';
import type { OutboundMessage } from '../../functions/core/sending-items.ts';
import { loadSender } from '../../functions/providers/senders.ts';
import type { TableNames } from '../../lib/local/resources.ts';

/**
 * The accept's and the sender's dependencies over real tables and a real provider API, wired
 * as functions/send/handler.ts and functions/sender/dependencies.ts wire them, but with the
 * clock and the send queue the test holds: a test drives `acceptSend` and `sendQueued` itself,
 * delivering records when it chooses and moving time past leases and waits it cannot sit out.
 */

export type QueuedRecord = Pick<OutboundMessage, 'id' | 'tenantId' | 'channel'>;

export interface SendingWiring {
  readonly client: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'Messages' | 'Sending' | 'Endpoints'>;
  /** The stack's send key, which the endpoints' credentials are sealed with. */
  readonly sendKey: Buffer;
  readonly twilioApiBaseUrl: string;
  /** Where the provider posts status callbacks. */
  readonly statusCallbackUrl: (endpointId: string, messageId: string) => string;
  now(): Date;
  /** The send queue: a record put on it, to be delivered after `delaySeconds`. */
  enqueue(record: QueuedRecord, delaySeconds: number): void | Promise<void>;
}

export const wiredSending = (wiring: SendingWiring) => {
  const { client, tables } = wiring;
  const messages = createMessageStore(client, tables.Messages);
  const outbox = createOutboxStore(client, { messages: tables.Messages, sending: tables.Sending });
  const endpoints = createEndpointStore(client, tables.Endpoints);
  const rates = createRateStore(client, tables.Sending);

  const accept: AcceptDependencies = {
    conversation: outbox.conversation,
    endpoint: (endpointId) => endpoints.get(endpointId),
    idempotencyRecord: outbox.idempotencyRecord,
    store: async (message, key, records) =>
      (await messages.saveMessage(message, key, records.map((Item) => ({ Put: { TableName: tables.Sending, Item, ConditionExpression: 'attribute_not_exists(pk)' } })))) === 'duplicate'
        ? 'taken'
        : 'stored',
    enqueue: async (message) => wiring.enqueue(message, 0),
    message: outbox.message,
    now: () => wiring.now(),
    sleep: (milliseconds) => sleep(milliseconds),
  };

  const sender: SenderDependencies = {
    claim: outbox.claim,
    settle: outbox.settle,
    abandonClaim: outbox.abandonClaim,
    endpoint: (endpointId) => endpoints.get(endpointId),
    openCredentials: async (endpoint) => openCredentials(wiring.sendKey, endpoint.endpointId, endpoint.sending?.sealedCredentials ?? ''),
    sender: (provider) => loadSender(provider, { twilioApiBaseUrl: wiring.twilioApiBaseUrl }),
    reserve: rates.reserve,
    slowDown: rates.slowDown,
    requeue: async (message, delaySeconds) => wiring.enqueue(message, delaySeconds),
    pauseEndpoint: (endpointId, reason, now) => endpoints.pauseSending(endpointId, reason, now.toISOString()),
    optOut: outbox.optOut,
    statusCallbackUrl: (endpoint, messageId) => wiring.statusCallbackUrl(endpoint.endpointId, messageId),
    now: () => wiring.now(),
    sleep: (milliseconds) => sleep(milliseconds),
    newClaimId: randomUUID,
  };

  return { accept, sender, outbox };
};
