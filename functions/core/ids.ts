import { createHash, randomBytes } from 'node:crypto';

/**
 * Identifiers derived from content, so that find-or-create is a conditional write and a
 * retried delivery lands on the same key, never a read-then-write.
 */

const digest = (...parts: string[]): string =>
  // Each part is prefixed with its length, so no choice of parts can move a boundary between
  // them: ("ab","c") and ("a","bc") hash different strings whatever characters they hold.
  createHash('sha256').update(parts.map((part) => `${part.length}:${part}`).join('')).digest('base64url').slice(0, 26);

export interface ConversationKey {
  readonly tenantId: string;
  readonly channel: string;
  readonly businessAddress: string;
  readonly customerAddress: string;
}

export const conversationIdFor = (key: ConversationKey): string =>
  `conv_${digest(key.tenantId, key.channel, key.businessAddress, key.customerAddress)}`;

/**
 * One message per (provider, provider message id), whatever endpoint or tenant it came
 * through; `namespace` is `<provider>/<endpointId>` for a provider whose ids are unique only
 * per sender.
 */
export const messageIdFor = (namespace: string, providerMessageId: string): string =>
  `msg_${digest(namespace, providerMessageId)}`;

/** One record per (provider, provider event id): a receipt, reaction or notice seen twice is kept once. */
export const eventIdFor = (namespace: string, providerEventId: string): string => `evt_${digest(namespace, providerEventId)}`;

/** 160 random bits: an endpoint id is part of a webhook URL and must not be guessable. */
export const newEndpointId = (): string => `ep_${randomBytes(20).toString('base64url')}`;

export const newRequestId = (): string => `req_${randomBytes(12).toString('base64url')}`;
