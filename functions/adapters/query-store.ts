import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conversationKey } from '../core/items.ts';
import type { IndexKey, QueryStore } from '../core/query.ts';

/** The query API's reads of the messages table: by key and by index, never a scan, never a write. */
export const createQueryStore = (client: DynamoDBDocumentClient, tableName: string): QueryStore => ({
  async conversation(conversationId) {
    const { Item: item } = await client.send(new GetCommand({ TableName: tableName, Key: conversationKey(conversationId) }));
    return item;
  },

  async newestFirst(partition, limit, after?: IndexKey) {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': partition },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: after,
      }),
    );
    return { items: page.Items ?? [], more: page.LastEvaluatedKey !== undefined };
  },
});
