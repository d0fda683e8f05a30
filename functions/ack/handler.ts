import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { maxInlineBodyBytes, maxWebhookBodyBytes } from '../../lib/definitions/pipeline.ts';
import { bodyStoreBeside } from '../adapters/body-store.ts';
import { dynamoDocumentClient, sqs } from '../adapters/clients.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createIngestQueue } from '../adapters/ingest-queue.ts';
import { createNonceStore } from '../adapters/nonce-store.ts';
import { acknowledge, answerHandshake, type AckDependencies } from '../core/ack.ts';
import { HttpError } from '../core/errors.ts';
import { findEdge } from '../providers/registry.ts';
import { readConfig, required } from '../shared/config.ts';
import { bodyOf, errorResponse, headersOf, searchOf } from '../shared/http.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { emitMetric, logger, metrics, MetricUnit } from '../shared/powertools.ts';

const config = readConfig({ ENDPOINTS_TABLE: required, NONCES_TABLE: required, BODY_BUCKET: required, INGEST_QUEUE_URL: z.url(), PUBLIC_BASE_URL: z.url() });

const endpoints = createEndpointStore(dynamoDocumentClient(), config.ENDPOINTS_TABLE);
const nonces = createNonceStore(dynamoDocumentClient(), config.NONCES_TABLE);
const dependencies: AckDependencies = {
  findEndpoint: cachedLookup(endpoints.get, { ttlMs: 60_000, missTtlMs: 5_000 }),
  enqueue: createIngestQueue(sqs(), config.INGEST_QUEUE_URL).enqueue,
  storeBody: bodyStoreBeside(sqs(), config.BODY_BUCKET).put,
  claimNonce: nonces.claim,
  releaseNonce: nonces.release,
  publicBaseUrl: config.PUBLIC_BASE_URL,
  maxInlineBodyBytes,
  maxBodyBytes: maxWebhookBodyBytes,
  now: () => new Date(),
};

/** Why a webhook was refused, as a metric dimension: a fixed set, whatever the caller sent. */
const rejectionReasons: Readonly<Record<number, string>> = {
  401: 'signature',
  404: 'unknown_endpoint',
  406: 'replayed',
  413: 'too_large',
  503: 'queue_unavailable',
};

/**
 * POST /webhooks/{provider}/{endpointId}: verify, queue, answer in the provider's format.
 * GET on the same URL: the provider's subscription handshake (Meta's).
 */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext.requestId;
  logger.setCorrelationId(requestId);
  // Only a registered name becomes a dimension: the path is the caller's to choose.
  const provider = findEdge(event.pathParameters?.provider ?? '')?.name ?? 'unknown';
  metrics.addDimension('provider', provider);
  try {
    const webhook = {
      provider,
      endpointId: event.pathParameters?.endpointId ?? '',
      search: searchOf(event),
      headers: headersOf(event),
      body: bodyOf(event),
      requestId,
    };
    if (event.httpMethod === 'GET') {
      const response = await answerHandshake(webhook, dependencies);
      logger.info('handshake answered', { provider, statusCode: response.statusCode });
      return response;
    }
    metrics.addMetric('WebhookReceived', MetricUnit.Count, 1);
    const response = await acknowledge(webhook, dependencies);
    metrics.addMetric('WebhookEnqueued', MetricUnit.Count, 1);
    logger.info('webhook queued', { provider });
    return response;
  } catch (error) {
    if (error instanceof HttpError) {
      const reason = rejectionReasons[error.statusCode] ?? 'other';
      emitMetric('WebhookRejected', 1, MetricUnit.Count, { provider, reason });
      logger.info('webhook rejected', { provider, reason, statusCode: error.statusCode });
    }
    return errorResponse(error);
  }
});
