import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient, s3, sqs } from '../adapters/clients.ts';
import { createConnectionStore } from '../adapters/connection-store.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { mediaStoreBeside } from '../adapters/media-store.ts';
import { createMessageStore } from '../adapters/message-store.ts';
import { createOutboxStore } from '../adapters/outbox-store.ts';
import { createSendQueues } from '../adapters/send-queue.ts';
import { createSocketPusher } from '../adapters/socket-pusher.ts';
import { createUploadRecords, uploadObjectsOn } from '../adapters/upload-store.ts';
import type { AcceptDependencies } from '../core/accept.ts';
import { Refused } from '../core/errors.ts';
import type { UploadDependencies } from '../core/uploads.ts';
import { answerFailures } from '../shared/answer-failures.ts';
import { bearerTenant } from '../shared/bearer-auth.ts';
import { configOf } from '../shared/config.ts';
import { corsForAnyOrigin } from '../shared/cors.ts';
import { withHttpMiddleware, withMiddleware } from '../shared/middleware.ts';
import { logger } from '../shared/powertools.ts';
import { tokenVerifierFrom } from '../shared/token-verifier.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { sendRoutes, uploadRoute } from './routes.ts';
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
const bucketClient = s3(traced);
const uploadRecords = createUploadRecords(client, config.SENDING_TABLE);
const uploadObjects = uploadObjectsOn(bucketClient, config.BODY_BUCKET);
const mediaStore = mediaStoreBeside(bucketClient, config.BODY_BUCKET);
const uploads: UploadDependencies = {
  presignPut: mediaStore.presignPut,
  saveUpload: uploadRecords.saveUpload,
  upload: uploadRecords.upload,
  head: uploadObjects.head,
  now: () => new Date(),
};

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
  uploads,
};

const router = httpRouterHandler({
  routes: [...sendRoutes(dependencies), uploadRoute(uploads)],
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

/** POST /conversations/{id}/messages, POST /messages, POST /media and their preflights, and the WebSocket's `send` action. */
export const handler = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
  event.requestContext.connectionId ? socketHandler(event, context) : httpHandler(event, context);
