import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Envelope } from '../../functions/core/envelope.ts';
import { createHash } from 'node:crypto';
import { conversationIdFor, messageIdFor, type ConversationKey } from '../../functions/core/ids.ts';
import { statusRank, type StoredMessage } from '../../functions/core/items.ts';
import { defaultValiditySeconds, type OutboundMessage } from '../../functions/core/sending-items.ts';
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

/** A message id of the accept's form (`msg_` and 26 characters), fixed by tenant and key so a test can name it again. */
export const outboundIdFor = (tenantId: string, idempotencyKey: string): string =>
  `msg_${createHash('sha256').update(`${tenantId}/${idempotencyKey}`).digest('base64url').slice(0, 26)}`;

/** A reply accepted at `storedAt`, queued and due, in `key`'s conversation, with an id its Idempotency-Key fixes. */
export const anOutboundMessage = (overrides: Partial<OutboundMessage> = {}, key: ConversationKey = aConversationKey(), idempotencyKey = 'key-1'): OutboundMessage => {
  const at = overrides.storedAt ?? '2026-11-22T12:00:00.000Z';
  return {
    id: outboundIdFor(key.tenantId, idempotencyKey),
    conversationId: conversationIdFor(key),
    tenantId: key.tenantId,
    provider: 'twilio',
    channel: 'sms',
    direction: 'outbound',
    from: key.businessAddress,
    to: key.customerAddress,
    text: 'Your order shipped',
    media: [],
    contentType: 'text',
    receivedAt: at,
    storedAt: at,
    source: { requestId: 'req_send', endpointId },
    status: 'queued',
    statusRank: statusRank.queued,
    statusAt: at,
    sendState: 'ready',
    attempts: 0,
    notBefore: at,
    validUntil: new Date(Date.parse(at) + defaultValiditySeconds * 1000).toISOString(),
    ...overrides,
  };
};
