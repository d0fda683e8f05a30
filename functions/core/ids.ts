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
 * Where a provider's id is unique, and whose it is. The tenant is always part of it: a tenant
 * that sends another tenant's provider ids through its own endpoint lands on keys of its own,
 * never on the other's items. `namespace` is the provider's name, or `<provider>/<endpointId>`
 * for a provider whose ids are unique only per sender.
 */
export interface IdScope {
  readonly tenantId: string;
  readonly namespace: string;
}

/** One message per (tenant, provider namespace, provider message id). */
export const messageIdFor = (scope: IdScope, providerMessageId: string): string => `msg_${digest(scope.tenantId, scope.namespace, providerMessageId)}`;

/** One record per (tenant, provider namespace, provider event id): a receipt, reaction or notice seen twice is kept once. */
export const eventIdFor = (scope: IdScope, providerEventId: string): string => `evt_${digest(scope.tenantId, scope.namespace, providerEventId)}`;

/**
 * A message an agent sends: random, because its Idempotency-Key dedupes it only for 24 hours,
 * after which the same key makes a new message. 26 characters, like the ids derived above.
 */
export const newOutboundMessageId = (): string => `msg_${randomBytes(20).toString('base64url').slice(0, 26)}`;

/** 160 random bits: an endpoint id is part of a webhook URL and must not be guessable. */
export const newEndpointId = (): string => `ep_${randomBytes(20).toString('base64url')}`;

export const newRequestId = (): string => `req_${randomBytes(12).toString('base64url')}`;
