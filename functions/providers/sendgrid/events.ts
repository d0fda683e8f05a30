import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { DeliveryStatus, NormalizedEvent, NormalizedStatus } from '../../core/message.ts';
import { firstAddressIn } from '../email/addresses.ts';
import { correlationParam } from '../twilio/status-callback.ts';

/** The fields of an Event Webhook event that we rely on; custom args and the rest stay in the raw request. */
const eventSchema = z.looseObject({
  event: z.string().check(z.minLength(1)),
  sg_event_id: z.string().check(z.minLength(1)),
  email: z.string(),
  timestamp: z.optional(z.number()),
  sg_message_id: z.optional(z.string()),
  /** bounce: `bounce` or `blocked`. */
  type: z.optional(z.string()),
  /** bounce: the enhanced SMTP status, e.g. 5.1.1. */
  status: z.optional(z.union([z.string(), z.number()])),
  reason: z.optional(z.string()),
  /** deferred, delivered: the receiving server's reply. */
  response: z.optional(z.string()),
  /** Not sent by SendGrid: a custom arg the sender may set so receipts name the sending address. */
  from: z.optional(z.string()),
  /**
   * Our id of the message, a custom arg our sender sets (sendgrid/send.ts): custom args come
   * back at the top level of every event of the message.
   * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event (custom args, as unique arguments were)
   */
  [correlationParam]: z.optional(z.string()),
});
type SendgridEvent = z.infer<typeof eventSchema>;

/**
 * Where each delivery event puts the message. `deferred` is not terminal: the receiving server
 * said "try later" and SendGrid keeps the message queued and retries it for up to 72 hours, so
 * it stays `queued` (nothing has been handed over yet) with the server's reply as the error.
 * A privacy proxy may report an `open` nobody read; it is still the only read signal email has.
 */
const statusOf: Readonly<Record<string, DeliveryStatus>> = {
  processed: 'queued',
  deferred: 'queued',
  delivered: 'delivered',
  open: 'read',
  bounce: 'failed',
  dropped: 'failed',
};

/** Receipts do not say which address sent the mail; this stands in for it unless the sender set a `from` custom arg. */
const unknownSendingAddress = 'sendgrid';

const errorOf = (event: SendgridEvent): NormalizedStatus['error'] => {
  const message = event.reason ?? event.response;
  if (event.event === 'bounce') return { code: String(event.status ?? event.type ?? 'bounce'), ...(message !== undefined && { message }) };
  if (event.event === 'dropped' || event.event === 'deferred') return { code: event.event, ...(message !== undefined && { message }) };
  return undefined;
};

const toEvent = (event: SendgridEvent): NormalizedEvent => {
  // The official multi-event sample reuses one sg_event_id for different events.
  const eventId = `${event.sg_event_id}#${event.event}`;
  const businessAddress = firstAddressIn([event.from]) ?? unknownSendingAddress;
  const providerTimestamp = event.timestamp === undefined ? undefined : new Date(event.timestamp * 1000).toISOString();
  const status = statusOf[event.event];
  if (status === undefined) {
    return {
      kind: 'notice',
      eventId,
      name: event.event,
      channel: 'email',
      businessAddress,
      ...(providerTimestamp !== undefined && { providerTimestamp }),
      details: event,
    };
  }
  const error = errorOf(event);
  return {
    kind: 'status',
    channel: 'email',
    eventId,
    businessAddress,
    customerAddress: event.email.toLowerCase(),
    // `<X-Message-Id>.filter…`: the prefix is what the send API returned in X-Message-Id, the id a sender stores.
    providerMessageIds: event.sg_message_id === undefined ? [] : [event.sg_message_id.split('.')[0] ?? event.sg_message_id],
    ...(event[correlationParam] && { correlationId: event[correlationParam] }),
    status,
    providerStatus: event.event === 'bounce' && event.type !== undefined ? `bounce:${event.type}` : event.event,
    ...(error !== undefined && { error }),
    ...(providerTimestamp !== undefined && { providerTimestamp }),
  };
};

/**
 * An Event Webhook POST: a JSON array of events, every one of which becomes a status (delivery
 * progress) or a notice (click, spamreport, unsubscribe, group_*…), in order.
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 */
export const normalizeEventBatch = (body: Buffer): NormalizedEvent[] => {
  let batch: unknown;
  try {
    batch = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PermanentError('the Event Webhook body is not JSON');
  }
  if (!Array.isArray(batch)) throw new PermanentError('the Event Webhook body is not a JSON array of events');
  return batch.map((raw: unknown, index) => {
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) throw new PermanentError(`Event Webhook event ${index} is not understood: ${z.prettifyError(parsed.error)}`);
    return toEvent(parsed.data);
  });
};
