import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { NormalizedMessage } from '../../core/message.ts';
import { gatewayTime } from './gateway-time.ts';

/** The business address of a gateway that does not say which number received the SMS. */
export const unnamedGatewayAddress = 'gateway';

/**
 * The simplest thing an SMS gateway posts for an incoming SMS, as JSON or as form fields:
 * `{ "guid", "number", "message", "time_received"?, "to"? }` (the shape of SMS Mobile API and
 * many Android forwarders). `guid` is the gateway's unique id for the SMS, the dedupe key;
 * `number` the sender; `to` the gateway's own number; `time_received` unix seconds or
 * milliseconds, or ISO 8601 with a zone.
 */
const simpleSmsSchema = z.object({
  guid: z.string().check(z.minLength(1)),
  number: z.string().check(z.minLength(1)),
  message: z.string(),
  time_received: z.optional(z.union([z.string(), z.number()])),
  to: z.optional(z.string().check(z.minLength(1))),
});

export const normalizeSimpleSms = (fields: Readonly<Record<string, unknown>>): NormalizedMessage => {
  const parsed = simpleSmsSchema.safeParse(fields);
  if (!parsed.success) throw new PermanentError(`not an SMS gateway message: ${z.prettifyError(parsed.error)}`);
  const sms = parsed.data;
  const to = sms.to ?? unnamedGatewayAddress;
  const providerTimestamp = gatewayTime(sms.time_received);
  return {
    kind: 'message',
    channel: 'sms',
    direction: 'inbound',
    providerMessageId: sms.guid,
    businessAddress: to,
    customerAddress: sms.number,
    from: sms.number,
    to,
    text: sms.message,
    media: [],
    contentType: 'text',
    ...(providerTimestamp && { providerTimestamp }),
  };
};
