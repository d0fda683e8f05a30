import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';

const config = configOf('disconnect');
const connections = createConnectionStore(dynamoDocumentClient(traced), config.CONNECTIONS_TABLE);

/** $disconnect: forget the connection, so no frame is sent to it again. */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  await connections.remove(event.requestContext.connectionId ?? '');
  return { statusCode: 200, body: '' };
}, tracer);
