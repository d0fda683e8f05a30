import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  attemptExpiresAt,
  bucketExpiresAt,
  byBucket,
  statsKeys,
  type Attempt,
  type AttemptOutcome,
  type BucketKey,
  type Increment,
} from '../core/stats.ts';

/** What a stage learned of an attempt after the ack: the processor's outcome. */
export interface AttemptSettlement {
  readonly outcome: AttemptOutcome;
  readonly reason?: string;
  readonly storedLagMs?: number;
}

/** One bucket's counters after an add: the new value of each attribute the add touched. */
export interface AddedBucket {
  readonly key: BucketKey;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * The stats table's writes (lib/definitions/tables.ts statsTable, keys in core/stats.ts). Every
 * key is built from the tenant the caller passes, which each stage takes from the endpoint
 * record or the queued envelope, never from a request. Counters are ADDed, so concurrent
 * stages and retries never lose one another's counts; there is no read before any write.
 */
export const createStatsStore = (client: DynamoDBDocumentClient, tableName: string) => ({
  /** One webhook attempt as the ack answered it; a retry of the same request id overwrites it. */
  async recordAttempt(attempt: Attempt): Promise<void> {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...attempt, ...statsKeys.attempt(attempt), ...statsKeys.attemptScope(attempt), expiresAt: attemptExpiresAt(attempt.at) },
      }),
    );
  },

  /**
   * The processor's outcome of an attempt the ack recorded: false when there is none (the ack's
   * write failed, or it expired), and then nothing is written: a settle never creates an attempt
   * without the ack's fields.
   */
  async settleAttempt(key: Pick<Attempt, 'tenantId' | 'at' | 'requestId'>, { outcome, reason, storedLagMs }: AttemptSettlement): Promise<boolean> {
    const values: Record<string, string | number> = { ':outcome': outcome };
    const sets = ['outcome = :outcome'];
    if (reason !== undefined) {
      sets.push('reason = :reason');
      values[':reason'] = reason;
    }
    if (storedLagMs !== undefined) {
      sets.push('storedLagMs = :storedLagMs');
      values[':storedLagMs'] = storedLagMs;
    }
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: statsKeys.attempt(key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },

  /**
   * Adds increments to their hour buckets: one UpdateItem per bucket, side by side, which creates
   * the bucket with its key attributes on first use. Answers each bucket's new counter values.
   */
  async add(increments: readonly Increment[]): Promise<AddedBucket[]> {
    return Promise.all(
      byBucket(increments).map(async ({ key, additions }) => {
        const counters = Object.entries(additions);
        const names: Record<string, string> = Object.fromEntries(counters.map(([attribute], index) => [`#c${index}`, attribute]));
        const values: Record<string, string | number> = Object.fromEntries(counters.map(([, n], index) => [`:c${index}`, n]));
        const { scope, scopeSk } = statsKeys.bucketScope(key);
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: statsKeys.bucket(key),
            UpdateExpression: `ADD ${counters.map((_, index) => `#c${index} :c${index}`).join(', ')} SET #scope = :scope, scopeSk = :scopeSk, tenantId = :tenantId, provider = :provider, endpointId = :endpointId, #hour = :hour, expiresAt = if_not_exists(expiresAt, :expiresAt)`,
            ExpressionAttributeNames: { ...names, '#scope': 'scope', '#hour': 'hour' },
            ExpressionAttributeValues: {
              ...values,
              ':scope': scope,
              ':scopeSk': scopeSk,
              ':tenantId': key.tenantId,
              ':provider': key.provider,
              ':endpointId': key.endpointId,
              ':hour': key.hour,
              ':expiresAt': bucketExpiresAt(key.hour),
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        const updated = Attributes ?? {};
        return { key, values: Object.fromEntries(counters.map(([attribute]) => [attribute, Number(updated[attribute])])) };
      }),
    );
  },
});

export type StatsStore = ReturnType<typeof createStatsStore>;
