import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { standard } from '../../../../functions/providers/standard/index.ts';

const webhookId = 'msg_2pQk8f3TnV9hYbXcLpRzJ4mD1sA';

const normalizeJson = (payload: unknown, headers: Record<string, string> = { 'webhook-id': webhookId, 'webhook-signature': 'v1,x' }) =>
  standard.normalize({
    url: 'https://hooks.example.com/webhooks/standard/ep_0123456789abcdefghijklmnopq',
    headers,
    body: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  });

const inbound = {
  id: 'in_01JDX7ZK4M8Q2V5N3R6T9W0Y1B',
  channel: 'sms',
  from: '+14155550100',
  to: '+15005550006',
  text: 'Is my order ready?',
  timestamp: '2026-11-23T13:59:58.412+02:00',
};

describe('standard.normalize', () => {
  it('turns message.received into an inbound message from the customer to the business', () => {
    // Prepare
    const payload = { type: 'message.received', data: inbound };

    // Act
    const events = normalizeJson(payload);

    // Assess
    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'sms',
        direction: 'inbound',
        providerMessageId: 'in_01JDX7ZK4M8Q2V5N3R6T9W0Y1B',
        businessAddress: '+15005550006',
        customerAddress: '+14155550100',
        from: '+14155550100',
        to: '+15005550006',
        text: 'Is my order ready?',
        media: [],
        contentType: 'text',
        providerTimestamp: '2026-11-23T11:59:58.412Z',
      },
    ]);
  });

  it('keys a message without its own id by the webhook-id', () => {
    const { id: _, ...withoutId } = inbound;

    const [event] = normalizeJson({ type: 'message.received', data: withoutId });

    expect(event).toMatchObject({ kind: 'message', providerMessageId: webhookId });
  });

  it('reads the webhook-id from svix-id when the request came with svix- headers', () => {
    const { id: _, ...withoutId } = inbound;

    const [event] = normalizeJson({ type: 'message.received', data: withoutId }, { 'svix-id': 'msg_fromSvix', 'svix-signature': 'v1,x' });

    expect(event).toMatchObject({ providerMessageId: 'msg_fromSvix' });
  });

  it('keeps media, the message replied to, and the top-level time when data has none', () => {
    const { timestamp: _, ...untimed } = inbound;
    const payload = {
      type: 'message.received',
      timestamp: '2026-11-23T11:00:00Z',
      data: { ...untimed, channel: 'whatsapp', text: '', replyTo: 'out_1', media: [{ url: 'https://media.example.com/a.jpg', contentType: 'image/jpeg', filename: 'a.jpg' }] },
    };

    const [event] = normalizeJson(payload);

    expect(event).toMatchObject({
      channel: 'whatsapp',
      text: '',
      contentType: 'media',
      replyTo: 'out_1',
      media: [{ url: 'https://media.example.com/a.jpg', contentType: 'image/jpeg', filename: 'a.jpg' }],
      providerTimestamp: '2026-11-23T11:00:00.000Z',
    });
  });

  it('turns message.sent into an outbound message from the business to the customer', () => {
    const payload = { type: 'message.sent', data: { ...inbound, id: 'out_1', from: '+15005550006', to: '+14155550100' } };

    const [event] = normalizeJson(payload);

    expect(event).toMatchObject({
      kind: 'message',
      direction: 'outbound',
      providerMessageId: 'out_1',
      businessAddress: '+15005550006',
      customerAddress: '+14155550100',
    });
  });

  it('turns message.status into a status keyed by the webhook-id', () => {
    const payload = {
      type: 'message.status',
      data: { messageId: 'out_1', status: 'failed', channel: 'sms', from: '+15005550006', to: '+14155550100', error: { code: '30003', message: 'Unreachable handset' } },
    };

    const events = normalizeJson(payload);

    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'sms',
        businessAddress: '+15005550006',
        customerAddress: '+14155550100',
        eventId: webhookId,
        providerMessageIds: ['out_1'],
        status: 'failed',
        providerStatus: 'failed',
        error: { code: '30003', message: 'Unreachable handset' },
      },
    ]);
  });

  it('turns message.reaction into an inbound reaction, and one without an emoji into a removal', () => {
    const reaction = { messageId: 'out_1', channel: 'whatsapp', from: '+14155550100', to: '+15005550006' };

    const [added] = normalizeJson({ type: 'message.reaction', data: { ...reaction, emoji: '👍' } });
    const [removed] = normalizeJson({ type: 'message.reaction', data: reaction });

    expect(added).toEqual({
      kind: 'reaction',
      channel: 'whatsapp',
      businessAddress: '+15005550006',
      customerAddress: '+14155550100',
      eventId: webhookId,
      providerMessageId: 'out_1',
      direction: 'inbound',
      emoji: '👍',
    });
    expect(removed).not.toHaveProperty('emoji');
  });

  it('records an event type it does not know as a notice with its data', () => {
    const events = normalizeJson({ type: 'contact.created', timestamp: '2022-11-03T20:26:10.344522Z', data: { id: '1f81eb52' } });

    expect(events).toEqual([
      { kind: 'notice', eventId: webhookId, name: 'contact.created', providerTimestamp: '2022-11-03T20:26:10.344Z', details: { id: '1f81eb52' } },
    ]);
  });

  it.each([
    ['a body that is not JSON', 'type=message.received'],
    ['a JSON array', '[{"type":"message.received"}]'],
    ['an event without a type', { data: inbound }],
    ['a message without a sender', { type: 'message.received', data: { ...inbound, from: '' } }],
    ['a message on an unknown channel', { type: 'message.received', data: { ...inbound, channel: 'carrier-pigeon' } }],
    ['a message whose media URL is not http(s)', { type: 'message.received', data: { ...inbound, media: [{ url: 'javascript:alert(1)' }] } }],
    ['a message with a time without a zone', { type: 'message.received', data: { ...inbound, timestamp: '2026-11-23 11:59:58' } }],
    ['a status outside the delivery states', { type: 'message.status', data: { messageId: 'out_1', status: 'bounced', channel: 'sms', from: 'a', to: 'b' } }],
    ['a reaction without the message it is about', { type: 'message.reaction', data: { channel: 'sms', from: 'a', to: 'b', emoji: '👍' } }],
  ])('quarantines %s', (_, payload) => {
    expect(() => normalizeJson(payload)).toThrow(PermanentError);
  });

  it('quarantines a request without a webhook-id', () => {
    expect(() => normalizeJson({ type: 'message.received', data: inbound }, {})).toThrow(PermanentError);
  });
});
