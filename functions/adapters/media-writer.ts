import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { messageKey } from '../core/items.ts';
import type { MediaItem } from '../core/message.ts';

/** Puts a kept file with its verified type: S3 serves it as that, and a signed link may override only the name. */
export const mediaFilesOn = (client: S3Client, bucket: string) => ({
  put: async (key: string, bytes: Buffer, contentType: string): Promise<void> => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: contentType }));
  },
});

/**
 * Settles a message's media in one UpdateItem: every file at once, `mediaPending` removed,
 * `changedAt` moved so the broadcaster sends `message.updated`. Held to the tenant the stream
 * record named, to a message still pending (a redelivered record changes nothing twice), and
 * to one not unsent since (an unsend empties media, which must stay empty). 'stale' when the
 * condition did not hold.
 */
export const settleMediaOn =
  (client: DynamoDBDocumentClient, tableName: string) =>
  async (message: { readonly id: string; readonly tenantId: string }, media: readonly MediaItem[], now: string): Promise<'settled' | 'stale'> => {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(message.id),
          UpdateExpression: 'SET #media = :media, #changedAt = :changedAt REMOVE #mediaPending',
          ConditionExpression: '#tenantId = :tenantId AND attribute_exists(#mediaPending) AND attribute_not_exists(#deleted)',
          ExpressionAttributeNames: { '#media': 'media', '#changedAt': 'changedAt', '#mediaPending': 'mediaPending', '#tenantId': 'tenantId', '#deleted': 'deleted' },
          ExpressionAttributeValues: { ':media': media, ':changedAt': now, ':tenantId': message.tenantId },
        }),
      );
      return 'settled';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  };
