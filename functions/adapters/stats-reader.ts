import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  attemptOf,
  bucketRowOf,
  maxRecentPages,
  mergeRecent,
  recentPageSize,
  statsKeys,
  type Attempt,
  type AttemptFilter,
  type BucketRow,
  type RecentAttempts,
  type StatsReader,
  type StatsWindow,
} from '../core/stats.ts';

/** One partition a read looks in: a tenant's of the table, or one shard of `byScope`. */
interface Partition {
  readonly index: { IndexName?: string };
  readonly partitionKey: string;
  readonly value: string;
  readonly sortKey: string;
}

/**
 * Where a read looks: one tenant's partition of the table (one query), or every shard of
 * `byScope` for everyone's (one query each, side by side). Either sort key starts with the hour
 * (or the time), so a window is a range of either.
 */
const partitionsOf = (tenantId: string | null, partition: (tenantId: string) => string, scopes: readonly string[]): Partition[] =>
  tenantId === null
    ? scopes.map((scope) => ({ index: { IndexName: 'byScope' }, partitionKey: 'scope', sortKey: 'scopeSk', value: scope }))
    : [{ index: {}, partitionKey: 'pk', sortKey: 'sk', value: partition(tenantId) }];

/** The conditions of `recent`'s filter, each only when asked for. */
const conditionsOf = ({ endpointId, outcome }: AttemptFilter): { attribute: string; value: string }[] => [
  ...(endpointId === undefined ? [] : [{ attribute: 'endpointId', value: endpointId }]),
  ...(outcome === undefined ? [] : [{ attribute: 'outcome', value: outcome }]),
];

/** The stats table's reads for the query API (lib/definitions/tables.ts statsTable): queries only, never a scan. */
export const createStatsReader = (client: DynamoDBDocumentClient, tableName: string): StatsReader => {
  const bucketsIn = async ({ index, partitionKey, sortKey, value }: Partition, { fromHour, toHour }: StatsWindow): Promise<BucketRow[]> => {
    const rows: BucketRow[] = [];
    // A week of many endpoints is more than the 1 MB one page holds: every page is read.
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        ...index,
        KeyConditionExpression: '#partition = :partition AND #sort BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#partition': partitionKey, '#sort': sortKey },
        // `~` sorts after `#` and after every character of an id: the last hour's buckets are all in.
        ExpressionAttributeValues: { ':partition': value, ':from': fromHour, ':to': `${toHour}~` },
      },
    );
    for await (const page of pages) rows.push(...(page.Items ?? []).map(bucketRowOf));
    return rows;
  };

  const attemptsIn = async ({ index, partitionKey, value }: Partition, filter: AttemptFilter): Promise<RecentAttempts> => {
    const conditions = conditionsOf(filter);
    // Unfiltered, one page of `limit` is the answer. Filtered, a page's Limit counts the attempts
    // read, matching or not, so maxRecentPages of them bound what one answer costs.
    const pages = paginateQuery(
      { client, pageSize: conditions.length === 0 ? filter.limit : recentPageSize },
      {
        TableName: tableName,
        ...index,
        KeyConditionExpression: '#partition = :partition',
        ...(conditions.length > 0 && { FilterExpression: conditions.map((_, position) => `#c${position} = :c${position}`).join(' AND ') }),
        ExpressionAttributeNames: { '#partition': partitionKey, ...Object.fromEntries(conditions.map(({ attribute }, position) => [`#c${position}`, attribute])) },
        ExpressionAttributeValues: { ':partition': value, ...Object.fromEntries(conditions.map((condition, position) => [`:c${position}`, condition.value])) },
        ScanIndexForward: false,
      },
    );
    const attempts: Attempt[] = [];
    let read = 0;
    let more = false;
    for await (const page of pages) {
      read += 1;
      attempts.push(...(page.Items ?? []).map(attemptOf));
      more = page.LastEvaluatedKey !== undefined;
      if (attempts.length >= filter.limit || read >= maxRecentPages) break;
    }
    return { attempts: attempts.slice(0, filter.limit), truncated: more && attempts.length < filter.limit };
  };

  return {
    async buckets(tenantId, window) {
      const reads = await Promise.all(partitionsOf(tenantId, statsKeys.bucketPartition, statsKeys.bucketScopes).map((partition) => bucketsIn(partition, window)));
      return reads.flat();
    },

    async attempts(tenantId, filter) {
      const reads = await Promise.all(partitionsOf(tenantId, statsKeys.attemptPartition, statsKeys.attemptScopes).map((partition) => attemptsIn(partition, filter)));
      return mergeRecent(reads, filter.limit);
    },
  };
};
