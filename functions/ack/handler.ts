import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { maxWebhookBodyBytes } from '../../lib/definitions/pipeline.ts';
import { dynamoDocumentClient, sqs } from '../adapters/clients.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createIngestQueue } from '../adapters/ingest-queue.ts';
import { acknowledge, type AckDependencies } from '../core/ack.ts';
import { readConfig, required } from '../shared/config.ts';
import { bodyOf, errorResponse, headersOf, searchOf } from '../shared/http.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { z } from 'zod';

const config = readConfig({ ENDPOINTS_TABLE: required, INGEST_QUEUE_URL: z.url(), PUBLIC_BASE_URL: z.url() });

const endpoints = createEndpointStore(dynamoDocumentClient(), config.ENDPOINTS_TABLE);
const dependencies: AckDependencies = {
  findEndpoint: cachedLookup(endpoints.get, { ttlMs: 60_000, missTtlMs: 5_000 }),
  enqueue: createIngestQueue(sqs(), config.INGEST_QUEUE_URL).enqueue,
  publicBaseUrl: config.PUBLIC_BASE_URL,
  maxBodyBytes: maxWebhookBodyBytes,
  now: () => new Date(),
};

/** POST /webhooks/{provider}/{endpointId}: verify, queue, answer in the provider's format. */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    return await acknowledge(
      {
        provider: event.pathParameters?.provider ?? '',
        endpointId: event.pathParameters?.endpointId ?? '',
        search: searchOf(event),
        headers: headersOf(event),
        body: bodyOf(event),
        requestId: event.requestContext.requestId,
      },
      dependencies,
    );
  } catch (error) {
    return errorResponse(error);
  }
});
