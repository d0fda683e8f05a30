import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { entityKinds, failureKey, type RecordFailure } from '../core/items.ts';

/**
 * Why each queue record last failed, in the messages table by its SQS message id, which a
 * move to the DLQ keeps: `switchboard dlq list` reads it there. A later failure of the same
 * record overwrites it. The item lives as long as its record can wait in the DLQ
 * (`retentionSeconds`), then DynamoDB's TTL deletes it. The stream filter passes only
 * messages and conversations, so no client ever sees it.
 */
export const createFailureStore = (client: DynamoDBDocumentClient, tableName: string, { retentionSeconds }: { retentionSeconds: number }) => ({
  async record(failure: RecordFailure): Promise<void> {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...failureKey(failure.sqsMessageId),
          entity: entityKinds.failure,
          expiresAt: Math.floor(Date.parse(failure.failedAt) / 1000) + retentionSeconds,
          ...failure,
        },
      }),
    );
  },
});
