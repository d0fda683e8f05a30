import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConversationKey } from '../core/ids.ts';
import { conversationChange, conversationKey, entityKinds, messageItem, quarantineKey, type QuarantineRecord, type StoredMessage } from '../core/items.ts';
import type { StoreOutcome } from '../core/process.ts';

/** Concurrent writers of the same message conflict; the loser retries and then sees the winner's item. */
const maxConflictRetries = 4;

const cancellationCodes = (error: unknown): string[] =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') : [];

/** True when the conversation has no later message than the one being stored. */
const isLatestCondition = 'attribute_not_exists(lastMessageAt) OR lastMessageAt <= :lastMessageAt';

export const createMessageStore = (client: DynamoDBDocumentClient, tableName: string) => {
  /**
   * One transaction: the message, put only if its id is new, and an upsert of its
   * conversation with the given attributes, created on first use and counted.
   */
  const storeWith = (message: StoredMessage, conversation: Record<string, unknown>, condition?: string) => {
    const names = Object.keys(conversation);
    return new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: messageItem(message), ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Update: {
            TableName: tableName,
            Key: conversationKey(message.conversationId),
            UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}, createdAt = if_not_exists(createdAt, :changedAt) ADD messageCount :one`,
            ...(condition && { ConditionExpression: condition }),
            ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
            ExpressionAttributeValues: { ...Object.fromEntries(Object.entries(conversation).map(([name, value]) => [`:${name}`, value])), ':one': 1 },
          },
        },
      ],
    });
  };

  return {
    /**
     * Stores the message once and threads it, atomically: a provider retry, a redelivery or a
     * concurrent duplicate stores nothing twice. A message older than the conversation's latest
     * (a late redelivery) is stored and counted without becoming its last message.
     */
    async saveMessage(message: StoredMessage, key: ConversationKey): Promise<StoreOutcome> {
      const latest = conversationChange(message, key);
      const { lastMessageAt, lastMessageId, lastMessagePreview, gsi1sk, ...identity } = latest;
      let command = storeWith(message, latest, isLatestCondition);
      for (let attempt = 0; ; attempt++) {
        try {
          await client.send(command);
          return 'stored';
        } catch (error) {
          const [messageCode, conversationCode] = cancellationCodes(error);
          if (messageCode === 'ConditionalCheckFailed') return 'duplicate';
          if (conversationCode === 'ConditionalCheckFailed') {
            command = storeWith(message, identity);
            continue;
          }
          if (![messageCode, conversationCode].includes('TransactionConflict') || attempt >= maxConflictRetries) throw error;
          await sleep(10 * 2 ** attempt * Math.random());
        }
      }
    },

    /** Keeps a request that can never be processed as it is, for an operator to inspect and replay. */
    async quarantine(record: QuarantineRecord): Promise<void> {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...quarantineKey(record.id),
            entity: entityKinds.quarantine,
            gsi1pk: 'QUARANTINE',
            gsi1sk: `${record.quarantinedAt}#${record.id}`,
            ...record,
          },
        }),
      );
    },
  };
};

export type MessageStore = ReturnType<typeof createMessageStore>;
