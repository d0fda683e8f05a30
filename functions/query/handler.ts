import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createFeedReader } from '../adapters/feed-store.ts';
import { createQueryStore } from '../adapters/query-store.ts';
import { HttpError } from '../core/errors.ts';
import { listConversations, listMessages, pollEvents } from '../core/query.ts';
import { readConfig, required } from '../shared/config.ts';
import { errorResponse, headersOf, json } from '../shared/http.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { tokenVerifierFromEnvironment } from '../shared/token-verifier.ts';
import { traced, tracer } from '../shared/tracing.ts';

const config = readConfig({ MESSAGES_TABLE: required, FEED_TABLE: required });
const store = createQueryStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE);
const feed = createFeedReader(dynamoDocumentClient(traced), config.FEED_TABLE);
const verify = tokenVerifierFromEnvironment();
const clock = { now: () => Date.now(), sleep: (milliseconds: number) => sleep(milliseconds) };
/** A long-poll stops waiting this long before the function's own timeout, to answer in time. */
const answerMarginMs = 2_000;
/** Answers hold a tenant's messages: no cache may keep them. */
const privateHeaders = { 'cache-control': 'private, no-store' };
/**
 * The inbox may be hosted on any origin. The token travels in the Authorization header, never
 * in a cookie, so any origin may read the answers (errors included) of a caller holding one.
 */
const corsHeaders = { 'access-control-allow-origin': '*' };
/**
 * The preflight a browser sends before a GET with Authorization. It is answered here, through
 * the same Lambda proxy route, because API Gateway's mock preflight fails on this REST API,
 * which treats every media type as binary.
 */
const preflight: APIGatewayProxyResult = {
  statusCode: 204,
  headers: { ...corsHeaders, 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-allow-headers': 'authorization', 'access-control-max-age': '7200' },
  body: '',
};

const tenantOf = async (event: APIGatewayProxyEvent): Promise<string> => {
  const token = /^Bearer\s+(\S+)$/i.exec(headersOf(event).authorization ?? '')?.[1];
  const tenantId = token ? await verify(token) : undefined;
  if (!tenantId) throw new HttpError(401, 'a valid token is required: Authorization: Bearer <JWT>', { 'www-authenticate': 'Bearer' });
  return tenantId;
};

/** The answer to one request, before the CORS header every answer gets. */
const answer = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  if (event.httpMethod === 'OPTIONS') return preflight;
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
        const body = await pollEvents(feed, tenantId, parameters, clock, deadline);
        return { statusCode: 200, headers: { 'content-type': 'application/json', ...privateHeaders }, body };
      }
      default:
        throw new HttpError(404, 'no such route');
    }
  } catch (error) {
    return errorResponse(error);
  }
};

/** GET /conversations, GET /conversations/{id}/messages and GET /events, each scoped to the token's tenant, and their preflights. */
export const handler = withMiddleware(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  const result = await answer(event, context);
  return { ...result, headers: { ...result.headers, ...corsHeaders } };
}, tracer);
