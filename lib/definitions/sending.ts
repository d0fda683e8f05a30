import type { Channel } from '../../functions/core/message.ts';
import type { SendQueueId } from './functions.ts';

/**
 * Which send queue carries each channel's messages: one queue per channel type, so that a
 * backlog of one (a WhatsApp campaign) never holds up another's replies.
 */
export const sendQueueOfChannel: Readonly<Record<Channel, SendQueueId>> = {
  sms: 'sendSms',
  mms: 'sendSms',
  whatsapp: 'sendWhatsapp',
  messenger: 'sendMessenger',
  instagram: 'sendMessenger',
  email: 'sendEmail',
};
