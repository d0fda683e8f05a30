import type { ConversationKey } from './ids.ts';
import type { Channel, DeliveryStatus, Direction, MediaItem, NormalizedEvent } from './message.ts';
import type { OutboundMessage } from './sending-items.ts';

/**
 * The entities of the messages table and the keys they own (see lib/definitions/tables.ts).
 * `changedAt` on every item says when it last changed; the order clients see is the change
 * feed's (feed.ts), not this time, which is chosen before the write commits.
 */

export interface StoredMessage {
  readonly id: string;
  readonly conversationId: string;
  readonly tenantId: string;
  readonly provider: string;
  readonly providerMessageId: string;
  readonly channel: Channel;
  readonly direction: Direction;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** The text was longer than a stored item may hold; the whole request is in the body store. */
  readonly textTruncated?: true;
  readonly media: readonly MediaItem[];
  /** Some of `media` is still being fetched into storage (core/media.ts): the media function's stream filter. */
  readonly mediaPending?: true;
  readonly contentType: string;
  readonly subject?: string;
  readonly replyTo?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly providerTimestamp?: string;
  readonly receivedAt: string;
  readonly storedAt: string;
  /** Where the raw request came from: the request id follows it from ack to frame. */
  readonly source: { readonly requestId: string; readonly endpointId: string; readonly bodyKey?: string };
}

export interface Conversation extends ConversationKey {
  readonly id: string;
  readonly createdAt: string;
  readonly lastMessageAt: string;
  readonly lastMessageId: string;
  readonly lastMessagePreview: string;
  readonly messageCount: number;
}

/** A quarantined request's queued body is kept in its item up to this size: an item holds 400 KB. */
export const maxQuarantinedRawBytes = 300 * 1024;

/** The gsi1 partition every quarantined request is filed under, by time. */
export const quarantineIndexPartition = 'QUARANTINE';

/** A queued request that could not be processed, kept whole for an operator. */
export interface QuarantineRecord {
  readonly id: string;
  readonly reason: string;
  /**
   * The queued message body as it was received from the queue, for replay, when it fits an
   * item. A larger one is in the archive under `archiveKey`, or, if it never was a
   * Switchboard envelope (so was never archived), cut at `maxQuarantinedRawBytes`.
   */
  readonly raw?: string;
  readonly archiveKey?: string;
  readonly rawTruncated?: true;
  /** The queued body's whole size. */
  readonly rawBytes: number;
  readonly tenantId?: string;
  readonly requestId?: string;
  readonly quarantinedAt: string;
}

/**
 * A provider event that is not a message: a receipt, a reaction, an edit or a notice. Kept
 * once per provider event id (its key is derived from it), long enough to outlive every
 * provider's retries, with whether it could be applied to its message yet.
 */
export interface StoredEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly provider: string;
  readonly event: Exclude<NormalizedEvent, { kind: 'message' }>;
  /** The message or conversation the event changes, when it is about one. */
  readonly target?: string;
  /** applied: the change was made; pending: its message is not stored yet; stale: a later state was already there. */
  readonly state: 'applied' | 'pending' | 'stale' | 'recorded';
  readonly receivedAt: string;
  readonly storedAt: string;
  readonly source: { readonly requestId: string; readonly endpointId: string };
}

/**
 * Why a queue record last failed, by its SQS message id (which a move to the DLQ keeps), so
 * `switchboard dlq list` can say why each record is there.
 */
export interface RecordFailure {
  readonly sqsMessageId: string;
  readonly receiveCount: number;
  /** The error's name and message; never a payload. */
  readonly error: string;
  readonly failedAt: string;
  readonly requestId?: string;
  readonly tenantId?: string;
}

export const entityKinds = { message: 'message', conversation: 'conversation', quarantine: 'quarantine', event: 'event', failure: 'failure', pending: 'pending' } as const;

/** Dedupe records outlive the longest provider retry window: WhatsApp retries for 7 days. */
export const eventRetentionSeconds = 8 * 24 * 3600;

/**
 * Delivery states only move forward. `failed` is terminal, except that WhatsApp may report
 * `read` after `failed`, and the read wins.
 */
export const statusRank: Readonly<Record<DeliveryStatus, number>> = { queued: 0, sending: 0.5, sent: 1, delivered: 2, failed: 3, read: 4 };

export const messageKey = (messageId: string) => ({ pk: `MSG#${messageId}`, sk: 'MSG' });
export const conversationKey = (conversationId: string) => ({ pk: `CONV#${conversationId}`, sk: 'CONV' });
export const quarantineKey = (quarantineId: string) => ({ pk: `QUAR#${quarantineId}`, sk: 'QUAR' });
export const eventKey = (eventId: string) => ({ pk: `EVT#${eventId}`, sk: 'EVT' });
export const failureKey = (sqsMessageId: string) => ({ pk: `FAIL#${sqsMessageId}`, sk: 'FAIL' });

/**
 * A change waiting for its item (a receipt that arrived before its message), kept in the
 * target's own partition so that storing the target finds it with one consistent query.
 */
export const pendingPrefix = 'PENDING#';
export const pendingKey = (targetPk: string, eventId: string) => ({ pk: targetPk, sk: `${pendingPrefix}${eventId}` });

export const eventItem = (stored: StoredEvent) => ({
  ...eventKey(stored.id),
  entity: entityKinds.event,
  changedAt: stored.storedAt,
  expiresAt: Math.floor(Date.parse(stored.storedAt) / 1000) + eventRetentionSeconds,
  ...stored,
});

/** A message item. Its key is derived from the provider's id (ours, for a message an agent sends), so storing it twice is impossible. */
export const messageItem = (message: StoredMessage | OutboundMessage) => ({
  ...messageKey(message.id),
  entity: entityKinds.message,
  // A conversation's messages in arrival order.
  gsi1pk: `CONV#${message.conversationId}`,
  gsi1sk: `${message.receivedAt}#${message.id}`,
  changedAt: message.storedAt,
  ...message,
});

/**
 * The keywords carriers and Twilio treat as an SMS opt-out or opt-in
 * (https://help.twilio.com/articles/223134027): a customer's STOP is remembered on the
 * conversation, and sending to it is refused until START.
 */
const optOutKeywords = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const optInKeywords = new Set(['START', 'YES', 'UNSTOP']);

/** Whether an inbound message opts its sender out (true) or back in (false), or neither. */
export const optOutOf = (message: Pick<StoredMessage, 'direction' | 'channel' | 'text'>): boolean | undefined => {
  if (message.direction !== 'inbound' || (message.channel !== 'sms' && message.channel !== 'mms' && message.channel !== 'whatsapp')) return undefined;
  const word = message.text.trim().toUpperCase();
  return optOutKeywords.has(word) ? true : optInKeywords.has(word) ? false : undefined;
};

/** The attributes a stored message sets on its conversation, created on first use. */
export const conversationChange = (message: StoredMessage | OutboundMessage, key: ConversationKey) => {
  const optedOut = message.direction === 'inbound' ? optOutOf(message) : undefined;
  return {
    entity: entityKinds.conversation,
    id: message.conversationId,
    ...key,
    // Where a reply goes out: the provider and endpoint the conversation's messages come through.
    provider: message.provider,
    endpointId: message.source.endpointId,
    ...(optedOut !== undefined && { optedOut }),
    // The start of the customer service window (core/window.ts).
    ...(message.direction === 'inbound' && { lastInboundAt: message.receivedAt }),
    lastMessageAt: message.receivedAt,
    lastMessageId: message.id,
    lastMessagePreview: message.text.slice(0, 140),
    // A tenant's conversations by latest activity.
    gsi1pk: `TENANT#${key.tenantId}`,
    gsi1sk: `${message.receivedAt}#${message.conversationId}`,
    changedAt: message.storedAt,
  };
};

const storageAttributes = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'outboxpk', 'outboxsk', 'entity', 'changedAt', 'expiresAt', 'claimId', 'claimedAt']);

/**
 * Where a file is kept is the stack's business: clients name it by its message, never by its
 * key. Once kept, the provider's URL (which expires, or needs the provider's credentials) is
 * not shown either: the query API serves a signed link to the kept copy (core/media.ts).
 */
const mediaAsClientsSeeIt = (media: unknown): unknown =>
  Array.isArray(media)
    ? media.map((item: unknown) => {
        if (typeof item !== 'object' || item === null) return item;
        const { storedKey: _storedKey, url, ...rest } = item as Record<string, unknown>;
        return url === undefined || rest.state === 'ready' ? rest : { ...rest, url };
      })
    : media;

/** An item as clients see it: without the table's own bookkeeping. */
export const publicView = (item: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(item).flatMap(([name, value]) => (storageAttributes.has(name) ? [] : [[name, name === 'media' ? mediaAsClientsSeeIt(value) : value]])));
