import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conversationKey } from '../core/items.ts';
import type { IndexKey, QueryStore } from '../core/query.ts';

/** The query API's reads of the messages table: by key and by index, never a scan, never a write. */
export const createQueryStore = (client: DynamoDBDocumentClient, tableName: string): QueryStore => ({
  async conversation(conversationId) {
    const { Item: item } = await client.send(new GetCommand({ TableName: tableName, Key: conversationKey(conversationId) }));
    return item;
  },

  /**
   * DynamoDB hands back a LastEvaluatedKey whenever a query stops at its Limit, even when
   * nothing follows, so a page of exactly the last `limit` items would get a cursor to an empty
   * page. One item more than the page is read instead: `more` is whether it exists. A query also
   * stops at 1 MB of items, so it goes on from where it stopped until it has that many or the
   * index has no more.
   */
  async newestFirst(partition, limit, after?: IndexKey) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined = after ? { ...after } : undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :partition',
          ExpressionAttributeValues: { ':partition': partition },
          ScanIndexForward: false,
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length <= limit);
    return { items: items.slice(0, limit), more: items.length > limit };
  },
});
