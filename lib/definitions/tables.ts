/**
 * Table shapes shared by the CDK stack and the local runtime, so that what runs on a laptop
 * is keyed, indexed and streamed exactly like what is deployed. Names are left to
 * CloudFormation on AWS and to the local runtime's prefix locally.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical id: the construct id on AWS, the name suffix locally. */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Epoch-seconds attribute that DynamoDB TTL deletes by. */
  readonly timeToLiveAttribute?: string;
  readonly stream?: 'NEW_AND_OLD_IMAGES';
}

/** Registered webhook endpoints and their provider secrets. Read by the ack path only by key. */
export const endpointsTable = {
  id: 'Endpoints',
  partitionKey: { name: 'endpointId', type: 'S' },
  globalSecondaryIndexes: [],
} as const satisfies TableDefinition;

/**
 * Conversations, messages and quarantined requests in one table (entities own their keys,
 * see functions/core/items.ts). `gsi1` is overloaded: a tenant's conversations by last
 * activity, and a conversation's messages by arrival. The stream carries every change a
 * client should see to the broadcaster.
 */
export const messagesTable = {
  id: 'Messages',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
    {
      // A tenant's outbound messages by acceptance time: `switchboard outbox list`.
      indexName: 'outbox',
      partitionKey: { name: 'outboxpk', type: 'S' },
      sortKey: { name: 'outboxsk', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
} as const satisfies TableDefinition;

/**
 * Each tenant's change feed (functions/core/feed.ts): the frames the broadcaster pushed, at
 * their sequence numbers, for GET /events and for clients catching up. `seq` 0 of a tenant is
 * its counter (`last`: the highest number reserved); `REC#<stream record id>` partitions mark
 * records already published, so that a retried batch publishes nothing twice. Everything but
 * the counters expires after a day.
 */
export const feedTable = {
  id: 'Feed',
  partitionKey: { name: 'tenantId', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/** Open WebSocket connections; the broadcaster finds a tenant's through `byTenant`, never a scan. */
export const connectionsTable = {
  id: 'Connections',
  partitionKey: { name: 'connectionId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byTenant',
      partitionKey: { name: 'tenantId', type: 'S' },
      sortKey: { name: 'connectionId', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * One-time values of providers that sign a per-request token but not the body (Mailgun):
 * the ack claims each once, so a captured request cannot be replayed with another body.
 */
export const noncesTable = {
  id: 'Nonces',
  partitionKey: { name: 'nonce', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * What sending keeps beside the messages (functions/core/sending-items.ts): idempotency records
 * (24 h), each sender's rate slot, and a marker per message not yet settled, which the
 * reconciler walks. Apart from the messages table so that none of it reaches its stream.
 */
export const sendingTable = {
  id: 'Sending',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * What an operator asks of the pipeline (functions/core/stats.ts statsKeys): per tenant, endpoint
 * and hour, counters each stage ADDs to (35 days), and one record per webhook attempt (24 h). A
 * tenant's buckets, and its attempts, are each one partition; `byScope` holds everyone's by time
 * in eight shards by endpoint, for an admin's stack-wide view. Apart from the messages table so
 * that none of it reaches its stream.
 */
export const statsTable = {
  id: 'Stats',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byScope',
      partitionKey: { name: 'scope', type: 'S' },
      sortKey: { name: 'scopeSk', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

export const tableDefinitions = [endpointsTable, messagesTable, connectionsTable, noncesTable, feedTable, sendingTable, statsTable] as const;

/** A table by its logical id, as function definitions name it. */
export type TableId = (typeof tableDefinitions)[number]['id'];
