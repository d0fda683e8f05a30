import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { DeliveryStatus, NormalizedEvent, NormalizedStatus } from '../../core/message.ts';
import { firstAddressIn } from '../email/addresses.ts';
import { messageIdIn } from '../email/message.ts';
import { correlationParam } from '../twilio/status-callback.ts';

/** The fields of `event-data` that we rely on; the rest stay in the raw request. */
const eventDataSchema = z.looseObject({
  event: z.string().check(z.minLength(1)),
  id: z.string().check(z.minLength(1)),
  timestamp: z.optional(z.number()),
  recipient: z.string(),
  /** failed: `temporary` (Mailgun retries) or `permanent`. */
  severity: z.optional(z.string()),
  reason: z.optional(z.string()),
  envelope: z.optional(z.looseObject({ sender: z.optional(z.string()) })),
  message: z.optional(
    z.looseObject({ headers: z.optional(z.looseObject({ 'message-id': z.optional(z.string()), from: z.optional(z.string()) })) }),
  ),
  /**
   * The `v:` variables the message was sent with, our id among them (mailgun/send.ts); an
   * empty list (`[]`) when it was sent with none.
   * https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-attachments#attaching-metadata-to-messages
   */
  'user-variables': z.optional(z.unknown()),
  'delivery-status': z.optional(
    z.looseObject({
      code: z.optional(z.union([z.number(), z.string()])),
      message: z.optional(z.string()),
      description: z.optional(z.string()),
    }),
  ),
});
type EventData = z.infer<typeof eventDataSchema>;

const payloadSchema = z.object({ 'event-data': eventDataSchema });

/** Stands in for the sending address when an event names none. */
const unknownSendingAddress = 'mailgun';

/**
 * Where each delivery event puts the message. A `temporary` failure is not terminal: Mailgun
 * keeps the message and retries, then reports `failed` `permanent` if it gives up, so the
 * message stays `queued` with the receiving server's reply as the error.
 */
const statusOf = (event: EventData): DeliveryStatus | undefined => {
  switch (event.event) {
    case 'accepted':
      return 'queued';
    case 'delivered':
      return 'delivered';
    case 'opened':
      return 'read';
    case 'failed':
      return event.severity === 'temporary' ? 'queued' : 'failed';
    default:
      return undefined;
  }
};

const errorOf = (event: EventData): NormalizedStatus['error'] => {
  if (event.event !== 'failed') return undefined;
  const delivery = event['delivery-status'];
  const message = delivery?.message || delivery?.description || event.reason;
  return { code: String(delivery?.code ?? event.reason ?? 'failed'), ...(message && { message }) };
};

/**
 * An event webhook POST: one event per request, `{"signature": {…}, "event-data": {…}}`,
 * a status for delivery progress and a notice for the rest (clicked, unsubscribed, complained…).
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads
 */
export const normalizeEventWebhook = (body: Buffer): NormalizedEvent[] => {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PermanentError('the Mailgun webhook body is not JSON');
  }
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentError(`not a Mailgun event webhook: ${z.prettifyError(parsed.error)}`);
  const event = parsed.data['event-data'];
  const businessAddress = firstAddressIn([event.message?.headers?.from, event.envelope?.sender]) ?? unknownSendingAddress;
  const providerTimestamp = event.timestamp === undefined ? undefined : new Date(event.timestamp * 1000).toISOString();
  const status = statusOf(event);
  if (status === undefined) {
    return [
      {
        kind: 'notice',
        eventId: event.id,
        name: event.event,
        channel: 'email',
        businessAddress,
        ...(providerTimestamp !== undefined && { providerTimestamp }),
        details: event,
      },
    ];
  }
  const messageId = messageIdIn(event.message?.headers?.['message-id']);
  const variables = event['user-variables'];
  const correlationId = typeof variables === 'object' && variables !== null && correlationParam in variables ? (variables as Record<string, unknown>)[correlationParam] : undefined;
  const error = errorOf(event);
  return [
    {
      kind: 'status',
      channel: 'email',
      eventId: event.id,
      businessAddress,
      customerAddress: event.recipient.toLowerCase(),
      providerMessageIds: messageId === undefined ? [] : [messageId],
      ...(typeof correlationId === 'string' && correlationId !== '' && { correlationId }),
      status,
      providerStatus: event.severity === undefined ? event.event : `${event.event}:${event.severity}`,
      ...(error !== undefined && { error }),
      ...(providerTimestamp !== undefined && { providerTimestamp }),
    },
  ];
};
