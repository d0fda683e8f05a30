import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

/** How many message items a tenant has in the messages table: a paginated, filtered COUNT scan. */
export const countStoredMessages = async (client: DynamoDBClient, tableName: string, tenantId: string): Promise<number> => {
  let count = 0;
  let startKey: Record<string, never> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await client.send(
      new ScanCommand({
        TableName: tableName,
        Select: 'COUNT',
        FilterExpression: '#entity = :message AND #tenant = :tenant',
        ExpressionAttributeNames: { '#entity': 'entity', '#tenant': 'tenantId' },
        ExpressionAttributeValues: { ':message': { S: 'message' }, ':tenant': { S: tenantId } },
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    count += result.Count ?? 0;
    startKey = result.LastEvaluatedKey as Record<string, never> | undefined;
    if (!startKey) return count;
  }
  throw new Error('scan did not end within 10,000 pages');
};

/**
 * Counts until the tenant has `expected` messages or `timeoutMs` passes; resolves with the
 * last count and how long the wait took.
 */
export const waitForStoredCount = async (client: DynamoDBClient, tableName: string, tenantId: string, expected: number, timeoutMs: number) => {
  const start = performance.now();
  let count = await countStoredMessages(client, tableName, tenantId);
  while (count < expected && performance.now() - start < timeoutMs) {
    await sleep(1_000);
    count = await countStoredMessages(client, tableName, tenantId);
  }
  return { count, waitedMs: performance.now() - start };
};
