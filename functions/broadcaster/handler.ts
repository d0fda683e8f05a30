import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { bestEffortDynamoDocumentClient, dynamoDocumentClient } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { createFeedWriter } from '../adapters/feed-store.ts';
import { createSocketPusher } from '../adapters/socket-pusher.ts';
import { createStatsStore } from '../adapters/stats-store.ts';
import { broadcast } from '../core/broadcast.ts';
import { publishFrames, type FeedRecord } from '../core/feed.ts';
import { frameFor, type Frame } from '../core/frames.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { bestEffort } from '../shared/stats-writes.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { deliveredIncrementsOf } from './stats.ts';
import { broadcastFailed, framePushed, framesBroadcast, framesPublished } from './telemetry.ts';

const config = configOf('broadcaster');
const connections = createConnectionStore(dynamoDocumentClient(traced), config.CONNECTIONS_TABLE);
const feed = createFeedWriter(dynamoDocumentClient(traced), config.FEED_TABLE);
const stats = createStatsStore(bestEffortDynamoDocumentClient(traced), config.STATS_TABLE);
const pusher = createSocketPusher(traced(new ApiGatewayManagementApiClient({ endpoint: config.WEBSOCKET_MANAGEMENT_ENDPOINT })));

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
    framesBroadcast(await broadcast(frames, { subscribersOf: connections.subscribersOf, send: pusher.send, forget: connections.remove }));
  } catch (error) {
    broadcastFailed(frames, error);
  }
  for (const frame of frames) framePushed(frame);
};

/**
 * Messages table stream → each tenant's feed → every connection of the change's tenant that
 * listens to the whole tenant or to the change's conversation. A frame is pushed only once it
 * is in the feed, so a client that sees a gap in the cursors can fetch what it missed. Each
 * socket gets its frames one after another, in feed order; sockets are served side by side.
 * A record whose frame could not be written is reported failed, and the stream retries from
 * it (what it already published becomes a hole). The batch's stored → delivered lags are
 * added once it is pushed, one ADD per endpoint and hour, best effort.
 */
export const handler = withMiddleware(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const records = event.Records.flatMap((record) => feedRecordOf(record) ?? []);
  const outcomes = await publishFrames(records, feed);
  await push(outcomes.flatMap((outcome) => (outcome.status === 'published' ? [outcome.frame] : [])));
  framesPublished(outcomes);
  const delivered = deliveredIncrementsOf(outcomes, new Date());
  if (delivered.length > 0) await bestEffort('broadcaster', () => stats.add(delivered));
  const firstFailed = outcomes.findIndex((outcome) => outcome.status === 'failed');
  return { batchItemFailures: firstFailed < 0 ? [] : [{ itemIdentifier: records[firstFailed]!.sequenceNumber }] };
}, tracer);
