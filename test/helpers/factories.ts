import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Envelope } from '../../functions/core/envelope.ts';
import { conversationIdFor, messageIdFor, type ConversationKey } from '../../functions/core/ids.ts';
import type { StoredMessage } from '../../functions/core/items.ts';
import { signedTwilioRequest } from './twilio.ts';

/** Builders for the core shapes, with overrides: a test states only what it is about. */

export const publicBaseUrl = 'https://hooks.example.com';
export const endpointId = 'ep_0123456789abcdefghijklmnopq';
export const endpointUrl = `${publicBaseUrl}/webhooks/twilio/${endpointId}`;
export const authToken = 'twilio-auth-token-current';

export const anEndpoint = (overrides: Partial<Endpoint> = {}): Endpoint => ({
  endpointId,
  provider: 'twilio',
  tenantId: 'acme',
  secrets: [authToken],
  createdAt: '2026-11-01T00:00:00.000Z',
  ...overrides,
});

export const aConversationKey = (overrides: Partial<ConversationKey> = {}): ConversationKey => ({
  tenantId: 'acme',
  channel: 'sms',
  businessAddress: '+15005550006',
  customerAddress: '+14155550100',
  ...overrides,
});

/** A stored Twilio message in `key`'s conversation; its id follows its provider message id. */
export const aStoredMessage = (overrides: Partial<StoredMessage> = {}, key: ConversationKey = aConversationKey()): StoredMessage => ({
  id: messageIdFor({ tenantId: key.tenantId, namespace: 'twilio' }, overrides.providerMessageId ?? 'SM0123456789abcdef0123456789abcdef'),
  conversationId: conversationIdFor(key),
  tenantId: key.tenantId,
  provider: 'twilio',
  providerMessageId: 'SM0123456789abcdef0123456789abcdef',
  channel: 'sms',
  direction: 'inbound',
  from: key.customerAddress,
  to: key.businessAddress,
  text: 'hello',
  media: [],
  contentType: 'text',
  receivedAt: '2026-11-22T12:00:00.000Z',
  storedAt: '2026-11-22T12:00:01.000Z',
  source: { requestId: 'req_test', endpointId },
  ...overrides,
});

/** The envelope the ack function would queue for these Twilio form fields, signed for `endpointUrl`. */
/** An envelope that carries its body inline, as every small webhook's does. */
export type InlineEnvelope = Extract<Envelope, { body: string }>;

export const aTwilioEnvelope = (fields: Record<string, string>, overrides: Partial<InlineEnvelope> = {}): InlineEnvelope => {
  const request = signedTwilioRequest(endpointUrl, authToken, fields);
  return {
    version: 1,
    requestId: 'req_test',
    provider: 'twilio',
    endpointId,
    tenantId: 'acme',
    receivedAt: '2026-11-22T12:00:00.000Z',
    url: endpointUrl,
    headers: {
      'content-type': request.headers['content-type'] ?? '',
      'x-twilio-signature': request.headers['x-twilio-signature'] ?? '',
    },
    body: Buffer.from(request.body).toString('base64'),
    ...overrides,
  };
};
