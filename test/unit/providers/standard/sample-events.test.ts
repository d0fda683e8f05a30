import { describe, expect, it } from 'vitest';
import { standard } from '../../../../functions/providers/standard/index.ts';
import { anEndpoint } from '../../../helpers/factories.ts';
import { readEventFile, requestOf } from './event-files.ts';

const endpointFor = (secret: string) => anEndpoint({ provider: 'standard', secrets: [secret] });

describe('events/standard', () => {
  it('message-received.json verifies at its time and carries one inbound sms', () => {
    // Prepare
    const sample = readEventFile('standard/message-received.json');
    const request = requestOf(sample);

    // Act
    const verdict = standard.verify(request, endpointFor(sample.secret), new Date(sample.receivedAt ?? ''));
    const events = standard.normalize(request);

    // Assess
    expect(verdict.ok).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'message',
        channel: 'sms',
        direction: 'inbound',
        providerMessageId: 'in_01JDX7ZK4M8Q2V5N3R6T9W0Y1B',
        customerAddress: '+14155550100',
        businessAddress: '+15005550006',
        text: 'Hi! Is my order #1042 on its way? 📦',
      }),
    ]);
  });

  it('message-status.json verifies at its time and carries one delivered status keyed by its webhook-id', () => {
    const sample = readEventFile('standard/message-status.json');
    const request = requestOf(sample);

    const verdict = standard.verify(request, endpointFor(sample.secret), new Date(sample.receivedAt ?? ''));
    const events = standard.normalize(request);

    expect(verdict.ok).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'status',
        channel: 'whatsapp',
        eventId: sample.headers['webhook-id'],
        providerMessageIds: ['out_01JDX7YB2C4E6G8J0K2M4P6R8T'],
        status: 'delivered',
      }),
    ]);
  });

  it('svix-headers.json verifies with its new secret and carries a whatsapp message with a photo', () => {
    const sample = readEventFile('standard/svix-headers.json');
    const request = requestOf(sample);

    const verdict = standard.verify(request, endpointFor(sample.secret), new Date(sample.receivedAt ?? ''));
    const [event] = standard.normalize(request);

    expect(verdict.ok).toBe(true);
    expect(event).toMatchObject({ kind: 'message', channel: 'whatsapp', contentType: 'media', media: [{ contentType: 'image/jpeg' }] });
  });

  it.each(['message-received', 'message-status', 'svix-headers'])('%s.json is refused ten minutes after its time', (name) => {
    const sample = readEventFile(`standard/${name}.json`);
    const tooLate = new Date(new Date(sample.receivedAt ?? '').getTime() + 10 * 60_000);

    expect(standard.verify(requestOf(sample), endpointFor(sample.secret), tooLate).ok).toBe(false);
  });
});

describe('standard.sample', () => {
  it('is a message.received that verifies with its secret at its time and normalizes to its text and numbers', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const secret = 'whsec_6xd7wbdBb8aZUfzrQySCBJLis6ifQYt+';
    const url = 'https://hooks.example.com/webhooks/standard/ep_0123456789abcdefghijklmnopq';

    const { body, headers } = standard.sample({ url, secret, text: 'Where is my parcel?', from: '+14155550123', to: '+15005550999', now });
    const request = { url, headers, body: Buffer.from(body) };

    expect(standard.verify(request, endpointFor(secret), now).ok).toBe(true);
    expect(standard.normalize(request)).toEqual([
      expect.objectContaining({ kind: 'message', from: '+14155550123', to: '+15005550999', text: 'Where is my parcel?', providerTimestamp: now.toISOString() }),
    ]);
  });
});
