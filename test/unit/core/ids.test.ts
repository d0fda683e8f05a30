import { describe, expect, it } from 'vitest';
import { conversationIdFor, eventIdFor, messageIdFor, newEndpointId, type ConversationKey, type IdScope } from '../../../functions/core/ids.ts';
import { aConversationKey } from '../../helpers/factories.ts';

describe('conversationIdFor', () => {
  it('gives the same id for the same key', () => {
    // Prepare
    const key = aConversationKey();

    // Act
    const first = conversationIdFor(key);
    const second = conversationIdFor({ ...key });

    // Assess
    expect(second).toBe(first);
    expect(first).toMatch(/^conv_[A-Za-z0-9_-]{26}$/);
  });

  it.each<[keyof ConversationKey, string]>([
    ['tenantId', 'globex'],
    ['channel', 'whatsapp'],
    ['businessAddress', '+15005550007'],
    ['customerAddress', '+14155550101'],
  ])('gives another id when %s changes', (part, value) => {
    const key = aConversationKey();

    expect(conversationIdFor({ ...key, [part]: value })).not.toBe(conversationIdFor(key));
  });

  it('does not collide when a boundary between parts moves', () => {
    const key = aConversationKey({ businessAddress: '+1500555', customerAddress: '0006' });
    const moved = aConversationKey({ businessAddress: '+15005550', customerAddress: '006' });
    const movedTenant = aConversationKey({ tenantId: 'acmes', channel: 'ms' });
    const tenant = aConversationKey({ tenantId: 'acme', channel: 'sms' });

    expect(conversationIdFor(moved)).not.toBe(conversationIdFor(key));
    expect(conversationIdFor(movedTenant)).not.toBe(conversationIdFor(tenant));
  });

  it('does not collide when a part holds what a separator would be', () => {
    const separator = '\u001f';
    const left = aConversationKey({ businessAddress: `+15005550006${separator}+1`, customerAddress: '4155550100' });
    const right = aConversationKey({ businessAddress: '+15005550006', customerAddress: `+1${separator}4155550100` });

    expect(conversationIdFor(left)).not.toBe(conversationIdFor(right));
  });
});

describe.each([
  ['messageIdFor', messageIdFor, /^msg_[A-Za-z0-9_-]{26}$/],
  ['eventIdFor', eventIdFor, /^evt_[A-Za-z0-9_-]{26}$/],
] as const)('%s', (_name, idFor, shape) => {
  const scope: IdScope = { tenantId: 'acme', namespace: 'twilio' };
  const providerId = 'SM0123456789abcdef0123456789abcdef';

  it('gives the same id for the same tenant, namespace and provider id', () => {
    const id = idFor(scope, providerId);

    expect(idFor({ ...scope }, providerId)).toBe(id);
    expect(id).toMatch(shape);
  });

  it.each<[string, IdScope, string]>([
    ['the provider id', scope, 'SM0123456789abcdef0123456789abcdee'],
    ['the namespace', { ...scope, namespace: 'vonage' }, providerId],
    ['the tenant', { ...scope, tenantId: 'globex' }, providerId],
    ['a boundary between namespace and id', { ...scope, namespace: 'twil' }, `io${providerId}`],
    ['a boundary between tenant and namespace', { tenantId: 'acmetw', namespace: 'ilio' }, providerId],
  ])('gives another id when %s changes: one tenant never lands on another tenant’s item', (_what, otherScope, otherId) => {
    expect(idFor(otherScope, otherId)).not.toBe(idFor(scope, providerId));
  });
});
describe('newEndpointId', () => {
  it('is ep_ and at least 26 base64url characters, new every call', () => {
    const ids = Array.from({ length: 200 }, () => newEndpointId());

    for (const id of ids) expect(id).toMatch(/^ep_[A-Za-z0-9_-]{26,}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
