import type { NormalizedEvent, Parties } from '../../core/message.ts';
import { renderMessagingMessage } from './messaging-content.ts';
import { messagingEntrySchema, type MessagingEvent } from './messaging-schema.ts';
import { parseAs } from '../parse.ts';
import { contentId, required } from './parse.ts';
import { isoFromMilliseconds } from './time.ts';

type MessagingChannel = 'messenger' | 'instagram';

/** One messaging event with what it is read against: its channel and the account it reached. */
interface EventContext {
  readonly channel: MessagingChannel;
  /** The entry's id: the page, or the Instagram professional account. */
  readonly businessAddress: string;
  readonly event: MessagingEvent;
  readonly providerTimestamp?: string;
}

// The page (or Instagram account) sends its own echoes and receives everything else.
const partiesOf = ({ channel, businessAddress, event }: EventContext, isEcho = false): Parties => {
  const customer = isEcho ? event.recipient?.id : event.sender?.id;
  return { channel, businessAddress, customerAddress: required(customer, `the customer of a ${channel} event at ${event.timestamp}`) };
};

const senderAndRecipient = ({ channel, event }: EventContext): { from: string; to: string } => ({
  from: required(event.sender?.id, `the sender of a ${channel} message`),
  to: required(event.recipient?.id, `the recipient of a ${channel} message`),
});

/** The prefix of Switchboard's message ids (core/ids.ts): an echo whose metadata has it is a message we sent. */
const ourIdPrefix = 'msg_';

/**
 * The echo of a message Switchboard sent, which already stores it: its receipt that Meta sent
 * it, carrying our id (the Send API's `metadata`) and Meta's mid, rather than a second copy.
 */
const sentEcho = (parties: Parties, mid: string, correlationId: string, providerTimestamp: string | undefined): NormalizedEvent => ({
  kind: 'status',
  ...parties,
  eventId: `${mid}#echo`,
  providerMessageIds: [mid],
  correlationId,
  status: 'sent',
  providerStatus: 'echo',
  providerTimestamp,
});

const messageEvent = (context: EventContext, message: NonNullable<MessagingEvent['message']>): NormalizedEvent => {
  const isEcho = message.is_echo === true;
  const parties = partiesOf(context, isEcho);
  const { providerTimestamp } = context;
  if (isEcho && message.metadata?.startsWith(ourIdPrefix)) return sentEcho(parties, message.mid, message.metadata, providerTimestamp);
  if (message.is_deleted) {
    return { kind: 'revision', ...parties, eventId: `${message.mid}:deleted`, providerMessageId: message.mid, action: 'deleted', providerTimestamp };
  }
  return {
    kind: 'message',
    ...parties,
    direction: isEcho ? 'outbound' : 'inbound',
    providerMessageId: message.mid,
    ...senderAndRecipient(context),
    ...renderMessagingMessage(message),
    replyTo: message.reply_to?.mid,
    providerTimestamp,
  };
};

const postbackEvent = (context: EventContext, postback: NonNullable<MessagingEvent['postback']>): NormalizedEvent => {
  const parties = partiesOf(context);
  // Older postbacks carry no mid: the customer, the moment and the button identify the tap.
  const providerMessageId = postback.mid ?? `${parties.customerAddress}:${context.event.timestamp}:${postback.payload ?? ''}`;
  return {
    kind: 'message',
    ...parties,
    direction: 'inbound',
    providerMessageId,
    ...senderAndRecipient(context),
    text: postback.title ?? '',
    media: [],
    contentType: 'postback',
    details: { payload: postback.payload, referral: postback.referral },
    providerTimestamp: context.providerTimestamp,
  };
};

const reactionEvent = (context: EventContext, reaction: NonNullable<MessagingEvent['reaction']>): NormalizedEvent => {
  const parties = partiesOf(context);
  return {
    kind: 'reaction',
    ...parties,
    // A reaction has no id of its own, and the same person may react, unreact and react again.
    eventId: `${reaction.mid}:${parties.customerAddress}:${reaction.action}:${context.event.timestamp}`,
    providerMessageId: reaction.mid,
    direction: 'inbound',
    // Meta sends the emoji with every react; the reaction's name (love, wow…) stands in if it ever does not.
    emoji: reaction.action === 'unreact' ? undefined : (reaction.emoji ?? reaction.reaction),
    providerTimestamp: context.providerTimestamp,
  };
};

const deliveryEvent = (context: EventContext, delivery: NonNullable<MessagingEvent['delivery']>): NormalizedEvent => {
  const parties = partiesOf(context);
  return {
    kind: 'status',
    ...parties,
    eventId: `${parties.customerAddress}:delivery:${delivery.watermark}`,
    providerMessageIds: delivery.mids ?? [],
    watermark: isoFromMilliseconds(delivery.watermark),
    status: 'delivered',
    providerStatus: 'delivery',
    providerTimestamp: context.providerTimestamp,
  };
};

const readEvent = (context: EventContext, read: NonNullable<MessagingEvent['read']>): NormalizedEvent => {
  const parties = partiesOf(context);
  // Messenger's read receipts carry a watermark; Instagram's (messaging_seen) the mid that was seen.
  const seen = read.mid ?? read.watermark ?? context.event.timestamp;
  return {
    kind: 'status',
    ...parties,
    eventId: `${parties.customerAddress}:read:${seen}`,
    providerMessageIds: read.mid === undefined ? [] : [read.mid],
    watermark: isoFromMilliseconds(read.watermark),
    status: 'read',
    providerStatus: 'read',
    providerTimestamp: context.providerTimestamp,
  };
};

const editEvent = (context: EventContext, edit: NonNullable<MessagingEvent['message_edit']>): NormalizedEvent => ({
  kind: 'revision',
  ...partiesOf(context),
  eventId: `${edit.mid}:edit:${edit.num_edit ?? context.event.timestamp}`,
  providerMessageId: edit.mid,
  action: 'edited',
  text: edit.text,
  providerTimestamp: context.providerTimestamp,
});

/** The keys every messaging event has; any other key names what happened. */
const envelopeKeys = new Set(['sender', 'recipient', 'timestamp']);

/** Optins, referrals, handovers…: recorded under the name Meta gives them. */
const noticeEvent = ({ channel, businessAddress, event, providerTimestamp }: EventContext): NormalizedEvent => {
  const name = Object.keys(event).find((key) => !envelopeKeys.has(key)) ?? 'event';
  const eventId = `${name}:${contentId(event)}`;
  return { kind: 'notice', eventId, name: `${channel}.${name}`, channel, businessAddress, providerTimestamp, details: event };
};

const eventOf = (context: EventContext): NormalizedEvent => {
  const { message, postback, reaction, delivery, read, message_edit: edit } = context.event;
  if (message) return messageEvent(context, message);
  if (postback) return postbackEvent(context, postback);
  if (reaction) return reactionEvent(context, reaction);
  if (delivery) return deliveryEvent(context, delivery);
  if (read) return readEvent(context, read);
  if (edit) return editEvent(context, edit);
  return noticeEvent(context);
};

/**
 * Every event of a Messenger (`object: page`) or Instagram (`object: instagram`) webhook, in
 * order, across every entry and both `messaging` and `standby`. A mid repeated within the POST
 * yields its event twice, with the same id, and the store keeps it once.
 */
export const normalizeMessagingEntries = (channel: MessagingChannel, entries: readonly unknown[]): NormalizedEvent[] =>
  entries.flatMap((raw) => {
    const entry = parseAs(messagingEntrySchema, raw, `a ${channel} entry`);
    const businessAddress = entry.id;
    const events = [...(entry.messaging ?? []), ...(entry.standby ?? [])].map((event) =>
      eventOf({ channel, businessAddress, event, providerTimestamp: isoFromMilliseconds(event.timestamp) }),
    );
    // Page feed and Instagram comment changes: the account's news, not a conversation's.
    const changes = (entry.changes ?? []).map(
      (change): NormalizedEvent => ({
        kind: 'notice',
        eventId: `${change.field}:${contentId([businessAddress, change.value])}`,
        name: `${channel}.${change.field}`,
        channel,
        businessAddress,
        details: { value: change.value },
      }),
    );
    return [...events, ...changes];
  });
