import type { DeliveryStatus, Direction, NormalizedEvent, NormalizedStatus, Parties } from '../../core/message.ts';
import { detailsOf } from './content.ts';
import { parseAs } from '../parse.ts';
import { contentId, required } from './parse.ts';
import { isoFromUnixSeconds } from './time.ts';
import { renderWhatsappContent } from './whatsapp-content.ts';
import {
  whatsappEntrySchema,
  whatsappValueSchema,
  type WhatsappError,
  type WhatsappMessage,
  type WhatsappStatus,
} from './whatsapp-schema.ts';

/** The business number a change is about: phone_number_id routes it, the display number is what people dial. */
interface BusinessNumber {
  readonly phoneNumberId: string;
  readonly displayPhoneNumber: string;
}

const channel = 'whatsapp';

// Meta's examples write the same customer as 16505551234 (wa_id) and +16505551234 (phone
// number); one spelling keeps messages, echoes and statuses in one conversation.
const customerNumber = (value: string): string => value.replace(/^\+/, '');

const deliveryStatuses: Readonly<Record<string, DeliveryStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  // A voice message played has been heard, which is more than read.
  played: 'read',
  failed: 'failed',
};

const firstError = (errors: readonly WhatsappError[] | undefined): NormalizedStatus['error'] => {
  const error = errors?.[0];
  return error && { code: String(error.code ?? 'unknown'), message: error.title ?? error.message };
};

const messageEvent = (message: WhatsappMessage, number: BusinessNumber, direction: Direction): NormalizedEvent => {
  const customer = direction === 'inbound' ? (message.from ?? message.from_user_id) : message.to;
  const customerAddress = customerNumber(required(customer, `the customer of WhatsApp message ${message.id}`));
  const parties: Parties = { channel, businessAddress: number.phoneNumberId, customerAddress };
  const providerTimestamp = isoFromUnixSeconds(message.timestamp);

  if (message.type === 'reaction' && message.reaction) {
    const { message_id: reactedTo, emoji } = message.reaction;
    return { kind: 'reaction', ...parties, eventId: message.id, providerMessageId: reactedTo, direction, emoji, providerTimestamp };
  }
  if (message.type === 'revoke' && message.revoke) {
    const { original_message_id: revoked } = message.revoke;
    return { kind: 'revision', ...parties, eventId: message.id, providerMessageId: revoked, action: 'deleted', providerTimestamp };
  }
  if (message.type === 'edit' && message.edit) {
    const { original_message_id: edited, message: content } = message.edit;
    const text = content && renderWhatsappContent(content).text;
    return { kind: 'revision', ...parties, eventId: message.id, providerMessageId: edited, action: 'edited', text, providerTimestamp };
  }
  if (message.type === 'system' || message.type === 'request_welcome') {
    const { businessAddress } = parties;
    const details = detailsOf({ customerAddress, system: message.system });
    return { kind: 'notice', eventId: message.id, name: `whatsapp.${message.type}`, channel, businessAddress, providerTimestamp, details };
  }

  const content = renderWhatsappContent(message);
  return {
    kind: 'message',
    ...parties,
    direction,
    providerMessageId: message.id,
    from: direction === 'inbound' ? customerAddress : number.displayPhoneNumber,
    to: direction === 'inbound' ? number.displayPhoneNumber : customerAddress,
    text: content.text,
    media: content.media,
    contentType: content.contentType,
    replyTo: message.context?.id,
    providerTimestamp,
    details: detailsOf({ ...content.details, referral: message.referral, referredProduct: message.context?.referred_product }),
  };
};

const statusEvent = (status: WhatsappStatus, number: BusinessNumber): NormalizedEvent => {
  // A wamid has one receipt per state, so the state completes the dedupe key.
  const eventId = `${status.id}:${status.status}`;
  const providerTimestamp = isoFromUnixSeconds(status.timestamp);
  const delivery = Object.hasOwn(deliveryStatuses, status.status) ? deliveryStatuses[status.status] : undefined;
  if (delivery === undefined) {
    const details = { providerMessageId: status.id, status: status.status, errors: status.errors };
    return { kind: 'notice', eventId, name: 'whatsapp.status', channel, businessAddress: number.phoneNumberId, providerTimestamp, details };
  }
  const recipient = required(status.recipient_id ?? status.recipient_user_id, `the recipient of WhatsApp status ${eventId}`);
  return {
    kind: 'status',
    channel,
    businessAddress: number.phoneNumberId,
    customerAddress: customerNumber(recipient),
    eventId,
    providerMessageIds: [status.id],
    ...(status.biz_opaque_callback_data && { correlationId: status.biz_opaque_callback_data }),
    status: delivery,
    providerStatus: status.status,
    error: firstError(status.errors),
    providerTimestamp,
  };
};

const errorNotice = (error: WhatsappError, number: BusinessNumber): NormalizedEvent => ({
  kind: 'notice',
  eventId: `error:${contentId([number.phoneNumberId, error])}`,
  name: 'whatsapp.error',
  channel,
  businessAddress: number.phoneNumberId,
  details: error,
});

/** The fields whose value is about one business number: its messages, echoes and statuses. */
const numberFields = new Set(['messages', 'smb_message_echoes']);

const eventsOfChange = (accountId: string, change: { field: string; value: unknown }): NormalizedEvent[] => {
  if (!numberFields.has(change.field)) {
    // Template reviews, quality ratings, account updates…: the account's news, not a conversation's.
    const eventId = `${change.field}:${contentId([accountId, change.value])}`;
    return [{ kind: 'notice', eventId, name: `whatsapp.${change.field}`, channel, details: { accountId, value: change.value } }];
  }
  const value = parseAs(whatsappValueSchema, change.value, `a WhatsApp ${change.field} change`);
  const number = { phoneNumberId: value.metadata.phone_number_id, displayPhoneNumber: value.metadata.display_phone_number };
  return [
    ...(value.messages ?? []).map((message) => messageEvent(message, number, 'inbound')),
    ...(value.message_echoes ?? []).map((message) => messageEvent(message, number, 'outbound')),
    ...(value.statuses ?? []).map((status) => statusEvent(status, number)),
    ...(value.errors ?? []).map((error) => errorNotice(error, number)),
  ];
};

/**
 * Every event of a WhatsApp Cloud API webhook, in order, across every entry and change: one
 * POST may batch several. A wamid repeated within the POST yields its event twice, with the
 * same id, and the store keeps it once.
 */
export const normalizeWhatsappEntries = (entries: readonly unknown[]): NormalizedEvent[] =>
  entries.flatMap((raw) => {
    const entry = parseAs(whatsappEntrySchema, raw, 'a WhatsApp Business Account entry');
    return entry.changes.flatMap((change) => eventsOfChange(entry.id, change));
  });
