import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createMessageStore } from '../adapters/message-store.ts';
import { handleQueuedRequest } from '../core/queued-request.ts';
import { readConfig, required } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { logger } from '../shared/powertools.ts';

const config = readConfig({ MESSAGES_TABLE: required });
const store = createMessageStore(dynamoDocumentClient(), config.MESSAGES_TABLE);
const processor = new BatchProcessor(EventType.SQS);

const processRecord = async (record: SQSRecord): Promise<void> => {
  const outcome = await handleQueuedRequest(record.body, record.messageId, { ...store, now: () => new Date() });
  if ('quarantined' in outcome) logger.warn('request quarantined', { messageId: record.messageId, reason: outcome.quarantined });
  else logger.debug('request processed', { messageId: record.messageId, outcomes: outcome.stored });
};

/** SQS → messages table. Each failing record is reported alone, so its batch-mates are not retried. */
export const handler = withMiddleware(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, processor, { context }),
);
