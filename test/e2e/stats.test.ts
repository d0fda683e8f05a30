import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeShardOf, statsKeys, type Attempt, type StatsReport } from '../../functions/core/stats.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * The stats as the pipeline keeps them on the local stack: a good webhook, a badly signed one
 * and one the processor quarantines, counted in their endpoint's hour bucket of their tenant's
 * partition, and each attempt with its outcome, read from the table; then what an operator
 * reads back of refusals, quarantines and dead letters, through GET /stats, GET
 * /webhooks/recent and the CLI, and the alert a burst of bad signatures raises.
 */

let stack: LocalStackProcess;
let documents: DynamoDBDocumentClient;
let sqs: SQSClient;
const authToken = 'acme-auth-token';

beforeAll(async () => {
  // Redeliveries in a second, so that a failing request reaches the DLQ in seconds.
  stack = await startLocalStackProcess({ SWITCHBOARD_VISIBILITY_TIMEOUT: '1' });
  const config = { region: stack.description.region, credentials: localCredentials };
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: stack.description.dynamodbEndpoint }));
  sqs = new SQSClient({ ...config, endpoint: stack.description.sqsEndpoint });
}, 90_000);

afterAll(async () => {
  documents?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

const partition = async (pk: string) =>
  (
    await documents.send(
      new QueryCommand({ TableName: stack.description.tables.Stats, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
    )
  ).Items ?? [];

const post = async (url: string, token: string, fields: Record<string, string>) => {
  const request = signedTwilioRequest(url, token, fields);
  return (await fetch(url, { method: 'POST', headers: request.headers, body: request.body })).status;
};

describe('stats through the local stack', () => {
  it("counts a stored, a refused and a quarantined webhook in their endpoint's bucket, and keeps each attempt's outcome", async () => {
    // Prepare: tenant A's endpoint, and tenant B's, which must see none of it.
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'tenant-a', '--secret', authToken])) as { endpointId: string; url: string };
    const other = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'tenant-b', '--secret', 'b-token'])) as { endpointId: string };
    const { MessageSid: _dropped, ...unnormalizable } = inboundSmsFields({ Body: 'no message id' });

    // Act
    const statuses = [
      await post(endpoint.url, authToken, inboundSmsFields({ Body: 'hello' })),
      await post(endpoint.url, 'not-the-secret', inboundSmsFields({ Body: 'forged' })),
      await post(endpoint.url, authToken, unnormalizable),
      // An unknown endpoint is never written.
      await post(endpoint.url.replace(endpoint.endpointId, 'ep_unknown'), authToken, inboundSmsFields({ Body: 'lost' })),
    ];

    // Assess
    expect(statuses).toEqual([200, 401, 200, 404]);
    const attempts = await eventually('both queued attempts to be settled', async () => {
      const items = await partition(statsKeys.attemptPartition('tenant-a'));
      return items.length === 3 && items.every((item) => item.outcome !== 'acked') ? items : undefined;
    });
    expect(attempts.map((item) => [item.endpointId, item.outcome, item.reason ?? null, item.statusCode])).toEqual(
      expect.arrayContaining([
        [endpoint.endpointId, 'stored', null, 200],
        [endpoint.endpointId, 'refused', 'signature', 401],
        [endpoint.endpointId, 'quarantined', expect.stringMatching(/^not a Twilio inbound message/), 200],
      ]),
    );
    expect(attempts.find((item) => item.outcome === 'stored')?.storedLagMs).toEqual(expect.any(Number));
    const buckets = await eventually('the counts to be added', async () => {
      const items = await partition(statsKeys.bucketPartition('tenant-a'));
      return items.some((item) => item.processed === 1 && item.quarantined === 1) ? items : undefined;
    });
    expect(buckets).toHaveLength(1);
    const [bucket] = buckets;
    expect(bucket).toMatchObject({ tenantId: 'tenant-a', provider: 'twilio', endpointId: endpoint.endpointId, scope: `COUNT#${scopeShardOf(endpoint.endpointId)}` });
    const counters = Object.fromEntries(Object.entries(bucket ?? {}).filter(([name]) => !name.startsWith('lag_') && typeof bucket?.[name] === 'number' && name !== 'expiresAt'));
    expect(counters).toEqual({ received: 3, acked: 2, refused_signature: 1, processed: 1, quarantined: 1 });
    expect(Object.entries(bucket ?? {}).filter(([name]) => name.startsWith('lag_receivedToStored_')).map(([, n]) => n)).toEqual([1]);
    // Tenant B's partitions hold nothing of tenant A's traffic, and nothing else of anyone's.
    expect(await partition(statsKeys.bucketPartition('tenant-b'))).toEqual([]);
    expect(await partition(statsKeys.attemptPartition('tenant-b'))).toEqual([]);
    expect(other.endpointId).not.toBe(endpoint.endpointId);
  }, 60_000);

  it('counts a reply the provider took as sent, and the inbound message\'s stored → delivered lag, by the sending endpoint', async () => {
    // Prepare: an endpoint with send credentials, and a conversation its customer started.
    const authToken = 'initech-auth-token-0123456789abc';
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'initech', '--secret', authToken])) as { endpointId: string; url: string };
    await stack.cli(['endpoint', 'credentials', endpoint.endpointId, '--twilio-account-sid', `AC${'0'.repeat(31)}1`, '--twilio-auth-token', authToken, '--from', '+15005550006']);
    const socket = await tenantSocket(stack, 'initech');
    try {
      expect(await post(endpoint.url, authToken, inboundSmsFields({ MessageSid: twilioSid('SM'), From: '+14155550123', To: '+15005550006', Body: 'Where is it?' }))).toBe(200);
      const created = await socket.waitFor((frame) => frame.type === 'message.created');
      const conversationId = (created.data as { conversationId: string }).conversationId;
      const jwt = await issueToken('initech', stack.description.jwtSecret, 600);

      // Act
      const answer = await fetch(`${stack.description.httpUrl}/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ text: 'Shipped today.' }),
      });

      // Assess
      expect(answer.status).toBe(202);
      const bucket = await eventually('the send to be counted', async () => {
        const [item] = await partition(statsKeys.bucketPartition('initech'));
        return item?.sent === 1 ? item : undefined;
      });
      expect(bucket).toMatchObject({ tenantId: 'initech', endpointId: endpoint.endpointId, provider: 'twilio', sent: 1, processed: expect.any(Number) });
      expect(bucket).not.toHaveProperty('sendFailed');
      // One inbound message pushed; the reply's own frames are not a stored webhook's delivery.
      expect(Object.entries(bucket).filter(([name]) => name.startsWith('lag_storedToDelivered_')).map(([, n]) => n)).toEqual([1]);
    } finally {
      await socket.close();
    }
  }, 60_000);

  it('answers an operator exact counts of refusals, quarantines and dead letters, through the API and the CLI, to its own tenant only', async () => {
    // Prepare: tenant ops-a's endpoint; tenant ops-b, who must see none of it.
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'ops-a', '--secret', authToken])) as { endpointId: string; url: string };
    const { MessageSid: _dropped, ...unnormalizable } = inboundSmsFields({ Body: 'no message id' });
    // A request the processor fails on every delivery: its large body is gone from the bucket.
    const { body: _inline, ...envelope } = aTwilioEnvelope(inboundSmsFields(), { tenantId: 'ops-a', endpointId: endpoint.endpointId, requestId: 'req_doomed', receivedAt: new Date().toISOString() });
    const tokenOf = (tenant: string) => issueToken(tenant, stack.description.jwtSecret, 600);
    const get = async (path: string, tenant: string) => {
      const response = await fetch(`${stack.description.httpUrl}${path}`, { headers: { authorization: `Bearer ${await tokenOf(tenant)}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // Act
    const statuses = [
      await post(endpoint.url, authToken, inboundSmsFields({ Body: 'hello' })),
      await post(endpoint.url, 'not-the-secret', inboundSmsFields({ Body: 'forged' })),
      await post(endpoint.url, 'rotated-away', inboundSmsFields({ Body: 'forged again' })),
      await post(endpoint.url, authToken, unnormalizable),
    ];
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.description.queues.ingest,
        MessageBody: JSON.stringify({ ...envelope, bodyKey: 'bodies/2026-12-03/req_doomed', bodyBytes: 900_000 }),
        MessageGroupId: 'ops-a',
      }),
    );
    const stats = await eventually('the dead letter to be counted', async () => {
      const answer = await get('/stats?hours=1', 'ops-a');
      return (answer.body as unknown as StatsReport).totals.failed === 1 && (answer.body as unknown as StatsReport).totals.quarantined === 1 ? answer : undefined;
    }, 60_000);
    const recent = await get('/webhooks/recent', 'ops-a');
    const refused = await get('/webhooks/recent?outcome=refused', 'ops-a');
    const ofOther = await get('/stats?hours=1', 'ops-b');
    const intruding = await get('/stats?tenant=ops-a', 'ops-b');
    const cliStats = JSON.parse(await stack.cli(['stats', '--tenant', 'ops-a', '--hours', '1', '--json'])) as StatsReport;
    const cliRecent = await stack.cli(['recent', '--tenant', 'ops-a', '--outcome', 'refused']);

    // Assess
    expect(statuses).toEqual([200, 401, 401, 200]);
    expect(stats.status).toBe(200);
    const report = stats.body as unknown as StatsReport;
    expect(report).toMatchObject({ tenantId: 'ops-a', hours: 1 });
    const { lags, ...totals } = report.totals;
    expect(totals).toEqual({ received: 4, acked: 2, refused: 2, refusedByReason: { signature: 2 }, processed: 1, quarantined: 1, failed: 1, sent: 0, sendFailed: 0 });
    expect(lags.receivedToStored.count).toBe(1);
    expect(report.endpoints.map((row) => [row.tenantId, row.endpointId, row.received, row.failed])).toEqual([['ops-a', endpoint.endpointId, 4, 1]]);
    expect(report.series.at(-1)).toMatchObject({ received: 4, acked: 2, refused: 2, processed: 1, quarantined: 1, failed: 1 });
    // The dead letter never passed the ack, so it has a count but no attempt.
    const attempts = (recent.body.attempts as Attempt[]).map((attempt) => [attempt.outcome, attempt.reason ?? null, attempt.statusCode]);
    expect(attempts).toHaveLength(4);
    expect(attempts).toEqual(
      expect.arrayContaining([
        ['stored', null, 200],
        ['refused', 'signature', 401],
        ['refused', 'signature', 401],
        ['quarantined', expect.stringMatching(/^not a Twilio inbound message/), 200],
      ]),
    );
    expect(JSON.stringify(recent.body)).not.toMatch(/hello|forged/);
    expect((refused.body.attempts as Attempt[]).map((attempt) => attempt.outcome)).toEqual(['refused', 'refused']);
    expect((ofOther.body as unknown as StatsReport).totals.received).toBe(0);
    expect(intruding.status).toBe(403);
    expect(cliStats.totals).toEqual(report.totals);
    const [header, ...rows] = cliRecent.trim().split('\n');
    expect(header?.split(/ {2,}/)).toEqual(['TIME', 'TENANT', 'ENDPOINT', 'PROVIDER', 'OUTCOME', 'REASON', 'STATUS', 'BYTES', 'LATENCY']);
    expect(rows.map((row) => row.split(/ {2,}/).slice(1, 7))).toEqual([
      ['ops-a', endpoint.endpointId, 'twilio', 'refused', 'signature', '401'],
      ['ops-a', endpoint.endpointId, 'twilio', 'refused', 'signature', '401'],
    ]);
  }, 90_000);

  it('alerts once, naming the endpoint and the fix, when its fifth bad signature in an hour arrives', async () => {
    // Prepare
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'rotated', '--secret', authToken])) as { endpointId: string; url: string };

    // Act: seven requests signed with a secret the endpoint no longer has.
    const statuses: number[] = [];
    for (let n = 0; n < 7; n++) statuses.push(await post(endpoint.url, 'the-old-secret', inboundSmsFields({ Body: `forged ${n}` })));
    const alerts = await eventually('the alert to be printed', async () => {
      const lines = stack.output().split('\n').filter((line) => line.startsWith('alert:') && line.includes(endpoint.endpointId));
      return lines.length > 0 ? lines : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Assess
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401]);
    expect(alerts).toEqual([`alert: Switchboard: signature failures on endpoint ${endpoint.endpointId}`]);
    expect(stack.output().split('\n').filter((line) => line.startsWith('alert:') && line.includes(endpoint.endpointId))).toHaveLength(1);
  }, 60_000);
});
