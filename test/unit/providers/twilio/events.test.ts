import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { twilio } from '../../../../functions/providers/twilio/index.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint } from '../../../helpers/factories.ts';

/** The samples in events/twilio are what users send to a local stack: each must verify and say what it claims. */

interface SampleEvent {
  readonly url: string;
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const folder = new URL('../../../../events/twilio/', import.meta.url);
const load = (file: string): SampleEvent => JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as SampleEvent;

/** The request as the ack path hands it over: header names lower-cased, the body as bytes. */
const requestOf = ({ url, headers, body }: SampleEvent): WebhookRequest => ({
  url,
  headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  body: Buffer.from(body),
});

const expectedEvents: Record<string, unknown[]> = {
  'inbound-sms.json': [{ kind: 'message', channel: 'sms', text: 'Hi! Is my order #1042 on its way? 📦', from: '+14155550100', to: '+15005550006' }],
  'inbound-mms.json': [
    {
      kind: 'message',
      channel: 'mms',
      providerMessageId: 'MMa7c3e9f1b2d4c6e8f0a1b3c5d7e9f1a2',
      text: 'The box arrived crushed, see photos',
      media: [
        { contentType: 'image/jpeg', url: expect.stringMatching(/\/Media\/ME1b2c3d4e5f60718293a4b5c6d7e8f9a0$/) },
        { contentType: 'image/png', url: expect.stringMatching(/\/Media\/ME2c3d4e5f60718293a4b5c6d7e8f9a0b1$/) },
      ],
    },
  ],
  'whatsapp-inbound.json': [
    {
      kind: 'message',
      channel: 'whatsapp',
      from: '+5511987654321',
      to: '+14155238886',
      text: 'Olá! Do you ship to Brazil? 🇧🇷',
      details: { profileName: 'Ana Souza', waId: '5511987654321' },
    },
  ],
  'status-delivered.json': [
    {
      kind: 'status',
      eventId: 'SM5f0b7c9a1e2d3c4b5a69788796a5b4c3#delivered',
      status: 'delivered',
      channel: 'sms',
      businessAddress: '+15005550006',
      customerAddress: '+14155550100',
    },
  ],
  'status-failed.json': [
    {
      kind: 'status',
      eventId: 'SM8e7d6c5b4a39281706f5e4d3c2b1a098#failed',
      status: 'failed',
      channel: 'whatsapp',
      error: { code: '63016' },
      businessAddress: '+14155238886',
      customerAddress: '+5511987654321',
    },
  ],
  'json-body.json': [{ kind: 'message', channel: 'sms', providerMessageId: 'SM3c2b1a0f9e8d7c6b5a4938271605f4e3', text: 'Can I change my delivery address?' }],
};

describe('events/twilio', () => {
  it('has an expectation for every sample', () => {
    expect(readdirSync(folder).sort()).toEqual(Object.keys(expectedEvents).sort());
  });

  it.each(Object.keys(expectedEvents))('%s verifies with its own secret at its own URL', (file) => {
    // Prepare
    const sample = load(file);

    // Act
    const verdict = twilio.verify(requestOf(sample), anEndpoint({ secrets: [sample.secret] }), new Date());

    // Assess
    expect(verdict.ok).toBe(true);
  });

  it.each(Object.keys(expectedEvents))('%s does not verify with another secret', (file) => {
    const sample = load(file);

    expect(twilio.verify(requestOf(sample), anEndpoint({ secrets: ['another-auth-token'] }), new Date()).ok).toBe(false);
  });

  it.each(Object.entries(expectedEvents))('%s normalizes to the events it describes', (file, events) => {
    expect(twilio.normalize(requestOf(load(file)))).toMatchObject(events);
  });
});
