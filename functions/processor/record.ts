import type { SQSRecord } from 'aws-lambda';
import { deferRetry, type RetryDependencies } from '../core/backoff.ts';
import { envelopeOf, type Envelope } from '../core/envelope.ts';
import { handleQueuedRequest, type QueuedRequestDependencies } from '../core/queued-request.ts';
import { withinTime } from '../core/time-budget.ts';
import type { BatchTally } from './stats.ts';
import { eventProcessed, recordRetried, requestQuarantined, requestSplit } from './telemetry.ts';

export interface RecordDependencies {
  readonly request: QueuedRequestDependencies;
  readonly retry: RetryDependencies;
  /** Queues a part of a request too large for one record (the ingest queue). */
  enqueue(envelope: Envelope): Promise<void>;
  /** The ingest queue's maxReceiveCount: a record failing on that receive goes to the DLQ. */
  readonly maxReceiveCount: number;
}

/**
 * One ingest queue record, as the processor's batch handles it: its request stored,
 * quarantined, or queued again in parts when too large for one record (request-parts.ts), all
 * before `stopAt`. A record that fails for now is put off by its backoff and thrown, so that
 * the batch reports it alone. Each outcome is added to the batch's `tally`, which the handler
 * writes to the stats once the batch is done.
 */
export const recordProcessor = (deps: RecordDependencies) => {
  const handleRecord = async (sqsRecord: SQSRecord, tally: BatchTally): Promise<void> => {
    const result = await handleQueuedRequest(sqsRecord.body, sqsRecord.messageId, deps.request);
    if ('quarantined' in result) {
      // A body that is no envelope has no tenant to count it for.
      if (result.envelope) tally.quarantined(result.envelope, result.quarantined);
      return requestQuarantined(sqsRecord, result);
    }
    if (result.parts) {
      await Promise.all(result.parts.map(deps.enqueue));
      return requestSplit(sqsRecord, result.parts);
    }
    for (const processed of result.stored) eventProcessed(processed);
    tally.stored(result.envelope, result.stored, deps.request.now());
  };

  return async (sqsRecord: SQSRecord, stopAt: number, tally: BatchTally): Promise<void> => {
    try {
      await withinTime(stopAt, () => handleRecord(sqsRecord, tally));
    } catch (error) {
      // Only failures that may pass get here: a request that can never be processed was quarantined.
      const receiveCount = Number(sqsRecord.attributes.ApproximateReceiveCount);
      const deferred = await deferRetry({ ...sqsRecord, receiveCount }, error, deps.retry);
      recordRetried(sqsRecord, deferred, error);
      // Its last receive: the queue moves it to the DLQ. Read again here only, as it failed before saying what it was.
      const about = receiveCount >= deps.maxReceiveCount ? envelopeOf(sqsRecord.body) : undefined;
      if (about) tally.failed(about, deferred.failure.error);
      throw error;
    }
  };
};
