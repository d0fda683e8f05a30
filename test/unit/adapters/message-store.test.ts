import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMessageStore } from '../../../functions/adapters/message-store.ts';
import { conversationChange, conversationKey, messageItem, quarantineKey } from '../../../functions/core/items.ts';
import { aConversationKey, aStoredMessage } from '../../helpers/factories.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = createMessageStore(documentClient, 'Messages');

beforeEach(() => {
  dynamo.reset();
});

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const key = aConversationKey();
const message = aStoredMessage({}, key);

describe('message store saveMessage', () => {
  it("answers 'stored' when the transaction succeeds", async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await store.saveMessage(message, key);

    // Assess
    expect(outcome).toBe('stored');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('puts the message only if its key is new', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    await store.saveMessage(message, key);

    const [put] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(put?.Put).toEqual({ TableName: 'Messages', Item: messageItem(message), ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('sets every conversation attribute, keeps the first createdAt and adds one to messageCount', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    await store.saveMessage(message, key);

    const update = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[1]?.Update;
    expect(update?.TableName).toBe('Messages');
    expect(update?.Key).toEqual(conversationKey(message.conversationId));
    // Resolve the expression's placeholders to see what it writes, whatever the order of its clauses.
    const [setClause = '', addClause] = (update?.UpdateExpression ?? '').replace(/^SET /, '').split(' ADD ');
    const names = update?.ExpressionAttributeNames ?? {};
    const values = update?.ExpressionAttributeValues ?? {};
    // Commas inside a function call's parentheses do not separate assignments.
    const assignments = setClause.split(/,\s*(?![^(]*\))/).map((assignment) => assignment.split(' = ') as [string, string]);
    const set = Object.fromEntries(assignments.filter(([, value]) => value.startsWith(':')).map(([name, value]) => [names[name] ?? name, values[value]]));
    expect(set).toEqual(conversationChange(message, key));
    expect(assignments).toContainEqual(['createdAt', 'if_not_exists(createdAt, :changedAt)']);
    expect(values[':changedAt']).toBe(message.storedAt);
    expect(addClause).toBe('messageCount :one');
    expect(values[':one']).toBe(1);
  });

  it("answers 'duplicate' when the message's condition fails", async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    const outcome = await store.saveMessage(message, key);

    expect(outcome).toBe('duplicate');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('makes the message the conversation\'s latest only when no later one is there, and only in a conversation of its tenant', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    await store.saveMessage(message, key);

    const update = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[1]?.Update;
    expect(update?.ConditionExpression).toBe('(attribute_not_exists(pk) OR tenantId = :tenantId) AND (attribute_not_exists(lastMessageAt) OR lastMessageAt <= :lastMessageAt)');
    expect(update?.ExpressionAttributeValues?.[':lastMessageAt']).toBe(message.receivedAt);
    expect(update?.ExpressionAttributeValues?.[':tenantId']).toBe(message.tenantId);
  });

  it('stores an older message without touching the conversation\'s latest fields', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed')).resolves({});

    const outcome = await store.saveMessage(message, key);

    const calls = dynamo.commandCalls(TransactWriteCommand);
    expect(outcome).toBe('stored');
    expect(calls).toHaveLength(2);
    const retry = calls[1]?.args[0].input.TransactItems;
    expect(retry?.[0]?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(retry?.[1]?.Update?.ConditionExpression).toBe('attribute_not_exists(pk) OR tenantId = :tenantId');
    const written = Object.values(retry?.[1]?.Update?.ExpressionAttributeNames ?? {});
    expect(written).not.toContain('lastMessageAt');
    expect(written).not.toContain('lastMessageId');
    expect(written).not.toContain('lastMessagePreview');
    expect(written).not.toContain('gsi1sk');
    expect(retry?.[1]?.Update?.UpdateExpression).toContain('ADD messageCount :one');
  });

  it('retries a transaction conflict, then stores', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'TransactionConflict')).resolves({});

    const outcome = await store.saveMessage(message, key);

    expect(outcome).toBe('stored');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('gives up on conflicts that go on, after a bounded number of tries', async () => {
    const conflict = cancelled('None', 'TransactionConflict');
    dynamo.on(TransactWriteCommand).rejects(conflict);

    await expect(store.saveMessage(message, key)).rejects.toBe(conflict);

    const tries = dynamo.commandCalls(TransactWriteCommand).length;
    expect(tries).toBeGreaterThan(1);
    expect(tries).toBeLessThanOrEqual(10);
  });

  it.each([
    ['another error', Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' })],
    ['another cancellation', cancelled('ValidationError', 'None')],
  ])('rethrows %s without retrying', async (_case, error) => {
    dynamo.on(TransactWriteCommand).rejects(error);

    await expect(store.saveMessage(message, key)).rejects.toBe(error);

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});

describe('message store quarantine', () => {
  it('keeps the record whole under its own key, listed by time', async () => {
    dynamo.on(PutCommand).resolves({});
    const record = { id: 'record-1', reason: 'not JSON', raw: 'garbage', rawBytes: 7, quarantinedAt: '2026-11-22T12:00:00.000Z' };

    await store.quarantine(record);

    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'Messages',
      Item: { ...quarantineKey('record-1'), entity: 'quarantine', gsi1pk: 'QUARANTINE', gsi1sk: '2026-11-22T12:00:00.000Z#record-1', ...record },
    });
  });
});
