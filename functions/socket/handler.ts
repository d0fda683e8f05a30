import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { createSocketPusher } from '../adapters/socket-pusher.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { replyTo } from './client-message.ts';

const config = configOf('socket');
const connections = createConnectionStore(dynamoDocumentClient(traced), config.CONNECTIONS_TABLE);
const pusher = createSocketPusher(traced(new ApiGatewayManagementApiClient({ endpoint: config.WEBSOCKET_MANAGEMENT_ENDPOINT })));

/**
 * $default: every client message (ping, subscribe, anything else). The reply goes back through
 * the @connections API, so the route needs no route response; a connection that closed before
 * its reply is simply not answered.
 */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const connectionId = event.requestContext.connectionId ?? '';
  const reply = await replyTo(connectionId, event.body ?? '', { subscribe: connections.subscribe });
  await pusher.send(connectionId, JSON.stringify(reply));
  return { statusCode: 200, body: '' };
}, tracer);
