import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { DeliveryStatus, NormalizedNotice, NormalizedStatus } from '../../core/message.ts';
import { sid, type TwilioFields } from './fields.ts';
import { channelOf, plainAddress } from './parties.ts';

/**
 * Twilio's MessageStatus values for a message the business sent, on our delivery ranks.
 * Not yet handed to a carrier (accepted, scheduled, queued, sending) ranks as queued; a
 * message partly delivered as sent, since not all of it arrived; undelivered and canceled
 * as failed, since neither will arrive. The provider's word is kept beside it.
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
export const deliveryStatuses: ReadonlyMap<string, DeliveryStatus> = new Map([
  ['accepted', 'queued'],
  ['scheduled', 'queued'],
  ['queued', 'queued'],
  ['sending', 'queued'],
  ['sent', 'sent'],
  ['partially_delivered', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  ['undelivered', 'failed'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
]);

const statusCallbackSchema = z.object({
  MessageSid: sid('SM|MM'),
  AccountSid: sid('AC'),
  To: z.string().check(z.minLength(1)),
  // A Messaging Service picks the sender: should a callback name none, the service stands for the business.
  From: z.optional(z.string().check(z.minLength(1))),
  MessagingServiceSid: z.optional(sid('MG')),
  ErrorCode: z.optional(z.string()),
  ErrorMessage: z.optional(z.string()),
});

/** The query parameter of a StatusCallback URL that names our message: Switchboard sets it when it sends. */
export const correlationParam = 'sb_message';

/**
 * Our id of the message, from the `sb_message` parameter of the URL Twilio called. The URL is
 * covered by Twilio's signature, so the id is as trusted as the body.
 */
export const correlationIdOf = (url: string): string | undefined => {
  try {
    return new URL(url).searchParams.get(correlationParam) || undefined;
  } catch {
    return undefined;
  }
};

/**
 * A status callback about a message the business sent: the business is its From, the
 * customer its To. A status Twilio has no delivery rank for (`receiving`, or one added later)
 * is recorded as a notice. `correlationId` is our id of the message, when the URL names it.
 */
export const statusCallback = (fields: TwilioFields, providerStatus: string, correlationId?: string): NormalizedStatus | NormalizedNotice => {
  const parsed = statusCallbackSchema.safeParse(fields);
  if (!parsed.success) throw new PermanentError(`not a Twilio status callback: ${z.prettifyError(parsed.error)}`);
  const callback = parsed.data;
  const eventId = `${callback.MessageSid}#${providerStatus}`;
  const channel = channelOf(fields, callback.MessageSid);
  const status = deliveryStatuses.get(providerStatus);
  const businessAddress = callback.From ?? callback.MessagingServiceSid;
  if (status === undefined || businessAddress === undefined) {
    return { kind: 'notice', eventId, name: `message-status:${providerStatus}`, channel, details: { messageSid: callback.MessageSid, status: providerStatus } };
  }
  return {
    kind: 'status',
    eventId,
    channel,
    businessAddress: plainAddress(businessAddress),
    customerAddress: plainAddress(callback.To),
    providerMessageIds: [callback.MessageSid],
    ...(correlationId && { correlationId }),
    status,
    providerStatus,
    ...(callback.ErrorCode && { error: { code: callback.ErrorCode, ...(callback.ErrorMessage && { message: callback.ErrorMessage }) } }),
  };
};
