import { describe, expect, it } from 'vitest';
import { sms } from '../../../../functions/providers/sms/index.ts';
import { anEndpoint } from '../../../helpers/factories.ts';
import { readEventFile, requestOf } from '../standard/event-files.ts';

const endpointFor = (secret: string) => anEndpoint({ provider: 'sms', secrets: [secret] });

/** Bearer-authenticated samples sign no time: they verify whenever they arrive. */
const timeOf = (receivedAt: string | undefined) => (receivedAt ? new Date(receivedAt) : new Date());

describe('events/sms', () => {
  it.each([
    ['simple-json', '7f0c6a52-93e1-4d0a-a3f5-2c8b1e9d4f60', 'Hi! Is my order #1042 on its way?', '+15005550006'],
    ['form', 'b3e1f7a9-0c2d-4e5f-8a6b-7c9d0e1f2a3b', 'Can I pick it up at 5pm?', '+15005550006'],
    ['android-gateway-received', 'Ey6ECgOkVVFjz3CL48B8C', 'Hi! Is my order #1042 on its way?', '+15005550006'],
    ['standard-signed', '4d2c8e1a-6b3f-4a9d-b0e7-5f1c2a3d4e6b', 'STOP', '+15005550006'],
  ])('%s.json verifies with its own secret and carries one inbound sms', (name, providerMessageId, text, to) => {
    // Prepare
    const sample = readEventFile(`sms/${name}.json`);
    const request = requestOf(sample);

    // Act
    const verdict = sms.verify(request, endpointFor(sample.secret), timeOf(sample.receivedAt));
    const events = sms.normalize(request);

    // Assess
    expect(verdict.ok).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'message', channel: 'sms', direction: 'inbound', providerMessageId, from: '+14155550100', to, text }),
    ]);
  });

  it.each(['simple-json', 'form', 'android-gateway-received', 'standard-signed'])('%s.json is refused with another secret', (name) => {
    const sample = readEventFile(`sms/${name}.json`);

    expect(sms.verify(requestOf(sample), endpointFor('whsec_6xd7wbdBb8aZUfzrQySCBJLis6ifQYt+'), timeOf(sample.receivedAt)).ok).toBe(false);
    expect(sms.verify(requestOf(sample), endpointFor('another-token'), timeOf(sample.receivedAt)).ok).toBe(false);
  });
});

describe('sms.sample', () => {
  const url = 'https://hooks.example.com/webhooks/sms/ep_0123456789abcdefghijklmnopq';
  const now = new Date('2026-11-23T12:00:00Z');

  it('is a bearer-authenticated simple SMS that verifies with its token and normalizes to its text and numbers', () => {
    const { body, headers } = sms.sample({ url, secret: 'token-a', text: 'Where is my parcel?', from: '+14155550123', to: '+15005550999', now });
    const request = { url, headers, body: Buffer.from(body) };

    expect(headers.authorization).toBe('Bearer token-a');
    expect(sms.verify(request, endpointFor('token-a'), now).ok).toBe(true);
    expect(sms.normalize(request)).toEqual([
      expect.objectContaining({ from: '+14155550123', to: '+15005550999', text: 'Where is my parcel?', providerTimestamp: now.toISOString() }),
    ]);
  });

  it('signs with Standard Webhooks when the secret is a whsec_ secret', () => {
    const secret = 'whsec_984WYmS1AbkF5AHhsgGAnanbnyZiEJsE';

    const { body, headers } = sms.sample({ url, secret, text: 'hi', now });

    expect(headers).not.toHaveProperty('authorization');
    expect(sms.verify({ url, headers, body: Buffer.from(body) }, endpointFor(secret), now).ok).toBe(true);
  });

  it('gives every sample its own guid, so two sends are two messages', () => {
    const first = sms.normalize({ url, headers: {}, body: Buffer.from(sms.sample({ url, secret: 't', text: 'hi' }).body) });
    const second = sms.normalize({ url, headers: {}, body: Buffer.from(sms.sample({ url, secret: 't', text: 'hi' }).body) });

    expect(first[0]).toHaveProperty('providerMessageId');
    expect(first[0]).not.toEqual(second[0]);
  });
});
