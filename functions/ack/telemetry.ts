import type { APIGatewayProxyResult } from 'aws-lambda';
import type { SignatureBurst } from '../core/alerts.ts';
import { emitMetric, logger, MetricUnit } from '../shared/powertools.ts';

/**
 * What the ack function tells of each webhook: its log lines and metrics, all by `provider`,
 * a registered provider's name or 'unknown' (the path is the caller's to choose).
 */
export const webhookTelemetry = {
  /** Every line of this invocation is about this request. */
  begin(requestId: string): void {
    logger.setCorrelationId(requestId);
  },
  // Each metric carries its own provider dimension rather than the invocation's: invocations
  // that overlap in one environment (the local runtime's) must not relabel each other's.
  received(provider: string): void {
    emitMetric('WebhookReceived', 1, MetricUnit.Count, { provider });
  },
  queued(provider: string): void {
    emitMetric('WebhookEnqueued', 1, MetricUnit.Count, { provider });
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
  /** An endpoint's requests failed their signature check as often as the alert threshold this hour: the alert is out. */
  signatureAlerted({ tenantId, provider, failures }: SignatureBurst): void {
    // The endpoint is named in the alert itself; the logs never carry endpoint ids.
    logger.warn('signature failures on endpoint; alert published', { tenantId, provider, failures });
  },
  alertFailed(error: unknown): void {
    logger.warn('signature alert not published', { errorName: error instanceof Error ? error.name : typeof error });
  },
};
