import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore, type MessageStore } from '../../functions/adapters/message-store.ts';
import { createOutboxStore, type OutboxStore } from '../../functions/adapters/outbox-store.ts';
import { conversationIdFor, messageIdFor, type ConversationKey } from '../../functions/core/ids.ts';
import { conversationKey, messageKey, statusRank } from '../../functions/core/items.ts';
import {
  idempotencyItem,
  idempotencyKeyOf,
  openItem,
  openKeyOf,
  openShards,
  type OpenMarker,
  type OutboundMessage,
  type SendFailure,
} from '../../functions/core/sending-items.ts';
import { aConversationKey, anOutboundMessage } from '../helpers/factories.ts';
import { startDynamoDb } from '../helpers/services.ts';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let messages: MessageStore;
let outbox: OutboxStore;
beforeAll(async () => {
  dynamo = await startDynamoDb();
  messages = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
  outbox = createOutboxStore(dynamo.documentClient, { messages: dynamo.tables.Messages, sending: dynamo.tables.Sending });
});
afterAll(async () => {
  await dynamo?.stop();
});

// Near the real time: DynamoDB Local's TTL removes idempotency records and markers whose expiresAt has passed.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const failure: SendFailure = { category: 'permanent', code: '21211', message: 'Invalid To number', hint: 'Check the number.' };

/** Each test its own customer, so that conversations and keys never meet across tests. */
let customers = 0;
const freshKey = (overrides: Partial<ConversationKey> = {}): ConversationKey => aConversationKey({ customerAddress: `+1415555${String(1000 + ++customers)}`, ...overrides });

const markerOf = (message: OutboundMessage): OpenMarker => ({ tenantId: message.tenantId, messageId: message.id, channel: message.channel, acceptedAt: message.storedAt });

/** The accept's transaction, as the send function wires it: the message, its conversation, its idempotency record and its open marker. */
const accept = (message: OutboundMessage, key: ConversationKey, idempotencyKey: string) =>
  messages.saveMessage(
    message,
    key,
    [
      idempotencyItem(idempotencyKey, { tenantId: message.tenantId, requestDigest: 'digest', messageId: message.id, conversationId: message.conversationId, channel: message.channel, acceptedAt: message.storedAt }),
      openItem(markerOf(message)),
    ].map((Item) => ({ Put: { TableName: dynamo.tables.Sending, Item, ConditionExpression: 'attribute_not_exists(pk)' } })),
  );

/** A message accepted for a fresh customer, under its own key. */
const accepted = async (overrides: Partial<OutboundMessage> = {}, tenantId = 'acme') => {
  const key = freshKey({ tenantId });
  const idempotencyKey = `key-${customers}`;
  const message = anOutboundMessage({ storedAt: now.toISOString(), ...overrides }, key, idempotencyKey);
  expect(await accept(message, key, idempotencyKey)).toBe('stored');
  return { message, key, idempotencyKey };
};

const read = async (table: 'Messages' | 'Sending', key: { pk: string; sk: string }) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables[table], Key: key, ConsistentRead: true }))).Item;

const messageItem = (message: Pick<OutboundMessage, 'id'>) => read('Messages', messageKey(message.id));

/** Claims the message as a sender would, asserting it won. */
const claimed = async (message: OutboundMessage, claimId = 'claim-1') => {
  const result = await outbox.claim(message.tenantId, message.id, claimId, now);
  if (!('claimed' in result)) throw new Error('expected to claim the message');
  return result.claimed;
};

/** A provider receipt moving the message's status, as the processor's forward-only change would. */
const receipt = (message: OutboundMessage, status: 'delivered' | 'read') =>
  dynamo.documentClient.send(
    new UpdateCommand({
      TableName: dynamo.tables.Messages,
      Key: messageKey(message.id),
      UpdateExpression: 'SET #status = :status, statusRank = :rank',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':rank': statusRank[status] },
    }),
  );

describe('accepting through the message store', () => {
  it('stores the message, its conversation, its idempotency record and its open marker together', async () => {
    // Act
    const { message, key, idempotencyKey } = await accepted();

    // Assess
    expect(await messageItem(message)).toMatchObject({ entity: 'message', direction: 'outbound', sendState: 'ready', outboxpk: 'OUTBOX#acme', outboxsk: `${message.storedAt}#${message.id}` });
    expect(await read('Messages', conversationKey(conversationIdFor(key)))).toMatchObject({ messageCount: 1, lastMessageId: message.id, endpointId: message.source.endpointId, provider: 'twilio' });
    expect(await outbox.idempotencyRecord('acme', idempotencyKey)).toMatchObject({ tenantId: 'acme', messageId: message.id, requestDigest: 'digest' });
    expect(await read('Sending', openKeyOf({ tenantId: message.tenantId, messageId: message.id, acceptedAt: message.storedAt }))).toMatchObject(markerOf(message));
  });

  it('does not move the conversation\'s window: only a customer\'s message does', async () => {
    const { key } = await accepted();

    expect((await read('Messages', conversationKey(conversationIdFor(key))))?.lastInboundAt).toBeUndefined();
  });

  it('writes nothing at all when the key is taken', async () => {
    // Prepare: the key's record is there, naming another message.
    const key = freshKey();
    const message = anOutboundMessage({ storedAt: now.toISOString() }, key, 'taken-key');
    await dynamo.documentClient.send(new PutCommand({ TableName: dynamo.tables.Sending, Item: { ...idempotencyKeyOf('acme', 'taken-key'), messageId: 'msg_other' } }));

    // Act
    const outcome = await accept(message, key, 'taken-key');

    // Assess
    expect(outcome).toBe('duplicate');
    expect(await messageItem(message)).toBeUndefined();
    expect(await read('Messages', conversationKey(conversationIdFor(key)))).toBeUndefined();
    expect(await read('Sending', openKeyOf({ tenantId: message.tenantId, messageId: message.id, acceptedAt: message.storedAt }))).toBeUndefined();
    expect(await read('Sending', idempotencyKeyOf('acme', 'taken-key'))).toMatchObject({ messageId: 'msg_other' });
  });

  it('stores one message of 20 concurrent accepts with one key, counted once', async () => {
    // Prepare
    const key = freshKey();
    const message = anOutboundMessage({ storedAt: now.toISOString() }, key, 'raced-key');

    // Act
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => accept(message, key, 'raced-key')));

    // Assess
    expect(outcomes.filter((outcome) => outcome === 'stored')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(19);
    expect(await read('Messages', conversationKey(conversationIdFor(key)))).toMatchObject({ messageCount: 1 });
  });
});

describe('claim', () => {
  it('is won by exactly one of 20 concurrent senders, as one attempt', async () => {
    // Prepare
    const { message } = await accepted();

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => outbox.claim('acme', message.id, `claim-${n}`, now)));

    // Assess
    const winners = results.filter((result) => 'claimed' in result);
    expect(winners).toHaveLength(1);
    expect(await messageItem(message)).toMatchObject({ sendState: 'claimed', status: 'sending', statusRank: statusRank.sending, attempts: 1, claimedAt: now.toISOString() });
    expect(results.filter((result) => 'current' in result && result.current?.sendState === 'claimed')).toHaveLength(19);
  });

  it('does not claim a message before it is due', async () => {
    const { message } = await accepted({ notBefore: new Date(now.getTime() + 1000).toISOString() });

    const result = await outbox.claim('acme', message.id, 'claim-1', now);

    expect(result).toEqual({ current: expect.objectContaining({ sendState: 'ready', attempts: 0 }) });
  });
});

describe('settle', () => {
  it('changes nothing under a stale claim', async () => {
    // Prepare
    const { message } = await accepted();
    const claim = await claimed(message, 'claim-current');
    const before = await messageItem(message);

    // Act
    const outcomes = await Promise.all([
      outbox.settle(claim, { claimId: 'claim-stale' }, { kind: 'sent', providerMessageId: 'SMstale' }, now),
      outbox.settle(claim, { claimId: 'claim-stale' }, { kind: 'failed', failure }, now),
      outbox.settle(claim, { claimId: 'claim-stale' }, { kind: 'retry', notBefore: now.toISOString(), attemptsDelta: -1, lastError: failure }, now),
      outbox.settle(claim, { claimId: 'claim-stale' }, { kind: 'unknown', lastError: failure }, now),
      outbox.settle(claim, { unknownSince: now.toISOString() }, { kind: 'done' }, now),
    ]);

    // Assess
    expect(outcomes).toEqual([false, false, false, false, false]);
    expect(await messageItem(message)).toEqual(before);
    expect(await messages.sentMessageOf(messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, 'SMstale'), 'acme')).toBeUndefined();
  });

  it('settles sent with the provider\'s id and keeps the alias a receipt finds it by, for its own tenant only', async () => {
    // Prepare
    const { message } = await accepted();
    const claim = await claimed(message);

    // Act
    const settled = await outbox.settle(claim, { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: 'SMsent000000000000000000000000001' }, now);

    // Assess
    expect(settled).toBe(true);
    const item = await messageItem(message);
    expect(item).toMatchObject({ sendState: 'done', status: 'sent', statusRank: statusRank.sent, providerMessageId: 'SMsent000000000000000000000000001', sentAt: now.toISOString() });
    expect(item).not.toHaveProperty('claimId');
    expect(await messages.sentMessageOf(messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, 'SMsent000000000000000000000000001'), 'acme')).toBe(message.id);
    expect(await messages.sentMessageOf(messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, 'SMsent000000000000000000000000001'), 'globex')).toBeUndefined();
    expect(await messages.sentMessageOf(messageIdFor({ tenantId: 'globex', namespace: 'twilio' }, 'SMsent000000000000000000000000001'), 'globex')).toBeUndefined();
  });

  it('keeps a receipt that got there first when it settles sent', async () => {
    const { message } = await accepted();
    const claim = await claimed(message);
    await receipt(message, 'delivered');

    expect(await outbox.settle(claim, { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: 'SMsent000000000000000000000000002' }, now)).toBe(true);

    expect(await messageItem(message)).toMatchObject({ sendState: 'done', status: 'delivered', providerMessageId: 'SMsent000000000000000000000000002' });
  });

  it('records a failure, but never overwrites read', async () => {
    // Prepare: WhatsApp may report read, then failed.
    const { message } = await accepted();
    const claim = await claimed(message);
    await receipt(message, 'read');

    // Act
    const settled = await outbox.settle(claim, { claimId: 'claim-1' }, { kind: 'failed', failure }, now);

    // Assess
    expect(settled).toBe(true);
    expect(await messageItem(message)).toMatchObject({ sendState: 'done', status: 'read', failure });
  });

  it('settles failed with its code as the status error', async () => {
    const { message } = await accepted();
    const claim = await claimed(message);

    await outbox.settle(claim, { claimId: 'claim-1' }, { kind: 'failed', failure }, now);

    expect(await messageItem(message)).toMatchObject({ sendState: 'done', status: 'failed', statusRank: statusRank.failed, failure, statusError: { code: '21211', message: 'Invalid To number' } });
  });

  it('gives back an uncounted attempt on retry, and resolves an unknown outcome only under its own unknownSince', async () => {
    // Prepare
    const { message } = await accepted();
    const claim = await claimed(message);

    // Act
    const retried = await outbox.settle(claim, { claimId: 'claim-1' }, { kind: 'retry', notBefore: now.toISOString(), attemptsDelta: -1, lastError: failure }, now);
    const again = await claimed(message, 'claim-2');
    const unknown = await outbox.settle(again, { claimId: 'claim-2' }, { kind: 'unknown', lastError: failure }, now);
    const otherSince = await outbox.settle(again, { unknownSince: new Date(now.getTime() - 1).toISOString() }, { kind: 'done' }, now);
    const ownSince = await outbox.settle(again, { unknownSince: now.toISOString() }, { kind: 'done' }, now);

    // Assess
    expect([retried, unknown, otherSince, ownSince]).toEqual([true, true, false, true]);
    const item = await messageItem(message);
    expect(item).toMatchObject({ sendState: 'done', attempts: 1 });
    expect(item).not.toHaveProperty('unknownSince');
  });
});

describe('abandonClaim', () => {
  it('turns only the claim it names into an unknown outcome', async () => {
    const { message } = await accepted();
    const claim = await claimed(message, 'claim-held');

    const outcomes = [await outbox.abandonClaim({ ...claim, claimId: 'claim-other' }, now), await outbox.abandonClaim({ ...claim, claimId: 'claim-held' }, now)];

    expect(outcomes).toEqual([false, true]);
    expect(await messageItem(message)).toMatchObject({ sendState: 'unknown', unknownSince: now.toISOString() });
  });
});

describe('retryFailed', () => {
  it('puts back a failed message as queued, with a fresh validity and no failure', async () => {
    // Prepare
    const { message } = await accepted();
    await outbox.settle(await claimed(message), { claimId: 'claim-1' }, { kind: 'failed', failure }, now);
    const later = new Date(now.getTime() + 3600_000);
    const validUntil = new Date(later.getTime() + 10 * 3600_000).toISOString();

    // Act
    const retried = await outbox.retryFailed('acme', message.id, later, validUntil);

    // Assess
    expect(retried).toMatchObject({ id: message.id, status: 'queued', statusRank: statusRank.queued, sendState: 'ready', notBefore: later.toISOString(), validUntil });
    expect(retried).not.toHaveProperty('failure');
    expect(retried).not.toHaveProperty('statusError');
  });

  it('refuses a message that did not fail', async () => {
    // Prepare
    const { message: ready } = await accepted();
    const { message: sent } = await accepted();
    await outbox.settle(await claimed(sent), { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: 'SMsent000000000000000000000000003' }, now);

    // Act
    const outcomes = [await outbox.retryFailed('acme', ready.id, now, now.toISOString()), await outbox.retryFailed('acme', sent.id, now, now.toISOString())];

    // Assess
    expect(outcomes).toEqual([undefined, undefined]);
    expect(await messageItem(sent)).toMatchObject({ status: 'sent', sendState: 'done' });
  });
});

describe('list', () => {
  it('lists a tenant\'s outbound messages newest first, by status when asked', async () => {
    // Prepare: a tenant of its own, three messages a second apart, the middle one failed.
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
    const made = [];
    for (const seconds of [1, 2, 3]) made.push((await accepted({ storedAt: at(seconds), notBefore: now.toISOString() }, 'lister')).message);
    const [first, middle, last] = made as [OutboundMessage, OutboundMessage, OutboundMessage];
    await outbox.settle(await claimed(middle), { claimId: 'claim-1' }, { kind: 'failed', failure }, now);

    // Act
    const all = await outbox.list('lister', { limit: 10 });
    const failed = await outbox.list('lister', { status: 'failed', limit: 10 });
    const two = await outbox.list('lister', { limit: 2 });

    // Assess
    expect(all.map(({ id }) => id)).toEqual([last.id, middle.id, first.id]);
    expect(failed.map(({ id }) => id)).toEqual([middle.id]);
    expect(two.map(({ id }) => id)).toEqual([last.id, middle.id]);
  });
});

describe('open markers', () => {
  it('lists a shard\'s markers accepted before a time, oldest first, and forgets a closed one', async () => {
    // Prepare: markers an hour apart, all in whichever shards they hash to.
    const hourAgo = (hours: number) => new Date(now.getTime() - hours * 3600_000).toISOString();
    const old = (await accepted({ storedAt: hourAgo(3) }, 'markers')).message;
    const older = (await accepted({ storedAt: hourAgo(4) }, 'markers')).message;
    const recent = (await accepted({ storedAt: hourAgo(1) }, 'markers')).message;
    const listed = async () => {
      const all: OpenMarker[] = [];
      for (let shard = 0; shard < openShards; shard++) all.push(...(await outbox.openMarkers(shard, hourAgo(2), 100)).markers);
      return all.filter((marker) => marker.tenantId === 'markers');
    };

    // Act
    const before = await listed();
    await outbox.closeMarker(markerOf(older));
    const after = await listed();

    // Assess
    expect(before.map(({ messageId }) => messageId).sort()).toEqual([old.id, older.id].sort());
    expect(before.map(({ messageId }) => messageId)).not.toContain(recent.id);
    expect(after.map(({ messageId }) => messageId)).toEqual([old.id]);
  });
});

describe('tenant isolation', () => {
  it('reads nothing and changes nothing of another tenant\'s message', async () => {
    // Prepare: an acme message, claimed, and one failed.
    const { message, key, idempotencyKey } = await accepted();
    const claim = await claimed(message, 'claim-1');
    const { message: failedOne } = await accepted();
    await outbox.settle(await claimed(failedOne), { claimId: 'claim-1' }, { kind: 'failed', failure }, now);
    const asGlobex = { ...claim, tenantId: 'globex' };
    const before = [await messageItem(message), await messageItem(failedOne), await read('Messages', conversationKey(conversationIdFor(key)))];

    // Act
    const reads = {
      outbound: await outbox.outbound('globex', message.id),
      claim: await outbox.claim('globex', failedOne.id, 'claim-globex', now),
      idempotencyRecord: await outbox.idempotencyRecord('globex', idempotencyKey),
      list: await outbox.list('globex', { limit: 100 }),
    };
    const writes = {
      settle: await outbox.settle(asGlobex, { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: 'SMglobex00000000000000000000000001' }, now),
      settleFailed: await outbox.settle(asGlobex, { claimId: 'claim-1' }, { kind: 'failed', failure }, now),
      abandonClaim: await outbox.abandonClaim({ ...asGlobex, claimId: 'claim-1' }, now),
      retryFailed: await outbox.retryFailed('globex', failedOne.id, now, now.toISOString()),
    };
    await outbox.optOut({ ...message, tenantId: 'globex' });

    // Assess
    expect(reads).toEqual({ outbound: undefined, claim: { current: undefined }, idempotencyRecord: undefined, list: [] });
    expect(writes).toEqual({ settle: false, settleFailed: false, abandonClaim: false, retryFailed: undefined });
    expect([await messageItem(message), await messageItem(failedOne), await read('Messages', conversationKey(conversationIdFor(key)))]).toEqual(before);
    expect(await read('Messages', conversationKey(conversationIdFor({ ...key, tenantId: 'globex' })))).toBeUndefined();
  });

  it('does not close another tenant\'s marker', async () => {
    // Prepare
    const { message } = await accepted();

    // Act
    await outbox.closeMarker({ ...markerOf(message), tenantId: 'globex' });

    // Assess
    expect(await read('Sending', openKeyOf({ tenantId: message.tenantId, messageId: message.id, acceptedAt: message.storedAt }))).toMatchObject({ tenantId: 'acme' });
  });

  it('remembers an opt-out on the tenant\'s own conversation', async () => {
    const { message, key } = await accepted();

    await outbox.optOut(message);

    expect(await read('Messages', conversationKey(conversationIdFor(key)))).toMatchObject({ optedOut: true });
  });
});
