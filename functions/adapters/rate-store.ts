import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { rateKeyOf, type SendingAddress } from '../core/sending-items.ts';

/**
 * Each sender's rate, held exactly across every concurrent sender function: one item per
 * endpoint and sending address holds `nextAt`, the first free moment (epoch ms). Reserving a
 * slot moves it on by the message's cost with one conditional update, so no two sends share a
 * slot whatever the concurrency; a slot further off than the caller will wait is not taken.
 */

/** Conflicting reservations retry this many times before giving up on the record for now. */
const maxConflicts = 8;
/** After a provider's 429, the sender sends at this fraction of its rate until `slowUntil`. */
const throttledFraction = 0.5;
/** How long a 429 slows a sender after its Retry-After. */
const slowForMs = 60_000;

/** The item a failed condition saw: the document client leaves an exception's Item in DynamoDB's own format. */
const conditionFailedWith = (error: unknown): Record<string, unknown> | undefined | false =>
  error instanceof ConditionalCheckFailedException ? (error.Item ? unmarshall(error.Item) : undefined) : false;

export const createRateStore = (client: DynamoDBDocumentClient, tableName: string) => ({
  async reserve(sender: SendingAddress, perSecond: number, cost: number, now: Date, maxWaitMs: number): Promise<{ at: number } | { retryAt: number }> {
    const key = rateKeyOf(sender);
    const nowMs = now.getTime();
    let slow = false;
    for (let conflict = 0; conflict < maxConflicts; conflict++) {
      const intervalMs = Math.ceil((cost * 1000) / (perSecond * (slow ? throttledFraction : 1)));
      try {
        // The common case under load: the next slot is ahead, and near enough.
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET nextAt = nextAt + :interval',
            ConditionExpression: 'nextAt >= :now AND nextAt <= :latest AND (attribute_not_exists(slowUntil) OR slowUntil < :now OR :slow = :true)',
            ExpressionAttributeValues: { ':interval': intervalMs, ':now': nowMs, ':latest': nowMs + maxWaitMs, ':slow': slow, ':true': true },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { at: (Attributes?.nextAt as number) - intervalMs };
      } catch (error) {
        const old = conditionFailedWith(error);
        if (old === false) throw error;
        const nextAt = old?.nextAt as number | undefined;
        const slowUntil = old?.slowUntil as number | undefined;
        if (slowUntil !== undefined && slowUntil >= nowMs && !slow) {
          slow = true;
          continue;
        }
        if (nextAt !== undefined && nextAt > nowMs + maxWaitMs) return { retryAt: nextAt };
        if (nextAt !== undefined && nextAt >= nowMs) continue;
      }
      try {
        // The sender is idle: the slot is now.
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET nextAt = :next',
            ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt < :now',
            ExpressionAttributeValues: { ':next': nowMs + intervalMs, ':now': nowMs },
          }),
        );
        return { at: nowMs };
      } catch (error) {
        if (conditionFailedWith(error) === false) throw error;
      }
    }
    // Contended beyond reason: try again shortly rather than hold the function.
    return { retryAt: nowMs + 1000 };
  },

  /**
   * The provider said the sender is over its rate: no slot before `until`, and half the rate for
   * a while after, even when slots are already booked past `until` (a busy sender).
   */
  async slowDown(sender: SendingAddress, until: number): Promise<void> {
    const key = rateKeyOf(sender);
    await client.send(new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: 'SET slowUntil = :slowUntil', ExpressionAttributeValues: { ':slowUntil': until + slowForMs } }));
    await client
      .send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET nextAt = :until',
          ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt < :until',
          ExpressionAttributeValues: { ':until': until },
        }),
      )
      .catch((error: unknown) => {
        if (conditionFailedWith(error) === false) throw error;
      });
  },
});

export type RateStore = ReturnType<typeof createRateStore>;
