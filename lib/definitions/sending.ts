import type { Channel } from '../../functions/core/message.ts';
import type { SendQueueId } from './functions.ts';

/**
 * Which send queue carries each channel's messages: one queue per channel type, so that a
 * backlog of one (a WhatsApp campaign) never holds up another's replies. Email is not sent yet.
 */
export const sendQueueOfChannel: Readonly<Partial<Record<Channel, SendQueueId>>> = {
  sms: 'sendSms',
  mms: 'sendSms',
  whatsapp: 'sendWhatsapp',
  messenger: 'sendMessenger',
  instagram: 'sendMessenger',
};
