import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { newSendKeySecret, openCredentials, sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { entityKinds, failureKey, quarantineKey, type QuarantineRecord, type RecordFailure } from '../../functions/core/items.ts';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { listDeadLetters, peekMessages, redrive } from '../../lib/cli/dlq.ts';
import { setCredentials } from '../../lib/cli/credentials.ts';
import { addEndpoint, listEndpoints } from '../../lib/cli/endpoint.ts';
import { listQuarantined, replayQuarantined } from '../../lib/cli/quarantine.ts';
import type { QueueTarget, Target } from '../../lib/cli/target.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { createQueues, createTables } from '../../lib/local/resources.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';
import { inboundSmsFields, twilioSid } from '../helpers/twilio.ts';

/**
 * The operator's commands against DynamoDB Local and fauxqs: quarantined requests listed and
 * replayed, the DLQ listed without being consumed and redriven message by message, and
 * nothing lost or doubled on the way.
 */

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
let targets = 0;

beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startDynamoDb(), startSqs()]);
  sqs.server.createBucket('bodies');
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), sqs?.stop()]);
});

/** Queues with the deployed redrive policy and a messages table of their own, so tests do not see each other's items. */
const freshTarget = async (): Promise<QueueTarget> => {
  const prefix = `op${++targets}-`;
  const queues = await createQueues(sqs.client, { prefix, endpoint: sqs.endpoint });
  const tables = await createTables(dynamo.client, prefix);
  return {
    sqs: sqs.client,
    ingestQueueUrl: queues.ingest,
    deadLetterQueueUrl: queues.deadLetter,
    messages: dynamo.documentClient,
    messagesTable: tables.Messages,
    bodies: createBodyStore({ bucket: 'bodies', credentials: async () => localCredentials, region: async () => localRegion, endpoint: sqs.endpoint }),
    redrive: 'message-by-message',
  };
};

const envelopeBody = (tenantId: string) =>
  JSON.stringify(aTwilioEnvelope(inboundSmsFields({ MessageSid: twilioSid('SM') }), { tenantId, requestId: `req_${twilioSid('MG')}` }));

/** Every message on a queue, consumed: what a processor would get. */
const drain = async (queueUrl: string): Promise<string[]> => {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(message.Body ?? '');
      await sqs.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
};

const depth = async (queueUrl: string) => {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), hidden: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
};

/**
 * Sends bodies to the ingest queue and fails them as a processor would, receive after
 * receive, until the redrive policy has moved every one to the DLQ (under its own id).
 * Resolves with the message ids.
 */
const deadLetter = async (target: QueueTarget, bodies: readonly string[]): Promise<string[]> => {
  const ids: string[] = [];
  for (const body of bodies) {
    const { MessageId } = await sqs.client.send(new SendMessageCommand({ QueueUrl: target.ingestQueueUrl, MessageBody: body }));
    ids.push(MessageId ?? '');
  }
  for (let receives = 0; receives <= ingestQueueSettings.maxReceiveCount * bodies.length + 1; receives++) {
    const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: target.ingestQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    if (Messages.length === 0) break;
  }
  expect(await depth(target.deadLetterQueueUrl)).toEqual({ visible: bodies.length, hidden: 0 });
  return ids;
};

const recordFailure = (target: QueueTarget, failure: RecordFailure) =>
  target.messages.send(new PutCommand({ TableName: target.messagesTable, Item: { ...failureKey(failure.sqsMessageId), entity: entityKinds.failure, ...failure } }));

const aQuarantineRecord = (overrides: Partial<QuarantineRecord> = {}): QuarantineRecord => ({
  id: crypto.randomUUID(),
  reason: 'not a Twilio inbound message: ✖ a SM|MM SID\n  → at MessageSid',
  raw: envelopeBody('acme'),
  rawBytes: Buffer.byteLength(envelopeBody('acme')),
  tenantId: 'acme',
  requestId: 'req_quarantined',
  quarantinedAt: '2026-11-23T10:00:00.000Z',
  ...overrides,
});

describe('quarantine list', () => {
  it("lists what the processor quarantined, newest first, one tenant's or all, without the bodies", async () => {
    // Prepare
    const target = await freshTarget();
    const store = createMessageStore(target.messages, target.messagesTable);
    const oldest = aQuarantineRecord({ quarantinedAt: '2026-11-23T09:00:00.000Z' });
    const globex = aQuarantineRecord({ tenantId: 'globex', raw: envelopeBody('globex'), quarantinedAt: '2026-11-23T10:00:00.000Z' });
    const newest = aQuarantineRecord({ quarantinedAt: '2026-11-23T11:00:00.000Z' });
    for (const record of [globex, newest, oldest]) await store.quarantine(record);

    // Act
    const all = await listQuarantined(target);
    const acme = await listQuarantined(target, { tenant: 'acme' });

    // Assess
    expect(all.map((entry) => entry.id)).toEqual([newest.id, globex.id, oldest.id]);
    expect(acme.map((entry) => entry.id)).toEqual([newest.id, oldest.id]);
    expect(all[0]).toEqual({
      id: newest.id,
      quarantinedAt: newest.quarantinedAt,
      tenantId: 'acme',
      requestId: 'req_quarantined',
      reason: newest.reason,
      bytes: newest.rawBytes,
    });
    expect(JSON.stringify(all)).not.toContain('"body"');
  });
});

describe('quarantine replay', () => {
  it('puts the exact queued body back on the ingest queue once, and only then deletes the quarantine item', async () => {
    // Prepare
    const target = await freshTarget();
    const store = createMessageStore(target.messages, target.messagesTable);
    const replayed = aQuarantineRecord();
    const other = aQuarantineRecord();
    await store.quarantine(replayed);
    await store.quarantine(other);

    // Act
    const result = await replayQuarantined(target, replayed.id);

    // Assess
    expect(await drain(target.ingestQueueUrl)).toEqual([replayed.raw]);
    expect(result).toMatchObject({ replayed: replayed.id, tenantId: 'acme', requestId: 'req_quarantined' });
    expect(result.sqsMessageId).toMatch(/^[0-9a-f-]{36}$/);
    const { Item } = await target.messages.send(new GetCommand({ TableName: target.messagesTable, Key: quarantineKey(replayed.id), ConsistentRead: true }));
    expect(Item).toBeUndefined();
    expect((await listQuarantined(target)).map((entry) => entry.id)).toEqual([other.id]);
  });

  it('replays a request too large for its quarantine item from the archive', async () => {
    const target = await freshTarget();
    const body = JSON.stringify({ ...JSON.parse(envelopeBody('acme')), padding: 'x'.repeat(400_000) });
    await target.bodies.put('archive/2026-11-23/req_large.json', Buffer.from(body));
    const { raw: _, ...large } = aQuarantineRecord({ archiveKey: 'archive/2026-11-23/req_large.json', rawBytes: Buffer.byteLength(body) });
    await createMessageStore(target.messages, target.messagesTable).quarantine(large);

    await replayQuarantined(target, large.id);

    expect(await drain(target.ingestQueueUrl)).toEqual([body]);
  });

  it('refuses to replay a body it kept only the start of', async () => {
    const target = await freshTarget();
    const record = aQuarantineRecord({ raw: 'not an envelope…', rawTruncated: true, rawBytes: 900_000 });
    await createMessageStore(target.messages, target.messagesTable).quarantine(record);

    await expect(replayQuarantined(target, record.id)).rejects.toThrow(/cannot be replayed/);
    expect(await drain(target.ingestQueueUrl)).toEqual([]);
  });

  it('keeps the request in quarantine when the ingest queue refuses it', async () => {
    const target = await freshTarget();
    const record = aQuarantineRecord();
    await createMessageStore(target.messages, target.messagesTable).quarantine(record);
    const gone = { ...target, ingestQueueUrl: new URL('/000000000000/no-such-queue', sqs.endpoint).toString() };

    await expect(replayQuarantined(gone, record.id)).rejects.toThrow();

    expect((await listQuarantined(target)).map((entry) => entry.id)).toEqual([record.id]);
    expect(await drain(target.ingestQueueUrl)).toEqual([]);
  });
});

describe('dlq list', () => {
  it('shows each dead letter with where it came from and why, and leaves every one on the DLQ', async () => {
    // Prepare
    const target = await freshTarget();
    const acmeBody = envelopeBody('acme');
    const [acmeId = '', globexId = '', garbageId = ''] = await deadLetter(target, [acmeBody, envelopeBody('globex'), 'not json at all']);
    await recordFailure(target, { sqsMessageId: acmeId, receiveCount: 5, error: 'ProvisionedThroughputExceededException: throughput exceeded', failedAt: '2026-11-23T10:05:00.000Z' });

    // Act
    const first = await listDeadLetters(target);
    const second = await listDeadLetters(target);

    // Assess
    expect(first.capped).toBe(false);
    const byId = new Map(first.letters.map((letter) => [letter.sqsMessageId, letter]));
    expect([...byId.keys()].sort()).toEqual([acmeId, globexId, garbageId].sort());
    expect(byId.get(acmeId)).toMatchObject({
      tenantId: 'acme',
      provider: 'twilio',
      requestId: JSON.parse(acmeBody).requestId,
      reason: 'ProvisionedThroughputExceededException: throughput exceeded',
      failedAt: '2026-11-23T10:05:00.000Z',
    });
    // Six receives on the ingest queue (the sixth moved it), then this look.
    expect(byId.get(acmeId)?.receiveCount).toBe(ingestQueueSettings.maxReceiveCount + 2);
    expect(byId.get(acmeId)?.firstReceivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byId.get(globexId)).toMatchObject({ tenantId: 'globex', reason: 'reason not recorded' });
    expect(byId.get(garbageId)?.reason).toBe('reason not recorded');
    expect(byId.get(garbageId)).not.toHaveProperty('tenantId');
    expect(second.letters.map((letter) => letter.sqsMessageId).sort()).toEqual([...byId.keys()].sort());
    expect(await depth(target.deadLetterQueueUrl)).toEqual({ visible: 3, hidden: 0 });
  });

  it('pages past ten messages and stops at its cap, handing every message back', async () => {
    const target = await freshTarget();
    const ids = await deadLetter(target, Array.from({ length: 23 }, (_, index) => `dead ${index}`));

    const all = await peekMessages(target.sqs, target.deadLetterQueueUrl);
    const capped = await peekMessages(target.sqs, target.deadLetterQueueUrl, 15);

    expect(all.messages.map((message) => message.MessageId).sort()).toEqual([...ids].sort());
    expect(all.capped).toBe(false);
    expect(capped.messages).toHaveLength(15);
    expect(new Set(capped.messages.map((message) => message.MessageId)).size).toBe(15);
    expect(capped.capped).toBe(true);
    expect(await depth(target.deadLetterQueueUrl)).toEqual({ visible: 23, hidden: 0 });
  });
});

describe('dlq redrive, message by message', () => {
  it('moves every dead letter back to the ingest queue once, with its body unchanged', async () => {
    // Prepare
    const target = await freshTarget();
    const bodies = Array.from({ length: 12 }, (_, index) => envelopeBody(index % 2 ? 'acme' : 'globex'));
    await deadLetter(target, bodies);

    // Act
    const result = await redrive(target);

    // Assess
    expect(result).toEqual({ strategy: 'message-by-message', moved: 12 });
    expect(await depth(target.deadLetterQueueUrl)).toEqual({ visible: 0, hidden: 0 });
    expect((await drain(target.ingestQueueUrl)).sort()).toEqual([...bodies].sort());
  });

  it('loses nothing when the ingest queue refuses: every message stays on the DLQ, visible', async () => {
    const target = await freshTarget();
    const bodies = [envelopeBody('acme'), envelopeBody('acme'), envelopeBody('globex')];
    await deadLetter(target, bodies);
    const gone = { ...target, ingestQueueUrl: new URL('/000000000000/no-such-queue', sqs.endpoint).toString() };

    await expect(redrive(gone)).rejects.toThrow(/^moved 0 of 3 messages, then the ingest queue refused one/);

    expect(await depth(target.deadLetterQueueUrl)).toEqual({ visible: 3, hidden: 0 });
    expect((await drain(target.deadLetterQueueUrl)).sort()).toEqual([...bodies].sort());
  });

  it('reports nothing moved when the DLQ is empty', async () => {
    const target = await freshTarget();

    expect(await redrive(target)).toEqual({ strategy: 'message-by-message', moved: 0 });
    expect(await drain(target.ingestQueueUrl)).toEqual([]);
  });
});

describe('endpoint credentials', () => {
  const accountSid = `AC${'5e'.repeat(16)}`;
  const authToken = 'twilio-auth-token-sealed-at-rest';

  /** An endpoint store on a table of its own, and the stack's send key. */
  const credentialsTarget = async (): Promise<{ target: Target; endpointsTable: string; sendKey: string }> => {
    const tables = await createTables(dynamo.client, `cred${++targets}-`);
    const sendKey = newSendKeySecret();
    const target: Target = {
      publicBaseUrl: 'http://127.0.0.1:3000',
      webSocketUrl: 'ws://127.0.0.1:3001',
      endpoints: createEndpointStore(dynamo.documentClient, tables.Endpoints),
      tokenMaxLifetimeSeconds: 86_400,
      jwtSecret: async () => 'unused',
      sendKey: async () => sendKey,
    };
    return { target, endpointsTable: tables.Endpoints, sendKey };
  };

  it('stores them sealed for the endpoint: the item holds no credential in plaintext, and the listing shows none', async () => {
    // Prepare
    const { target, endpointsTable, sendKey } = await credentialsTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['webhook-signing-token'] });

    // Act
    await setCredentials(target, endpointId, { credentials: { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken }, env: {}, from: '+15550001111' });

    // Assess
    const { Item } = await dynamo.documentClient.send(new GetCommand({ TableName: endpointsTable, Key: { endpointId }, ConsistentRead: true }));
    const raw = JSON.stringify(Item);
    expect(raw).not.toContain(authToken);
    expect(raw).not.toContain(accountSid);
    expect(Item?.sending).toMatchObject({ defaultFrom: '+15550001111', sealedCredentials: expect.stringMatching(/^v1\./) });
    const sealed = String(Item?.sending?.sealedCredentials);
    expect(openCredentials(sendKeyOf(sendKey), endpointId, sealed)).toEqual({ provider: 'twilio', accountSid, authToken });
    expect(() => openCredentials(sendKeyOf(sendKey), 'ep_another', sealed)).toThrow();
    const listed = JSON.stringify(await listEndpoints(target));
    expect(listed).toContain('"sending":"set"');
    expect(listed).not.toMatch(new RegExp(`${authToken}|${accountSid}|sealed|webhook-signing-token`));
  });

  it('lifts the pause a refusal of the provider put on the endpoint', async () => {
    const { target, endpointsTable } = await credentialsTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['webhook-signing-token'] });
    const credentials = { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken };
    await setCredentials(target, endpointId, { credentials, env: {}, now: new Date('2026-11-23T10:00:00.000Z') });
    await target.endpoints.pauseSending(endpointId, 'Twilio 20003: authentication failed', '2026-11-23T11:00:00.000Z');
    const paused = (await listEndpoints(target))[0];

    await setCredentials(target, endpointId, { credentials, env: {}, now: new Date('2026-11-23T12:00:00.000Z') });

    expect(paused).toMatchObject({ sending: 'paused', sendingPausedReason: 'Twilio 20003: authentication failed' });
    const { Item } = await dynamo.documentClient.send(new GetCommand({ TableName: endpointsTable, Key: { endpointId }, ConsistentRead: true }));
    expect(Item?.sending).not.toHaveProperty('pausedAt');
    expect((await listEndpoints(target))[0]).toMatchObject({ sending: 'set' });
  });
});
