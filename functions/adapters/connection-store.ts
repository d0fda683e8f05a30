import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** API Gateway closes a WebSocket connection after 2 hours; its record expires with it. */
export const connectionLifetimeSeconds = 2 * 3600;

export interface Connection {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly connectedAt: string;
}

export const createConnectionStore = (client: DynamoDBDocumentClient, tableName: string) => ({
  async add(connection: Connection): Promise<void> {
    const expiresAt = Math.floor(Date.parse(connection.connectedAt) / 1000) + connectionLifetimeSeconds;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...connection, expiresAt } }));
  },

  async remove(connectionId: string): Promise<void> {
    await client.send(new DeleteCommand({ TableName: tableName, Key: { connectionId } }));
  },

  /** A tenant's connections, through the tenant index: never a scan. */
  async connectionsOf(tenantId: string): Promise<string[]> {
    const ids: string[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'byTenant',
          KeyConditionExpression: 'tenantId = :tenantId',
          ExpressionAttributeValues: { ':tenantId': tenantId },
          ProjectionExpression: 'connectionId',
          ExclusiveStartKey,
        }),
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.connectionId)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return ids;
  },
});

export type ConnectionStore = ReturnType<typeof createConnectionStore>;
