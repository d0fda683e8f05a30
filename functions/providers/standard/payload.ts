import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import { parseAs } from '../parse.ts';
import { deliveryStatuses, type Channel, type NormalizedEvent, type Parties } from '../../core/message.ts';

/**
 * The message shape any system can send Switchboard over Standard Webhooks: a JSON body
 * `{ "type", "timestamp"?, "data" }` as the spec's payload structure recommends, signed with
 * the endpoint's `whsec_` secret.
 *
 * - `message.received` (from a customer) and `message.sent` (an echo of what the business sent
 *   elsewhere): `data` = `{ "id"?, "channel", "from", "to", "text"?, "media"?: [{ "url",
 *   "contentType"?, "filename"? }], "timestamp"?, "replyTo"? }`. Without `id`, the webhook-id
 *   is the message id.
 * - `message.status`: `data` = `{ "messageId", "status": queued|sent|delivered|read|failed,
 *   "channel", "from", "to", "error"?: { "code", "message"? }, "timestamp"? }`, where `from` is
 *   the business that sent the message and `to` the customer.
 * - `message.reaction`: `data` = `{ "messageId", "emoji"? (absent = removed), "channel",
 *   "from", "to", "direction"?: inbound|outbound (default inbound), "timestamp"? }`.
 *
 * `channel` is one of sms, mms, whatsapp, messenger, instagram, email; times are ISO 8601 with
 * an offset (`data.timestamp`, else the top-level `timestamp`). Any other `type` is recorded as
 * a notice. Statuses, reactions and notices are deduplicated on the webhook-id.
 */

const channels = ['sms', 'mms', 'whatsapp', 'messenger', 'instagram', 'email'] as const satisfies readonly Channel[];

const nonEmpty = z.string().check(z.minLength(1));
const isoTime = z.iso.datetime({ offset: true });

const envelopeSchema = z.object({
  type: nonEmpty,
  timestamp: z.optional(isoTime),
  data: z.optional(z.record(z.string(), z.unknown())),
});

const messageSchema = z.object({
  id: z.optional(nonEmpty),
  channel: z.enum(channels),
  from: nonEmpty,
  to: nonEmpty,
  text: z._default(z.string(), ''),
  media: z._default(
    z.array(z.object({ url: z.httpUrl(), contentType: z.optional(nonEmpty), filename: z.optional(nonEmpty) })),
    [],
  ),
  timestamp: z.optional(isoTime),
  replyTo: z.optional(nonEmpty),
});

const statusSchema = z.object({
  messageId: nonEmpty,
  status: z.enum(deliveryStatuses),
  channel: z.enum(channels),
  from: nonEmpty,
  to: nonEmpty,
  error: z.optional(z.object({ code: nonEmpty, message: z.optional(z.string()) })),
  timestamp: z.optional(isoTime),
});

const reactionSchema = z.object({
  messageId: nonEmpty,
  emoji: z.optional(nonEmpty),
  channel: z.enum(channels),
  from: nonEmpty,
  to: nonEmpty,
  direction: z._default(z.enum(['inbound', 'outbound']), 'inbound'),
  timestamp: z.optional(isoTime),
});

/** What every event of one request shares: its webhook-id and the event time the sender gave. */
interface Delivery {
  readonly webhookId: string;
  readonly type: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly timestamp?: string;
}

const providerTimestampOf = (eventTime: string | undefined, delivery: Delivery) => {
  const time = eventTime ?? delivery.timestamp;
  return time === undefined ? {} : { providerTimestamp: new Date(time).toISOString() };
};

/** Inbound: the customer writes from `from` to the business at `to`; outbound the other way round. */
const partiesOf = (channel: Channel, from: string, to: string, direction: 'inbound' | 'outbound'): Parties =>
  direction === 'inbound'
    ? { channel, businessAddress: to, customerAddress: from }
    : { channel, businessAddress: from, customerAddress: to };

const message = (direction: 'inbound' | 'outbound') => (delivery: Delivery): NormalizedEvent => {
  const data = parseAs(messageSchema, delivery.data, `${delivery.type} data`);
  return {
    kind: 'message',
    ...partiesOf(data.channel, data.from, data.to, direction),
    direction,
    providerMessageId: data.id ?? delivery.webhookId,
    from: data.from,
    to: data.to,
    text: data.text,
    media: data.media,
    contentType: data.media.length > 0 ? 'media' : 'text',
    ...(data.replyTo && { replyTo: data.replyTo }),
    ...providerTimestampOf(data.timestamp, delivery),
  };
};

const status = (delivery: Delivery): NormalizedEvent => {
  const data = parseAs(statusSchema, delivery.data, `${delivery.type} data`);
  return {
    kind: 'status',
    ...partiesOf(data.channel, data.from, data.to, 'outbound'),
    eventId: delivery.webhookId,
    providerMessageIds: [data.messageId],
    status: data.status,
    providerStatus: data.status,
    ...(data.error && { error: data.error }),
    ...providerTimestampOf(data.timestamp, delivery),
  };
};

const reaction = (delivery: Delivery): NormalizedEvent => {
  const data = parseAs(reactionSchema, delivery.data, `${delivery.type} data`);
  return {
    kind: 'reaction',
    ...partiesOf(data.channel, data.from, data.to, data.direction),
    eventId: delivery.webhookId,
    providerMessageId: data.messageId,
    direction: data.direction,
    ...(data.emoji && { emoji: data.emoji }),
    ...providerTimestampOf(data.timestamp, delivery),
  };
};

const eventsByType: Readonly<Record<string, (delivery: Delivery) => NormalizedEvent>> = {
  'message.received': message('inbound'),
  'message.sent': message('outbound'),
  'message.status': status,
  'message.reaction': reaction,
};

const notice = (delivery: Delivery): NormalizedEvent => ({
  kind: 'notice',
  eventId: delivery.webhookId,
  name: delivery.type,
  ...providerTimestampOf(undefined, delivery),
  ...(delivery.data && { details: delivery.data }),
});

const jsonOf = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new PermanentError('the body is not JSON');
  }
};

/** The one event a Standard Webhooks request carries, keyed by its webhook-id. */
export const normalizeStandardPayload = (body: Buffer, webhookId: string): NormalizedEvent[] => {
  const envelope = parseAs(envelopeSchema, jsonOf(body), 'a Standard Webhooks payload');
  const delivery: Delivery = { webhookId, ...envelope };
  const toEvent = Object.hasOwn(eventsByType, envelope.type) ? eventsByType[envelope.type] : undefined;
  return [(toEvent ?? notice)(delivery)];
};
