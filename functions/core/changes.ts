import { conversationKey, messageKey, statusRank } from './items.ts';
import type { NormalizedReaction, NormalizedRevision, NormalizedStatus } from './message.ts';

/**
 * A change a provider event makes to one stored item, as data: the store turns it into one
 * conditional UpdateItem. In `condition`, `#name` and `:name` stand for the attribute named in
 * `set` and its new value, so a change can say "only forward" without knowing DynamoDB syntax.
 */
export interface ItemChange {
  readonly key: { readonly pk: string; readonly sk: string };
  readonly set: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  readonly condition?: string;
}

const atOf = (event: { providerTimestamp?: string }, storedAt: string) => event.providerTimestamp ?? storedAt;

/** A receipt moves its message's status forward, never back: a late `sent` never overwrites `delivered`. */
export const statusChange = (event: NormalizedStatus, messageId: string, storedAt: string): ItemChange => ({
  key: messageKey(messageId),
  set: {
    status: event.status,
    statusRank: statusRank[event.status],
    statusAt: atOf(event, storedAt),
    ...(event.error && { statusError: event.error }),
    changedAt: storedAt,
  },
  condition: 'attribute_not_exists(#statusRank) OR #statusRank < :statusRank',
});

/**
 * Messenger's and Instagram's watermark receipts name no message: everything the business
 * sent before the watermark is delivered or read. That is a fact about the conversation.
 */
export const watermarkChange = (event: NormalizedStatus & { watermark: string }, conversationId: string, storedAt: string): ItemChange => {
  const attribute = event.status === 'read' ? 'readUpTo' : 'deliveredUpTo';
  return {
    key: conversationKey(conversationId),
    set: { [attribute]: event.watermark, changedAt: storedAt },
    condition: `attribute_not_exists(#${attribute}) OR #${attribute} < :${attribute}`,
  };
};

/** One reaction per side, as the messaging apps show it; a reaction without an emoji removes it. */
export const reactionChange = (event: NormalizedReaction, messageId: string, storedAt: string): ItemChange => {
  const attribute = event.direction === 'inbound' ? 'customerReaction' : 'businessReaction';
  return event.emoji === undefined
    ? { key: messageKey(messageId), set: { changedAt: storedAt }, remove: [attribute] }
    : { key: messageKey(messageId), set: { [attribute]: event.emoji, changedAt: storedAt } };
};

/** An edit replaces the text; an unsent message keeps its place in the thread but loses its content. */
export const revisionChange = (event: NormalizedRevision, messageId: string, storedAt: string): ItemChange =>
  event.action === 'edited'
    ? { key: messageKey(messageId), set: { text: event.text ?? '', editedAt: atOf(event, storedAt), changedAt: storedAt } }
    : { key: messageKey(messageId), set: { text: '', media: [], deleted: true, deletedAt: atOf(event, storedAt), changedAt: storedAt } };
