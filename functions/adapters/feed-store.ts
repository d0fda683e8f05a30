import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { feedRetentionSeconds, type FeedReader, type FeedWriter } from '../core/feed.ts';

/**
 * The feed table (lib/definitions/tables.ts): a tenant's counter at `seq` 0, its frames and
 * holes at their numbers, and a marker per published stream record under `REC#<tenant>#<record id>`
 * (a tenant id never holds `#`, so no marker is a tenant's partition).
 */

const counterKey = (tenantId: string) => ({ tenantId, seq: 0 });
const markerKey = (tenantId: string, recordId: string) => ({ tenantId: `REC#${tenantId}#${recordId}`, seq: 0 });
const expiresAt = (reservedAt: number) => Math.floor(reservedAt / 1000) + feedRetentionSeconds;

/** The broadcaster's writes: reservations, frames, holes. */
export const createFeedWriter = (client: DynamoDBDocumentClient, tableName: string): FeedWriter => {
  /** A hole, unless something (the frame itself, after a write whose outcome was unknown) is already there. */
  const writeHole = async ({ tenantId, seq, reservedAt }: { tenantId: string; seq: number; reservedAt: number }) => {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { tenantId, seq, reservedAt, expiresAt: expiresAt(reservedAt) },
          ConditionExpression: 'attribute_not_exists(seq)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };

  return {
    async reserve(tenantId, count) {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: counterKey(tenantId),
          UpdateExpression: 'ADD #last :count',
          ExpressionAttributeNames: { '#last': 'last' },
          ExpressionAttributeValues: { ':count': count },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const last = Number(Attributes?.last);
      return { first: last - count + 1, reservedAt: Date.now() };
    },

    async publish(writes) {
      const statuses: ('published' | 'duplicate')[] = writes.map(() => 'published');
      for (;;) {
        const pending = writes.filter((_, index) => statuses[index] === 'published');
        if (pending.length === 0) break;
        try {
          await client.send(
            new TransactWriteCommand({
              TransactItems: pending.flatMap(({ tenantId, recordId, seq, frame, reservedAt }) => [
                {
                  Put: {
                    TableName: tableName,
                    Item: { ...markerKey(tenantId, recordId), published: seq, expiresAt: expiresAt(reservedAt) },
                    ConditionExpression: 'attribute_not_exists(seq)',
                  },
                },
                { Put: { TableName: tableName, Item: { tenantId, seq, frame, reservedAt, recordId, expiresAt: expiresAt(reservedAt) } } },
              ]),
            }),
          );
          break;
        } catch (error) {
          // The markers that exist name the records published before; the rest is tried again without them.
          const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
          const published = pending.filter((_, index) => reasons[index * 2]?.Code === 'ConditionalCheckFailed');
          if (published.length === 0) throw error;
          for (const write of published) {
            statuses[writes.indexOf(write)] = 'duplicate';
            await writeHole(write);
          }
        }
      }
      return statuses;
    },

    abandon: writeHole,
  };
};

/** The query function's reads: by key and by one partition's range, never a scan, never a write. */
export const createFeedReader = (client: DynamoDBDocumentClient, tableName: string): FeedReader => ({
  async head(tenantId) {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: counterKey(tenantId), ConsistentRead: true, ProjectionExpression: '#last', ExpressionAttributeNames: { '#last': 'last' } }));
    return Number(Item?.last ?? 0);
  },

  async entriesAfter(tenantId, after, limit) {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'tenantId = :tenantId AND seq > :after',
        ExpressionAttributeValues: { ':tenantId': tenantId, ':after': after },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return Items.map((item) => ({ seq: Number(item.seq), reservedAt: Number(item.reservedAt), ...(typeof item.frame === 'string' && { frame: item.frame }) }));
  },
});
