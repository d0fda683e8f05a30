import type { DeliveryStatus, MediaItem } from './message.ts';
import type { Channel } from './message.ts';
import type { FailureCategory, OutboundTemplate } from './outbound.ts';
import type { StoredMessage } from './items.ts';

/**
 * The items sending keeps (lib/definitions/tables.ts): the outbound message in the messages
 * table, beside the messages it answers, and in the sending table its idempotency record,
 * its sender's rate slot and, until it is settled, a marker the reconciler walks.
 */

/** Where a send attempt is: ready to be claimed, claimed by a sender now, sent with an outcome nobody knows yet, or done. */
export type SendState = 'ready' | 'claimed' | 'unknown' | 'done';

/** Why a message failed, as the inbox and the API show it. */
export interface SendFailure {
  readonly category: FailureCategory;
  /** The provider's code (Twilio 21610, Meta 131047…), or ours (`expired`, `unknown_outcome`, `no_send_credentials`). */
  readonly code: string;
  readonly message: string;
  /** What a person can do about it. */
  readonly hint: string;
}

/** A message an agent sends: stored at once, then moved through its states by the sender and the provider's receipts. */
export interface OutboundMessage extends Omit<StoredMessage, 'providerMessageId' | 'direction' | 'media'> {
  readonly direction: 'outbound';
  /** The provider's id, once the provider took it. */
  readonly providerMessageId?: string;
  readonly media: readonly MediaItem[];
  readonly template?: OutboundTemplate;
  readonly status: DeliveryStatus;
  readonly statusRank: number;
  readonly statusAt: string;
  readonly sendState: SendState;
  /** Provider calls made; a throttled call is not counted. */
  readonly attempts: number;
  /** Not claimed before this time (a backoff, a rate slot). */
  readonly notBefore: string;
  /** After this, a temporary failure is final. */
  readonly validUntil: string;
  readonly humanAgentTag?: true;
  readonly failure?: SendFailure;
}

/** How long an Idempotency-Key answers the same message. */
export const idempotencyRetentionSeconds = 24 * 3600;
/** How long a message may wait for a temporary failure to pass, unless the request says otherwise. */
export const defaultValiditySeconds = 10 * 3600;

export const idempotencyKeyOf = (tenantId: string, idempotencyKey: string) => ({ pk: `IDEM#${tenantId}#${idempotencyKey}`, sk: 'IDEM' });

/** What an Idempotency-Key was first used for: the request's digest, and the message it made. */
export interface IdempotencyRecord {
  readonly tenantId: string;
  readonly requestDigest: string;
  readonly messageId: string;
  readonly conversationId: string;
  readonly channel: Channel;
  readonly acceptedAt: string;
}

export const idempotencyItem = (key: string, record: IdempotencyRecord) => ({
  ...idempotencyKeyOf(record.tenantId, key),
  ...record,
  expiresAt: Math.floor(Date.parse(record.acceptedAt) / 1000) + idempotencyRetentionSeconds,
});

/** Who sends: a tenant's endpoint and the address it sends from (a number, a phone number id, a page). */
export interface SendingAddress {
  readonly tenantId: string;
  readonly endpointId: string;
  readonly from: string;
}

/** A sender's rate slot: one per tenant, endpoint and sending address. */
export const rateKeyOf = ({ tenantId, endpointId, from }: SendingAddress) => ({ pk: `RATE#${tenantId}#${endpointId}#${from}`, sk: 'RATE' });

/**
 * Markers of unsettled messages are spread over this many partitions, so that a busy stack's
 * accepts do not all write one partition; the reconciler reads each.
 */
export const openShards = 8;

const shardOf = (messageId: string): number => {
  let hash = 0;
  for (const character of messageId) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  return hash % openShards;
};

export const openPartition = (shard: number) => `OPEN#${shard}`;

/** The marker of a message not yet settled, filed by acceptance time; removed once the message is done and no callback is awaited. */
export const openKeyOf = ({ tenantId, messageId, acceptedAt }: Pick<OpenMarker, 'tenantId' | 'messageId' | 'acceptedAt'>) => ({
  pk: openPartition(shardOf(messageId)),
  sk: `${acceptedAt}#${tenantId}#${messageId}`,
});

export interface OpenMarker {
  readonly tenantId: string;
  readonly messageId: string;
  readonly channel: Channel;
  readonly acceptedAt: string;
}

export const openItem = (marker: OpenMarker) => ({
  ...openKeyOf(marker),
  ...marker,
  // A marker never outlives the longest validity by much: the reconciler settles it well before.
  expiresAt: Math.floor(Date.parse(marker.acceptedAt) / 1000) + 7 * 24 * 3600,
});

/**
 * The provider's id of a message Switchboard sent, pointing at our message: a receipt that names
 * only the provider's id (a Messenger delivery) finds the message through it. Keyed where the
 * receipt would look for an inbound message with that id (ids.ts messageIdFor), so that the
 * tenant is part of the key as it is for every message.
 */
export const aliasKeyOf = (providerScopedMessageId: string) => ({ pk: `MSG#${providerScopedMessageId}`, sk: 'ALIAS' });

/** A tenant's outbound messages by acceptance time, on the `outbox` index. */
export const outboxPartition = (tenantId: string) => `OUTBOX#${tenantId}`;
