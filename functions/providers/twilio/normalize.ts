import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { MediaItem, NormalizedMessage } from '../../core/message.ts';

const sid = (prefix: string) => z.string().check(z.regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `a ${prefix}… SID`));

/** The fields of Twilio's inbound message webhook that we rely on; the rest are kept in the raw request. */
const inboundMessageSchema = z.object({
  MessageSid: sid('(SM|MM)'),
  AccountSid: sid('AC'),
  From: z.string().check(z.minLength(1)),
  To: z.string().check(z.minLength(1)),
  Body: z._default(z.string(), ''),
  NumMedia: z._default(z.coerce.number().check(z.multipleOf(1), z.minimum(0), z.maximum(10)), 0),
});

const whatsappPrefix = 'whatsapp:';

const mediaOf = (params: URLSearchParams, count: number): MediaItem[] =>
  Array.from({ length: count }, (_, index) => ({
    url: params.get(`MediaUrl${index}`) ?? undefined,
    contentType: params.get(`MediaContentType${index}`) ?? undefined,
  }));

/** An inbound SMS, MMS or WhatsApp message, from Twilio's form-encoded webhook. */
export const normalizeTwilioForm = (params: URLSearchParams): NormalizedMessage[] => {
  const status = params.get('MessageStatus') ?? params.get('SmsStatus');
  if (status !== null && status !== 'received') {
    throw new PermanentError(`Twilio status callback (${status}) is not an inbound message; status callbacks are not handled yet`);
  }
  const parsed = inboundMessageSchema.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    throw new PermanentError(`not a Twilio inbound message: ${z.prettifyError(parsed.error)}`);
  }
  const message = parsed.data;
  const isWhatsapp = message.From.startsWith(whatsappPrefix);
  const address = (value: string) => (isWhatsapp ? value.slice(whatsappPrefix.length) : value);
  return [
    {
      kind: 'message',
      channel: isWhatsapp ? 'whatsapp' : message.NumMedia > 0 ? 'mms' : 'sms',
      direction: 'inbound',
      providerMessageId: message.MessageSid,
      businessAddress: address(message.To),
      customerAddress: address(message.From),
      from: address(message.From),
      to: address(message.To),
      text: message.Body,
      media: mediaOf(params, message.NumMedia),
      contentType: message.NumMedia > 0 ? 'media' : 'text',
    },
  ];
};
