import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../functions/core/ids.ts';
import { entityKinds, failureKey, messageKey } from '../../functions/core/items.ts';
import type { DeadLetter } from '../../lib/cli/dlq.ts';
import type { QuarantineEntry } from '../../lib/cli/quarantine.ts';
import { signedMetaRequest } from '../../functions/providers/meta/sample.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { textOf } from '../helpers/output.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { eventually, waitUntil } from '../helpers/waiting.ts';

/**
 * The operator's side of the local stack, through the CLI as a user runs it: a request the
 * processor cannot understand is quarantined, listed and replayed; a dead letter is listed
 * with its reason and redriven, and then stored.
 */

let stack: LocalStackProcess;
let endpoint: { endpointId: string; url: string };
let documents: DynamoDBDocumentClient;
let sqs: SQSClient;
const authToken = 'acme-auth-token';

beforeAll(async () => {
  // Redeliveries in a second instead of three minutes.
  stack = await startLocalStackProcess({ SWITCHBOARD_VISIBILITY_TIMEOUT: '1' });
  endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'acme', '--secret', authToken])) as typeof endpoint;
  const config = { region: stack.description.region, credentials: localCredentials };
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: stack.description.dynamodbEndpoint }));
  sqs = new SQSClient({ ...config, endpoint: stack.description.sqsEndpoint });
}, 90_000);

afterAll(async () => {
  documents?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

/** Asks until `check` answers, or fails once the deadline has passed. */

const quarantined = async (): Promise<QuarantineEntry[]> => JSON.parse(await stack.cli(['quarantine', 'list', '--tenant', 'acme', '--json'])) as QuarantineEntry[];

describe('quarantine through the local stack', () => {
  it('quarantines a signed request it cannot normalize, lists it without its content, and replays it', async () => {
    // Prepare: a correctly signed Twilio form without a MessageSid.
    const { MessageSid: _dropped, ...fields } = inboundSmsFields({ Body: 'my PIN is 8642' });
    const request = signedTwilioRequest(endpoint.url, authToken, fields);
    const response = await fetch(endpoint.url, { method: 'POST', headers: request.headers, body: request.body });
    expect(response.status).toBe(200);
    const [entry] = await eventually('the request to be quarantined', async () => {
      const entries = await quarantined();
      return entries.length > 0 ? entries : undefined;
    });

    // Act
    const listed = await stack.cli(['quarantine', 'list']);
    const replayed = await stack.cli(['quarantine', 'replay', entry?.id ?? '']);
    // It still cannot be normalized: the processor quarantines it again, under the replay's id.
    const after = await eventually('the replay to be quarantined again', async () => {
      const entries = await quarantined();
      return entries.some((other) => other.id !== entry?.id) ? entries : undefined;
    });

    // Assess
    expect(entry).toMatchObject({ tenantId: 'acme', reason: expect.stringMatching(/^not a Twilio inbound message: .*MessageSid/s) });
    expect(entry?.requestId).toMatch(/.+/);
    const [header, row, ...more] = listed.trim().split('\n');
    expect(header?.split(/ {2,}/)).toEqual(['QUARANTINED AT', 'ID', 'TENANT', 'REQUEST', 'REASON']);
    expect(row?.split(/ {2,}/).slice(1, 4)).toEqual([entry?.id, 'acme', entry?.requestId]);
    expect(row?.split(/ {2,}/)[4]).toMatch(/^not a Twilio inbound message:/);
    expect(more).toEqual([]);
    expect(listed + JSON.stringify(entry)).not.toContain('8642');
    const replayId = /as SQS message (\S+),/.exec(replayed)?.[1];
    expect(replayed).toContain(`Replayed ${entry?.id} (tenant acme, request ${entry?.requestId}) on the ingest queue`);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: replayId, requestId: entry?.requestId, reason: entry?.reason, bytes: entry?.bytes });
  });

  it('refuses to replay an id that is not quarantined', async () => {
    await expect(stack.cli(['quarantine', 'replay', 'no-such-id'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no quarantined request no-such-id') });
  });
});

describe('the DLQ through the local stack', () => {
  it('lists a dead letter with its failure, redrives it, and the processor stores it', async () => {
    // Prepare: a request that failed its five tries during an outage, with the processor's record of why.
    const messageSid = twilioSid('SM');
    const envelope = aTwilioEnvelope(inboundSmsFields({ MessageSid: messageSid }), { tenantId: 'acme', endpointId: endpoint.endpointId, requestId: 'req_outage' });
    const { MessageId = '' } = await sqs.send(new SendMessageCommand({ QueueUrl: stack.description.queues.deadLetter, MessageBody: JSON.stringify(envelope) }));
    await documents.send(
      new PutCommand({
        TableName: stack.description.tables.Messages,
        Item: { ...failureKey(MessageId), entity: entityKinds.failure, sqsMessageId: MessageId, receiveCount: 5, error: 'TimeoutError: socket hang up', failedAt: '2026-11-23T10:05:00.000Z' },
      }),
    );

    // Act
    const listing = JSON.parse(await stack.cli(['dlq', 'list', '--json'])) as { letters: DeadLetter[]; capped: boolean };
    const text = await stack.cli(['dlq', 'list']);
    const redriven = await stack.cli(['dlq', 'redrive']);
    const stored = await eventually('the redriven message to be stored', async () => {
      const { Item } = await documents.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: messageKey(messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, messageSid)) }));
      return Item;
    });
    const emptied = await stack.cli(['dlq', 'list']);

    // Assess
    expect(listing).toEqual({
      capped: false,
      letters: [expect.objectContaining({ sqsMessageId: MessageId, tenantId: 'acme', provider: 'twilio', requestId: 'req_outage', reason: 'TimeoutError: socket hang up' })],
    });
    const [header, row] = text.trim().split('\n');
    expect(header?.split(/ {2,}/)).toEqual(['SQS MESSAGE', 'RECEIVES', 'FIRST RECEIVED', 'TENANT', 'PROVIDER', 'REQUEST', 'REASON']);
    expect(row?.split(/ {2,}/)).toEqual([MessageId, '2', expect.any(String), 'acme', 'twilio', 'req_outage', 'TimeoutError: socket hang up']);
    expect(redriven.trim()).toBe('Moved 1 message from the DLQ to the ingest queue.');
    expect(stored).toMatchObject({ tenantId: 'acme', providerMessageId: messageSid, source: { requestId: 'req_outage' } });
    expect(emptied.trim()).toBe('The DLQ is empty.');
  });
});

describe('data from outside, printed by the CLI', () => {
  /** Sets the window title (OSC ended by BEL), clears the screen (CSI), starts an 8-bit CSI, reverses the line. */
  const hostile = '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
  /** Whatever a terminal would obey, but the newlines between lines. */
  const controlCharacter = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
  const tenant = 'hostile';
  const post = async (url: string, request: { headers: Record<string, string>; body: string }) =>
    expect((await fetch(url, { method: 'POST', headers: request.headers, body: request.body })).status).toBe(200);

  it("escapes a sender's control characters in `tail`, for people and as JSON", async () => {
    // Prepare
    const twilio = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenant, '--secret', authToken])) as typeof endpoint;
    const tails = [stack.spawnCli(['tail', '--tenant', tenant]), stack.spawnCli(['tail', '--tenant', tenant, '--json'])];
    const [people, json] = tails.map((tail) => textOf(tail.stdout));
    const listening = tails.map((tail) => textOf(tail.stderr));
    await waitUntil(() => listening.every((stderr) => stderr().includes('Listening')), 'both tails to listen');

    // Act
    const fields = inboundSmsFields({ From: `+1415${hostile}\n2026-01-01T00:00:00.000Z  forged line`, To: `+1500${hostile}`, Body: `hi${hostile}` });
    await post(twilio.url, signedTwilioRequest(twilio.url, authToken, fields));
    await waitUntil(() => people!().includes('message.created') && json!().includes('message.created'), 'both tails to print the message');
    for (const tail of tails) tail.kill('SIGINT');
    await Promise.all(tails.map((tail) => once(tail, 'exit')));

    // Assess
    expect(people!()).not.toMatch(controlCharacter);
    expect(json!()).not.toMatch(controlCharacter);
    const line = people!().split('\n').find((printed) => printed.includes('message.created')) ?? '';
    expect(line).toContain('+1415\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202e\\n2026-01-01T00:00:00.000Z  forged line → +1500\\u001b]0;pwned');
    const frames = json!().trim().split('\n').map((printed) => JSON.parse(printed) as { type: string; data: { from?: string; text?: string } });
    expect(frames.find((frame) => frame.type === 'message.created')?.data).toMatchObject({ from: fields.From, text: fields.Body });
  });

  it('escapes the control characters of a payload it quarantined in `quarantine list`, for people and as JSON', async () => {
    // Prepare: a correctly signed Meta webhook for an "object" Meta never sends.
    const appSecret = providerCredentials.meta!.secret;
    const meta = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'meta', '--tenant', tenant, '--secret', appSecret, '--verify-token', 'hostile-verify-token'])) as typeof endpoint;
    await post(meta.url, signedMetaRequest(appSecret, JSON.stringify({ object: `page${hostile}`, entry: [] })));
    const listed = await eventually('the request to be quarantined', async () => {
      const entries = JSON.parse(await stack.cli(['quarantine', 'list', '--tenant', tenant, '--json'])) as QuarantineEntry[];
      return entries.length > 0 ? entries : undefined;
    });

    // Act
    const people = await stack.cli(['quarantine', 'list', '--tenant', tenant]);
    const json = await stack.cli(['quarantine', 'list', '--tenant', tenant, '--json']);

    // Assess
    expect(listed[0]?.reason).toBe(`Meta webhooks for object "page${hostile}" are not supported`);
    expect(people).not.toMatch(controlCharacter);
    expect(json).not.toMatch(controlCharacter);
    expect(people).toContain('Meta webhooks for object "page\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202e" are not supported');
    expect(JSON.parse(json)).toEqual(listed);
  });
});

describe('endpoint add through the local stack', () => {
  it.each([
    [['--provider', 'sendgrid', '--secret', ':'], 'a SendGrid Inbound Parse credential is "user:password", neither of them empty'],
    [['--provider', 'sms', '--secret', 'short-token'], "an SMS gateway's bearer token or signing key must be at least 16 characters"],
    [['--provider', 'standard', '--secret', 'whsec_AAAA'], 'a Standard Webhooks secret is whsec_ followed by the base64 of at least 24 random bytes'],
  ])('refuses %j with one line and exit code 2', async (args, reason) => {
    const refused = stack.cli(['endpoint', 'add', '--tenant', 'weak', ...args]);

    await expect(refused).rejects.toMatchObject({ code: 2, stderr: `switchboard: --secret refused: ${reason}\n` });
    expect(await stack.cli(['endpoint', 'list'])).not.toContain('"weak"');
  });
});

describe('token through the local stack', () => {
  it('refuses a lifetime longer than the stack accepts, with one line and exit code 2, and issues one within it', async () => {
    await expect(stack.cli(['token', '--tenant', 'acme', '--ttl', '2d'])).rejects.toMatchObject({ code: 2, stderr: 'switchboard: --ttl 2d is longer than this stack accepts: at most 86400 s (its tokenMaxLifetimeSeconds)\n' });
    const accepted = await stack.cli(['token', '--tenant', 'acme', '--ttl', '24h']);
    const { iat, exp } = JSON.parse(Buffer.from(accepted.trim().split('.')[1] ?? '', 'base64url').toString()) as { iat: number; exp: number };
    expect(exp - iat).toBe(86_400);
  });
});
