import { describe, expect, it } from 'vitest';
import { bestEffortDynamoDocumentClient, dynamoDocumentClient } from '../../../functions/adapters/clients.ts';

describe('bestEffortDynamoDocumentClient', () => {
  it('makes one attempt per call, never the SDK retries the shared client makes', async () => {
    expect(await bestEffortDynamoDocumentClient().config.maxAttempts()).toBe(1);
    // The SDK's default for DynamoDB, which the shared client keeps.
    expect(await dynamoDocumentClient().config.maxAttempts()).toBe(4);
  });

  it('is one client per process, apart from the shared one, and drops undefined values as it does', () => {
    expect(bestEffortDynamoDocumentClient()).toBe(bestEffortDynamoDocumentClient());
    expect(bestEffortDynamoDocumentClient()).not.toBe(dynamoDocumentClient());
    expect(bestEffortDynamoDocumentClient().config.translateConfig?.marshallOptions).toEqual({ removeUndefinedValues: true });
  });
});
