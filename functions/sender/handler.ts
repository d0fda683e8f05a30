import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { bestEffortDynamoDocumentClient } from '../adapters/clients.ts';
import { sendRecordOf } from '../adapters/send-queue.ts';
import { createStatsStore } from '../adapters/stats-store.ts';
import { sendQueued, type SenderDependencies } from '../core/send.ts';
import type { Increment } from '../core/stats.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { logger } from '../shared/powertools.ts';
import { bestEffort } from '../shared/stats-writes.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { senderDependencies } from './dependencies.ts';
import { sendIncrementOf } from './stats.ts';

const config = configOf('sender');
const { dependencies } = senderDependencies(config);
const stats = createStatsStore(bestEffortDynamoDocumentClient(traced), config.STATS_TABLE);

/**
 * Send queues → providers. Each record names one message; its claim is a conditional write, so
 * a record delivered twice sends nothing twice. A record that fails (a table or queue error,
 * never a provider's answer: those are settled on the message) is reported alone and comes back
 * after the queue's visibility timeout, where a claim it left is found abandoned and settled as
 * an unknown outcome, never sent blindly again.
 */
const sendRecord = async (record: SQSRecord, deps: SenderDependencies): Promise<void> => {
  const named = sendRecordOf(record.body);
  // Not a record the send API wrote: nothing to send, and retrying it cannot change that.
  if (!named) return void logger.error('send queue record names no message; dropped', { sqsMessageId: record.messageId });
  await sendQueued(named.tenantId, named.messageId, deps);
};

export const handler = withMiddleware(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  // One processor per invocation: overlapping invocations (the local runtime's pollers) must not share its failures.
  const processor = new BatchProcessor(EventType.SQS);
  // The batch's sends and failures, counted in one ADD per sending endpoint and hour once the batch is done.
  const counted: Increment[] = [];
  const deps: SenderDependencies = {
    ...dependencies,
    observe: (observed) => {
      dependencies.observe?.(observed);
      const increment = sendIncrementOf(observed, dependencies.now().toISOString());
      if (increment) counted.push(increment);
    },
  };
  const response = await processPartialResponse(event, (record: SQSRecord) => sendRecord(record, deps), processor, { context, throwOnFullBatchFailure: false });
  if (counted.length > 0) await bestEffort('sender', () => stats.add(counted));
  return response;
}, tracer);
