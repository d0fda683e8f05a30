import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFailureStore } from '../../../functions/adapters/failure-store.ts';
import type { RecordFailure } from '../../../functions/core/items.ts';
import { ingestQueueSettings } from '../../../lib/definitions/pipeline.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = createFailureStore(documentClient, 'Messages', { retentionSeconds: ingestQueueSettings.dlqRetentionPeriodSeconds });

const failure: RecordFailure = {
  sqsMessageId: '6b3c1f0e-52c4-4f0b-a5a8-0f6c2e1f9d10',
  receiveCount: 2,
  error: 'ProvisionedThroughputExceededException: The level of configured provisioned throughput for the table was exceeded.',
  failedAt: '2026-11-22T12:00:07.000Z',
  requestId: 'req_retry',
  tenantId: 'acme',
};

beforeEach(() => {
  dynamo.reset();
});

describe('failure store', () => {
  it('puts the failure under its SQS message id, to expire when the DLQ would have dropped the record', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});

    // Act
    await store.record(failure);

    // Assess
    const calls = dynamo.commandCalls(PutCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TableName: 'Messages',
      Item: {
        pk: 'FAIL#6b3c1f0e-52c4-4f0b-a5a8-0f6c2e1f9d10',
        sk: 'FAIL',
        entity: 'failure',
        expiresAt: Date.parse('2026-11-22T12:00:07.000Z') / 1000 + 14 * 24 * 3600,
        ...failure,
      },
    });
  });

  it('overwrites an earlier failure of the same record: no condition', async () => {
    dynamo.on(PutCommand).resolves({});

    await store.record(failure);
    await store.record({ ...failure, receiveCount: 3 });

    expect(dynamo.commandCalls(PutCommand).map((call) => [call.args[0].input.ConditionExpression, call.args[0].input.Item?.receiveCount])).toEqual([
      [undefined, 2],
      [undefined, 3],
    ]);
  });

  it('fails when the table refuses, so the caller can say so', async () => {
    const refused = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    dynamo.on(PutCommand).rejects(refused);

    await expect(store.record(failure)).rejects.toBe(refused);
  });
});
