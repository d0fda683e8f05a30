import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sendRecordOf } from '../adapters/send-queue.ts';
import { sendQueued } from '../core/send.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { logger } from '../shared/powertools.ts';
import { tracer } from '../shared/tracing.ts';
import { senderDependencies } from './dependencies.ts';

const { dependencies } = senderDependencies(configOf('sender'));

/**
 * Send queues → providers. Each record names one message; its claim is a conditional write, so
 * a record delivered twice sends nothing twice. A record that fails (a table or queue error,
 * never a provider's answer: those are settled on the message) is reported alone and comes back
 * after the queue's visibility timeout, where a claim it left is found abandoned and settled as
 * an unknown outcome, never sent blindly again.
 */
const sendRecord = async (record: SQSRecord): Promise<void> => {
  const named = sendRecordOf(record.body);
  // Not a record the send API wrote: nothing to send, and retrying it cannot change that.
  if (!named) return void logger.error('send queue record names no message; dropped', { sqsMessageId: record.messageId });
  await sendQueued(named.tenantId, named.messageId, dependencies);
};

export const handler = withMiddleware(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  // One processor per invocation: overlapping invocations (the local runtime's pollers) must not share its failures.
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, sendRecord, processor, { context, throwOnFullBatchFailure: false });
}, tracer);
