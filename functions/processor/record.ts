import type { SQSRecord } from 'aws-lambda';
import { deferRetry, type RetryDependencies } from '../core/backoff.ts';
import type { Envelope } from '../core/envelope.ts';
import { handleQueuedRequest, type QueuedRequestDependencies } from '../core/queued-request.ts';
import { withinTime } from '../core/time-budget.ts';
import { eventProcessed, recordRetried, requestQuarantined, requestSplit } from './telemetry.ts';

export interface RecordDependencies {
  readonly request: QueuedRequestDependencies;
  readonly retry: RetryDependencies;
  /** Queues a part of a request too large for one record (the ingest queue). */
  enqueue(envelope: Envelope): Promise<void>;
}

/**
 * One ingest queue record, as the processor's batch handles it: its request stored,
 * quarantined, or queued again in parts when too large for one record (request-parts.ts), all
 * before `stopAt`. A record that fails for now is put off by its backoff and thrown, so that
 * the batch reports it alone.
 */
export const recordProcessor = (deps: RecordDependencies) => {
  const handleRecord = async (sqsRecord: SQSRecord): Promise<void> => {
    const result = await handleQueuedRequest(sqsRecord.body, sqsRecord.messageId, deps.request);
    if ('quarantined' in result) return requestQuarantined(sqsRecord, result);
    if (result.parts) {
      await Promise.all(result.parts.map(deps.enqueue));
      return requestSplit(sqsRecord, result.parts);
    }
    for (const processed of result.stored) eventProcessed(processed);
  };

  return async (sqsRecord: SQSRecord, stopAt: number): Promise<void> => {
    try {
      await withinTime(stopAt, () => handleRecord(sqsRecord));
    } catch (error) {
      // Only failures that may pass get here: a request that can never be processed was quarantined.
      const receiveCount = Number(sqsRecord.attributes.ApproximateReceiveCount);
      recordRetried(sqsRecord, await deferRetry({ ...sqsRecord, receiveCount }, error, deps.retry), error);
      throw error;
    }
  };
};
