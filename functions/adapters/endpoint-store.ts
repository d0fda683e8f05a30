import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Endpoint, EndpointSending } from '../core/endpoint.ts';

export interface EndpointStore {
  get(endpointId: string): Promise<Endpoint | undefined>;
  put(endpoint: Endpoint): Promise<void>;
  list(): Promise<Endpoint[]>;
  /** Replaces an existing endpoint's secrets; false when there is no such endpoint. */
  setSecrets(endpointId: string, secrets: readonly string[]): Promise<boolean>;
  /** Sets (or replaces) an existing endpoint's sending, which also lifts a pause; false when there is no such endpoint. */
  setSending(endpointId: string, sending: EndpointSending): Promise<boolean>;
  /** Removes an endpoint's sending (its credentials with it); false when there is no such endpoint. */
  removeSending(endpointId: string): Promise<boolean>;
  /** Stops sending through an endpoint whose credentials its provider refused, until they are set again. */
  pauseSending(endpointId: string, reason: string, at: string): Promise<void>;
  remove(endpointId: string): Promise<boolean>;
}

export const createEndpointStore = (client: DynamoDBDocumentClient, tableName: string): EndpointStore => ({
  async get(endpointId) {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { endpointId } }));
    return Item as Endpoint | undefined;
  },
  async put(endpoint) {
    await client.send(new PutCommand({ TableName: tableName, Item: endpoint, ConditionExpression: 'attribute_not_exists(endpointId)' }));
  },
  // An operator's listing, not a request path: a scan of a small table is fine here.
  async list() {
    const endpoints: Endpoint[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
      endpoints.push(...((page.Items ?? []) as Endpoint[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  },
  async setSecrets(endpointId, secrets) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { endpointId },
          UpdateExpression: 'SET secrets = :secrets',
          ConditionExpression: 'attribute_exists(endpointId)',
          ExpressionAttributeValues: { ':secrets': secrets },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },
  async setSending(endpointId, sending) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { endpointId },
          UpdateExpression: 'SET sending = :sending',
          ConditionExpression: 'attribute_exists(endpointId)',
          ExpressionAttributeValues: { ':sending': sending },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },
  async removeSending(endpointId) {
    try {
      await client.send(
        new UpdateCommand({ TableName: tableName, Key: { endpointId }, UpdateExpression: 'REMOVE sending', ConditionExpression: 'attribute_exists(endpointId)' }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },
  async pauseSending(endpointId, reason, at) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { endpointId },
          UpdateExpression: 'SET sending.pausedAt = :at, sending.pausedReason = :reason',
          // Only the first failure pauses; credentials set since then are not paused by a late one.
          ConditionExpression: 'attribute_exists(sending) AND attribute_not_exists(sending.pausedAt) AND sending.updatedAt < :at',
          ExpressionAttributeValues: { ':at': at, ':reason': reason },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  },
  async remove(endpointId) {
    const { Attributes } = await client.send(
      new DeleteCommand({ TableName: tableName, Key: { endpointId }, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  },
});

export interface CacheOptions {
  readonly ttlMs: number;
  /** Unknown ids are remembered for less time, so a newly added endpoint works soon. */
  readonly missTtlMs: number;
  /** Bounds memory when someone probes random ids. */
  readonly maxEntries?: number;
  now?(): number;
}

/**
 * Keeps endpoint lookups off the ack path's critical I/O: a warm function answers from
 * memory. A removed endpoint keeps working for at most `ttlMs`.
 */
export const cachedLookup = (
  lookup: (endpointId: string) => Promise<Endpoint | undefined>,
  { ttlMs, missTtlMs, maxEntries = 10_000, now = Date.now }: CacheOptions,
): ((endpointId: string) => Promise<Endpoint | undefined>) => {
  const cache = new Map<string, { endpoint: Endpoint | undefined; expires: number }>();
  return async (endpointId) => {
    const cached = cache.get(endpointId);
    if (cached && cached.expires > now()) return cached.endpoint;
    const endpoint = await lookup(endpointId);
    cache.delete(endpointId);
    // A Map iterates in insertion order, so the first key is the entry refreshed longest ago.
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(endpointId, { endpoint, expires: now() + (endpoint ? ttlMs : missTtlMs) });
    return endpoint;
  };
};
