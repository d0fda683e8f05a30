import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { sms } from '../../../../functions/providers/sms/index.ts';

const url = 'https://hooks.example.com/webhooks/sms/ep_0123456789abcdefghijklmnopq';

const normalizeJson = (payload: unknown) =>
  sms.normalize({ url, headers: { 'content-type': 'application/json' }, body: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)) });

const normalizeForm = (fields: Record<string, string>) =>
  sms.normalize({ url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: Buffer.from(new URLSearchParams(fields).toString()) });

const deviceId = 'ffffffffceb0b1db0000018e937c815b';
const androidEvent = (event: string, payload: unknown, id = 'Ey6ECgOkVVFjz3CL48B8C') => ({ deviceId, event, id, payload, webhookId: 'wh_1' });

describe('sms.normalize of the simple gateway shape', () => {
  it('turns {guid, number, message, time_received, to} into an inbound sms keyed by the guid', () => {
    // Prepare
    const payload = { guid: '7f0c6a52-93e1-4d0a-a3f5-2c8b1e9d4f60', number: '+14155550100', message: 'Is my order ready?', time_received: '2026-11-23T11:59:58Z', to: '+15005550006' };

    // Act
    const events = normalizeJson(payload);

    // Assess
    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'sms',
        direction: 'inbound',
        providerMessageId: '7f0c6a52-93e1-4d0a-a3f5-2c8b1e9d4f60',
        businessAddress: '+15005550006',
        customerAddress: '+14155550100',
        from: '+14155550100',
        to: '+15005550006',
        text: 'Is my order ready?',
        media: [],
        contentType: 'text',
        providerTimestamp: '2026-11-23T11:59:58.000Z',
      },
    ]);
  });

  it("names the business 'gateway' when the gateway does not say its own number", () => {
    const [event] = normalizeJson({ guid: 'g1', number: '+14155550100', message: 'hi' });

    expect(event).toMatchObject({ to: 'gateway', businessAddress: 'gateway' });
  });

  it('reads the same fields from a form', () => {
    const [event] = normalizeForm({ guid: 'g1', number: '+14155550100', message: 'Can I pick it up at 5pm?', time_received: '1795435198', to: '+15005550006' });

    expect(event).toMatchObject({
      providerMessageId: 'g1',
      from: '+14155550100',
      to: '+15005550006',
      text: 'Can I pick it up at 5pm?',
      providerTimestamp: '2026-11-23T11:59:58.000Z',
    });
  });

  it.each([
    [1795435198, '2026-11-23T11:59:58.000Z'],
    [1795435198123, '2026-11-23T11:59:58.123Z'],
    ['2026-11-23T19:59:58+08:00', '2026-11-23T11:59:58.000Z'],
  ])('reads time_received %j as %s', (timeReceived, iso) => {
    const [event] = normalizeJson({ guid: 'g1', number: '+1', message: 'hi', time_received: timeReceived });

    expect(event).toMatchObject({ providerTimestamp: iso });
  });

  it.each(['2025-01-20 10:14:50', 'yesterday'])('leaves out the time_received %j, whose zone it cannot know', (timeReceived) => {
    const [event] = normalizeJson({ guid: 'g1', number: '+1', message: 'hi', time_received: timeReceived });

    expect(event).not.toHaveProperty('providerTimestamp');
  });

  it.each([
    ['a body that is neither JSON nor a form', 'not json'],
    ['a JSON array', '[{"guid":"g1"}]'],
    ['JSON null', 'null'],
    ['a message without a guid', { number: '+1', message: 'hi' }],
    ['a message without a number', { guid: 'g1', message: 'hi' }],
    ['a message without text', { guid: 'g1', number: '+1' }],
  ])('quarantines %s', (_, payload) => {
    expect(() => normalizeJson(payload)).toThrow(PermanentError);
  });
});

describe('sms.normalize of SMS Gateway for Android events', () => {
  it("turns the docs' sms:received example into an inbound sms keyed by the event id, not the messageId", () => {
    // android-sms-gateway/docs-web docs/features/webhooks.md, "Receive the Payload"
    const payload = androidEvent('sms:received', {
      messageId: 'abc123',
      message: 'Android is always a sweet treat!',
      phoneNumber: '6505551212',
      simNumber: 1,
      receivedAt: '2024-06-22T15:46:11.000+07:00',
    });

    const events = normalizeJson(payload);

    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'sms',
        direction: 'inbound',
        providerMessageId: 'Ey6ECgOkVVFjz3CL48B8C',
        businessAddress: deviceId,
        customerAddress: '6505551212',
        from: '6505551212',
        to: deviceId,
        text: 'Android is always a sweet treat!',
        media: [],
        contentType: 'text',
        providerTimestamp: '2024-06-22T08:46:11.000Z',
      },
    ]);
  });

  it('prefers the sender and recipient fields of newer app versions', () => {
    // The fixture of android-sms-gateway/client-ts src/webhooks.test.ts
    const payload = androidEvent('sms:received', {
      messageId: 'msg-sms-1',
      phoneNumber: '+10000000001',
      sender: '+10000000002',
      recipient: '+10000000003',
      simNumber: 1,
      message: 'Hello from the gateway',
      receivedAt: '2026-08-18T10:00:00.000Z',
    });

    const [event] = normalizeJson(payload);

    expect(event).toMatchObject({ from: '+10000000002', customerAddress: '+10000000002', to: '+10000000003', businessAddress: '+10000000003' });
  });

  it('falls back to the device when the recipient is null', () => {
    const [event] = normalizeJson(androidEvent('sms:received', { messageId: 'm', message: 'hi', sender: '+1', recipient: null }));

    expect(event).toMatchObject({ to: deviceId });
  });

  it('turns sms:batch:received into one message per SMS, in order, keyed by the event id and position', () => {
    const sms1 = { messageId: 'same', phoneNumber: '+1', sender: '+1', message: 'first', receivedAt: '2026-08-18T10:00:00.000Z' };
    const sms2 = { ...sms1, message: 'second' };

    const events = normalizeJson(androidEvent('sms:batch:received', { messages: [sms1, sms2] }, 'batch1'));

    expect(events.map((event) => (event.kind === 'message' ? [event.providerMessageId, event.text] : event.kind))).toEqual([
      ['batch1/0', 'first'],
      ['batch1/1', 'second'],
    ]);
  });

  it.each([
    ['sms:sent', { messageId: 'out1', phoneNumber: '+14155550100', simNumber: null, sentAt: '2024-06-22T15:46:11.000+07:00' }, 'sent'],
    ['sms:delivered', { messageId: 'out1', phoneNumber: '+14155550100', deliveredAt: '2024-06-22T15:46:11.000+07:00' }, 'delivered'],
    ['sms:failed', { messageId: 'out1', phoneNumber: '+14155550100', failedAt: '2024-06-22T15:46:11.000+07:00', reason: 'RESULT_ERROR_GENERIC_FAILURE' }, 'failed'],
    ['sms:cancelled', { messageId: 'out1', phoneNumber: '+14155550100', cancelledAt: '2024-06-22T15:46:11.000+07:00' }, 'failed'],
  ])('turns %s into a %s status keyed by the event id', (event, payload, status) => {
    const [receipt] = normalizeJson(androidEvent(event, payload, 'evt1'));

    expect(receipt).toMatchObject({
      kind: 'status',
      channel: 'sms',
      eventId: 'evt1',
      providerMessageIds: ['out1'],
      status,
      providerStatus: event,
      businessAddress: deviceId,
      customerAddress: '+14155550100',
      providerTimestamp: '2024-06-22T08:46:11.000Z',
    });
  });

  it('carries the failure reason as the error', () => {
    const [receipt] = normalizeJson(androidEvent('sms:failed', { messageId: 'out1', phoneNumber: '+1', reason: 'RESULT_ERROR_NO_SERVICE' }));

    expect(receipt).toMatchObject({ error: { code: 'RESULT_ERROR_NO_SERVICE' } });
  });

  it('records system:ping as a notice of the device', () => {
    const events = normalizeJson(androidEvent('system:ping', { health: { status: 'pass' } }, 'ping1'));

    expect(events).toEqual([{ kind: 'notice', eventId: 'ping1', name: 'system:ping', channel: 'sms', businessAddress: deviceId, details: { health: { status: 'pass' } } }]);
  });

  it.each(['mms:received', 'sms:data-received', 'app:started', 'sms:something-new'])('records %s as a notice', (event) => {
    const [notice] = normalizeJson(androidEvent(event, { messageId: 'm' }, 'evt1'));

    expect(notice).toMatchObject({ kind: 'notice', eventId: 'evt1', name: event });
  });

  it.each([
    ['an event without an id', { deviceId, event: 'sms:received', payload: { message: 'hi', phoneNumber: '+1' } }],
    ['an event without a device', { event: 'sms:received', id: 'e1', payload: { message: 'hi', phoneNumber: '+1' } }],
    ['sms:received without a sender', androidEvent('sms:received', { message: 'hi', phoneNumber: null })],
    ['sms:received without a message', androidEvent('sms:received', { phoneNumber: '+1' })],
    ['sms:batch:received without messages', androidEvent('sms:batch:received', { message: 'hi' })],
    ['a status without a messageId', androidEvent('sms:delivered', { phoneNumber: '+1' })],
    ['a status without a recipient', androidEvent('sms:delivered', { messageId: 'out1' })],
  ])('quarantines %s', (_, payload) => {
    expect(() => normalizeJson(payload)).toThrow(PermanentError);
  });
});
