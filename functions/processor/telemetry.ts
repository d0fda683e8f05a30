import type { SQSRecord } from 'aws-lambda';
import type { DeferredRetry } from '../core/backoff.ts';
import type { Envelope } from '../core/envelope.ts';
import type { ProcessedEvent } from '../core/process.ts';
import { logger, metrics, MetricUnit } from '../shared/powertools.ts';

/**
 * What the processor tells of each record: its log lines and metrics. Records of a batch run
 * concurrently, so the correlation id (the webhook's request id) goes on each line, not on the logger.
 */

const elapsedMs = (from: string, to: string): number => Date.parse(to) - Date.parse(from);

/** Metric names per event kind and outcome, a fixed set. */
const eventMetric = (kind: string, outcome: string) => `${kind[0]?.toUpperCase()}${kind.slice(1)}${outcome[0]?.toUpperCase()}${outcome.slice(1)}`;

/** One stored, duplicate, pending or stale event of a request. */
export const eventProcessed = (processed: ProcessedEvent): void => {
  if (processed.kind !== 'message') {
    const { event, outcome } = processed;
    logger.info(`${processed.kind} ${outcome}`, { correlation_id: event.source.requestId, eventId: event.id, tenantId: event.tenantId, provider: event.provider, target: event.target });
    metrics.addMetric(eventMetric(processed.kind, outcome), MetricUnit.Count, 1);
    return;
  }
  const { outcome, message } = processed;
  logger.info(outcome === 'stored' ? 'message stored' : 'duplicate message skipped', {
    correlation_id: message.source.requestId,
    messageId: message.id,
    conversationId: message.conversationId,
    tenantId: message.tenantId,
    provider: message.provider,
  });
  if (outcome === 'duplicate') {
    metrics.addMetric('MessageDuplicate', MetricUnit.Count, 1);
    return;
  }
  metrics.addMetric('MessageStored', MetricUnit.Count, 1);
  metrics.addMetric('ReceivedToStoredLag', MetricUnit.Milliseconds, elapsedMs(message.receivedAt, message.storedAt));
  if (message.providerTimestamp) {
    metrics.addMetric('ProviderToReceivedLag', MetricUnit.Milliseconds, elapsedMs(message.providerTimestamp, message.receivedAt));
  }
};

export const requestQuarantined = (sqsRecord: SQSRecord, quarantined: { readonly quarantined: string; readonly requestId?: string }): void => {
  metrics.addMetric('RequestQuarantined', MetricUnit.Count, 1);
  logger.warn('request quarantined', { correlation_id: quarantined.requestId, sqsMessageId: sqsRecord.messageId, reason: quarantined.quarantined });
};

export const requestSplit = (sqsRecord: SQSRecord, parts: readonly Envelope[]): void => {
  metrics.addMetric('RequestSplit', MetricUnit.Count, 1);
  logger.info('request queued again in parts', { correlation_id: parts[0]?.requestId, sqsMessageId: sqsRecord.messageId, parts: parts.length });
};

/** A record that failed for now, put off by its backoff (core/backoff.ts): the queue delivers it again. */
export const recordRetried = (sqsRecord: SQSRecord, { retryInSeconds, failure, problems }: DeferredRetry, error: unknown): void => {
  metrics.addMetric('RecordRetried', MetricUnit.Count, 1);
  const about = { correlation_id: failure.requestId, sqsMessageId: sqsRecord.messageId, receiveCount: failure.receiveCount };
  logger.error('record failed; the queue will deliver it again', { ...about, retryInSeconds, error });
  // The record is reported as failed all the same: at worst it returns after the queue's visibility timeout, or its reason is not recorded.
  for (const problem of problems) logger.warn('could not defer the failed record', { ...about, step: problem.step, error: problem.error });
};
