import type { Channel } from '../../core/message.ts';
import type { TwilioFields } from './fields.ts';

const whatsappPrefix = 'whatsapp:';

/** A number without the `whatsapp:` prefix Twilio gives WhatsApp addresses: the conversation key is the number. */
export const plainAddress = (address: string): string =>
  address.startsWith(whatsappPrefix) ? address.slice(whatsappPrefix.length) : address;

/**
 * WhatsApp by its address prefix; otherwise MMS when the message has media or an MMS SID
 * (`MM…`, which status callbacks, carrying no NumMedia, still show), else SMS.
 */
export const channelOf = (fields: TwilioFields, messageSid: string, mediaCount = 0): Channel => {
  if (fields.From?.startsWith(whatsappPrefix) || fields.To?.startsWith(whatsappPrefix)) return 'whatsapp';
  return mediaCount > 0 || messageSid.startsWith('MM') ? 'mms' : 'sms';
};
