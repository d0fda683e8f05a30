import { HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { uploadItem, uploadItemKeyOf, type UploadRecord } from '../core/uploads.ts';
import { bodyStoreOn } from './body-store.ts';

/**
 * Uploaded files (core/uploads.ts): what the caller declared, in the sending table, and the
 * objects themselves, in the body bucket under `uploads/<tenantId>/`.
 */

export const createUploadRecords = (client: DynamoDBDocumentClient, sendingTable: string) => ({
  async saveUpload(record: UploadRecord): Promise<void> {
    await client.send(new PutCommand({ TableName: sendingTable, Item: uploadItem(record) }));
  },
  async upload(tenantId: string, mediaId: string): Promise<UploadRecord | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: sendingTable, Key: uploadItemKeyOf(tenantId, mediaId) }));
    if (!Item) return undefined;
    const { tenantId: owner, mediaId: id, contentType, filename, sizeBytes, requestedAt } = Item as UploadRecord;
    return { tenantId: owner, mediaId: id, contentType, filename, sizeBytes, requestedAt };
  },
});

export const uploadObjectsOn = (client: S3Client, bucket: string) => ({
  /** The stored object's real size; undefined when nothing was uploaded to `key`. */
  async head(key: string): Promise<{ readonly sizeBytes: number } | undefined> {
    try {
      const { ContentLength } = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { sizeBytes: ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  },
  bytes: bodyStoreOn(client, bucket).get,
});
