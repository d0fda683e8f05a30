import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStatsReader } from '../../../functions/adapters/stats-reader.ts';
import { scopeShardOf, statsKeys, type Attempt, type BucketKey } from '../../../functions/core/stats.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const reader = createStatsReader(documentClient, 'Stats');

type Item = Record<string, string | number>;

/**
 * The stats table and its byScope index answering queries as DynamoDB does: the partition's
 * items in sort key order (reversed when ScanIndexForward is false), from after
 * ExclusiveStartKey, at most Limit read (and at most `perResponse`, its 1 MB cap), the filter
 * applied to those read, and a LastEvaluatedKey whenever it stopped early.
 */
const answerLikeDynamoDb = (items: readonly Item[], perResponse = Number.POSITIVE_INFINITY) =>
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const [partitionKey, sortKey] = input.IndexName === 'byScope' ? ['scope', 'scopeSk'] : ['pk', 'sk'];
    const values = input.ExpressionAttributeValues ?? {};
    const names = input.ExpressionAttributeNames ?? {};
    const inRange = (item: Item) => values[':from'] === undefined || (String(item[sortKey]) >= values[':from'] && String(item[sortKey]) <= values[':to']);
    const ordered = items.filter((item) => item[partitionKey] === values[':partition'] && inRange(item)).sort((a, b) => (String(a[sortKey]) < String(b[sortKey]) ? -1 : 1));
    if (input.ScanIndexForward === false) ordered.reverse();
    const from = input.ExclusiveStartKey ? ordered.findIndex((item) => item[sortKey] === input.ExclusiveStartKey?.[sortKey]) + 1 : 0;
    const read = ordered.slice(from, from + Math.min(input.Limit ?? Number.POSITIVE_INFINITY, perResponse));
    const stopped = from + read.length < ordered.length;
    const conditions = Object.keys(names).filter((name) => name.startsWith('#c'));
    const matching = read.filter((item) => conditions.every((name) => item[names[name] ?? ''] === values[`:${name.slice(1)}`]));
    const last = read.at(-1);
    return { Items: matching, ...(stopped && last && { LastEvaluatedKey: { pk: last.pk, sk: last.sk, scope: last.scope, scopeSk: last.scopeSk } }) };
  });

const queries = () => dynamo.commandCalls(QueryCommand).map(({ args: [command] }) => command.input);

// Endpoints in three different shards of byScope (3, 4 and 5).
const [epInShard3, epInShard4, epInShard5] = ['ep1', 'ep_1', 'ep_b'];

const anAttempt = (at: string, requestId: string, tenantId: string, endpointId: string, outcome: Attempt['outcome'] = 'acked'): Attempt => ({
  at,
  requestId,
  tenantId,
  endpointId,
  provider: 'twilio',
  outcome,
  statusCode: 200,
  bytes: 100,
  latencyMs: 3,
});
const attemptItem = (attempt: Attempt): Item => ({ ...attempt, ...statsKeys.attempt(attempt), ...statsKeys.attemptScope(attempt) });
const bucketItem = (key: BucketKey, received: number): Item => ({ ...key, ...statsKeys.bucket(key), ...statsKeys.bucketScope(key), received });

beforeEach(() => {
  dynamo.reset();
});

describe('stats reader: an admin reads every shard of byScope', () => {
  it('lists the newest attempts of all shards, newest first, cut to the limit', async () => {
    // Prepare
    expect([epInShard3, epInShard4, epInShard5].map(scopeShardOf)).toEqual([3, 4, 5]);
    const a1 = anAttempt('2026-12-03T10:00:01.000Z', 'req_a1', 'acme', epInShard3);
    const b1 = anAttempt('2026-12-03T10:00:02.000Z', 'req_b1', 'globex', epInShard4);
    const a2 = anAttempt('2026-12-03T10:00:03.000Z', 'req_a2', 'acme', epInShard3);
    const c1 = anAttempt('2026-12-03T10:00:03.000Z', 'req_c1', 'initech', epInShard5);
    const b2 = anAttempt('2026-12-03T10:00:04.000Z', 'req_b2', 'globex', epInShard4);
    answerLikeDynamoDb([a1, b1, a2, c1, b2].map(attemptItem));

    // Act
    const newest = await reader.attempts(null, { limit: 3 });

    // Assess: the same time ordered by request id, newest first.
    expect(newest).toEqual({ attempts: [b2, c1, a2], truncated: false });
    expect(queries().map(({ IndexName, ExpressionAttributeValues }) => [IndexName, ExpressionAttributeValues?.[':partition']])).toEqual(statsKeys.attemptScopes.map((scope) => ['byScope', scope]));
  });

  it('says truncated when a shard stopped at its page budget, even once the others fill the limit: a newer match may be behind the budget', async () => {
    // Prepare: 5,000 acked attempts in one shard, newer than its one quarantined; one quarantined in another shard.
    const flood = Array.from({ length: 5_000 }, (_, index) => anAttempt(new Date(Date.parse('2026-12-03T11:00:00Z') + index * 1000).toISOString(), `req_${index}`, 'acme', epInShard3));
    const hidden = anAttempt('2026-12-03T10:00:00.000Z', 'req_hidden', 'acme', epInShard3, 'quarantined');
    const seen = anAttempt('2026-12-03T09:00:00.000Z', 'req_seen', 'globex', epInShard4, 'quarantined');
    const seenToo = anAttempt('2026-12-03T08:00:00.000Z', 'req_seen_too', 'globex', epInShard4, 'quarantined');
    answerLikeDynamoDb([...flood, hidden, seen, seenToo].map(attemptItem));

    // Act
    const short = await reader.attempts(null, { limit: 3, outcome: 'quarantined' });
    const full = await reader.attempts(null, { limit: 2, outcome: 'quarantined' });

    // Assess
    expect(short).toEqual({ attempts: [seen, seenToo], truncated: true });
    // req_hidden is newer than both, behind shard 3's budget: the answer must not pass for whole.
    expect(full).toEqual({ attempts: [seen, seenToo], truncated: true });
  });

  it("reads every shard's buckets of the window to the end, and concatenates them", async () => {
    // Prepare: shard 3 needs three pages.
    const hour = '2026-12-03T10';
    const inShard3 = ['a', 'b', 'c', 'd', 'e'].map((tenant) => bucketItem({ tenantId: tenant, hour, provider: 'twilio', endpointId: epInShard3 }, 1));
    const inShard5 = bucketItem({ tenantId: 'initech', hour, provider: 'meta', endpointId: epInShard5 }, 2);
    const outside = bucketItem({ tenantId: 'initech', hour: '2026-12-03T12', provider: 'meta', endpointId: epInShard5 }, 100);
    answerLikeDynamoDb([...inShard3, inShard5, outside], 2);

    // Act
    const rows = await reader.buckets(null, { fromHour: hour, toHour: '2026-12-03T11', hours: 2 });

    // Assess
    expect(rows.map(({ tenantId, endpointId, values }) => [tenantId, endpointId, values.received]).sort()).toEqual([
      ['a', epInShard3, 1],
      ['b', epInShard3, 1],
      ['c', epInShard3, 1],
      ['d', epInShard3, 1],
      ['e', epInShard3, 1],
      ['initech', epInShard5, 2],
    ]);
    expect(new Set(queries().map(({ ExpressionAttributeValues }) => ExpressionAttributeValues?.[':partition']))).toEqual(new Set(statsKeys.bucketScopes));
    expect(queries().filter(({ ExpressionAttributeValues }) => ExpressionAttributeValues?.[':partition'] === 'COUNT#3')).toHaveLength(3);
  });
});

describe("stats reader: a tenant's reads", () => {
  it('are one query each, of its own partition of the table', async () => {
    answerLikeDynamoDb([attemptItem(anAttempt('2026-12-03T10:00:01.000Z', 'req_a1', 'acme', epInShard3))]);

    await reader.attempts('acme', { limit: 50, outcome: 'refused' });
    await reader.buckets('acme', { fromHour: '2026-12-03T10', toHour: '2026-12-03T11', hours: 2 });

    expect(queries().map(({ IndexName, ExpressionAttributeValues }) => [IndexName, ExpressionAttributeValues?.[':partition']])).toEqual([
      [undefined, 'RECENT#acme'],
      [undefined, 'COUNT#acme'],
    ]);
  });
});
