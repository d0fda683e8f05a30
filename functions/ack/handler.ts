import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { maxInlineBodyBytes, maxWebhookBodyBytes } from '../../lib/definitions/pipeline.ts';
import { bodyStoreBeside } from '../adapters/body-store.ts';
import { alertPublisherBeside } from '../adapters/alert-publisher.ts';
import { bestEffortDynamoDocumentClient, dynamoDocumentClient, sqs } from '../adapters/clients.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createIngestQueue } from '../adapters/ingest-queue.ts';
import { createNonceStore } from '../adapters/nonce-store.ts';
import { createStatsStore } from '../adapters/stats-store.ts';
import { acknowledge, answerHandshake, type AckDependencies } from '../core/ack.ts';
import { findEdge } from '../providers/registry.ts';
import { answerFailures } from '../shared/answer-failures.ts';
import { configOf } from '../shared/config.ts';
import { webhookOf } from '../shared/http.ts';
import { withHttpMiddleware } from '../shared/middleware.ts';
import { ackStatsRecorder } from './stats.ts';
import { webhookTelemetry } from './telemetry.ts';

const config = configOf('ack');

const endpoints = createEndpointStore(dynamoDocumentClient(), config.ENDPOINTS_TABLE);
const nonces = createNonceStore(dynamoDocumentClient(), config.NONCES_TABLE);
const alerts = alertPublisherBeside(sqs(), config.ALERTS_TOPIC_ARN);
const dependencies: AckDependencies = {
  findEdge,
  findEndpoint: cachedLookup(endpoints.get, { ttlMs: 60_000, missTtlMs: 5_000 }),
  enqueue: createIngestQueue(sqs(), config.INGEST_QUEUE_URL).enqueue,
  storeBody: bodyStoreBeside(sqs(), config.BODY_BUCKET).put,
  claimNonce: nonces.claim,
  releaseNonce: nonces.release,
  record: ackStatsRecorder({
    store: createStatsStore(bestEffortDynamoDocumentClient(), config.STATS_TABLE),
    onSignatureBurst: async (burst) => {
      await alerts.signatureBurst(burst);
      webhookTelemetry.signatureAlerted(burst);
    },
    onAlertFailed: webhookTelemetry.alertFailed,
  }),
  publicBaseUrl: config.PUBLIC_BASE_URL,
  maxInlineBodyBytes,
  maxBodyBytes: maxWebhookBodyBytes,
  now: () => new Date(),
};

const edgeOf = (event: APIGatewayProxyEvent) => findEdge(event.pathParameters?.provider ?? '');
/** Only a registered name becomes a dimension: the path is the caller's to choose. */
const providerOf = (event: APIGatewayProxyEvent): string => edgeOf(event)?.name ?? 'unknown';

/**
 * POST /webhooks/{provider}/{endpointId}: verify, queue, answer in the provider's format.
 * GET on the same URL: the provider's subscription handshake (Meta's).
 */
export const handler = withHttpMiddleware(
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const provider = providerOf(event);
    webhookTelemetry.begin(event.requestContext.requestId);
    if (event.httpMethod === 'GET') {
      const response = await answerHandshake(webhookOf(event, provider), dependencies);
      webhookTelemetry.handshakeAnswered(provider, response);
      return response;
    }
    webhookTelemetry.received(provider);
    const response = await acknowledge(webhookOf(event, provider), dependencies);
    webhookTelemetry.queued(provider);
    return response;
  },
  [
    answerFailures({
      replayStatusOf: (event) => edgeOf(event)?.replayStatus,
      onFailure: (event, failure) => webhookTelemetry.rejected(providerOf(event), failure),
    }),
  ],
);
