import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../../functions/core/message.ts';
import { meta } from '../../../../functions/providers/meta/index.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint } from '../../../helpers/factories.ts';

/** The samples in events/meta are what users send with `switchboard`: each must verify and normalize. */

interface SampleEvent {
  readonly url: string;
  readonly secret: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const eventsDirectory = new URL('../../../../events/meta/', import.meta.url);

const requestOf = ({ url, headers, body }: SampleEvent): WebhookRequest => ({
  url,
  headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  body: Buffer.from(body),
});

/** What each sample carries: kind and dedupe id of every event, in order. */
const expectedEvents: Record<string, [NormalizedEvent['kind'], string][]> = {
  'whatsapp-text.json': [['message', 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZGMkE2RDc4QjQ5NUZFMEQ4OQA=']],
  'whatsapp-image.json': [['message', 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNEM5RTEyRjA4NkQ1QjI3OQA=']],
  'whatsapp-status-read.json': [['status', 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3NjQwQTk4RjQ3QzA1RDlGNzgA:read']],
  'whatsapp-status-failed.json': [['status', 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBOTBFRjE1QzQ3QzA1RDlGNzgA:failed']],
  'whatsapp-batch.json': [
    ['message', 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMQA='],
    ['message', 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMgA='],
    ['message', 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMgA='],
    ['status', 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3NjQwQTk4RjQ3QzA1RDlGNzgA:delivered'],
    ['message', 'wamid.HBgMMjUwNzg4MTIzMTIzFQIAEhgUM0EwMDAwMDAwMDAwMDAwMDAwMDMA'],
  ],
  'messenger-text.json': [['message', 'm_q9k2Hc0V3S2vJ8f6y4bR1eWqT5nXoZ7uLmA3pD8sG1hK4jN6vB2cX9zQ0wE5rT7yU1iO3pA6sD8fG2hJ4kL6zX8cV0b']],
  'messenger-echo.json': [['message', 'm_E7t2yU4iO6pA8sD0fG2hJ4kL6zX8cV0bN2mQ4wE6rT8yU0iO2pA4sD6fG8hJ0kL2zX4cV6bN8mQ0wE2rT4yU6iO8pA0s']],
  'instagram-story-reply.json': [
    ['message', 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk3NDc1NjYzNzc4MTU4MA'],
  ],
};

const load = (name: string): SampleEvent => JSON.parse(readFileSync(new URL(name, eventsDirectory), 'utf8')) as SampleEvent;

const dedupeKey = (event: NormalizedEvent): string => (event.kind === 'message' ? event.providerMessageId : event.eventId);

describe('events/meta samples', () => {
  it('has an expectation for every sample file, and a file for every expectation', () => {
    expect(readdirSync(eventsDirectory).sort()).toEqual(Object.keys(expectedEvents).sort());
  });

  it.each(Object.keys(expectedEvents))('%s verifies with its own secret and normalizes to the events it describes', (name) => {
    // Prepare
    const sample = load(name);
    const request = requestOf(sample);

    // Act
    const verdict = meta.verify(request, anEndpoint({ provider: 'meta', secrets: [sample.secret] }), new Date());
    const events = meta.normalize(request);

    // Assess
    expect(verdict.ok).toBe(true);
    expect(events.map((event) => [event.kind, dedupeKey(event)])).toEqual(expectedEvents[name]);
  });

  it('whatsapp-text.json reads the escaped unicode and slashes back as the customer typed them', () => {
    const [event] = meta.normalize(requestOf(load('whatsapp-text.json')));

    expect(event).toMatchObject({ text: 'Olá! Is order #1042 on its way? 📦 https://shop.example.com/orders/1042', channel: 'whatsapp', direction: 'inbound' });
  });

  it('messenger-echo.json is an outbound message from the page', () => {
    const [event] = meta.normalize(requestOf(load('messenger-echo.json')));

    expect(event).toMatchObject({ direction: 'outbound', from: '107517711904451', to: '7214639801938525', customerAddress: '7214639801938525' });
  });

  it('instagram-story-reply.json is refused with the Meta app secret alone', () => {
    const sample = load('instagram-story-reply.json');

    const verdict = meta.verify(requestOf(sample), anEndpoint({ provider: 'meta', secrets: [load('messenger-text.json').secret] }), new Date());

    expect(verdict.ok).toBe(false);
  });
});
