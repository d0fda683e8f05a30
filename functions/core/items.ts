import type { ConversationKey } from './ids.ts';
import type { Channel, Direction, MediaItem } from './message.ts';

/**
 * The entities of the messages table and the keys they own (see lib/definitions/tables.ts).
 * `changedAt` on every item orders what clients see; the frame cursor is built from it.
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
  readonly media: readonly MediaItem[];
  readonly providerTimestamp?: string;
  readonly receivedAt: string;
  readonly storedAt: string;
  /** Where the raw request came from: the request id follows it from ack to frame. */
  readonly source: { readonly requestId: string; readonly endpointId: string };
}

export interface Conversation extends ConversationKey {
  readonly id: string;
  readonly createdAt: string;
  readonly lastMessageAt: string;
  readonly lastMessageId: string;
  readonly lastMessagePreview: string;
  readonly messageCount: number;
}

/** A queued request that could not be processed, kept whole for an operator. */
export interface QuarantineRecord {
  readonly id: string;
  readonly reason: string;
  /** The queued message body as it was received from the queue, kept whole for replay. */
  readonly raw: string;
  readonly tenantId?: string;
  readonly requestId?: string;
  readonly quarantinedAt: string;
}

export const entityKinds = { message: 'message', conversation: 'conversation', quarantine: 'quarantine' } as const;

export const messageKey = (messageId: string) => ({ pk: `MSG#${messageId}`, sk: 'MSG' });
export const conversationKey = (conversationId: string) => ({ pk: `CONV#${conversationId}`, sk: 'CONV' });
export const quarantineKey = (quarantineId: string) => ({ pk: `QUAR#${quarantineId}`, sk: 'QUAR' });

/** A message item. Its key is derived from the provider's id, so storing it twice is impossible. */
export const messageItem = (message: StoredMessage) => ({
  ...messageKey(message.id),
  entity: entityKinds.message,
  // A conversation's messages in arrival order.
  gsi1pk: `CONV#${message.conversationId}`,
  gsi1sk: `${message.receivedAt}#${message.id}`,
  changedAt: message.storedAt,
  ...message,
});

/** The attributes an arriving message sets on its conversation, created on first use. */
export const conversationChange = (message: StoredMessage, key: ConversationKey) => ({
  entity: entityKinds.conversation,
  id: message.conversationId,
  ...key,
  lastMessageAt: message.receivedAt,
  lastMessageId: message.id,
  lastMessagePreview: message.text.slice(0, 140),
  // A tenant's conversations by latest activity.
  gsi1pk: `TENANT#${key.tenantId}`,
  gsi1sk: `${message.receivedAt}#${message.conversationId}`,
  changedAt: message.storedAt,
});

const storageAttributes = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'changedAt', 'expiresAt']);

/** An item as clients see it: without the table's own bookkeeping. */
export const publicView = (item: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !storageAttributes.has(name)));
