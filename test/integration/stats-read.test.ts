import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatsReader } from '../../functions/adapters/stats-reader.ts';
import { attemptExpiresAt, bucketExpiresAt, hourOf, scopeShardOf, statsKeys, windowOf, type Attempt, type BucketKey, type StatsReader } from '../../functions/core/stats.ts';
import { defaultTokenMaxLifetimeSeconds, issueToken } from '../../functions/core/tokens.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { lambdaEvent } from '../helpers/events.ts';
import { startDynamoDb, startJwtSecret } from '../helpers/services.ts';
import { eventually, waitUntil } from '../helpers/waiting.ts';

/**
 * The read side of the stats table on DynamoDB Local: the reader's two queries over items in the
 * stats table's layout (core/stats.ts statsKeys), and GET /stats and GET /webhooks/recent
 * through the deployed query handler, with tenants' and an admin's tokens.
 */

const jwtSecret = 'stats-read-integration-secret';
let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let secrets: Awaited<ReturnType<typeof startJwtSecret>>;
let reader: StatsReader;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  secrets = await startJwtSecret(jwtSecret);
  reader = createStatsReader(dynamo.documentClient, dynamo.tables.Stats);
  // DynamoDB Local builds a new table's index in the background, and misses what is written meanwhile.
  await waitUntil(async () => {
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tables.Stats }));
    return (Table?.GlobalSecondaryIndexes ?? []).every(({ IndexStatus }) => IndexStatus === 'ACTIVE');
  }, 'the byScope index to be active');
  Object.assign(process.env, {
    ...dynamo.handlerEnvironment,
    MESSAGES_TABLE: dynamo.tables.Messages,
    FEED_TABLE: dynamo.tables.Feed,
    STATS_TABLE: dynamo.tables.Stats,
    BODY_BUCKET: 'bodies',
    ...secrets.handlerEnvironment,
  });
  ({ handler } = await import('../../functions/query/handler.ts'));
}, 60_000);

afterAll(async () => {
  await secrets?.stop();
  await dynamo?.stop();
});

/** Puts items 25 at a time, as BatchWrite takes them, retrying what DynamoDB hands back. */
const putAll = async (items: readonly Record<string, unknown>[]) => {
  for (let start = 0; start < items.length; start += 25) {
    let requests: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests && requests.length > 0) {
      const { UnprocessedItems } = await dynamo.documentClient.send(new BatchWriteCommand({ RequestItems: { [dynamo.tables.Stats]: requests } }));
      requests = UnprocessedItems?.[dynamo.tables.Stats] as typeof requests;
    }
  }
};

/** An hour bucket exactly as the counting stages leave it. */
const bucketItem = (key: BucketKey, values: Record<string, number>) => ({
  ...statsKeys.bucket(key),
  ...statsKeys.bucketScope(key),
  ...key,
  expiresAt: bucketExpiresAt(key.hour),
  ...values,
});

/** An attempt exactly as the ack writes it. */
const attemptItem = (attempt: Attempt) => ({ ...attempt, ...statsKeys.attempt(attempt), ...statsKeys.attemptScope(attempt), expiresAt: attemptExpiresAt(attempt.at) });

const anAttempt = (overrides: Partial<Attempt> & Pick<Attempt, 'at' | 'requestId' | 'tenantId'>): Attempt => ({
  endpointId: 'ep_1',
  provider: 'twilio',
  outcome: 'acked',
  statusCode: 200,
  bytes: 412,
  latencyMs: 7,
  ...overrides,
});

/** `byScope`, the admin's index, is a GSI, so eventually consistent, on DynamoDB Local too: read it until it has what was just written. */
const caughtUp = <Value>(read: () => Promise<Value>, done: (value: Value) => boolean): Promise<Value> =>
  eventually(
    'byScope to catch up with the writes',
    async () => {
      const value = await read();
      if (done(value)) return value;
      await sleep(500);
      return undefined;
    },
  );

const keysOf = (rows: readonly { tenantId: string; hour: string; endpointId: string }[]) => rows.map(({ tenantId, hour, endpointId }) => `${tenantId}/${hour}/${endpointId}`).sort();

describe('stats reader on DynamoDB Local', () => {
  // Hours of 2025, far from the handler's window (now), and each test's own day.
  it("reads a tenant's buckets of exactly the window's hours, never another tenant's; an admin reads everyone's", async () => {
    // Prepare: the window is 10:00 to 12:59; a bucket just before and just after it.
    const at = (tenantId: string, hour: string, endpointId: string, received: number) => bucketItem({ tenantId, hour, provider: 'twilio', endpointId }, { received, acked: received });
    await putAll([
      at('tenant-a', '2099-03-01T09', 'ep_a', 100),
      at('tenant-a', '2099-03-01T10', 'ep_a', 1),
      at('tenant-a', '2099-03-01T12', 'ep_a', 2),
      at('tenant-a', '2099-03-01T12', 'ep_a_zzz', 3),
      at('tenant-a', '2099-03-01T13', 'ep_a', 100),
      at('tenant-b', '2099-03-01T11', 'ep_b', 5),
      // A tenant whose id starts with A's: its partition is not A's.
      at('tenant-a2', '2099-03-01T11', 'ep_a2', 7),
    ]);
    const window = { fromHour: '2099-03-01T10', toHour: '2099-03-01T12', hours: 3 };

    // Act
    const ofA = await reader.buckets('tenant-a', window);
    const ofB = await reader.buckets('tenant-b', window);
    const ofEveryone = await caughtUp(() => reader.buckets(null, window), (rows) => rows.length >= 5);

    // Assess
    expect(keysOf(ofA)).toEqual(['tenant-a/2099-03-01T10/ep_a', 'tenant-a/2099-03-01T12/ep_a', 'tenant-a/2099-03-01T12/ep_a_zzz']);
    expect(ofA.find((row) => row.endpointId === 'ep_a_zzz')).toEqual({ tenantId: 'tenant-a', hour: '2099-03-01T12', provider: 'twilio', endpointId: 'ep_a_zzz', values: { received: 3, acked: 3 } });
    expect(keysOf(ofB)).toEqual(['tenant-b/2099-03-01T11/ep_b']);
    expect(keysOf(ofEveryone)).toEqual([
      'tenant-a/2099-03-01T10/ep_a',
      'tenant-a/2099-03-01T12/ep_a',
      'tenant-a/2099-03-01T12/ep_a_zzz',
      'tenant-a2/2099-03-01T11/ep_a2',
      'tenant-b/2099-03-01T11/ep_b',
    ]);
  });

  it("reads every page of a tenant's window over 1 MB", async () => {
    // Prepare: 480 buckets of a week, each with a wide lag histogram (about 2.6 KB), so no single page holds them.
    const lags = Object.fromEntries(Array.from({ length: 100 }, (_, bucket) => [`lag_receivedToStored_${bucket}`, 1]));
    const hours = Array.from({ length: 160 }, (_, index) => hourOf(new Date(Date.parse('2099-05-01T00:00:00Z') + index * 3_600_000).toISOString()));
    await putAll(hours.flatMap((hour) => ['ep_1', 'ep_2', 'ep_3'].map((endpointId) => bucketItem({ tenantId: 'tenant-big', hour, provider: 'meta', endpointId }, { received: 2, ...lags }))));
    const window = { fromHour: hours[0] ?? '', toHour: hours.at(-1) ?? '', hours: 160 };
    const firstPage = await dynamo.documentClient.send(
      new QueryCommand({ TableName: dynamo.tables.Stats, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': statsKeys.bucketPartition('tenant-big') } }),
    );

    // Act
    const ofTenant = await reader.buckets('tenant-big', window);

    // Assess
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    expect(firstPage.Items?.length).toBeLessThan(480);
    expect(ofTenant).toHaveLength(480);
    expect(ofTenant.reduce((sum, row) => sum + (row.values.received ?? 0), 0)).toBe(960);
    expect(ofTenant.reduce((sum, row) => sum + (row.values.lag_receivedToStored_99 ?? 0), 0)).toBe(480);
  }, 60_000);

  it("lists a tenant's attempts newest first with their Attempt fields only, never another tenant's; an admin's lists everyone's", async () => {
    // Prepare
    const attempts = [
      anAttempt({ at: '2099-07-01T10:00:01.000Z', requestId: 'req_a1', tenantId: 'tenant-a' }),
      anAttempt({ at: '2099-07-01T10:00:02.000Z', requestId: 'req_b1', tenantId: 'tenant-b', provider: 'meta', endpointId: 'ep_b' }),
      anAttempt({ at: '2099-07-01T10:00:03.000Z', requestId: 'req_a2', tenantId: 'tenant-a', outcome: 'refused', reason: 'signature', statusCode: 401, endpointId: 'ep_2' }),
      anAttempt({ at: '2099-07-01T10:00:04.000Z', requestId: 'req_a3', tenantId: 'tenant-a', outcome: 'stored', storedLagMs: 120 }),
    ];
    await putAll(attempts.map(attemptItem));

    // Act
    const ofA = await reader.attempts('tenant-a', { limit: 50 });
    const refusedOfA = await reader.attempts('tenant-a', { limit: 50, outcome: 'refused' });
    const ofEndpoint = await reader.attempts('tenant-a', { limit: 50, endpointId: 'ep_1', outcome: 'stored' });
    const newestOfA = await reader.attempts('tenant-a', { limit: 2 });
    const ofB = await reader.attempts('tenant-b', { limit: 50 });
    const ofEveryone = await caughtUp(() => reader.attempts(null, { limit: 4 }), ({ attempts: read }) => read.some(({ requestId }) => requestId === 'req_a1'));

    // Assess
    const [a1, b1, a2, a3] = attempts;
    expect(ofA).toEqual({ attempts: [a3, a2, a1], truncated: false });
    expect(refusedOfA).toEqual({ attempts: [a2], truncated: false });
    expect(ofEndpoint).toEqual({ attempts: [a3], truncated: false });
    expect(newestOfA).toEqual({ attempts: [a3, a2], truncated: false });
    expect(ofB).toEqual({ attempts: [b1], truncated: false });
    expect(ofEveryone).toEqual({ attempts: [a3, a2, b1, a1], truncated: false });
  });

  it("merges an admin's attempts from every shard of byScope, newest first, cut to the limit", async () => {
    // Prepare: two tenants whose endpoints' items go to different shards; newer than the tests' above, older than those below.
    const [epX, epY] = ['ep_shard_a', 'ep_shard_b'];
    const x1 = anAttempt({ at: '2099-08-01T00:00:01.000Z', requestId: 'req_x1', tenantId: 'tenant-x', endpointId: epX });
    const y1 = anAttempt({ at: '2099-08-01T00:00:02.000Z', requestId: 'req_y1', tenantId: 'tenant-y', endpointId: epY, provider: 'meta' });
    const x2 = anAttempt({ at: '2099-08-01T00:00:03.000Z', requestId: 'req_x2', tenantId: 'tenant-x', endpointId: epX, outcome: 'refused', reason: 'signature', statusCode: 401 });
    const y2 = anAttempt({ at: '2099-08-01T00:00:04.000Z', requestId: 'req_y2', tenantId: 'tenant-y', endpointId: epY, provider: 'meta' });
    await putAll([x1, y1, x2, y2].map(attemptItem));
    const stored = await dynamo.documentClient.send(
      new QueryCommand({ TableName: dynamo.tables.Stats, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': statsKeys.attemptPartition('tenant-x') } }),
    );

    // Act
    const newest = await caughtUp(() => reader.attempts(null, { limit: 3 }), ({ attempts: read }) => read.map(({ requestId }) => requestId).join() === 'req_y2,req_x2,req_y1');
    const ofX = await reader.attempts('tenant-x', { limit: 3 });

    // Assess
    expect([scopeShardOf(epX), scopeShardOf(epY)]).toEqual([7, 2]);
    expect(stored.Items?.map(({ scope }) => scope)).toEqual(['RECENT#7', 'RECENT#7']);
    expect(newest).toEqual({ attempts: [y2, x2, y1], truncated: false });
    expect(ofX).toEqual({ attempts: [x2, x1], truncated: false });
  });

  it('stops a filtered read after 5 pages of 1,000 attempts and says so, and an unfiltered one reads only its limit', async () => {
    // Prepare: 5,000 of one tenant's attempts newer than the one quarantined.
    const many = Array.from({ length: 5_000 }, (_, index) =>
      anAttempt({ at: new Date(Date.parse('2099-09-01T00:00:00Z') + (index + 1) * 1000).toISOString(), requestId: `req_${index}`, tenantId: 'tenant-bulk', outcome: 'failed', reason: 'TimeoutError' }),
    );
    const oldest = anAttempt({ at: '2099-09-01T00:00:00.000Z', requestId: 'req_oldest', tenantId: 'tenant-bulk', outcome: 'quarantined', reason: 'not a Twilio inbound message' });
    const newest = anAttempt({ at: '2099-09-02T00:00:00.000Z', requestId: 'req_newest', tenantId: 'tenant-bulk', outcome: 'quarantined', reason: 'not a Twilio inbound message' });
    await putAll([oldest, ...many, newest].map(attemptItem));

    // Act
    const quarantined = await reader.attempts('tenant-bulk', { limit: 50, outcome: 'quarantined' });
    const latest = await reader.attempts('tenant-bulk', { limit: 200 });
    const ofOtherTenants = await reader.attempts('tenant-a', { limit: 50, outcome: 'quarantined' });

    // Assess: the oldest lies past 5,000 attempts read.
    expect(quarantined).toEqual({ attempts: [newest], truncated: true });
    expect(latest.truncated).toBe(false);
    expect(latest.attempts.map(({ requestId }) => requestId)).toEqual(['req_newest', ...Array.from({ length: 199 }, (_, index) => `req_${4_999 - index}`)]);
    expect(ofOtherTenants).toEqual({ attempts: [], truncated: false });
  }, 120_000);
});

describe('GET /stats and GET /webhooks/recent through the query handler', () => {
  const now = new Date();
  const currentHour = hourOf(now.toISOString());
  const token = (tenantId: string, admin = false) => issueToken(tenantId, jwtSecret, 300, defaultTokenMaxLifetimeSeconds, { admin });

  const get = async (path: string, bearer: string, query: Record<string, string> = {}) => {
    const response = await handler(
      {
        ...lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json'),
        resource: path,
        path,
        httpMethod: 'GET',
        headers: { Authorization: `Bearer ${bearer}` },
        multiValueHeaders: {},
        queryStringParameters: Object.keys(query).length > 0 ? query : null,
        multiValueQueryStringParameters: null,
        pathParameters: null,
        body: null,
        isBase64Encoded: false,
      },
      lambdaContext('query'),
    );
    return { status: response.statusCode, headers: response.headers, body: JSON.parse(response.body) as Record<string, unknown> };
  };

  // After every attempt the other tests keep (dated 2099, where DynamoDB Local's TTL cannot delete them under a test): an admin's newest are these.
  const recentAt = '2100-01-01T00:00:00.000Z';
  const attemptOfA = anAttempt({ at: recentAt, requestId: 'req_route_a', tenantId: 'route-a', endpointId: 'ep_route_a', outcome: 'refused', reason: 'signature', statusCode: 401 });
  const attemptOfB = anAttempt({ at: recentAt, requestId: 'req_route_b', tenantId: 'route-b', endpointId: 'ep_route_b' });

  beforeAll(async () => {
    await putAll([
      bucketItem({ tenantId: 'route-a', hour: currentHour, provider: 'twilio', endpointId: 'ep_route_a' }, { received: 4, acked: 3, refused_signature: 1 }),
      bucketItem({ tenantId: 'route-b', hour: currentHour, provider: 'meta', endpointId: 'ep_route_b' }, { received: 2, acked: 2 }),
      attemptItem(attemptOfA),
      attemptItem(attemptOfB),
    ]);
  });

  it("answers a tenant's token with its own figures only, privately and with CORS", async () => {
    // Act
    const before = windowOf(new Date(), 24);
    const ofA = await get('/stats', await token('route-a'));
    const after = windowOf(new Date(), 24);
    const recentOfA = await get('/webhooks/recent', await token('route-a'));

    // Assess: the window of the hour it was asked in (an hour may have begun meanwhile).
    expect(ofA.status).toBe(200);
    expect(ofA.headers).toMatchObject({ 'cache-control': 'private, no-store', 'access-control-allow-origin': '*' });
    expect(ofA.body).toMatchObject({ tenantId: 'route-a', provider: null, hours: 24 });
    expect([before, after].map(({ fromHour, toHour }) => ({ from: `${fromHour}:00:00Z`, to: new Date(Date.parse(`${toHour}:00:00Z`) + 3_600_000).toISOString().replace('.000Z', 'Z') }))).toContainEqual({
      from: ofA.body.from,
      to: ofA.body.to,
    });
    expect(ofA.body.endpoints).toEqual([expect.objectContaining({ tenantId: 'route-a', endpointId: 'ep_route_a', received: 4, acked: 3, refused: 1, refusedByReason: { signature: 1 } })]);
    expect(recentOfA.status).toBe(200);
    expect(recentOfA.headers).toMatchObject({ 'cache-control': 'private, no-store', 'access-control-allow-origin': '*' });
    expect(recentOfA.body).toEqual({ attempts: [attemptOfA], truncated: false });
  });

  it("answers an admin's token with everyone's figures, or one tenant's", async () => {
    // Act
    const admin = await token('ops', true);
    const ofEveryone = await caughtUp(() => get('/stats', admin), ({ body }) => (body.totals as { received: number }).received >= 6);
    const ofB = await get('/stats', admin, { tenant: 'route-b' });
    const recentOfEveryone = await caughtUp(() => get('/webhooks/recent', admin, { limit: '2' }), ({ body }) => (body.attempts as Attempt[]).length >= 2);
    const recentOfB = await get('/webhooks/recent', admin, { tenant: 'route-b' });

    // Assess
    expect(ofEveryone.body).toMatchObject({ tenantId: null, totals: { received: 6, acked: 5, refused: 1 } });
    expect((ofEveryone.body.endpoints as { endpointId: string }[]).map(({ endpointId }) => endpointId)).toEqual(['ep_route_a', 'ep_route_b']);
    expect(ofB.body).toMatchObject({ tenantId: 'route-b', totals: { received: 2 } });
    expect((ofB.body.endpoints as { endpointId: string }[]).map(({ endpointId }) => endpointId)).toEqual(['ep_route_b']);
    expect((recentOfEveryone.body.attempts as Attempt[]).map(({ requestId }) => requestId).sort()).toEqual(['req_route_a', 'req_route_b']);
    expect(recentOfB.body).toEqual({ attempts: [attemptOfB], truncated: false });
  });

  it("refuses a tenant's token naming another tenant with 403, on both routes, and lets it name its own", async () => {
    // Act
    const stats = await get('/stats', await token('route-a'), { tenant: 'route-b' });
    const recent = await get('/webhooks/recent', await token('route-a'), { tenant: 'route-b' });
    const own = await get('/stats', await token('route-a'), { tenant: 'route-a' });

    // Assess
    for (const refused of [stats, recent]) {
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({
        error: "this token reads its own tenant's figures only (route-a); another tenant's need an admin token: switchboard token --tenant <t> --admin",
        reason: 'forbidden',
      });
      expect(JSON.stringify(refused.body)).not.toContain('ep_route_b');
    }
    expect(own.status).toBe(200);
    expect(own.body.tenantId).toBe('route-a');
  });

  it('refuses an admin claim signed with another key with 401', async () => {
    const forged = await issueToken('ops', 'a-guessed-key-of-some-length', 300, defaultTokenMaxLifetimeSeconds, { admin: true });

    const answer = await get('/stats', forged);

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'a valid token is required: Authorization: Bearer <JWT>', reason: 'unauthenticated' });
  });

  it("keeps an admin's token to its own tenant on the other routes", async () => {
    const conversations = await get('/conversations', await token('route-a', true));

    expect(conversations.status).toBe(200);
    expect(conversations.body).toEqual({ conversations: [], cursor: null });
  });

  it.each([
    ['/stats', { hours: '169' }, 'hours must be a whole number from 1 to 168'],
    ['/stats', { provider: 'pigeon' }, 'provider must be one of: twilio, meta, sendgrid, mailgun, sms, standard'],
    ['/webhooks/recent', { limit: '500' }, 'limit must be a whole number from 1 to 200'],
    ['/webhooks/recent', { outcome: 'lost' }, 'outcome must be one of: acked, refused, stored, quarantined, failed'],
  ])('answers %s?%j with 400 and what it takes', async (path, query, message) => {
    const answer = await get(path, await token('route-a'), query);

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: message, reason: 'bad_request' });
  });
});
