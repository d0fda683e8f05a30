import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { sendgrid } from '../../../../functions/providers/sendgrid/index.ts';
import { multipleEvents, singleEvent } from './vectors.ts';

const url = 'https://hooks.example.com/webhooks/sendgrid/ep_0123456789abcdefghijklmnopq';

const normalizeBatch = (body: string) => sendgrid.normalize({ url, headers: { 'content-type': 'application/json;charset=utf-8' }, body: Buffer.from(body) });

const anEvent = (overrides: Record<string, unknown>) => ({
  email: 'Ana.Ruiz@example.net',
  timestamp: 1795186790,
  sg_event_id: 'ZGVsaXZlcmVkLTAtMjc1NDYyMzE',
  sg_message_id: 'Fut1XCSgQFuJOGZNaeOjOQ.recvd-7b6f5c9f4-x2lqz-1-691F2A10-3.0',
  ...overrides,
});

const normalizeOne = (overrides: Record<string, unknown>) => normalizeBatch(JSON.stringify([anEvent(overrides)]))[0];

describe('sendgrid.normalize: Event Webhook', () => {
  it("turns the official multi-event batch into a status per event, in order (sendgrid-nodejs eventwebhook.spec.js)", () => {
    // Act
    const events = normalizeBatch(multipleEvents.payload);

    // Assess
    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'email',
        eventId: 'cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA#processed',
        businessAddress: 'sendgrid',
        customerAddress: 'invalid@gmail.com',
        providerMessageIds: ['qNwBLgPQQjW6DJvKQwSAbw'],
        status: 'queued',
        providerStatus: 'processed',
        providerTimestamp: '2021-04-28T23:05:46.000Z',
      },
      {
        kind: 'status',
        channel: 'email',
        eventId: 'Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w#bounce',
        businessAddress: 'sendgrid',
        customerAddress: 'invalid@gmail.com',
        providerMessageIds: ['qNwBLgPQQjW6DJvKQwSAbw'],
        status: 'failed',
        providerStatus: 'bounce:blocked',
        error: {
          code: '5.2.2',
          message:
            '552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp',
        },
        providerTimestamp: '2021-04-28T23:05:47.000Z',
      },
    ]);
  });

  it('turns the official single dropped event into a failure with its reason', () => {
    const [event] = normalizeBatch(singleEvent.payload);

    expect(event).toMatchObject({ kind: 'status', status: 'failed', providerStatus: 'dropped', error: { code: 'dropped', message: 'Bounced Address' } });
  });

  it.each([
    [{ event: 'delivered', response: '250 OK' }, 'delivered', undefined],
    [{ event: 'open', useragent: 'Mozilla/5.0' }, 'read', undefined],
    [{ event: 'deferred', response: '400 try again later', attempt: '5' }, 'queued', { code: 'deferred', message: '400 try again later' }],
    [{ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 no such user' }, 'failed', { code: '5.1.1', message: '550 5.1.1 no such user' }],
  ])('maps %j to %s', (fields, status, error) => {
    const event = normalizeOne(fields);

    expect(event).toMatchObject({ kind: 'status', status, customerAddress: 'ana.ruiz@example.net', providerMessageIds: ['Fut1XCSgQFuJOGZNaeOjOQ'] });
    expect(event && 'error' in event ? event.error : undefined).toEqual(error);
  });

  it.each(['click', 'spamreport', 'unsubscribe', 'group_unsubscribe', 'group_resubscribe', 'some_future_event'])(
    'records %s as a notice carrying the whole event',
    (name) => {
      const event = normalizeOne({ event: name, url: 'https://shop.example.com/orders/1042', asm_group_id: 7 });

      expect(event).toEqual({
        kind: 'notice',
        eventId: `ZGVsaXZlcmVkLTAtMjc1NDYyMzE#${name}`,
        name,
        channel: 'email',
        businessAddress: 'sendgrid',
        providerTimestamp: '2026-11-20T14:59:50.000Z',
        details: anEvent({ event: name, url: 'https://shop.example.com/orders/1042', asm_group_id: 7 }),
      });
    },
  );

  it('gives two events that share an sg_event_id (as the official sample does) two ids', () => {
    const body = JSON.stringify([anEvent({ event: 'delivered', sg_event_id: 'sg_event_id' }), anEvent({ event: 'open', sg_event_id: 'sg_event_id' })]);

    const ids = normalizeBatch(body).map((event) => ('eventId' in event ? event.eventId : undefined));

    expect(ids).toEqual(['sg_event_id#delivered', 'sg_event_id#open']);
  });

  it('names the sending address when the sender set a `from` custom arg', () => {
    expect(normalizeOne({ event: 'delivered', from: 'Shop <Orders@Shop.example.com>' })).toMatchObject({ businessAddress: 'orders@shop.example.com' });
  });

  it('turns an empty batch into no events', () => {
    expect(normalizeBatch('[]\r\n')).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['a JSON object instead of an array', '{"event":"delivered"}'],
    ['an event without sg_event_id', JSON.stringify([{ event: 'delivered', email: 'a@b.c' }])],
    ['an event without a name', JSON.stringify([{ sg_event_id: 'x', email: 'a@b.c' }])],
  ])('refuses %s as permanent', (_, body) => {
    expect(() => normalizeBatch(body)).toThrow(PermanentError);
  });
});
