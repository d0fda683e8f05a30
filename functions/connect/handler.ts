import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { configOf } from '../shared/config.ts';
import { json } from '../shared/http.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { tokenVerifierFrom } from '../shared/token-verifier.ts';
import { traced, tracer } from '../shared/tracing.ts';

const config = configOf('connect');
const connections = createConnectionStore(dynamoDocumentClient(traced), config.CONNECTIONS_TABLE);
const verify = tokenVerifierFrom(config);

/** $connect: a connection exists only with a valid, unexpired token, and belongs to the token's tenant. */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const token = event.queryStringParameters?.token;
  const tenantId = token ? await verify(token) : undefined;
  if (!tenantId) return json(401, { error: 'a valid token is required: ?token=<JWT>' });
  await connections.add({
    connectionId: event.requestContext.connectionId ?? '',
    tenantId,
    connectedAt: new Date(event.requestContext.requestTimeEpoch).toISOString(),
  });
  return { statusCode: 200, body: '' };
}, tracer);
