import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore, type MessageStore } from '../../functions/adapters/message-store.ts';
import { reactionChange, revisionChange, statusChange } from '../../functions/core/changes.ts';
import { conversationIdFor, eventIdFor, messageIdFor, type ConversationKey, type IdScope } from '../../functions/core/ids.ts';
import { conversationKey, eventKey, messageKey, type StoredEvent, type StoredMessage } from '../../functions/core/items.ts';
import type { DeliveryStatus, NormalizedReaction, NormalizedRevision, NormalizedStatus } from '../../functions/core/message.ts';
import { aStoredMessage } from '../helpers/factories.ts';
import { startDynamoDb } from '../helpers/services.ts';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
beforeAll(async () => {
  dynamo = await startDynamoDb();
});
afterAll(async () => {
  await dynamo?.stop();
});

const acmeTwilio: IdScope = { tenantId: 'acme', namespace: 'twilio' };

const conversation = (customer: string): ConversationKey => ({ tenantId: 'acme', channel: 'sms', businessAddress: '+15005550006', customerAddress: customer });

const message = (providerMessageId: string, key: ConversationKey, text = 'hello', receivedAt = new Date()): StoredMessage =>
  aStoredMessage({ providerMessageId, text, receivedAt: receivedAt.toISOString(), storedAt: new Date().toISOString(), source: { requestId: 'req_1', endpointId: 'ep_1' } }, key);

describe('message store on DynamoDB Local', () => {
  it('stores a message once however often it arrives, concurrently included', async () => {
    // Prepare
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550101');
    const first = message('SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1', key);

    // Act
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.saveMessage(first, key)));
    const later = await store.saveMessage({ ...first, text: 'a retry must not overwrite' }, key);

    // Assess
    expect(outcomes.filter((outcome) => outcome === 'stored')).toHaveLength(1);
    expect(later).toBe('duplicate');
    const { Item: stored } = await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: messageKey(first.id) }));
    expect(stored).toMatchObject({ text: 'hello', conversationId: first.conversationId, entity: 'message' });
    const { Item: thread } = await dynamo.documentClient.send(
      new GetCommand({ TableName: dynamo.tables.Messages, Key: conversationKey(first.conversationId) }),
    );
    expect(thread).toMatchObject({ messageCount: 1, tenantId: 'acme', customerAddress: '+14155550101', lastMessageId: first.id });
  });

  it('threads distinct messages into one conversation per customer, newest last in the index', async () => {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550102');
    const messages = [1, 2, 3].map((n) => message(`SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb${n}`, key, `message ${n}`, new Date(Date.UTC(2026, 10, 22, 12, 0, n))));

    for (const each of messages) expect(await store.saveMessage(each, key)).toBe('stored');

    const conversationId = conversationIdFor(key);
    const { Item: thread } = await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: conversationKey(conversationId) }));
    expect(thread).toMatchObject({ messageCount: 3, lastMessagePreview: 'message 3' });
    const { Items = [] } = await dynamo.documentClient.send(
      new QueryCommand({
        TableName: dynamo.tables.Messages,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `CONV#${conversationId}` },
      }),
    );
    expect(Items.map((item) => item.text)).toEqual(['message 1', 'message 2', 'message 3']);
  });

  it('stores a late older message without making it the conversation\'s latest', async () => {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550103');
    const newer = message('SMccccccccccccccccccccccccccccccc2', key, 'newer', new Date(Date.UTC(2026, 10, 22, 12, 0, 2)));
    const older = message('SMccccccccccccccccccccccccccccccc1', key, 'older', new Date(Date.UTC(2026, 10, 22, 12, 0, 1)));

    const outcomes = [await store.saveMessage(newer, key), await store.saveMessage(older, key)];

    expect(outcomes).toEqual(['stored', 'stored']);
    const { Item: thread } = await dynamo.documentClient.send(
      new GetCommand({ TableName: dynamo.tables.Messages, Key: conversationKey(conversationIdFor(key)) }),
    );
    expect(thread).toMatchObject({ messageCount: 2, lastMessageId: newer.id, lastMessagePreview: 'newer', lastMessageAt: newer.receivedAt });
    const { Item: stored } = await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: messageKey(older.id) }));
    expect(stored).toMatchObject({ text: 'older' });
  });

  it('keeps a quarantined request whole', async () => {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);

    await store.quarantine({ id: 'q-1', reason: 'not a Switchboard envelope', raw: '{"oops":', rawBytes: 8, quarantinedAt: new Date().toISOString() });

    const { Item } = await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: { pk: 'QUAR#q-1', sk: 'QUAR' } }));
    expect(Item).toMatchObject({ entity: 'quarantine', raw: '{"oops":', reason: 'not a Switchboard envelope', gsi1pk: 'QUARANTINE' });
  });
});

describe('provider events on DynamoDB Local', () => {
  const storedEvent = (providerEventId: string, event: StoredEvent['event'], target?: string): StoredEvent => ({
    id: eventIdFor(acmeTwilio, providerEventId),
    tenantId: 'acme',
    provider: 'twilio',
    event,
    ...(target && { target }),
    state: 'applied',
    receivedAt: new Date().toISOString(),
    storedAt: new Date().toISOString(),
    source: { requestId: 'req_2', endpointId: 'ep_1' },
  });
  const receipt = (providerMessageId: string, status: DeliveryStatus): NormalizedStatus => ({
    kind: 'status',
    eventId: `${providerMessageId}#${status}`,
    providerMessageIds: [providerMessageId],
    status,
    providerStatus: status,
    channel: 'sms',
    businessAddress: '+15005550006',
    customerAddress: '+14155550110',
  });
  const apply = async (store: MessageStore, event: NormalizedStatus, messageId: string) =>
    store.saveEvent(storedEvent(event.eventId, event, messageKey(messageId).pk), statusChange(event, messageId, new Date().toISOString()));
  const read = async (key: { pk: string; sk: string }) =>
    (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: key }))).Item;

  it('moves a status forward only, keeps each receipt once, and keeps one for a message not stored yet', async () => {
    // Prepare
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550110');
    const sent = { ...message('SMevents00000000000000000000000001', key), direction: 'outbound' as const };
    await store.saveMessage(sent, key);

    // Act
    const delivered = await apply(store, receipt(sent.providerMessageId, 'delivered'), sent.id);
    const again = await apply(store, receipt(sent.providerMessageId, 'delivered'), sent.id);
    const lateSent = await apply(store, receipt(sent.providerMessageId, 'sent'), sent.id);
    const early = await apply(store, receipt('SMnotstoredyet0000000000000000000', 'delivered'), messageIdFor(acmeTwilio, 'SMnotstoredyet0000000000000000000'));

    // Assess
    expect([delivered, again, lateSent, early]).toEqual(['applied', 'duplicate', 'stale', 'pending']);
    expect(await read(messageKey(sent.id))).toMatchObject({ status: 'delivered', statusRank: 2, text: 'hello' });
    expect(await read(eventKey(eventIdFor(acmeTwilio, `${sent.providerMessageId}#sent`)))).toMatchObject({ entity: 'event', state: 'stale' });
    expect(await read(eventKey(eventIdFor(acmeTwilio, 'SMnotstoredyet0000000000000000000#delivered')))).toMatchObject({ state: 'pending', expiresAt: expect.any(Number) });
  });

  it('applies a receipt that came before its message once the message is stored, once', async () => {
    // Prepare
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550113');
    const sent = { ...message('SMevents0000000000000000000000004', key), direction: 'outbound' as const };
    const early = await apply(store, receipt(sent.providerMessageId, 'delivered'), sent.id);

    // Act
    await store.saveMessage(sent, key);
    const [first, second] = await Promise.all([store.applyPending(messageKey(sent.id).pk, new Date().toISOString()), store.applyPending(messageKey(sent.id).pk, new Date().toISOString())]);
    const later = await store.applyPending(messageKey(sent.id).pk, new Date().toISOString());

    // Assess
    expect(early).toBe('pending');
    expect([...first!, ...second!].map(({ outcome }) => outcome)).toEqual(['applied']);
    expect(later).toEqual([]);
    expect(await read(messageKey(sent.id))).toMatchObject({ status: 'delivered' });
    expect(await read(eventKey(eventIdFor(acmeTwilio, `${sent.providerMessageId}#delivered`)))).toMatchObject({ state: 'applied' });
  });

  it('keeps a pending receipt the message is already past as stale', async () => {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550114');
    const sent = { ...message('SMevents0000000000000000000000005', key), direction: 'outbound' as const };
    await apply(store, receipt(sent.providerMessageId, 'sent'), sent.id);
    await store.saveMessage(sent, key);
    await apply(store, receipt(sent.providerMessageId, 'read'), sent.id);

    const results = await store.applyPending(messageKey(sent.id).pk, new Date().toISOString());

    expect(results.map(({ outcome }) => outcome)).toEqual(['stale']);
    expect(await read(messageKey(sent.id))).toMatchObject({ status: 'read' });
  });

  it('lets a read after a failure win, and nothing after a read', async () => {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550111');
    const sent = { ...message('SMevents00000000000000000000000002', key), direction: 'outbound' as const };
    await store.saveMessage(sent, key);

    const outcomes = [
      await apply(store, { ...receipt(sent.providerMessageId, 'failed'), error: { code: '30003', message: 'Unreachable destination handset' } }, sent.id),
      await apply(store, receipt(sent.providerMessageId, 'read'), sent.id),
      await apply(store, receipt(sent.providerMessageId, 'failed'), sent.id),
    ];

    expect(outcomes).toEqual(['applied', 'applied', 'duplicate']);
    expect(await read(messageKey(sent.id))).toMatchObject({ status: 'read', statusError: { code: '30003' } });
  });

  it('sets and removes a reaction and unsends a message', async () => {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550112');
    const received = message('SMevents00000000000000000000000003', key, 'see attached');
    await store.saveMessage(received, key);
    const reaction = (eventId: string, emoji?: string): NormalizedReaction => ({
      kind: 'reaction',
      eventId,
      providerMessageId: received.providerMessageId,
      direction: 'inbound',
      ...(emoji && { emoji }),
      channel: 'sms',
      businessAddress: key.businessAddress,
      customerAddress: key.customerAddress,
    });
    const react = (event: NormalizedReaction) =>
      store.saveEvent(storedEvent(event.eventId, event, messageKey(received.id).pk), reactionChange(event, received.id, new Date().toISOString()));

    await react(reaction('r1', '👍'));
    const withReaction = await read(messageKey(received.id));
    await react(reaction('r2'));
    const unsent: NormalizedRevision = { kind: 'revision', eventId: 'u1', providerMessageId: received.providerMessageId, action: 'deleted', channel: 'sms', businessAddress: key.businessAddress, customerAddress: key.customerAddress };
    await store.saveEvent(storedEvent('u1', unsent, messageKey(received.id).pk), revisionChange(unsent, received.id, new Date().toISOString()));

    expect(withReaction).toMatchObject({ customerReaction: '👍' });
    const after = await read(messageKey(received.id));
    expect(after).not.toHaveProperty('customerReaction');
    expect(after).toMatchObject({ text: '', deleted: true });
  });

  // Keys are derived from the tenant (ids.ts), so these requests cannot arise from a webhook;
  // the store refuses them all the same, because every condition names the tenant.
  it("changes no item of another tenant's, whatever key a change names", async () => {
    // Prepare
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const key = conversation('+14155550115');
    const victim = { ...message('SMevents0000000000000000000000006', key, 'untouched'), direction: 'outbound' as const };
    await store.saveMessage(victim, key);
    const edit: NormalizedRevision = { kind: 'revision', eventId: 'e-other', providerMessageId: victim.providerMessageId, action: 'edited', text: 'defaced', channel: 'sms', businessAddress: key.businessAddress, customerAddress: key.customerAddress };
    const othersEdit = { ...storedEvent('e-other', edit, messageKey(victim.id).pk), tenantId: 'globex' };

    // Act
    const outcome = await store.saveEvent(othersEdit, revisionChange(edit, victim.id, new Date().toISOString()));
    const intoOthersConversation = store.saveMessage({ ...message('SMevents0000000000000000000000007', key, 'planted'), tenantId: 'globex' }, { ...key, tenantId: 'globex' });

    // Assess
    expect(outcome).not.toBe('applied');
    await expect(intoOthersConversation).rejects.toThrow(/is not tenant globex's/);
    expect(await read(messageKey(victim.id))).toMatchObject({ text: 'untouched', tenantId: 'acme' });
    expect(await read(conversationKey(victim.conversationId))).toMatchObject({ tenantId: 'acme', messageCount: 1, lastMessageId: victim.id });
  });
});
