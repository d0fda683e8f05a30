import type { NormalizedEvent } from '../../../../functions/core/message.ts';
import { meta } from '../../../../functions/providers/meta/index.ts';
import { metaJson, signedMetaRequest } from '../../../../functions/providers/meta/sample.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';

/** Meta payloads and requests for tests, with the example values of Meta's webhook references. */

export const appSecret = 'meta-app-secret-current';
export const metaEndpointUrl = 'https://hooks.example.com/webhooks/meta/ep_0123456789abcdefghijklmnopq';

/** What the ack path hands the provider: the body as Meta writes it, signed with `secret`. */
export const signedRequest = (payload: unknown, secret = appSecret): WebhookRequest => {
  const signed = signedMetaRequest(secret, typeof payload === 'string' ? payload : metaJson(payload));
  return { url: metaEndpointUrl, headers: signed.headers, body: Buffer.from(signed.body) };
};

// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
export const wabaId = '102290129340398';
export const phoneNumberId = '106540352242922';
export const displayPhoneNumber = '15550783881';
export const waId = '16505551234';
export const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=';
export const contextWamid = 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=';
export const unixSeconds = '1739321024';
export const isoOfUnixSeconds = '2025-02-12T00:43:44.000Z';

/** A `messages` change value for the example business number, with the given messages/statuses. */
export const whatsappValue = (content: Record<string, unknown>): Record<string, unknown> => ({
  messaging_product: 'whatsapp',
  metadata: { display_phone_number: displayPhoneNumber, phone_number_id: phoneNumberId },
  ...content,
});

/** An inbound WhatsApp message from the example customer, at the example time. */
export const whatsappMessage = (content: Record<string, unknown>): Record<string, unknown> => ({
  from: waId,
  id: wamid,
  timestamp: unixSeconds,
  ...content,
});

export const whatsappPayload = (...entries: { id?: string; changes: { field?: string; value: unknown }[] }[]): unknown => ({
  object: 'whatsapp_business_account',
  entry: entries.map(({ id = wabaId, changes }) => ({
    id,
    changes: changes.map(({ field = 'messages', value }) => ({ value, field })),
  })),
});

/** One WhatsApp webhook carrying these inbound messages. */
export const whatsappMessages = (...messages: Record<string, unknown>[]): unknown =>
  whatsappPayload({ changes: [{ value: whatsappValue({ contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: waId }], messages }) }] });

/** One WhatsApp webhook carrying these statuses. */
export const whatsappStatuses = (...statuses: Record<string, unknown>[]): unknown =>
  whatsappPayload({ changes: [{ value: whatsappValue({ statuses }) }] });

// https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
export const pageId = '1234567890123456';
export const psid = '6789012345678901';
export const igAccountId = '17841400000000000';
export const igsid = '1234509876543210';
export const milliseconds = 1458692752478;
export const isoOfMilliseconds = '2016-03-23T00:25:52.478Z';

/** A Messenger (`page`) or Instagram webhook with one entry for `entryId` carrying these events. */
export const messagingPayload = (object: 'page' | 'instagram', entryId: string, messaging: unknown[]): unknown => ({
  object,
  entry: [{ id: entryId, time: milliseconds, messaging }],
});

/** An event from the customer to the page, at the example time. */
export const fromCustomer = (customer: string, business: string, event: Record<string, unknown>): Record<string, unknown> => ({
  sender: { id: customer },
  recipient: { id: business },
  timestamp: milliseconds,
  ...event,
});

/** The events `meta.normalize` makes of this payload, sent as Meta would. */
export const normalizedOf = (payload: unknown): NormalizedEvent[] => meta.normalize(signedRequest(payload));
