import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { conversationIdFor, messageIdFor, type ConversationKey } from '../../functions/core/ids.ts';
import { conversationKey, messageKey, type StoredMessage } from '../../functions/core/items.ts';
import { startDynamoDb } from '../helpers/services.ts';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
beforeAll(async () => {
  dynamo = await startDynamoDb();
});
afterAll(async () => {
  await dynamo?.stop();
});

const conversation = (customer: string): ConversationKey => ({ tenantId: 'acme', channel: 'sms', businessAddress: '+15005550006', customerAddress: customer });

const message = (providerMessageId: string, key: ConversationKey, text = 'hello', receivedAt = new Date()): StoredMessage => ({
  id: messageIdFor('twilio', providerMessageId),
  conversationId: conversationIdFor(key),
  tenantId: key.tenantId,
  provider: 'twilio',
  providerMessageId,
  channel: 'sms',
  direction: 'inbound',
  from: key.customerAddress,
  to: key.businessAddress,
  text,
  media: [],
  receivedAt: receivedAt.toISOString(),
  storedAt: new Date().toISOString(),
  source: { requestId: 'req_1', endpointId: 'ep_1' },
});

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

    await store.quarantine({ id: 'q-1', reason: 'not a Switchboard envelope', raw: '{"oops":', quarantinedAt: new Date().toISOString() });

    const { Item } = await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: { pk: 'QUAR#q-1', sk: 'QUAR' } }));
    expect(Item).toMatchObject({ entity: 'quarantine', raw: '{"oops":', reason: 'not a Switchboard envelope', gsi1pk: 'QUARANTINE' });
  });
});
