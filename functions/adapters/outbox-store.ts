import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conversationKey, messageKey, statusRank } from '../core/items.ts';
import { conversationIdFor, messageIdFor } from '../core/ids.ts';
import type { DeliveryStatus } from '../core/message.ts';
import type { ProviderError } from '../core/outbound.ts';
import type { ClaimResult, Guard, Settlement } from '../core/send.ts';
import {
  aliasKeyOf,
  idempotencyKeyOf,
  openItem,
  openKeyOf,
  openPartition,
  outboxPartition,
  type IdempotencyRecord,
  type OpenMarker,
  type OutboundMessage,
} from '../core/sending-items.ts';

/**
 * The outbound messages' writes after their accept: the claim, each settlement, the alias a
 * receipt finds them by, and the reads the accept, the sender and the reconciler make. Every
 * update is conditional on the tenant as well as on the state it expects.
 */

export interface OutboxTables {
  readonly messages: string;
  readonly sending: string;
}

/** Aliases live as long as the receipts that may name them: WhatsApp retries for 7 days. */
const aliasRetentionSeconds = 8 * 24 * 3600;

const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;
const isCancelledByCondition = (error: unknown): boolean =>
  error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');

/** An update of a message of the tenant's, in DynamoDB's terms, from plain attribute maps. */
const messageUpdate = (
  tableName: string,
  message: Pick<OutboundMessage, 'id' | 'tenantId'>,
  { set = {}, add = {}, remove = [], condition, values = {} }: { set?: Record<string, unknown>; add?: Record<string, number>; remove?: string[]; condition: string; values?: Record<string, unknown> },
) => {
  const clauses = [
    Object.keys(set).length ? `SET ${Object.keys(set).map((name) => `#${name} = :${name}`).join(', ')}` : '',
    Object.keys(add).length ? `ADD ${Object.keys(add).map((name) => `#${name} :${name}`).join(', ')}` : '',
    remove.length ? `REMOVE ${remove.map((name) => `#${name}`).join(', ')}` : '',
  ];
  const UpdateExpression = clauses.filter(Boolean).join(' ');
  const ConditionExpression = `attribute_exists(pk) AND tenantId = :owner AND (${condition})`;
  // DynamoDB refuses a name or value the expressions do not use: only those they name are passed.
  const used = (prefix: string) => new Set(`${UpdateExpression} ${ConditionExpression}`.match(new RegExp(`${prefix}\\w+`, 'g')) ?? []);
  const usedNames = used('#');
  const usedValues = used(':');
  const allValues: Record<string, unknown> = { ...Object.fromEntries(Object.entries({ ...set, ...add }).map(([name, value]) => [`:${name}`, value])), ...values, ':owner': message.tenantId };
  return {
    TableName: tableName,
    Key: messageKey(message.id),
    UpdateExpression,
    ConditionExpression,
    ExpressionAttributeNames: Object.fromEntries([...usedNames].map((name) => [name, name.slice(1)])),
    ExpressionAttributeValues: Object.fromEntries(Object.entries(allValues).filter(([name]) => usedValues.has(name))),
  };
};

const guardOf = (guard: Guard) =>
  'claimId' in guard
    ? { condition: '#sendState = :claimedState AND #claimId = :heldClaim', values: { ':claimedState': 'claimed', ':heldClaim': guard.claimId } }
    : { condition: '#sendState = :unknownState AND #unknownSince = :heldSince', values: { ':unknownState': 'unknown', ':heldSince': guard.unknownSince } };

export const createOutboxStore = (client: DynamoDBDocumentClient, tables: OutboxTables) => {
  const update = async (input: ReturnType<typeof messageUpdate>): Promise<boolean> => {
    try {
      await client.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  const getMessage = async (messageId: string): Promise<Record<string, unknown> | undefined> =>
    (await client.send(new GetCommand({ TableName: tables.messages, Key: messageKey(messageId), ConsistentRead: true }))).Item;

  /** The sent message's settlement: its provider id, and `sent` unless a receipt got there first; the alias in the same transaction. */
  const settleSent = async (message: OutboundMessage, guard: Guard, providerMessageId: string, now: string): Promise<boolean> => {
    const { condition, values } = guardOf(guard);
    const alias = {
      Put: {
        TableName: tables.messages,
        Item: {
          ...aliasKeyOf(messageIdFor({ tenantId: message.tenantId, namespace: message.provider }, providerMessageId)),
          entity: 'alias',
          messageId: message.id,
          tenantId: message.tenantId,
          expiresAt: Math.floor(Date.parse(now) / 1000) + aliasRetentionSeconds,
        },
      },
    };
    const done = { sendState: 'done', providerMessageId, sentAt: now, changedAt: now };
    for (const asSent of [true, false]) {
      const set = asSent ? { ...done, status: 'sent', statusRank: statusRank.sent, statusAt: now } : done;
      const forward = asSent ? ' AND #statusRank < :sentRank' : '';
      const input = messageUpdate(tables.messages, message, { set, remove: ['claimId', 'lastError'], condition: condition + forward, values: { ...values, ...(asSent && { ':sentRank': statusRank.sent }) } });
      try {
        await client.send(new TransactWriteCommand({ TransactItems: [{ Update: input }, alias] }));
        return true;
      } catch (error) {
        if (!isCancelledByCondition(error)) throw error;
      }
    }
    return false;
  };

  return {
    /** The accept's idempotency record, if the key was used in the last 24 hours. */
    async idempotencyRecord(tenantId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: tables.sending, Key: idempotencyKeyOf(tenantId, idempotencyKey), ConsistentRead: true }));
      return Item as IdempotencyRecord | undefined;
    },

    message: getMessage,

    /** A conversation by id, read consistently: a reply must see the customer's latest message and opt-out. */
    async conversation(conversationId: string): Promise<Record<string, unknown> | undefined> {
      return (await client.send(new GetCommand({ TableName: tables.messages, Key: conversationKey(conversationId), ConsistentRead: true }))).Item;
    },

    /** A message of the tenant's, by id. */
    async outbound(tenantId: string, messageId: string): Promise<OutboundMessage | undefined> {
      const item = await getMessage(messageId);
      return item?.tenantId === tenantId && item.direction === 'outbound' && 'sendState' in item ? (item as unknown as OutboundMessage) : undefined;
    },

    async claim(tenantId: string, messageId: string, claimId: string, now: Date): Promise<ClaimResult> {
      const at = now.toISOString();
      const input = messageUpdate(tables.messages, { id: messageId, tenantId }, {
        set: { sendState: 'claimed', claimId, claimedAt: at, status: 'sending', statusRank: statusRank.sending, statusAt: at, changedAt: at },
        add: { attempts: 1 },
        condition: '#sendState = :ready AND #notBefore <= :now AND #statusRank < :sentRank',
        values: { ':ready': 'ready', ':now': at, ':sentRank': statusRank.sent },
      });
      try {
        const { Attributes } = await client.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
        return { claimed: Attributes as OutboundMessage };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const current = await getMessage(messageId);
        return { current: current?.tenantId === tenantId && current.direction === 'outbound' ? (current as unknown as OutboundMessage) : undefined };
      }
    },

    async settle(message: OutboundMessage, guard: Guard, settlement: Settlement, now: Date): Promise<boolean> {
      const at = now.toISOString();
      const { condition, values } = guardOf(guard);
      switch (settlement.kind) {
        case 'sent':
          return settleSent(message, guard, settlement.providerMessageId, at);
        case 'retry':
          return update(
            messageUpdate(tables.messages, message, {
              set: { sendState: 'ready', notBefore: settlement.notBefore, lastError: settlement.lastError, changedAt: at },
              ...(settlement.attemptsDelta !== 0 && { add: { attempts: settlement.attemptsDelta } }),
              remove: ['claimId', 'unknownSince'],
              condition,
              values,
            }),
          );
        case 'unknown':
          return update(messageUpdate(tables.messages, message, { set: { sendState: 'unknown', unknownSince: at, lastError: settlement.lastError, changedAt: at }, remove: ['claimId'], condition, values }));
        case 'done':
          return update(messageUpdate(tables.messages, message, { set: { sendState: 'done', changedAt: at }, remove: ['claimId', 'unknownSince'], condition, values }));
        case 'failed': {
          const { failure } = settlement;
          const common = { sendState: 'done', failure, changedAt: at };
          // Failed ranks below read only: a read receipt that came first (WhatsApp) wins.
          const asFailed = { ...common, status: 'failed', statusRank: statusRank.failed, statusAt: at, statusError: { code: failure.code, message: failure.message } };
          return (
            (await update(messageUpdate(tables.messages, message, { set: asFailed, remove: ['claimId', 'unknownSince'], condition: `${condition} AND #statusRank < :failedRank`, values: { ...values, ':failedRank': statusRank.failed } }))) ||
            update(messageUpdate(tables.messages, message, { set: common, remove: ['claimId', 'unknownSince'], condition, values }))
          );
        }
      }
    },

    async abandonClaim(message: OutboundMessage & { readonly claimId: string }, now: Date): Promise<boolean> {
      const at = now.toISOString();
      return update(
        messageUpdate(tables.messages, message, {
          set: { sendState: 'unknown', unknownSince: at, changedAt: at },
          remove: ['claimId'],
          condition: '#sendState = :claimedState AND #claimId = :heldClaim',
          values: { ':claimedState': 'claimed', ':heldClaim': message.claimId },
        }),
      );
    },

    /**
     * Puts a failed message back in the queue's hands: only from failed, as a new attempt with a
     * fresh validity, watched again by the reconciler (a new marker) should queueing it fail.
     */
    async retryFailed(tenantId: string, messageId: string, now: Date, validUntil: string): Promise<OutboundMessage | undefined> {
      const at = now.toISOString();
      const input = messageUpdate(tables.messages, { id: messageId, tenantId }, {
        set: { sendState: 'ready', notBefore: at, validUntil, status: 'queued', statusRank: statusRank.queued, statusAt: at, changedAt: at },
        remove: ['failure', 'statusError', 'lastError', 'unknownSince', 'claimId'],
        condition: '#status = :failed AND #sendState = :doneState',
        values: { ':failed': 'failed', ':doneState': 'done' },
      });
      const current = await getMessage(messageId);
      if (current?.tenantId !== tenantId || current.direction !== 'outbound') return undefined;
      const marker = openItem({ tenantId, messageId, channel: current.channel as OpenMarker['channel'], acceptedAt: at });
      try {
        await client.send(new TransactWriteCommand({ TransactItems: [{ Update: input }, { Put: { TableName: tables.sending, Item: marker } }] }));
      } catch (error) {
        if (isCancelledByCondition(error)) return undefined;
        throw error;
      }
      return (await getMessage(messageId)) as unknown as OutboundMessage;
    },

    /** Moves a message's status forward to what the provider said when asked, never back. */
    async advanceStatus(message: OutboundMessage, status: DeliveryStatus, error: ProviderError | undefined, now: Date): Promise<void> {
      const at = now.toISOString();
      await update(
        messageUpdate(tables.messages, message, {
          set: { status, statusRank: statusRank[status], statusAt: at, changedAt: at, ...(error && { statusError: error }) },
          condition: '#statusRank < :rank',
          values: { ':rank': statusRank[status] },
        }),
      );
    },

    /** The recipient opted out: the conversation refuses sends until they opt in again. */
    async optOut(message: OutboundMessage): Promise<void> {
      const key = { tenantId: message.tenantId, channel: message.channel, businessAddress: message.from, customerAddress: message.to };
      await client
        .send(
          new UpdateCommand({
            TableName: tables.messages,
            Key: conversationKey(conversationIdFor(key)),
            UpdateExpression: 'SET optedOut = :true',
            ConditionExpression: 'attribute_exists(pk) AND tenantId = :owner',
            ExpressionAttributeValues: { ':true': true, ':owner': message.tenantId },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    },

    /** A tenant's outbound messages, newest first, optionally of one status. */
    async list(tenantId: string, { status, limit }: { status?: string; limit: number }): Promise<OutboundMessage[]> {
      const items: OutboundMessage[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tables.messages,
            IndexName: 'outbox',
            KeyConditionExpression: 'outboxpk = :partition',
            ...(status !== undefined && { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
            ExpressionAttributeValues: { ':partition': outboxPartition(tenantId), ...(status !== undefined && { ':status': status }) },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...((page.Items ?? []) as OutboundMessage[]));
        start = page.LastEvaluatedKey;
      } while (start && items.length < limit);
      return items.slice(0, limit);
    },

    /** A page of the markers of messages accepted before `before`, oldest first, in one shard; `next` continues it. */
    async openMarkers(shard: number, before: string, limit: number, after?: string): Promise<{ markers: OpenMarker[]; next?: string }> {
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tables.sending,
          KeyConditionExpression: 'pk = :pk AND sk < :before',
          ExpressionAttributeValues: { ':pk': openPartition(shard), ':before': before },
          Limit: limit,
          ...(after !== undefined && { ExclusiveStartKey: { pk: openPartition(shard), sk: after } }),
        }),
      );
      return { markers: Items as OpenMarker[], ...(LastEvaluatedKey && { next: LastEvaluatedKey.sk as string }) };
    },

    /** Deletes a marker of the tenant's; another tenant's is left alone. */
    async closeMarker(marker: OpenMarker): Promise<void> {
      await client
        .send(
          new DeleteCommand({
            TableName: tables.sending,
            Key: openKeyOf(marker),
            ConditionExpression: 'tenantId = :owner',
            ExpressionAttributeValues: { ':owner': marker.tenantId },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    },
  };
};

export type OutboxStore = ReturnType<typeof createOutboxStore>;
