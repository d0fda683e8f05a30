import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { createOutboxStore } from '../../functions/adapters/outbox-store.ts';
import { sendRecordOf } from '../../functions/adapters/send-queue.ts';
import { statusRank } from '../../functions/core/items.ts';
import { openPartition, openShards, type OutboundMessage } from '../../functions/core/sending-items.ts';
import { sendQueues } from '../../lib/definitions/pipeline.ts';
import { listOutbox, retryOutbound } from '../../lib/cli/outbox.ts';
import type { SendingTarget } from '../../lib/cli/target.ts';
import { createQueues, createTables } from '../../lib/local/resources.ts';
import { aConversationKey, anOutboundMessage } from '../helpers/factories.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';

/**
 * `switchboard outbox list` and `outbox retry` against DynamoDB Local and fauxqs: a tenant sees
 * its own outbound messages only, and a retry puts back on its send queue only a failed
 * message of the tenant's, once.
 */

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
let targets = 0;

beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startDynamoDb(), startSqs()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), sqs?.stop()]);
});

/** Send queues and tables of its own, so that tests do not see each other's items. */
const freshTarget = async (): Promise<SendingTarget> => {
  const prefix = `outbox${++targets}-`;
  const [queues, tables] = await Promise.all([createQueues(sqs.client, { prefix, endpoint: sqs.endpoint }), createTables(dynamo.client, prefix)]);
  return {
    sqs: sqs.client,
    queueUrls: Object.fromEntries(sendQueues.flatMap(({ queue, deadLetter }) => [queue, deadLetter].map((id) => [id, queues[id]]))) as SendingTarget['queueUrls'],
    messages: dynamo.documentClient,
    messagesTable: tables.Messages,
    sendingTable: tables.Sending,
  };
};

const acme = aConversationKey();
const globex = aConversationKey({ tenantId: 'globex' });

const failure = { category: 'temporary', code: 'expired', message: 'the message was not sent before it expired', hint: 'Send it again if it still matters.' } as const;

const aFailedMessage = (idempotencyKey: string, key = acme, overrides: Partial<OutboundMessage> = {}) =>
  anOutboundMessage({ status: 'failed', statusRank: statusRank.failed, sendState: 'done', attempts: 3, failure, ...overrides }, key, idempotencyKey);

const store = async (target: SendingTarget, ...messages: OutboundMessage[]) => {
  const messageStore = createMessageStore(target.messages, target.messagesTable);
  for (const message of messages) {
    await messageStore.saveMessage(message, { tenantId: message.tenantId, channel: message.channel, businessAddress: message.from, customerAddress: message.to });
  }
};

/** Every record on a send queue, consumed. */
const drain = async (queueUrl: string) => {
  const records: ReturnType<typeof sendRecordOf>[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return records;
    for (const message of Messages) {
      records.push(sendRecordOf(message.Body ?? ''));
      await sqs.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
};

/** The reconciler's markers of a message, in whichever shard it fell. */
const markersOf = async (target: SendingTarget, messageId: string) => {
  const markers: Record<string, unknown>[] = [];
  for (let shard = 0; shard < openShards; shard++) {
    const { Items = [] } = await target.messages.send(
      new QueryCommand({ TableName: target.sendingTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': openPartition(shard) } }),
    );
    markers.push(...Items.filter((item) => item.messageId === messageId));
  }
  return markers;
};

describe('outbox list', () => {
  it("lists the tenant's outbound messages newest first, of one status when asked, never another tenant's", async () => {
    // Prepare
    const target = await freshTarget();
    const older = aFailedMessage('key-1', acme, { storedAt: '2026-11-23T09:00:00.000Z' });
    const newer = anOutboundMessage({ storedAt: '2026-11-23T10:00:00.000Z', status: 'delivered', statusRank: statusRank.delivered, sendState: 'done', attempts: 1 }, acme, 'key-2');
    const newest = aFailedMessage('key-3', acme, { storedAt: '2026-11-23T11:00:00.000Z' });
    const theirs = aFailedMessage('key-1', globex, { storedAt: '2026-11-23T12:00:00.000Z' });
    await store(target, older, newer, newest, theirs);

    // Act
    const all = await listOutbox(target, 'acme', { limit: 50 });
    const failed = await listOutbox(target, 'acme', { status: 'failed', limit: 50 });
    const first = await listOutbox(target, 'acme', { limit: 1 });

    // Assess
    expect(all.map((entry) => entry.id)).toEqual([newest.id, newer.id, older.id]);
    expect(failed.map((entry) => entry.id)).toEqual([newest.id, older.id]);
    expect(first.map((entry) => entry.id)).toEqual([newest.id]);
    expect(all[0]).toEqual({ acceptedAt: newest.storedAt, id: newest.id, conversationId: newest.conversationId, channel: 'sms', to: acme.customerAddress, status: 'failed', attempts: 3, failure });
    expect((await listOutbox(target, 'globex', { limit: 50 })).map((entry) => entry.id)).toEqual([theirs.id]);
  });
});

describe('outbox retry', () => {
  it('puts a failed message back to queued with a fresh validity, on its send queue once, with a reconciler marker', async () => {
    // Prepare
    const target = await freshTarget();
    const message = aFailedMessage('key-1');
    await store(target, message);
    // Now, not a fixed date: DynamoDB Local's TTL sweeper deletes a marker whose expiry has passed.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);

    // Act
    const result = await retryOutbound(target, 'acme', message.id, now);

    // Assess
    expect(result).toEqual({ retried: message.id, tenantId: 'acme', channel: 'sms', status: 'queued', validUntil: new Date(now.getTime() + 10 * 3600 * 1000).toISOString() });
    const stored = await createOutboxStore(target.messages, { messages: target.messagesTable, sending: target.sendingTable }).outbound('acme', message.id);
    expect(stored).toMatchObject({ status: 'queued', sendState: 'ready', notBefore: now.toISOString(), validUntil: new Date(now.getTime() + 10 * 3600 * 1000).toISOString(), attempts: 3 });
    expect(stored).not.toHaveProperty('failure');
    expect(await drain(target.queueUrls.sendSms)).toEqual([{ tenantId: 'acme', messageId: message.id }]);
    expect(await drain(target.queueUrls.sendWhatsapp)).toEqual([]);
    expect(await markersOf(target, message.id)).toEqual([expect.objectContaining({ tenantId: 'acme', channel: 'sms', acceptedAt: now.toISOString() })]);
  });

  it('sends a WhatsApp message back on the WhatsApp queue', async () => {
    const target = await freshTarget();
    const message = aFailedMessage('key-1', aConversationKey({ channel: 'whatsapp' }), { channel: 'whatsapp' });
    await store(target, message);

    await retryOutbound(target, 'acme', message.id);

    expect((await drain(target.queueUrls.sendWhatsapp)).map((record) => record?.messageId)).toEqual([message.id]);
    expect(await drain(target.queueUrls.sendSms)).toEqual([]);
  });

  it.each([
    ['queued', {}],
    ['sending', { status: 'sending', statusRank: statusRank.sending, sendState: 'claimed' }],
    ['delivered', { status: 'delivered', statusRank: statusRank.delivered, sendState: 'done' }],
  ] as const)('refuses a %s message and leaves it as it was', async (status, overrides) => {
    const target = await freshTarget();
    const message = anOutboundMessage(overrides);
    await store(target, message);

    await expect(retryOutbound(target, 'acme', message.id)).rejects.toThrow(`message ${message.id} is ${status}, not failed: only a failed message is sent again`);

    expect(await drain(target.queueUrls.sendSms)).toEqual([]);
    expect((await listOutbox(target, 'acme', { limit: 50 }))[0]?.status).toBe(status);
  });

  it("refuses another tenant's failed message exactly as one that does not exist", async () => {
    const target = await freshTarget();
    const theirs = aFailedMessage('key-1', globex);
    await store(target, theirs);

    const refusals = await Promise.allSettled([retryOutbound(target, 'acme', theirs.id), retryOutbound(target, 'acme', 'msg_missing')]);

    expect(refusals.map((refusal) => (refusal.status === 'rejected' ? (refusal.reason as Error).message.replace(/msg_[\w-]+/, '<id>') : 'retried'))).toEqual([
      'tenant acme has no outbound message <id>: see switchboard outbox list --tenant acme',
      'tenant acme has no outbound message <id>: see switchboard outbox list --tenant acme',
    ]);
    expect(await drain(target.queueUrls.sendSms)).toEqual([]);
    expect(await markersOf(target, theirs.id)).toEqual([]);
    expect((await listOutbox(target, 'globex', { limit: 50 }))[0]).toMatchObject({ status: 'failed', failure });
  });

  it('retries a failed message once: a second retry finds it queued', async () => {
    const target = await freshTarget();
    const message = aFailedMessage('key-1');
    await store(target, message);

    const outcomes = await Promise.allSettled([retryOutbound(target, 'acme', message.id), retryOutbound(target, 'acme', message.id)]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await drain(target.queueUrls.sendSms)).toHaveLength(1);
  });
});
