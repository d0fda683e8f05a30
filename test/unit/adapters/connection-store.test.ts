import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
  it("lists a tenant's connections through the tenant index, following every page", async () => {
    // Prepare
    const pageEnd = { connectionId: 'c2', tenantId: 'acme' };
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ connectionId: 'c1' }, { connectionId: 'c2' }], LastEvaluatedKey: pageEnd })
      .resolvesOnce({ Items: [{ connectionId: 'c3' }] });

    // Act
    const ids = await store.connectionsOf('acme');

    // Assess
    expect(ids).toEqual(['c1', 'c2', 'c3']);
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

    expect(await store.connectionsOf('acme')).toEqual([]);
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
});
