import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { createSocketPusher } from '../adapters/socket-pusher.ts';
import { broadcast } from '../core/broadcast.ts';
import { frameFor } from '../core/frames.ts';
import { readConfig, required } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { logger, metrics, MetricUnit } from '../shared/powertools.ts';

const config = readConfig({ CONNECTIONS_TABLE: required, WEBSOCKET_MANAGEMENT_ENDPOINT: z.url() });
const connections = createConnectionStore(dynamoDocumentClient(traced), config.CONNECTIONS_TABLE);
const pusher = createSocketPusher(traced(new ApiGatewayManagementApiClient({ endpoint: config.WEBSOCKET_MANAGEMENT_ENDPOINT })));
const processor = new BatchProcessor(EventType.DynamoDBStreams);

const broadcastRecord = async (record: DynamoDBRecord): Promise<void> => {
  const image = record.dynamodb?.NewImage;
  const frame = frameFor({
    eventName: record.eventName ?? 'MODIFY',
    ...(image && { newImage: unmarshall(image as Record<string, AttributeValue>) }),
  });
  if (!frame) return;
  const result = await broadcast(frame, { subscribersOf: connections.subscribersOf, send: pusher.send, forget: connections.remove });
  const correlationId = (frame.data.source as { requestId?: string } | undefined)?.requestId;
  for (const { connectionId, error } of result.failed) logger.warn('frame not delivered', { correlation_id: correlationId, connectionId, error });
  logger.info('frame pushed', { correlation_id: correlationId, type: frame.type, tenantId: frame.tenantId, sent: result.sent, gone: result.gone, failed: result.failed.length });
  metrics.addMetric('FramesSent', MetricUnit.Count, result.sent);
  metrics.addMetric('ConnectionsGone', MetricUnit.Count, result.gone);
  metrics.addMetric('FramesFailed', MetricUnit.Count, result.failed.length);
  if (frame.type === 'message.created' && typeof frame.data.storedAt === 'string') {
    metrics.addMetric('StoredToPushedLag', MetricUnit.Milliseconds, Date.now() - Date.parse(frame.data.storedAt));
  }
};

/**
 * Messages table stream → every connection of the change's tenant that listens to the whole
 * tenant or to the change's conversation. A client that fails is logged and counted
 * (FramesFailed), never retried through the stream: its record succeeds. Records are sent one after
 * another, so clients see a shard's changes in the order they were stored.
 */
export const handler = withMiddleware(
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(event, broadcastRecord, processor, { context, processInParallel: false }),
  tracer,
);
