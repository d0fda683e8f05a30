import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { bestEffortDynamoDocumentClient, dynamoDocumentClient, s3, sqs } from '../adapters/clients.ts';
import { bodyStoreOn } from '../adapters/body-store.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createFailureStore } from '../adapters/failure-store.ts';
import { createIngestQueue, createIngestRecords } from '../adapters/ingest-queue.ts';
import { createMessageStore } from '../adapters/message-store.ts';
import { createStatsStore } from '../adapters/stats-store.ts';
import { backoffFor, type RetryDependencies } from '../core/backoff.ts';
import { stopTakingWorkAt } from '../core/time-budget.ts';
import { loadProvider } from '../providers/registry.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { recordProcessor } from './record.ts';
import { BatchTally } from './stats.ts';

const config = configOf('processor');
const store = createMessageStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE);
const findEndpoint = cachedLookup(createEndpointStore(dynamoDocumentClient(traced), config.ENDPOINTS_TABLE).get, { ttlMs: 60_000, missTtlMs: 5_000 });
const bodies = bodyStoreOn(s3(traced), config.BODY_BUCKET);
const dependencies = {
  ...store,
  loadProvider,
  fetchBody: bodies.get,
  archive: (key: string, envelope: string) => bodies.put(key, Buffer.from(envelope)),
  tenantOf: async (endpointId: string, businessAddress: string) => (await findEndpoint(endpointId))?.routes?.[businessAddress],
  now: () => new Date(),
};
const failures = createFailureStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE, { retentionSeconds: ingestQueueSettings.dlqRetentionPeriodSeconds });
const retryDependencies: RetryDependencies = {
  backoff: backoffFor(config.INGEST_VISIBILITY_TIMEOUT_SECONDS, ingestQueueSettings.maxReceiveCount),
  hide: createIngestRecords(sqs(traced), config.INGEST_QUEUE_URL).hide,
  recordFailure: failures.record,
  now: () => new Date(),
};
const processRecord = recordProcessor({
  request: dependencies,
  retry: retryDependencies,
  enqueue: createIngestQueue(sqs(traced), config.INGEST_QUEUE_URL).enqueue,
  maxReceiveCount: ingestQueueSettings.maxReceiveCount,
});
const stats = createStatsStore(bestEffortDynamoDocumentClient(traced), config.STATS_TABLE);

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
 * runtime scopes each invocation in its InvokeStore; the local runtime does neither. The
 * batch's stats are written once it is done, one ADD per endpoint and hour, best effort.
 */
export const handler = withMiddleware(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const stopAt = stopTakingWorkAt(Date.now(), context.getRemainingTimeInMillis());
  const processor = new BatchProcessor(EventType.SQS);
  const tally = new BatchTally();
  const response = await processPartialResponse(event, (sqsRecord: SQSRecord) => processRecord(sqsRecord, stopAt, tally), processor, {
    context,
    throwOnFullBatchFailure: false,
  });
  await tally.write(stats);
  return response;
}, tracer);
