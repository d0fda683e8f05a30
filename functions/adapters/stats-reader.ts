import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attemptOf, bucketRowOf, maxRecentPages, recentPageSize, statsKeys, type Attempt, type AttemptFilter, type BucketRow, type StatsReader } from '../core/stats.ts';

/** Hour buckets' and attempts' scopes in `byScope` (core/stats.ts statsKeys.bucketScope, attemptScope). */
const countScope = statsKeys.bucketScope({ tenantId: '', hour: '', provider: '', endpointId: '' }).scope;
const recentScope = statsKeys.attemptScope({ tenantId: '', at: '', requestId: '' }).scope;

/**
 * Where a read looks: one tenant's partition of the table, or everyone's scope of `byScope`.
 * Either sort key starts with the hour (or the time), so a window is a range of either.
 */
const partitionOf = (tenantId: string | null, partition: (tenantId: string) => string, scope: string) =>
  tenantId === null
    ? { index: { IndexName: 'byScope' }, partitionKey: 'scope', sortKey: 'scopeSk', value: scope }
    : { index: {}, partitionKey: 'pk', sortKey: 'sk', value: partition(tenantId) };

/** The conditions of `recent`'s filter, each only when asked for. */
const conditionsOf = ({ endpointId, outcome }: AttemptFilter): { attribute: string; value: string }[] => [
  ...(endpointId === undefined ? [] : [{ attribute: 'endpointId', value: endpointId }]),
  ...(outcome === undefined ? [] : [{ attribute: 'outcome', value: outcome }]),
];

/** The stats table's reads for the query API (lib/definitions/tables.ts statsTable): queries only, never a scan. */
export const createStatsReader = (client: DynamoDBDocumentClient, tableName: string): StatsReader => ({
  async buckets(tenantId, { fromHour, toHour }) {
    const { index, partitionKey, sortKey, value } = partitionOf(tenantId, statsKeys.bucketPartition, countScope);
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
  },

  async attempts(tenantId, filter) {
    const { index, partitionKey, value } = partitionOf(tenantId, statsKeys.attemptPartition, recentScope);
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
  },
});
