import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { sms } from '../../../../functions/providers/sms/index.ts';
import { standardWebhookHeaders } from '../../../../functions/providers/standard/signature.ts';

/** Statuses of the messages Switchboard sent through a gateway, as they come back, and the id they name us by. */

const url = 'https://hooks.example.com/webhooks/sms/ep_0123456789abcdefghijklmnopq';
const ourId = 'msg_01JDZ8Q7W3X5Y2V9N4M6K8P0RS';
const secret = `whsec_${Buffer.from('gateway-status-key-0123456789abc').toString('base64')}`;

const normalize = (payload: unknown, headers: Record<string, string> = {}) =>
  sms.normalize({ url, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(payload)) });

describe('SMS Gateway for Android statuses', () => {
  it('name our message back by the id we sent it with', () => {
    const [receipt] = normalize({ deviceId: 'yVULogr4Y1ksRfnos1Dsw', event: 'sms:delivered', id: 'evt1', payload: { messageId: ourId, phoneNumber: '+14155550100', deliveredAt: '2026-11-23T10:00:00Z' } });

    expect(receipt).toMatchObject({ kind: 'status', status: 'delivered', correlationId: ourId, providerMessageIds: [ourId] });
  });
});

describe("a generic gateway's message.status", () => {
  const status = (data: Record<string, unknown>) => ({ type: 'message.status', timestamp: '2026-11-23T10:00:01Z', data });

  it('is a status keyed by its webhook-id, naming our message', () => {
    // Prepare
    const payload = status({ messageId: ourId, status: 'delivered', channel: 'sms', from: '+15005550006', to: '+14155550100' });

    // Act
    const events = normalize(payload, standardWebhookHeaders(secret, 'wh_1', new Date(), JSON.stringify(payload)));

    // Assess
    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'sms',
        businessAddress: '+15005550006',
        customerAddress: '+14155550100',
        eventId: 'wh_1',
        providerMessageIds: [ourId],
        correlationId: ourId,
        status: 'delivered',
        providerStatus: 'delivered',
        providerTimestamp: '2026-11-23T10:00:01.000Z',
      },
    ]);
  });

  it('carries a failure, and takes a bearer-authenticated post that names its webhook-id', () => {
    const payload = status({ messageId: 'gw_42', status: 'failed', channel: 'sms', from: '+15005550006', to: '+14155550100', error: { code: 'NO_SERVICE', message: 'no signal' } });

    const [receipt] = normalize(payload, { authorization: 'Bearer shared-secret-0123456789', 'webhook-id': 'wh_2' });

    expect(receipt).toMatchObject({ eventId: 'wh_2', status: 'failed', error: { code: 'NO_SERVICE', message: 'no signal' }, providerMessageIds: ['gw_42'] });
  });

  it.each([
    ['without a webhook-id', status({ messageId: ourId, status: 'sent', channel: 'sms', from: '+1', to: '+2' }), {}],
    ['with an unknown status', status({ messageId: ourId, status: 'teleported', channel: 'sms', from: '+1', to: '+2' }), { 'webhook-id': 'wh_3' }],
    ['without the parties', status({ messageId: ourId, status: 'sent', channel: 'sms' }), { 'webhook-id': 'wh_4' }],
  ])('quarantines one %s', (_case, payload, headers) => {
    expect(() => normalize(payload, headers)).toThrow(PermanentError);
  });
});
