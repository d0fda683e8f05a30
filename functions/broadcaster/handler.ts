import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { createFeedWriter } from '../adapters/feed-store.ts';
import { createSocketPusher } from '../adapters/socket-pusher.ts';
import { broadcast } from '../core/broadcast.ts';
import { publishFrames, type FeedRecord } from '../core/feed.ts';
import { frameFor, type Frame } from '../core/frames.ts';
import { readConfig, required } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { logger, metrics, MetricUnit } from '../shared/powertools.ts';

const config = readConfig({ CONNECTIONS_TABLE: required, FEED_TABLE: required, WEBSOCKET_MANAGEMENT_ENDPOINT: z.url() });
const connections = createConnectionStore(dynamoDocumentClient(traced), config.CONNECTIONS_TABLE);
const feed = createFeedWriter(dynamoDocumentClient(traced), config.FEED_TABLE);
const pusher = createSocketPusher(traced(new ApiGatewayManagementApiClient({ endpoint: config.WEBSOCKET_MANAGEMENT_ENDPOINT })));

const correlationIdOf = (frame: Frame) => (frame.data.source as { requestId?: string } | undefined)?.requestId;

/** The frame a stream record makes, if clients see it, under the record's id. */
const feedRecordOf = (record: DynamoDBRecord): (FeedRecord & { readonly sequenceNumber: string }) | undefined => {
  const image = record.dynamodb?.NewImage;
  const frame = frameFor({
    eventName: record.eventName ?? 'MODIFY',
    ...(image && { newImage: unmarshall(image as Record<string, AttributeValue>) }),
  });
  const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
  return frame && { recordId: record.eventID ?? sequenceNumber, sequenceNumber, frame };
};

/**
 * Pushes the batch's published frames to the sockets listening, each socket's in feed order; a
 * push that fails is logged, and the socket's client fills the gap from the feed.
 */
const push = async (frames: readonly Frame[]): Promise<void> => {
  try {
    const result = await broadcast(frames, { subscribersOf: connections.subscribersOf, send: pusher.send, forget: connections.remove });
    for (const { connectionId, error } of result.failed) logger.warn('frames not delivered', { connectionId, error });
    metrics.addMetric('FramesSent', MetricUnit.Count, result.sent);
    metrics.addMetric('ConnectionsGone', MetricUnit.Count, result.gone);
    metrics.addMetric('FramesFailed', MetricUnit.Count, result.failed.length);
  } catch (error) {
    logger.warn('frames published but not pushed', { frames: frames.length, error });
  }
  for (const frame of frames) {
    // Records of a batch are handled together: the correlation id goes on each line, not on the logger.
    logger.info('frame pushed', { correlation_id: correlationIdOf(frame), type: frame.type, tenantId: frame.tenantId, cursor: frame.cursor });
    if (frame.type === 'message.created' && typeof frame.data.storedAt === 'string') {
      metrics.addMetric('StoredToPushedLag', MetricUnit.Milliseconds, Date.now() - Date.parse(frame.data.storedAt));
    }
  }
};

/**
 * Messages table stream → each tenant's feed → every connection of the change's tenant that
 * listens to the whole tenant or to the change's conversation. A frame is pushed only once it
 * is in the feed, so a client that sees a gap in the cursors can fetch what it missed. Each
 * socket gets its frames one after another, in feed order; sockets are served side by side.
 * A record whose frame could not be written is reported failed, and the stream retries from
 * it (what it already published becomes a hole).
 */
export const handler = withMiddleware(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const records = event.Records.flatMap((record) => feedRecordOf(record) ?? []);
  const outcomes = await publishFrames(records, feed);
  await push(outcomes.flatMap((outcome) => (outcome.status === 'published' ? [outcome.frame] : [])));
  const firstFailed = outcomes.findIndex((outcome) => outcome.status === 'failed');
  for (const outcome of outcomes) if (outcome.status === 'failed') logger.error('frame not published; the stream retries it', { recordId: outcome.recordId, error: outcome.error });
  metrics.addMetric('FramesPublished', MetricUnit.Count, outcomes.filter((outcome) => outcome.status === 'published').length);
  return { batchItemFailures: firstFailed < 0 ? [] : [{ itemIdentifier: records[firstFailed]!.sequenceNumber }] };
}, tracer);
