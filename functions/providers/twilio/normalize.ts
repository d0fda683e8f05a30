import type { NormalizedEvent } from '../../core/message.ts';
import type { WebhookRequest } from '../types.ts';
import { fieldsOf } from './fields.ts';
import { inboundMessage } from './inbound-message.ts';
import { correlationIdOf, statusCallback } from './status-callback.ts';

/**
 * The one event a Twilio Messaging webhook carries. A message's status callback names its
 * status; the incoming message webhook, and the status callback Twilio sends once an inbound
 * message is received, carry the message itself. A status callback of a message Switchboard
 * sent names it in the URL's `sb_message` parameter.
 */
export const normalizeTwilio = (request: WebhookRequest): NormalizedEvent[] => {
  const fields = fieldsOf(request);
  const status = fields.MessageStatus ?? fields.SmsStatus;
  return [status === undefined || status === 'received' ? inboundMessage(fields) : statusCallback(fields, status, correlationIdOf(request.url))];
};
