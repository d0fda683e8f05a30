import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { dynamoDocumentClient, sqs } from '../adapters/clients.ts';
import { bodyStoreBeside } from '../adapters/body-store.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createFailureStore } from '../adapters/failure-store.ts';
import { createIngestQueue } from '../adapters/ingest-queue.ts';
import { createMessageStore } from '../adapters/message-store.ts';
import { backoffFor, deferRetry, type RetryDependencies } from '../core/backoff.ts';
import type { ProcessedEvent } from '../core/process.ts';
import { handleQueuedRequest } from '../core/queued-request.ts';
import { stopTakingWorkAt, withinTime } from '../core/time-budget.ts';
import { readConfig, required } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { logger, metrics, MetricUnit } from '../shared/powertools.ts';

const config = readConfig({
  MESSAGES_TABLE: required,
  ENDPOINTS_TABLE: required,
  BODY_BUCKET: required,
  INGEST_QUEUE_URL: z.url(),
  // The deployed queue's; the local runtime sets it when it shortens the queue's.
  INGEST_VISIBILITY_TIMEOUT_SECONDS: z._default(z.coerce.number().check(z.int(), z.positive()), ingestQueueSettings.visibilityTimeoutSeconds),
});
const store = createMessageStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE);
const findEndpoint = cachedLookup(createEndpointStore(dynamoDocumentClient(traced), config.ENDPOINTS_TABLE).get, { ttlMs: 60_000, missTtlMs: 5_000 });
const bodies = bodyStoreBeside(dynamoDocumentClient(traced), config.BODY_BUCKET);
const dependencies = {
  ...store,
  fetchBody: bodies.get,
  archive: (key: string, envelope: string) => bodies.put(key, Buffer.from(envelope)),
  tenantOf: async (endpointId: string, businessAddress: string) => (await findEndpoint(endpointId))?.routes?.[businessAddress],
  now: () => new Date(),
};
const failures = createFailureStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE, { retentionSeconds: ingestQueueSettings.dlqRetentionPeriodSeconds });
const retryDependencies: RetryDependencies = {
  backoff: backoffFor(config.INGEST_VISIBILITY_TIMEOUT_SECONDS, ingestQueueSettings.maxReceiveCount),
  hide: async (receiptHandle, seconds) => {
    await sqs(traced).send(new ChangeMessageVisibilityCommand({ QueueUrl: config.INGEST_QUEUE_URL, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  },
  recordFailure: failures.record,
  now: () => new Date(),
};
const ingestQueue = createIngestQueue(sqs(traced), config.INGEST_QUEUE_URL);

const elapsedMs = (from: string, to: string): number => Date.parse(to) - Date.parse(from);

/** Metric names per event kind and outcome, a fixed set. */
const eventMetric = (kind: string, outcome: string) => `${kind[0]?.toUpperCase()}${kind.slice(1)}${outcome[0]?.toUpperCase()}${outcome.slice(1)}`;

const record = (processed: ProcessedEvent): void => {
  if (processed.kind !== 'message') {
    const { event, outcome } = processed;
    logger.info(`${processed.kind} ${outcome}`, { correlation_id: event.source.requestId, eventId: event.id, tenantId: event.tenantId, provider: event.provider, target: event.target });
    metrics.addMetric(eventMetric(processed.kind, outcome), MetricUnit.Count, 1);
    return;
  }
  const { outcome, message } = processed;
  // Records of a batch run concurrently: the correlation id goes on each line, not on the logger.
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

/** The record's request, stored, quarantined, or queued again in parts when too large for one record (request-parts.ts). */
const handleRecord = async (sqsRecord: SQSRecord): Promise<void> => {
  const result = await handleQueuedRequest(sqsRecord.body, sqsRecord.messageId, dependencies);
  if ('quarantined' in result) {
    metrics.addMetric('RequestQuarantined', MetricUnit.Count, 1);
    logger.warn('request quarantined', { correlation_id: result.requestId, sqsMessageId: sqsRecord.messageId, reason: result.quarantined });
    return;
  }
  if (result.parts) {
    await Promise.all(result.parts.map(ingestQueue.enqueue));
    metrics.addMetric('RequestSplit', MetricUnit.Count, 1);
    logger.info('request queued again in parts', { correlation_id: result.parts[0]?.requestId, sqsMessageId: sqsRecord.messageId, parts: result.parts.length });
    return;
  }
  for (const processed of result.stored) record(processed);
};

const processRecord = async (sqsRecord: SQSRecord, stopAt: number): Promise<void> => {
  try {
    await withinTime(stopAt, () => handleRecord(sqsRecord));
  } catch (error) {
    // Only failures that may pass get here: a request that can never be processed was quarantined.
    const receiveCount = Number(sqsRecord.attributes.ApproximateReceiveCount);
    const { retryInSeconds, failure, problems } = await deferRetry({ ...sqsRecord, receiveCount }, error, retryDependencies);
    metrics.addMetric('RecordRetried', MetricUnit.Count, 1);
    const about = { correlation_id: failure.requestId, sqsMessageId: sqsRecord.messageId, receiveCount };
    logger.error('record failed; the queue will deliver it again', { ...about, retryInSeconds, error });
    // The record is reported as failed all the same: at worst it returns after the queue's visibility timeout, or its reason is not recorded.
    for (const problem of problems) logger.warn('could not defer the failed record', { ...about, step: problem.step, error: problem.error });
    throw error;
  }
};

/**
 * SQS → messages table. Each failing record is reported alone, so its batch-mates are not
 * retried. A batch whose every record failed is answered the same way rather than thrown:
 * each record was already put off by its own backoff, and a thrown error would only count
 * one poison record as a function error, which is what an errors alarm watches. Records
 * still unfinished when the invocation's time runs short fail the same way, with that reason
 * recorded, rather than be killed at the timeout with none.
 *
 * A BatchProcessor keeps its batch's records and failures until it answers, so each
 * invocation gets its own: invocations that overlap in one process (the local runtime's
 * concurrent batches; Lambda Managed Instances) would otherwise reset each other's failures,
 * and a failed record would be answered as processed and deleted. Powertools keeps a shared
 * one's state per invocation only where AWS_LAMBDA_MAX_CONCURRENCY is set and the Lambda
 * runtime scopes each invocation in its InvokeStore; the local runtime does neither.
 */
export const handler = withMiddleware(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const stopAt = stopTakingWorkAt(Date.now(), context.getRemainingTimeInMillis());
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, (sqsRecord: SQSRecord) => processRecord(sqsRecord, stopAt), processor, { context, throwOnFullBatchFailure: false });
}, tracer);
