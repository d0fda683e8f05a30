import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createQueryStore } from '../adapters/query-store.ts';
import { HttpError } from '../core/errors.ts';
import { listConversations, listMessages, pollEvents } from '../core/query.ts';
import { readConfig, required } from '../shared/config.ts';
import { errorResponse, headersOf, json } from '../shared/http.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { tokenVerifierFromEnvironment } from '../shared/token-verifier.ts';
import { traced, tracer } from '../shared/tracing.ts';

const config = readConfig({ MESSAGES_TABLE: required });
const store = createQueryStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE);
const verify = tokenVerifierFromEnvironment();
const clock = { now: () => Date.now(), sleep: (milliseconds: number) => sleep(milliseconds) };
/** A long-poll stops waiting this long before the function's own timeout, to answer in time. */
const answerMarginMs = 2_000;
/** Answers hold a tenant's messages: no cache may keep them. */
const privateHeaders = { 'cache-control': 'private, no-store' };

const tenantOf = async (event: APIGatewayProxyEvent): Promise<string> => {
  const token = /^Bearer\s+(\S+)$/i.exec(headersOf(event).authorization ?? '')?.[1];
  const tenantId = token ? await verify(token) : undefined;
  if (!tenantId) throw new HttpError(401, 'a valid token is required: Authorization: Bearer <JWT>', { 'www-authenticate': 'Bearer' });
  return tenantId;
};

/** GET /conversations, GET /conversations/{id}/messages and GET /events, each scoped to the token's tenant. */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  try {
    const tenantId = await tenantOf(event);
    const parameters = event.queryStringParameters;
    switch (event.resource) {
      case '/conversations':
        return json(200, await listConversations(store, tenantId, parameters), privateHeaders);
      case '/conversations/{id}/messages':
        return json(200, await listMessages(store, tenantId, event.pathParameters?.id ?? '', parameters), privateHeaders);
      case '/events': {
        const deadline = Date.now() + context.getRemainingTimeInMillis() - answerMarginMs;
        const body = await pollEvents(store, tenantId, parameters, clock, deadline);
        return { statusCode: 200, headers: { 'content-type': 'application/json', ...privateHeaders }, body };
      }
      default:
        throw new HttpError(404, 'no such route');
    }
  } catch (error) {
    return errorResponse(error);
  }
}, tracer);
