import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectionLifetimeSeconds, createConnectionStore } from '../../../functions/adapters/connection-store.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = createConnectionStore(documentClient, 'Connections');

beforeEach(() => {
  dynamo.reset();
});

describe('connection store', () => {
  it("lists a tenant's connections and their subscriptions through the tenant index, following every page", async () => {
    // Prepare
    const pageEnd = { connectionId: 'c2', tenantId: 'acme' };
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ connectionId: 'c1' }, { connectionId: 'c2', conversationId: 'conv_1' }], LastEvaluatedKey: pageEnd })
      .resolvesOnce({ Items: [{ connectionId: 'c3' }] });

    // Act
    const subscribers = await store.subscribersOf('acme');

    // Assess
    expect(subscribers).toEqual([{ connectionId: 'c1' }, { connectionId: 'c2', conversationId: 'conv_1' }, { connectionId: 'c3' }]);
    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) {
      expect(input).toMatchObject({
        TableName: 'Connections',
        IndexName: 'byTenant',
        KeyConditionExpression: 'tenantId = :tenantId',
        ExpressionAttributeValues: { ':tenantId': 'acme' },
      });
    }
    expect(inputs[0]?.ExclusiveStartKey).toBeUndefined();
    expect(inputs[1]?.ExclusiveStartKey).toEqual(pageEnd);
  });

  it('lists nothing for a tenant without connections', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    expect(await store.subscribersOf('acme')).toEqual([]);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it('stores a connection to expire when API Gateway closes it', async () => {
    dynamo.on(PutCommand).resolves({});
    const connectedAt = '2026-11-22T12:00:00.000Z';

    await store.add({ connectionId: 'c1', tenantId: 'acme', connectedAt });

    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toEqual({
      connectionId: 'c1',
      tenantId: 'acme',
      connectedAt,
      expiresAt: Date.parse(connectedAt) / 1000 + connectionLifetimeSeconds,
    });
  });

  it('keeps a connection record exactly as long as API Gateway keeps the connection: 2 hours', () => {
    expect(connectionLifetimeSeconds).toBe(7200);
  });

  it('narrows an existing connection to one conversation, and widens it back to the tenant', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});

    // Act
    const narrowed = await store.subscribe('c1', 'conv_1');
    const widened = await store.subscribe('c1', undefined);

    // Assess
    expect([narrowed, widened]).toEqual([true, true]);
    const inputs = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toEqual({
      TableName: 'Connections',
      Key: { connectionId: 'c1' },
      UpdateExpression: 'SET conversationId = :conversationId',
      ConditionExpression: 'attribute_exists(connectionId)',
      ExpressionAttributeValues: { ':conversationId': 'conv_1' },
    });
    expect(inputs[1]).toEqual({
      TableName: 'Connections',
      Key: { connectionId: 'c1' },
      UpdateExpression: 'REMOVE conversationId',
      ConditionExpression: 'attribute_exists(connectionId)',
    });
  });

  it('reports a subscription of an unknown connection instead of creating a record', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    expect(await store.subscribe('gone', 'conv_1')).toBe(false);
  });
});
