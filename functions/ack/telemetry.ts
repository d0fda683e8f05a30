import type { APIGatewayProxyResult } from 'aws-lambda';
import { emitMetric, logger, metrics, MetricUnit } from '../shared/powertools.ts';

/**
 * What the ack function tells of each webhook: its log lines and metrics, all by `provider`,
 * a registered provider's name or 'unknown' (the path is the caller's to choose).
 */
export const webhookTelemetry = {
  /** Every line and metric of this invocation is about this request of this provider. */
  begin(requestId: string, provider: string): void {
    logger.setCorrelationId(requestId);
    metrics.addDimension('provider', provider);
  },
  received(): void {
    metrics.addMetric('WebhookReceived', MetricUnit.Count, 1);
  },
  queued(provider: string): void {
    metrics.addMetric('WebhookEnqueued', MetricUnit.Count, 1);
    logger.info('webhook queued', { provider });
  },
  handshakeAnswered(provider: string, response: APIGatewayProxyResult): void {
    logger.info('handshake answered', { provider, statusCode: response.statusCode });
  },
  /** `reason` comes from a fixed set (shared/http.ts failureReason): it becomes a dimension. */
  rejected(provider: string, { reason, statusCode }: { readonly reason: string; readonly statusCode: number }): void {
    emitMetric('WebhookRejected', 1, MetricUnit.Count, { provider, reason });
    logger.info('webhook rejected', { provider, reason, statusCode });
  },
};
