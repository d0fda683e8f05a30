import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { MediaItem, NormalizedMessage } from '../../core/message.ts';
import { sid, type TwilioFields } from './fields.ts';
import { channelOf, plainAddress } from './parties.ts';

/**
 * The fields of Twilio's incoming message webhook that every message has; the optional
 * ones are read where they are used, and the rest stay in the raw request.
 * https://www.twilio.com/docs/messaging/guides/webhook-request
 */
const inboundMessageSchema = z.object({
  MessageSid: sid('SM|MM'),
  AccountSid: sid('AC'),
  From: z.string().check(z.minLength(1)),
  To: z.string().check(z.minLength(1)),
  Body: z._default(z.string(), ''),
  // Twilio caps an MMS at 10 media.
  NumMedia: z._default(z.coerce.number().check(z.multipleOf(1), z.minimum(0), z.maximum(10)), 0),
});

const mediaOf = (fields: TwilioFields, count: number): MediaItem[] =>
  Array.from({ length: count }, (_, index) => {
    const url = fields[`MediaUrl${index}`];
    const contentType = fields[`MediaContentType${index}`];
    return { ...(url && { url }), ...(contentType && { contentType }) };
  });

const coordinate = (value: string | undefined): number | undefined => {
  const number = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(number) ? number : undefined;
};

/** A location shared on WhatsApp: Latitude and Longitude, and Address and Label for a named place. */
interface SharedLocation {
  readonly latitude: number;
  readonly longitude: number;
  readonly address?: string;
  readonly label?: string;
}

const locationOf = (fields: TwilioFields): SharedLocation | undefined => {
  const latitude = coordinate(fields.Latitude);
  const longitude = coordinate(fields.Longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  return { latitude, longitude, ...(fields.Address && { address: fields.Address }), ...(fields.Label && { label: fields.Label }) };
};

/** The WhatsApp details that have no text form: who wrote (profile name, WhatsApp id), which button, where. */
const detailsOf = (fields: TwilioFields, location: SharedLocation | undefined): Record<string, unknown> => ({
  ...(fields.ProfileName && { profileName: fields.ProfileName }),
  ...(fields.WaId && { waId: fields.WaId }),
  ...(fields.ButtonPayload && { buttonPayload: fields.ButtonPayload }),
  ...(fields.ButtonText && { buttonText: fields.ButtonText }),
  ...(location && { location }),
  ...(fields.Forwarded === 'true' && { forwarded: true }),
  ...(fields.FrequentlyForwarded === 'true' && { frequentlyForwarded: true }),
});

/** What an agent reads when the body is empty: the button pressed, or where a location points. */
const textOf = (body: string, fields: TwilioFields, location: SharedLocation | undefined): string => {
  if (body !== '') return body;
  if (fields.ButtonText) return fields.ButtonText;
  if (location) return `📍 Location: ${location.label ?? location.address ?? `${location.latitude}, ${location.longitude}`}`;
  return '';
};

/** Twilio's own word (WhatsApp's MessageType) when it sends one; otherwise what the fields show. */
const contentTypeOf = (fields: TwilioFields, mediaCount: number, location: SharedLocation | undefined): string =>
  fields.MessageType || (location ? 'location' : fields.ButtonPayload || fields.ButtonText ? 'button' : mediaCount > 0 ? 'media' : 'text');

/** An inbound SMS, MMS or WhatsApp message. */
export const inboundMessage = (fields: TwilioFields): NormalizedMessage => {
  const parsed = inboundMessageSchema.safeParse(fields);
  if (!parsed.success) throw new PermanentError(`not a Twilio inbound message: ${z.prettifyError(parsed.error)}`);
  const message = parsed.data;
  const from = plainAddress(message.From);
  const to = plainAddress(message.To);
  const location = locationOf(fields);
  const details = detailsOf(fields, location);
  return {
    kind: 'message',
    channel: channelOf(fields, message.MessageSid, message.NumMedia),
    direction: 'inbound',
    providerMessageId: message.MessageSid,
    businessAddress: to,
    customerAddress: from,
    from,
    to,
    text: textOf(message.Body, fields, location),
    media: mediaOf(fields, message.NumMedia),
    contentType: contentTypeOf(fields, message.NumMedia, location),
    ...(fields.OriginalRepliedMessageSid && { replyTo: fields.OriginalRepliedMessageSid }),
    ...(Object.keys(details).length > 0 && { details }),
  };
};
