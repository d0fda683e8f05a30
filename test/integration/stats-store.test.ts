import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatsStore, type StatsStore } from '../../functions/adapters/stats-store.ts';
import { bucketExpiresAt, statsKeys, type Attempt } from '../../functions/core/stats.ts';
import { startDynamoDb } from '../helpers/services.ts';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let stats: StatsStore;
beforeAll(async () => {
  dynamo = await startDynamoDb();
  stats = createStatsStore(dynamo.documentClient, dynamo.tables.Stats);
});
afterAll(async () => {
  await dynamo?.stop();
});

/** Each test its own endpoint, so that no count carries over. */
let endpoints = 0;
const freshEndpoint = () => `ep_stats_${++endpoints}`;
const at = '2099-12-03T14:25:00.000Z';

const itemOf = async (key: { pk: string; sk: string }) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Stats, Key: key, ConsistentRead: true }))).Item;
const partition = async (pk: string) =>
  (await dynamo.documentClient.send(new QueryCommand({ TableName: dynamo.tables.Stats, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? [];

const anAttempt = (overrides: Partial<Attempt> = {}): Attempt => ({
  at,
  requestId: `req_${endpoints}`,
  tenantId: 'acme',
  endpointId: `ep_stats_${endpoints}`,
  provider: 'twilio',
  outcome: 'acked',
  statusCode: 200,
  bytes: 412,
  latencyMs: 7,
  ...overrides,
});

describe('stats store on DynamoDB Local', () => {
  it('creates an hour bucket with its key attributes, scope and expiry, and answers the new values', async () => {
    // Prepare
    const endpointId = freshEndpoint();

    // Act
    const added = await stats.add([
      { tenantId: 'acme', provider: 'twilio', endpointId, at, counts: { received: 1, acked: 1 }, lags: { receivedToStored: [100] } },
      { tenantId: 'acme', provider: 'twilio', endpointId, at: '2099-12-03T14:59:59.999Z', counts: { received: 1 }, refused: { signature: 1 } },
    ]);

    // Assess
    const key = { tenantId: 'acme', hour: '2099-12-03T14', provider: 'twilio', endpointId };
    expect(added).toEqual([{ key, values: { received: 2, acked: 1, lag_receivedToStored_27: 1, refused_signature: 1 } }]);
    expect(await itemOf(statsKeys.bucket(key))).toEqual({
      ...statsKeys.bucket(key),
      ...statsKeys.bucketScope(key),
      ...key,
      expiresAt: bucketExpiresAt('2099-12-03T14'),
      received: 2,
      acked: 1,
      refused_signature: 1,
      lag_receivedToStored_27: 1,
    });
  });

  it('loses no count when many stages add to one bucket at once', async () => {
    const endpointId = freshEndpoint();
    const increment = { tenantId: 'acme', provider: 'twilio', endpointId, at, refused: { signature: 1 } };

    const added = await Promise.all(Array.from({ length: 20 }, () => stats.add([increment])));

    // Each ADD saw a distinct count: exactly one of them reached any given number, the threshold included.
    expect(added.map(([bucket]) => bucket?.values.refused_signature).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
  });

  it('writes one bucket per tenant, endpoint and hour, each in its own tenant\'s partition', async () => {
    const endpointId = freshEndpoint();

    const added = await stats.add([
      { tenantId: 'tenant-a', provider: 'twilio', endpointId, at, counts: { received: 1 } },
      { tenantId: 'tenant-b', provider: 'twilio', endpointId, at, counts: { received: 2 } },
      { tenantId: 'tenant-a', provider: 'twilio', endpointId, at: '2099-12-03T15:00:00.000Z', counts: { received: 3 } },
    ]);

    expect(added.map(({ key, values }) => [key.tenantId, key.hour, values.received])).toEqual([
      ['tenant-a', '2099-12-03T14', 1],
      ['tenant-b', '2099-12-03T14', 2],
      ['tenant-a', '2099-12-03T15', 3],
    ]);
    const mine = (items: Record<string, unknown>[]) => items.filter((item) => item.endpointId === endpointId).map((item) => [item.tenantId, item.hour, item.received]);
    expect(mine(await partition('COUNT#tenant-a'))).toEqual([
      ['tenant-a', '2099-12-03T14', 1],
      ['tenant-a', '2099-12-03T15', 3],
    ]);
    expect(mine(await partition('COUNT#tenant-b'))).toEqual([['tenant-b', '2099-12-03T14', 2]]);
  });

  it('writes nothing for increments that add nothing', async () => {
    const endpointId = freshEndpoint();

    expect(await stats.add([{ tenantId: 'acme', provider: 'twilio', endpointId, at, counts: { received: 0 } }])).toEqual([]);
    expect(await stats.add([])).toEqual([]);
  });

  it('keeps an attempt under its tenant with its expiry, and settles it with the processor\'s outcome', async () => {
    freshEndpoint();
    const attempt = anAttempt();

    await stats.recordAttempt(attempt);
    const settled = await stats.settleAttempt(attempt, { outcome: 'stored', storedLagMs: 120 });

    expect(settled).toBe(true);
    expect(await itemOf(statsKeys.attempt(attempt))).toEqual({
      ...attempt,
      ...statsKeys.attempt(attempt),
      ...statsKeys.attemptScope(attempt),
      expiresAt: Date.parse(at) / 1000 + 86_400,
      outcome: 'stored',
      storedLagMs: 120,
    });
  });

  it('settles no attempt the ack did not record, and creates none', async () => {
    freshEndpoint();
    const attempt = anAttempt();

    const settled = await stats.settleAttempt(attempt, { outcome: 'quarantined', reason: 'not a Twilio inbound message' });

    expect(settled).toBe(false);
    expect(await itemOf(statsKeys.attempt(attempt))).toBeUndefined();
  });

  it('never settles another tenant\'s attempt of the same request id and time', async () => {
    freshEndpoint();
    const attempt = anAttempt({ tenantId: 'tenant-a' });
    await stats.recordAttempt(attempt);

    const settled = await stats.settleAttempt({ ...attempt, tenantId: 'tenant-b' }, { outcome: 'failed', reason: 'x' });

    expect(settled).toBe(false);
    expect(await itemOf(statsKeys.attempt(attempt))).toMatchObject({ tenantId: 'tenant-a', outcome: 'acked' });
    expect(await itemOf(statsKeys.attempt({ ...attempt, tenantId: 'tenant-b' }))).toBeUndefined();
  });
});
