import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { messageIdFor } from '../../functions/core/ids.ts';
import { messageKey } from '../../functions/core/items.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { lambdaEvent, webhookEvent } from '../helpers/events.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';

/**
 * One webhook through the deployed ack, processor and broadcaster modules, reading what they
 * print: EMF metrics, and JSON logs whose correlation id follows the webhook to its frame.
 */

type Handler<Event, Result> = (event: Event, context: Context) => Promise<Result>;

const publicBaseUrl = 'https://hooks.example.com/prod';
const endpointId = 'ep_observabilityIntegration00000';
const authToken = 'observability-auth-token';
const privateText = 'my card number is 4111 1111 1111 1111';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
let queueUrl: string;
let ack: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
let processor: Handler<SQSEvent, unknown>;
let broadcaster: Handler<DynamoDBStreamEvent, unknown>;
let printed: string[] = [];
let warned: string[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDb();
  sqs = await startSqs();
  sqs.server.createBucket('bodies');
  const { QueueUrl = '' } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'observed' }));
  queueUrl = new URL(new URL(QueueUrl).pathname, sqs.endpoint).toString();
  await createEndpointStore(dynamo.documentClient, dynamo.tables.Endpoints).put({
    endpointId,
    provider: 'twilio',
    tenantId: 'acme',
    secrets: [authToken],
    createdAt: new Date().toISOString(),
  });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_S3: sqs.endpoint,
    ENDPOINTS_TABLE: dynamo.tables.Endpoints,
    STATS_TABLE: dynamo.tables.Stats,
    ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:switchboard-alerts',
    NONCES_TABLE: dynamo.tables.Nonces,
    BODY_BUCKET: 'bodies',
    MESSAGES_TABLE: dynamo.tables.Messages,
    FEED_TABLE: dynamo.tables.Feed,
    CONNECTIONS_TABLE: dynamo.tables.Connections,
    INGEST_QUEUE_URL: queueUrl,
    INGEST_VISIBILITY_TIMEOUT_SECONDS: '180',
    PUBLIC_BASE_URL: publicBaseUrl,
    // No connection exists, so the broadcaster never calls it.
    WEBSOCKET_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  ({ handler: ack } = await import('../../functions/ack/handler.ts'));
  ({ handler: processor } = await import('../../functions/processor/handler.ts'));
  ({ handler: broadcaster } = await import('../../functions/broadcaster/handler.ts'));
});

afterAll(async () => {
  await sqs?.stop();
  await dynamo?.stop();
});

beforeEach(() => {
  printed = [];
  warned = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(chunk.toString());
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    warned.push(chunk.toString());
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const lines = () => printed.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
const emf = () => lines().filter((line) => '_aws' in line);
const logs = () => lines().filter((line) => !('_aws' in line));
const metricNames = (blob: Record<string, unknown>) =>
  ((blob._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0]?.Metrics ?? []).map((metric) => metric.Name);
const blobWith = (name: string) => emf().find((blob) => metricNames(blob).includes(name));

const signedEvent = (messageSid: string, requestId: string, token = authToken) => {
  const request = signedTwilioRequest(`${publicBaseUrl}/webhooks/twilio/${endpointId}`, token, inboundSmsFields({ MessageSid: messageSid, Body: privateText }));
  const event = webhookEvent('twilio', endpointId, request.headers, request.body);
  return { ...event, requestContext: { ...event.requestContext, requestId } };
};

describe('observability', () => {
  it('counts a refused webhook by reason and logs it with its correlation id', async () => {
    const result = await ack(signedEvent(twilioSid('SM'), 'req-refused', 'not-the-token'), lambdaContext('ack'));

    expect(result.statusCode).toBe(401);
    expect(blobWith('WebhookRejected')).toMatchObject({ provider: 'twilio', reason: 'signature', WebhookRejected: 1, service: 'switchboard' });
    expect(blobWith('WebhookReceived')).toMatchObject({ provider: 'twilio', WebhookReceived: 1 });
    expect(logs().find((line) => line.message === 'webhook rejected')).toMatchObject({ correlation_id: 'req-refused', reason: 'signature', level: 'INFO' });
    // Each ack metric carries its own dimensions, so the invocation's buffer stays empty: no warning for it.
    expect([...printed, ...warned].join('')).not.toContain('No application metrics to publish');
  });

  it('follows one webhook from ack to frame with one correlation id, and logs no message content', async () => {
    // Prepare
    const messageSid = twilioSid('SM');
    const requestId = `req-${messageSid}`;

    // Act: ack, then the processor on what was queued, then the broadcaster on what was stored.
    const acked = await ack(signedEvent(messageSid, requestId), lambdaContext('ack'));
    const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const sqsEvent = lambdaEvent<SQSEvent>('processor-sqs.json');
    sqsEvent.Records = Messages.map((message) => ({ ...sqsEvent.Records[0]!, messageId: message.MessageId ?? '', body: message.Body ?? '' }));
    await processor(sqsEvent, lambdaContext('processor'));
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tables.Messages, Key: { pk: { S: messageKey(messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, messageSid)).pk }, sk: { S: 'MSG' } } }));
    const streamEvent = lambdaEvent<DynamoDBStreamEvent>('broadcaster-stream.json');
    streamEvent.Records = [{ ...streamEvent.Records[0]!, dynamodb: { ...streamEvent.Records[0]!.dynamodb, NewImage: Item as never } }];
    await broadcaster(streamEvent, lambdaContext('broadcaster'));

    // Assess
    expect(acked.statusCode).toBe(200);
    expect(blobWith('WebhookEnqueued')).toMatchObject({ provider: 'twilio', WebhookEnqueued: 1 });
    expect(blobWith('MessageStored')).toMatchObject({ MessageStored: 1, ReceivedToStoredLag: expect.any(Number) });
    expect(blobWith('StoredToPushedLag')).toMatchObject({ FramesSent: 0, StoredToPushedLag: expect.any(Number) });
    const correlated = logs().filter((line) => line.correlation_id === requestId).map((line) => line.message);
    expect(correlated).toEqual(['webhook queued', 'message stored', 'frame pushed']);
    expect(printed.join('')).not.toContain('4111');
    expect(printed.join('')).not.toContain(authToken);
  });

  it("answers a replayed Mailgun request with Mailgun's 406, and counts it as replayed", async () => {
    // Prepare
    const mailgunEndpointId = 'ep_observabilityMailgun000000000';
    await createEndpointStore(dynamo.documentClient, dynamo.tables.Endpoints).put({ endpointId: mailgunEndpointId, provider: 'mailgun', tenantId: 'acme', secrets: ['key-observability'], createdAt: new Date().toISOString() });
    const sample = (await loadProvider('mailgun'))!.sample({ url: `${publicBaseUrl}/webhooks/mailgun/${mailgunEndpointId}`, secret: 'key-observability', text: 'hello' });
    const event = webhookEvent('mailgun', mailgunEndpointId, { ...sample.headers }, sample.body);

    // Act
    const first = await ack(structuredClone(event), lambdaContext('ack'));
    const replayed = await ack(structuredClone(event), lambdaContext('ack'));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(replayed).toMatchObject({ statusCode: 406, body: '{"error":"this request was already received (replayed token)","reason":"replayed"}' });
    expect(blobWith('WebhookRejected')).toMatchObject({ provider: 'mailgun', reason: 'replayed', WebhookRejected: 1 });
    expect(logs().find((line) => line.message === 'webhook rejected')).toMatchObject({ provider: 'mailgun', reason: 'replayed', statusCode: 406 });
  });
});
