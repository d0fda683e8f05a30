import type { APIGatewayProxyResult } from 'aws-lambda';
import { sqs } from '../adapters/clients.ts';
import { cloudWatch, oldestMessageAgeSeconds, queueDepth, queueNameOf } from '../adapters/queue-monitor.ts';
import { cachedFor } from '../core/cached-for.ts';
import { checkHealth, healthAnswerMaxAgeMs } from '../core/health.ts';
import { configOf } from '../shared/config.ts';
import { json } from '../shared/http.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { logger } from '../shared/powertools.ts';

const config = configOf('health');
const queueUrls = { ingest: config.INGEST_QUEUE_URL, deadLetter: config.DEAD_LETTER_QUEUE_URL };
const metrics = traced(cloudWatch());

/** The answer, 503 included, kept for healthAnswerMaxAgeMs: an outage is no reason to call AWS on every probe. */
const answer = cachedFor(healthAnswerMaxAgeMs, async (): Promise<{ statusCode: number; body: unknown }> => {
  try {
    const report = await checkHealth({
      depthOf: (queue) => queueDepth(sqs(traced), queueUrls[queue]),
      oldestIngestMessageAgeSeconds: () => oldestMessageAgeSeconds(metrics, queueNameOf(queueUrls.ingest), new Date()),
      now: () => new Date(),
    });
    return { statusCode: 200, body: report };
  } catch (error) {
    logger.error('health check failed', { error });
    return { statusCode: 503, body: { status: 'unavailable' } };
  }
});

/**
 * GET /health: liveness, ingest queue depth and age, DLQ depth; `degraded` (still 200) while the
 * DLQ holds anything. 503 when the queues cannot be read.
 */
export const handler = withMiddleware(async (): Promise<APIGatewayProxyResult> => {
  const { statusCode, body } = await answer();
  // Anonymous, and holds nothing of a tenant's: the operations page reads it from wherever it is hosted.
  return json(statusCode, body, { 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
}, tracer);
