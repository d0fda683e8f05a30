import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ItemChange } from '../core/changes.ts';
import type { ConversationKey } from '../core/ids.ts';
import {
  conversationChange,
  conversationKey,
  entityKinds,
  eventItem,
  eventKey,
  eventRetentionSeconds,
  messageItem,
  pendingKey,
  pendingPrefix,
  quarantineIndexPartition,
  quarantineKey,
  type QuarantineRecord,
  type StoredEvent,
  type StoredMessage,
} from '../core/items.ts';
import type { EventOutcome, StoreOutcome } from '../core/process.ts';
import { aliasKeyOf, outboxPartition, type OutboundMessage } from '../core/sending-items.ts';

/** One write of a TransactWriteItems request, as the document client takes it. */
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** An outbound message is also filed in its tenant's outbox, by acceptance time. */
const outboxKeys = (message: StoredMessage | OutboundMessage) =>
  message.direction === 'outbound' && 'sendState' in message ? { outboxpk: outboxPartition(message.tenantId), outboxsk: `${message.storedAt}#${message.id}` } : {};

/** Concurrent writers of the same message conflict; the loser retries and then sees the winner's item. */
const maxConflictRetries = 4;

const cancellationReasons = (error: unknown) => (error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : []);
const cancellationCodes = (error: unknown): string[] => cancellationReasons(error).map((reason) => reason.Code ?? 'None');

/**
 * The condition every update carries besides its own: the item exists and is the tenant's.
 * Keys are derived from the tenant already (see ids.ts); this holds even if a key ever is not.
 * `:owner` cannot clash with a change's own `:name` values, which are attribute names it sets.
 */
const ownedBy = (tenantId: string) => ({ condition: 'attribute_exists(pk) AND tenantId = :owner', values: { ':owner': tenantId } });

/** The UpdateItem of a change: only to an existing item of the tenant's, and only when the change's own condition holds. */
const updateOf = (tableName: string, change: ItemChange, tenantId: string) => {
  const names = [...Object.keys(change.set), ...(change.remove ?? [])];
  const set = `SET ${Object.keys(change.set).map((name) => `#${name} = :${name}`).join(', ')}`;
  const remove = change.remove?.length ? ` REMOVE ${change.remove.map((name) => `#${name}`).join(', ')}` : '';
  const owner = ownedBy(tenantId);
  return {
    TableName: tableName,
    Key: change.key,
    UpdateExpression: set + remove,
    ConditionExpression: change.condition ? `${owner.condition} AND (${change.condition})` : owner.condition,
    ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
    ExpressionAttributeValues: { ...Object.fromEntries(Object.entries(change.set).map(([name, value]) => [`:${name}`, value])), ...owner.values },
    // Tells a missing item (pending) from one whose state is already later (stale).
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
};

/** True when the conversation is new or the tenant's own: `:tenantId` is the value the upsert sets. */
const isOwnConversation = 'attribute_not_exists(pk) OR tenantId = :tenantId';
/** True when the conversation has no later message than the one being stored. */
const isLatestCondition = 'attribute_not_exists(lastMessageAt) OR lastMessageAt <= :lastMessageAt';

export const createMessageStore = (client: DynamoDBDocumentClient, tableName: string) => {
  const pendingItem = (event: StoredEvent, change: ItemChange) => ({
    ...pendingKey(change.key.pk, event.id),
    entity: entityKinds.pending,
    event,
    change,
    expiresAt: Math.floor(Date.parse(event.storedAt) / 1000) + eventRetentionSeconds,
  });

  const exists = async (key: { pk: string; sk: string }): Promise<boolean> =>
    (await client.send(new GetCommand({ TableName: tableName, Key: key, ProjectionExpression: 'pk', ConsistentRead: true }))).Item !== undefined;

  /**
   * One transaction: the message, put only if its id is new, and an upsert of its
   * conversation with the given attributes, created on first use and counted; `asLatest`
   * makes it the conversation's last message, only if none later is there.
   */
  const storeWith = (message: StoredMessage | OutboundMessage, conversation: Record<string, unknown>, asLatest: boolean, extra: readonly TransactItem[]) => {
    const names = Object.keys(conversation);
    return new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: { ...messageItem(message), ...outboxKeys(message) }, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Update: {
            TableName: tableName,
            Key: conversationKey(message.conversationId),
            UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}, createdAt = if_not_exists(createdAt, :changedAt) ADD messageCount :one`,
            ConditionExpression: asLatest ? `(${isOwnConversation}) AND (${isLatestCondition})` : isOwnConversation,
            ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
            ExpressionAttributeValues: { ...Object.fromEntries(Object.entries(conversation).map(([name, value]) => [`:${name}`, value])), ':one': 1 },
          },
        },
        ...extra,
      ],
    });
  };

  /**
   * Applies the changes that waited for an item, now that it is stored, each once however
   * many processors try: the marker's deletion is the transaction's condition. A change the
   * item is already past is kept as stale.
   */
  const applyPending = async (targetPk: string, now: string): Promise<{ event: StoredEvent; outcome: EventOutcome }[]> => {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :pending)',
        ExpressionAttributeValues: { ':pk': targetPk, ':pending': pendingPrefix },
        ConsistentRead: true,
      }),
    );
    const results: { event: StoredEvent; outcome: EventOutcome }[] = [];
    for (const marker of Items as { event: StoredEvent; change: ItemChange }[]) {
      const { event, change } = marker;
      const consume = { Delete: { TableName: tableName, Key: pendingKey(targetPk, event.id), ConditionExpression: 'attribute_exists(pk)' } };
      const settle = (state: StoredEvent['state']) => ({
        Update: {
          TableName: tableName,
          Key: eventKey(event.id),
          UpdateExpression: 'SET #state = :state',
          ConditionExpression: ownedBy(event.tenantId).condition,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ...ownedBy(event.tenantId).values },
        },
      });
      const update = updateOf(tableName, { ...change, set: { ...change.set, changedAt: now } }, event.tenantId);
      try {
        await client.send(new TransactWriteCommand({ TransactItems: [consume, settle('applied'), { Update: update }] }));
        results.push({ event, outcome: 'applied' });
      } catch (error) {
        const [markerReason, , targetReason] = cancellationReasons(error);
        // Another processor applied it first.
        if (markerReason?.Code === 'ConditionalCheckFailed') continue;
        if (targetReason?.Code !== 'ConditionalCheckFailed') throw error;
        // The target is gone again: the change keeps waiting.
        if (!targetReason.Item) continue;
        await client.send(new TransactWriteCommand({ TransactItems: [consume, settle('stale')] }));
        results.push({ event, outcome: 'stale' });
      }
    }
    return results;
  };

  return {
    /**
     * Stores the message once and threads it, atomically: a provider retry, a redelivery or a
     * concurrent duplicate stores nothing twice. A message older than the conversation's latest
     * (a late redelivery) is stored and counted without becoming its last message. `extra`
     * writes (a sent message's idempotency record) commit with it or not at all.
     */
    async saveMessage(message: StoredMessage | OutboundMessage, key: ConversationKey, extra: readonly TransactItem[] = []): Promise<StoreOutcome> {
      const latest = conversationChange(message, key);
      // An older message than the latest (a late redelivery) moves neither the latest message nor the window's start.
      const { lastMessageAt, lastMessageId, lastMessagePreview, gsi1sk, lastInboundAt, ...identity } = latest as typeof latest & { lastInboundAt?: string };
      let asLatest = true;
      for (let attempt = 0; ; attempt++) {
        try {
          await client.send(storeWith(message, asLatest ? latest : identity, asLatest, extra));
          return 'stored';
        } catch (error) {
          const [messageCode, conversationCode, ...extraCodes] = cancellationCodes(error);
          // An extra write's own condition (an idempotency record's: the key is taken) makes it a duplicate too.
          if (messageCode === 'ConditionalCheckFailed' || extraCodes.includes('ConditionalCheckFailed')) return 'duplicate';
          if (conversationCode === 'ConditionalCheckFailed') {
            // The conversation id is derived from the tenant, so only "latest" can fail for the tenant's own.
            if (!asLatest) throw new Error(`conversation ${message.conversationId} is not tenant ${message.tenantId}'s`);
            asLatest = false;
            continue;
          }
          if (![messageCode, conversationCode].includes('TransactionConflict') || attempt >= maxConflictRetries) throw error;
          await sleep(10 * 2 ** attempt * Math.random());
        }
      }
    },

    /**
     * Keeps a provider event once and applies its change in the same transaction, so a
     * retried receipt neither doubles nor re-applies. When the change cannot apply, the event
     * is still kept, with why: its message is not stored yet, or it is already past this state.
     */
    async saveEvent(event: StoredEvent, change?: ItemChange): Promise<EventOutcome> {
      const put = (state: StoredEvent['state']) => ({
        Put: { TableName: tableName, Item: eventItem({ ...event, state }), ConditionExpression: 'attribute_not_exists(pk)' },
      });
      if (!change) {
        try {
          await client.send(new TransactWriteCommand({ TransactItems: [put('recorded')] }));
          return 'recorded';
        } catch (error) {
          if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return 'duplicate';
          throw error;
        }
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await client.send(new TransactWriteCommand({ TransactItems: [put('applied'), { Update: updateOf(tableName, change, event.tenantId) }] }));
          return 'applied';
        } catch (error) {
          const [eventReason, targetReason] = cancellationReasons(error);
          if (eventReason?.Code === 'ConditionalCheckFailed') return 'duplicate';
          if (targetReason?.Code === 'ConditionalCheckFailed') {
            const state = targetReason.Item ? 'stale' : 'pending';
            const marker = state === 'pending' ? [{ Put: { TableName: tableName, Item: pendingItem(event, change) } }] : [];
            try {
              await client.send(new TransactWriteCommand({ TransactItems: [put(state), ...marker] }));
            } catch (retryError) {
              if (cancellationCodes(retryError)[0] === 'ConditionalCheckFailed') return 'duplicate';
              throw retryError;
            }
            // The target may have been stored between the first attempt and the marker: then
            // its own search for markers ran too early, and this one applies it.
            if (state === 'pending' && (await exists(change.key))) {
              const applied = (await applyPending(change.key.pk, event.storedAt)).find((result) => result.event.id === event.id);
              return applied?.outcome ?? 'pending';
            }
            return state;
          }
          if (![eventReason?.Code, targetReason?.Code].includes('TransactionConflict') || attempt >= maxConflictRetries) throw error;
          await sleep(10 * 2 ** attempt * Math.random());
        }
      }
    },

    applyPending,

    /** The message Switchboard sent that a provider-scoped id names (its alias, sending-items.ts), if it is the tenant's. */
    async sentMessageOf(providerScopedMessageId: string, tenantId: string): Promise<string | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: aliasKeyOf(providerScopedMessageId) }));
      return Item?.tenantId === tenantId ? (Item.messageId as string) : undefined;
    },

    /** Keeps a request that can never be processed as it is, for an operator to inspect and replay. */
    async quarantine(record: QuarantineRecord): Promise<void> {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...quarantineKey(record.id),
            entity: entityKinds.quarantine,
            gsi1pk: quarantineIndexPartition,
            gsi1sk: `${record.quarantinedAt}#${record.id}`,
            ...record,
          },
        }),
      );
    },
  };
};

export type MessageStore = ReturnType<typeof createMessageStore>;
