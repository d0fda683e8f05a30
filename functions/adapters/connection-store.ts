import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Subscriber } from '../core/broadcast.ts';

/** API Gateway closes a WebSocket connection after 2 hours; its record expires with it. */
export const connectionLifetimeSeconds = 2 * 3600;

export interface Connection {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly connectedAt: string;
  /** The one conversation the connection listens to; absent, the whole tenant. */
  readonly conversationId?: string;
}

export const createConnectionStore = (client: DynamoDBDocumentClient, tableName: string) => ({
  async add(connection: Connection): Promise<void> {
    const expiresAt = Math.floor(Date.parse(connection.connectedAt) / 1000) + connectionLifetimeSeconds;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...connection, expiresAt } }));
  },

  /** The tenant an open connection was admitted for, or undefined once it is gone. */
  async tenantOf(connectionId: string): Promise<string | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { connectionId }, ProjectionExpression: 'tenantId' }));
    return Item?.tenantId as string | undefined;
  },

  async remove(connectionId: string): Promise<void> {
    await client.send(new DeleteCommand({ TableName: tableName, Key: { connectionId } }));
  },

  /**
   * Narrows a connection to one conversation, or widens it back to the whole tenant. False
   * when the connection is not (or no longer) recorded: a subscription never creates one.
   */
  async subscribe(connectionId: string, conversationId: string | undefined): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connectionId },
          UpdateExpression: conversationId === undefined ? 'REMOVE conversationId' : 'SET conversationId = :conversationId',
          ConditionExpression: 'attribute_exists(connectionId)',
          ...(conversationId !== undefined && { ExpressionAttributeValues: { ':conversationId': conversationId } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },

  /** A tenant's connections and their subscriptions, through the tenant index: never a scan. */
  async subscribersOf(tenantId: string): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'byTenant',
          KeyConditionExpression: 'tenantId = :tenantId',
          ExpressionAttributeValues: { ':tenantId': tenantId },
          ProjectionExpression: 'connectionId, conversationId',
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        subscribers.push({
          connectionId: String(item.connectionId),
          ...(typeof item.conversationId === 'string' && { conversationId: item.conversationId }),
        });
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return subscribers;
  },
});

export type ConnectionStore = ReturnType<typeof createConnectionStore>;
