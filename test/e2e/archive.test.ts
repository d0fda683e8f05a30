import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBodyStore, type BodyStore } from '../../functions/adapters/body-store.ts';
import { messageIdFor } from '../../functions/core/ids.ts';
import { entityKinds, messageKey } from '../../functions/core/items.ts';
import type { ArchivedRequest, ReplayResult, SearchResult } from '../../lib/cli/archive.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * `switchboard archive search` and `archive replay` against `npm start`: real signed webhooks
 * are stored and archived by the processor, found by range, endpoint, tenant and provider id,
 * and replayed through the processor, which stores nothing twice; a tampered archive is refused.
 */

let stack: LocalStackProcess;
let documents: DynamoDBDocumentClient;
let bodies: BodyStore;
const tokens = { acme: 'acme-auth-token', globex: 'globex-auth-token' };
const endpoints: Record<'acme' | 'globex', { endpointId: string; url: string }> = { acme: { endpointId: '', url: '' }, globex: { endpointId: '', url: '' } };
/** What was posted, in order: the tenant, the Twilio MessageSid and the text no listing may show. */
const posted = [
  { tenant: 'acme', sid: twilioSid('SM'), text: 'acme secret 1111' },
  { tenant: 'acme', sid: twilioSid('SM'), text: 'acme secret 2222' },
  { tenant: 'globex', sid: twilioSid('SM'), text: 'globex secret 3333' },
] as const;
let from: string;
let to: string;
let archived: ArchivedRequest[];

const storedMessage = async (tenant: string, sid: string) =>
  (await documents.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: messageKey(messageIdFor({ tenantId: tenant, namespace: 'twilio' }, sid)) }))).Item;

/** Every inbound message stored, by tenant: what a replay must leave exactly as it was. */
const storedMessageIds = async (): Promise<string[]> => {
  const { Items = [] } = await documents.send(
    new ScanCommand({ TableName: stack.description.tables.Messages, FilterExpression: 'entity = :message', ExpressionAttributeValues: { ':message': entityKinds.message } }),
  );
  return Items.map((item) => `${String(item.tenantId)} ${String(item.providerMessageId)}`).sort();
};

const search = async (...args: string[]): Promise<SearchResult> => JSON.parse(await stack.cli(['archive', 'search', '--from', from, '--to', to, '--json', ...args])) as SearchResult;
const replay = async (...args: string[]): Promise<ReplayResult> => JSON.parse(await stack.cli(['archive', 'replay', '--from', from, '--to', to, '--json', ...args])) as ReplayResult;

/** The processor's log lines that skipped a duplicate of this request: one for each time a replay of it reached the processor. */
const duplicatesSkipped = (requestId: string): number =>
  stack
    .output()
    .split('\n')
    .filter((line) => line.includes('"duplicate message skipped"') && line.includes(`"correlation_id":"${requestId}"`)).length;

beforeAll(async () => {
  // At INFO, the processor logs each duplicate it skips: what shows a replay reached it.
  stack = await startLocalStackProcess({ POWERTOOLS_LOG_LEVEL: 'INFO' });
  for (const tenant of ['acme', 'globex'] as const) {
    endpoints[tenant] = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenant, '--secret', tokens[tenant]])) as { endpointId: string; url: string };
  }
  const config = { region: stack.description.region, credentials: localCredentials, endpoint: stack.description.dynamodbEndpoint };
  documents = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  bodies = createBodyStore({ bucket: stack.description.bodyBucket, credentials: localCredentials, region: stack.description.region, endpoint: stack.description.sqsEndpoint });

  from = new Date(Date.now() - 1000).toISOString();
  for (const { tenant, sid, text } of posted) {
    const { url } = endpoints[tenant];
    const request = signedTwilioRequest(url, tokens[tenant], inboundSmsFields({ MessageSid: sid, Body: text }));
    expect((await fetch(url, { method: 'POST', headers: request.headers, body: request.body })).status).toBe(200);
    // One after another, so that they are received, and listed, in this order.
    await eventually(`message ${sid} to be stored`, () => storedMessage(tenant, sid));
  }
  to = new Date(Date.now() + 60_000).toISOString();
}, 120_000);

afterAll(async () => {
  documents?.destroy();
  await stack?.stop();
});

describe('archive search through the local stack', () => {
  it('lists every request received in the range, oldest first, with its provider ids and never its content', async () => {
    const result = await search();
    const table = await stack.cli(['archive', 'search', '--from', from, '--to', to]);
    archived = result.requests;

    expect(result.notEnvelopes).toEqual([]);
    expect(result.requests.map(({ tenantId, endpointId, provider, providerIds }) => ({ tenantId, endpointId, provider, providerIds }))).toEqual(
      posted.map(({ tenant, sid }) => ({ tenantId: tenant, endpointId: endpoints[tenant].endpointId, provider: 'twilio', providerIds: [sid] })),
    );
    const [header, ...rows] = table.trim().split('\n');
    expect(header?.split(/ {2,}/)).toEqual(['RECEIVED AT', 'REQUEST', 'TENANT', 'ENDPOINT', 'PROVIDER', 'BYTES', 'PROVIDER IDS']);
    expect(rows.map((row) => row.split(/ {2,}/))).toEqual(
      result.requests.map((request) => [request.receivedAt, request.requestId, request.tenantId, request.endpointId, 'twilio', String(request.bytes), request.providerIds[0]]),
    );
    for (const { text } of posted) expect(table + JSON.stringify(result)).not.toContain(text.split(' ').at(-1));
  });

  it('finds requests by endpoint, provider id and tenant, and never shows another tenant\'s', async () => {
    const requestIds = (result: SearchResult) => result.requests.map((request) => request.requestId);
    const [first, second, third] = archived.map((request) => request.requestId);

    expect(requestIds(await search('--endpoint', endpoints.acme.endpointId))).toEqual([first, second]);
    expect(requestIds(await search('--provider-id', posted[1].sid))).toEqual([second]);
    expect(requestIds(await search('--tenant', 'globex'))).toEqual([third]);
    expect(requestIds(await search('--tenant', 'globex', '--provider-id', posted[0].sid))).toEqual([]);
    expect(requestIds(await search('--tenant', 'globex', '--endpoint', endpoints.acme.endpointId))).toEqual([]);
    expect((await stack.cli(['archive', 'search', '--from', '2020-01-01', '--to', '2020-01-02'])).trim()).toBe('No archived requests in that range.');
  });

  it('refuses a range it cannot answer, saying why, with exit code 2', async () => {
    await expect(stack.cli(['archive', 'search', '--from', '2026-11-01', '--to', '2026-12-03'])).rejects.toMatchObject({
      code: 2,
      stderr: 'switchboard: the range is longer than 31 days: the archive keeps 30 days, so search it a month at most at a time\n',
    });
  });
});

describe('archive replay through the local stack', () => {
  it('replays what still verifies, refuses a tampered archive, and the processor stores nothing twice', async () => {
    // Prepare: the first request's archived body changed (1111 becomes 9999), and the messages of it and of the second lost, as a restore would need.
    const [tampered, restored, untouched] = archived as [ArchivedRequest, ArchivedRequest, ArchivedRequest];
    const key = `archive/${tampered.receivedAt.slice(0, 10)}/${tampered.requestId}.json`;
    const envelope = JSON.parse((await bodies.get(key)).toString('utf8')) as { body: string };
    const changed = Buffer.from(Buffer.from(envelope.body, 'base64').toString('utf8').replace('1111', '9999')).toString('base64');
    expect(changed).not.toBe(envelope.body);
    await bodies.put(key, Buffer.from(JSON.stringify({ ...envelope, body: changed })));
    for (const index of [0, 1]) {
      const { tenant, sid } = posted[index]!;
      await documents.send(new DeleteCommand({ TableName: stack.description.tables.Messages, Key: messageKey(messageIdFor({ tenantId: tenant, namespace: 'twilio' }, sid)) }));
    }

    // Act
    const dryRun = await replay('--dry-run');
    const dryRunTable = await stack.cli(['archive', 'replay', '--from', from, '--to', to, '--dry-run']);
    const forGlobex = await replay('--tenant', 'globex', '--dry-run');
    const result = await replay();
    await eventually('the replayed message to be stored again', () => storedMessage('acme', posted[1].sid));
    await eventually('the processor to skip the untouched request as a duplicate', () => (duplicatesSkipped(untouched.requestId) > 0 ? true : undefined));

    // Assess
    const summary = (request: ArchivedRequest) => ({ receivedAt: request.receivedAt, requestId: request.requestId, tenantId: request.tenantId, endpointId: request.endpointId, provider: 'twilio' });
    const refusal = { ...summary(tampered), reason: 'not_verified', detail: expect.any(String) };
    expect(dryRun).toEqual({ dryRun: true, replayed: [summary(restored), summary(untouched)], refused: [refusal], notEnvelopes: [] });
    expect(dryRunTable.split('\n')[0]).toBe('Dry run, nothing sent: would replay 2 archived requests; would refuse 1: 1 no longer verifies.');
    expect(forGlobex).toEqual({ dryRun: true, replayed: [summary(untouched)], refused: [], notEnvelopes: [] });
    expect(result).toEqual({
      dryRun: false,
      replayed: [{ ...summary(restored), sqsMessageId: expect.any(String) }, { ...summary(untouched), sqsMessageId: expect.any(String) }],
      refused: [refusal],
      notEnvelopes: [],
    });
    // Stored once each: the restored message again, the untouched one skipped as the duplicate it is (once: the dry runs sent nothing), the tampered one not at all.
    expect(await storedMessageIds()).toEqual([`acme ${posted[1].sid}`, `globex ${posted[2].sid}`]);
    expect(duplicatesSkipped(untouched.requestId)).toBe(1);
    expect(await storedMessage('acme', posted[0].sid)).toBeUndefined();
    expect(await storedMessage('acme', posted[1].sid)).toMatchObject({ tenantId: 'acme', text: posted[1].text, source: { requestId: restored.requestId } });
  });

  it('lists what it refused under the summary, in a table', async () => {
    const table = await stack.cli(['archive', 'replay', '--from', from, '--to', to, '--endpoint', endpoints.acme.endpointId, '--dry-run']);
    const [, blank, header, ...rows] = table.trim().split('\n');

    expect(blank).toBe('');
    expect(header?.split(/ {2,}/)).toEqual(['RECEIVED AT', 'REQUEST', 'TENANT', 'ENDPOINT', 'PROVIDER', 'OUTCOME']);
    expect(rows.map((row) => row.split(/ {2,}/).slice(1, 5))).toEqual([
      [archived[0]?.requestId, 'acme', endpoints.acme.endpointId, 'twilio'],
      [archived[1]?.requestId, 'acme', endpoints.acme.endpointId, 'twilio'],
    ]);
    expect(rows.map((row) => row.split(/ {2,}/)[5]?.split(':')[0])).toEqual(['no longer verifies', 'would replay']);
  });
});
