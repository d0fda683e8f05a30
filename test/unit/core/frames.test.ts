import { describe, expect, it } from 'vitest';
import { frameFor, maxFrameBytes, serializeFrame, type Frame } from '../../../functions/core/frames.ts';
import { conversationChange, conversationKey, entityKinds, messageItem, quarantineKey } from '../../../functions/core/items.ts';
import { aConversationKey, aStoredMessage } from '../../helpers/factories.ts';

const storageAttributes = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'changedAt'];

const conversationItem = () => {
  const key = aConversationKey();
  const message = aStoredMessage({}, key);
  return {
    ...conversationKey(message.conversationId),
    ...conversationChange(message, key),
    createdAt: message.storedAt,
    messageCount: 1,
  };
};

describe('frameFor', () => {
  it('turns a new message item into message.created with its public fields', () => {
    // Prepare
    const message = aStoredMessage();

    // Act
    const frame = frameFor({ eventName: 'INSERT', newImage: messageItem(message) });

    // Assess
    expect(frame).toEqual({
      type: 'message.created',
      tenantId: 'acme',
      data: message,
    });
    for (const name of storageAttributes) expect(frame?.data).not.toHaveProperty(name);
  });

  it('turns a modified message item into message.updated', () => {
    const frame = frameFor({ eventName: 'MODIFY', newImage: messageItem(aStoredMessage()) });

    expect(frame?.type).toBe('message.updated');
  });

  it.each(['INSERT', 'MODIFY'] as const)('turns a conversation %s into conversation.updated', (eventName) => {
    const item = conversationItem();

    const frame = frameFor({ eventName, newImage: item });

    expect(frame).toMatchObject({ type: 'conversation.updated', tenantId: 'acme' });
    expect(frame?.data).toMatchObject({ id: item.id, lastMessagePreview: 'hello', messageCount: 1 });
    for (const name of storageAttributes) expect(frame?.data).not.toHaveProperty(name);
  });

  it('gives no frame for a removal, a quarantine record or an item without tenant', () => {
    const { tenantId: _, ...withoutTenant } = messageItem(aStoredMessage());
    const quarantine = { ...quarantineKey('record-1'), entity: entityKinds.quarantine, tenantId: 'acme', id: 'record-1', changedAt: 'x' };

    expect(frameFor({ eventName: 'REMOVE', newImage: messageItem(aStoredMessage()) })).toBeUndefined();
    expect(frameFor({ eventName: 'REMOVE' })).toBeUndefined();
    expect(frameFor({ eventName: 'INSERT', newImage: quarantine })).toBeUndefined();
    expect(frameFor({ eventName: 'INSERT', newImage: withoutTenant })).toBeUndefined();
  });
});

describe('serializeFrame', () => {
  const frameOf = (text: string): Frame => ({ ...frameFor({ eventName: 'INSERT', newImage: messageItem(aStoredMessage({ text })) })!, cursor: '42' });

  it('sends a small frame whole', () => {
    const frame = frameOf('hello');

    const payload = serializeFrame(frame);

    expect(JSON.parse(payload)).toEqual(frame);
  });

  it('sends a frame over 32 KB as a reference to its message, under the frame limit', () => {
    // Multi-byte text: 17,000 characters but 34,000 bytes, so the limit must be counted in bytes.
    const frame = frameOf('\u00e9'.repeat(17_000));

    const payload = serializeFrame(frame);

    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(maxFrameBytes);
    expect(JSON.parse(payload)).toEqual({
      type: 'message.created',
      tenantId: 'acme',
      cursor: frame.cursor,
      data: { id: frame.data.id, conversationId: frame.data.conversationId, truncated: true },
    });
  });
});
