import { describe, expect, it } from 'vitest';
import { conversationIdFor, messageIdFor, newEndpointId, type ConversationKey } from '../../../functions/core/ids.ts';
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

describe('messageIdFor', () => {
  it('gives the same id for the same provider and provider id, and another for either part changed', () => {
    const id = messageIdFor('twilio', 'SM0123456789abcdef0123456789abcdef');

    expect(messageIdFor('twilio', 'SM0123456789abcdef0123456789abcdef')).toBe(id);
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{26}$/);
    expect(messageIdFor('twilio', 'SM0123456789abcdef0123456789abcdee')).not.toBe(id);
    expect(messageIdFor('vonage', 'SM0123456789abcdef0123456789abcdef')).not.toBe(id);
    expect(messageIdFor('twil', 'ioSM0123456789abcdef0123456789abcdef')).not.toBe(id);
  });
});

describe('newEndpointId', () => {
  it('is ep_ and at least 26 base64url characters, new every call', () => {
    const ids = Array.from({ length: 200 }, () => newEndpointId());

    for (const id of ids) expect(id).toMatch(/^ep_[A-Za-z0-9_-]{26,}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
