import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient, sqs } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createMessageStore } from '../adapters/message-store.ts';
import { createOutboxStore } from '../adapters/outbox-store.ts';
import { createSendQueues } from '../adapters/send-queue.ts';
import { createSocketPusher } from '../adapters/socket-pusher.ts';
import type { AcceptDependencies } from '../core/accept.ts';
import { Refused } from '../core/errors.ts';
import { answerFailures } from '../shared/answer-failures.ts';
import { bearerTenant } from '../shared/bearer-auth.ts';
import { configOf } from '../shared/config.ts';
import { corsForAnyOrigin } from '../shared/cors.ts';
import { withHttpMiddleware, withMiddleware } from '../shared/middleware.ts';
import { logger } from '../shared/powertools.ts';
import { tokenVerifierFrom } from '../shared/token-verifier.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { sendRoutes } from './routes.ts';
import { sendFromSocket } from './socket-send.ts';

const config = configOf('send');
const client = dynamoDocumentClient(traced);
const messages = createMessageStore(client, config.MESSAGES_TABLE);
const outbox = createOutboxStore(client, { messages: config.MESSAGES_TABLE, sending: config.SENDING_TABLE });
/** Credentials set, or a pause, reach the accept within 5 s; the sender reads the endpoint afresh for every attempt. */
const cachedEndpoint = cachedLookup(createEndpointStore(client, config.ENDPOINTS_TABLE).get, { ttlMs: 5_000, missTtlMs: 1_000 });
const queues = createSendQueues(sqs(traced), {
  sendSms: config.SEND_SMS_QUEUE_URL,
  sendWhatsapp: config.SEND_WHATSAPP_QUEUE_URL,
  sendMessenger: config.SEND_MESSENGER_QUEUE_URL,
  sendEmail: config.SEND_EMAIL_QUEUE_URL,
});
const connections = createConnectionStore(client, config.CONNECTIONS_TABLE);
const pusher = createSocketPusher(traced(new ApiGatewayManagementApiClient({ endpoint: config.WEBSOCKET_MANAGEMENT_ENDPOINT })));
const verify = tokenVerifierFrom(config);

const dependencies: AcceptDependencies = {
  conversation: outbox.conversation,
  endpoint: cachedEndpoint,
  idempotencyRecord: outbox.idempotencyRecord,
  store: async (message, key, records) => ((await messages.saveMessage(message, key, records.map((Item) => ({ Put: { TableName: config.SENDING_TABLE, Item, ConditionExpression: 'attribute_not_exists(pk)' } })))) === 'duplicate' ? 'taken' : 'stored'),
  enqueue: (message) => queues.enqueue(message),
  message: outbox.message,
  now: () => new Date(),
  sleep: (milliseconds) => sleep(milliseconds),
  onEnqueueFailed: (error, messageId) => logger.warn('could not queue an accepted message; the reconciler will', { messageId, error }),
};

const router = httpRouterHandler({
  routes: sendRoutes(dependencies),
  notFoundResponse: () => {
    throw new Refused('not_found', 'no such route');
  },
});

const httpHandler = withHttpMiddleware(
  router,
  [
    corsForAnyOrigin({ allowMethods: 'POST, OPTIONS', allowHeaders: 'authorization, content-type, idempotency-key', maxAgeSeconds: 7200 }),
    answerFailures(),
    bearerTenant(verify),
  ],
  tracer,
);

/** The WebSocket's `send` route: the connection's tenant, the same accept, the answer on the connection. */
const socketHandler = withMiddleware(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const connectionId = event.requestContext.connectionId ?? '';
  const tenantId = await connections.tenantOf(connectionId);
  if (!tenantId) return { statusCode: 410, body: '' };
  const reply = await sendFromSocket(tenantId, event.body ?? '', event.requestContext.requestId, dependencies).catch((error: unknown) => {
    logger.error('send from a socket failed', { error });
    return { type: 'send.failed', error: 'internal error' };
  });
  await pusher.send(connectionId, JSON.stringify(reply));
  return { statusCode: 200, body: '' };
}, tracer);

/** POST /conversations/{id}/messages, POST /messages and their preflights, and the WebSocket's `send` action. */
export const handler = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
  event.requestContext.connectionId ? socketHandler(event, context) : httpHandler(event, context);
