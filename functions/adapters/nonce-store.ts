import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Claims one-time values with a conditional put. TTL deletion lags by up to two days, so an
 * expired item that is still there counts as unclaimed.
 */
export const createNonceStore = (client: DynamoDBDocumentClient, tableName: string, now: () => Date = () => new Date()) => ({
  async claim(nonce: string, ttlSeconds: number): Promise<boolean> {
    const nowSeconds = Math.floor(now().getTime() / 1000);
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { nonce, expiresAt: nowSeconds + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(nonce) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },
  async release(nonce: string): Promise<void> {
    await client.send(new DeleteCommand({ TableName: tableName, Key: { nonce } }));
  },
});
