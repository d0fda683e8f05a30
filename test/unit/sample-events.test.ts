import { findEdge } from '../../functions/providers/registry.ts';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { acknowledge } from '../../functions/core/ack.ts';
import { envelopeSchema } from '../../functions/core/envelope.ts';
import { bodyOf, headersOf, searchOf } from '../../functions/shared/http.ts';
import { lambdaEvent } from '../helpers/events.ts';

/** The samples in events/ are what users invoke handlers with: they must be right. */

const sample = JSON.parse(readFileSync(new URL('../../events/twilio/inbound-sms.json', import.meta.url), 'utf8')) as {
  url: string;
  secret: string;
  body: string;
};

describe('sample events', () => {
  it('ack-twilio.json carries a body Twilio signed for its endpoint', async () => {
    // Prepare
    const event = lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json');
    const endpointId = event.pathParameters?.endpointId ?? '';
    const queued: unknown[] = [];

    // Act
    const response = await acknowledge(
      { provider: 'twilio', endpointId, search: searchOf(event), headers: headersOf(event), body: bodyOf(event), requestId: 'r' },
      {
        findEdge,
        findEndpoint: async (id) => ({ endpointId: id, provider: 'twilio', tenantId: 'demo', secrets: [sample.secret], createdAt: '' }),
        enqueue: async (envelope) => void queued.push(envelope),
        claimNonce: async () => true,
        releaseNonce: async () => {},
        storeBody: async () => {},
        maxInlineBodyBytes: 1_000_000,
        publicBaseUrl: new URL(sample.url).origin,
        maxBodyBytes: 1_000_000,
        now: () => new Date(),
      },
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued).toHaveLength(1);
    expect(bodyOf(event).toString()).toBe(sample.body);
  });

  it('processor-sqs.json holds a valid envelope of the same request', () => {
    const event = lambdaEvent<{ Records: { body: string }[] }>('processor-sqs.json');

    const envelope = envelopeSchema.parse(JSON.parse(event.Records[0]?.body ?? ''));

    expect(envelope).toHaveProperty('body', Buffer.from(sample.body).toString('base64'));
    expect(envelope.url).toBe(sample.url);
  });
});
