import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { envelopeSchema } from '../../functions/core/envelope.ts';
import { statsKeys } from '../../functions/core/stats.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { webhookEvent } from '../helpers/events.ts';
import { freePort } from '../helpers/ports.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';

/**
 * The deployed ack handler module against DynamoDB Local and fauxqs: the queue is down at
 * first, so the provider gets 503 and retries; once it is back the retry is queued.
 */

const publicBaseUrl = 'https://hooks.example.com/prod';
const endpointId = 'ep_ackHandlerIntegration00000000';
const authToken = 'integration-auth-token';
const globexEndpointId = 'ep_ackHandlerGlobex0000000000000';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let sqsPort: number;
let sqs: Awaited<ReturnType<typeof startSqs>> | undefined;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  sqsPort = await freePort();
  await createEndpointStore(dynamo.documentClient, dynamo.tables.Endpoints).put({
    endpointId,
    provider: 'twilio',
    tenantId: 'acme',
    secrets: [authToken],
    createdAt: new Date().toISOString(),
  });
  await createEndpointStore(dynamo.documentClient, dynamo.tables.Endpoints).put({
    endpointId: globexEndpointId,
    provider: 'twilio',
    tenantId: 'globex',
    secrets: ['globex-auth-token'],
    createdAt: new Date().toISOString(),
  });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${sqsPort}`,
    ENDPOINTS_TABLE: dynamo.tables.Endpoints,
    STATS_TABLE: dynamo.tables.Stats,
    ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:switchboard-alerts',
    // No SNS here: publishing the alert fails, which must not change an answer.
    AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
    NONCES_TABLE: dynamo.tables.Nonces,
    BODY_BUCKET: 'bodies',
    INGEST_QUEUE_URL: `http://127.0.0.1:${sqsPort}/000000000000/ingest`,
    PUBLIC_BASE_URL: publicBaseUrl,
  });
  ({ handler } = await import('../../functions/ack/handler.ts'));
});

afterAll(async () => {
  await sqs?.stop();
  await dynamo?.stop();
});

const signedSms = (messageSid: string) => {
  const request = signedTwilioRequest(`${publicBaseUrl}/webhooks/twilio/${endpointId}`, authToken, inboundSmsFields({ MessageSid: messageSid }));
  return webhookEvent('twilio', endpointId, request.headers, request.body);
};

const queuedEnvelopes = async () => {
  const { Messages = [] } = await sqs!.client.send(
    new ReceiveMessageCommand({ QueueUrl: process.env.INGEST_QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return Messages.map((message) => envelopeSchema.parse(JSON.parse(message.Body ?? '')));
};

describe('ack handler', () => {
  it('answers 503 with Retry-After while the queue is down, and queues the retry once it is back', async () => {
    // Prepare
    const event = signedSms(twilioSid('SM'));

    // Act: the queue is not running yet.
    const refused = await handler(event, lambdaContext('ack'));
    sqs = await startSqs(sqsPort);
    await sqs.client.send(new CreateQueueCommand({ QueueName: 'ingest' }));
    const retried = await handler(structuredClone(event), lambdaContext('ack'));

    // Assess
    expect(refused.statusCode).toBe(503);
    expect(refused.headers).toMatchObject({ 'retry-after': '30' });
    expect(refused.body).not.toMatch(/ECONNREFUSED|stack|at /);
    expect(retried).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/xml' } });
    const envelopes = await queuedEnvelopes();
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0]).toMatchObject({ tenantId: 'acme', endpointId, url: `${publicBaseUrl}/webhooks/twilio/${endpointId}` });
    expect(envelopes[0]).toHaveProperty('body', event.body);
  });

  it('refuses a tampered body with 401 and queues nothing', async () => {
    const event = signedSms(twilioSid('SM'));
    const tampered = Buffer.from(event.body ?? '', 'base64').toString().replace('Hello', 'Jello');

    const result = await handler({ ...event, body: Buffer.from(tampered).toString('base64') }, lambdaContext('ack'));

    expect(result.statusCode).toBe(401);
    expect(await queuedEnvelopes()).toHaveLength(0);
  });
});

describe('ack handler, its stats', () => {
  const partition = async (pk: string) =>
    (
      await dynamo.documentClient.send(
        new QueryCommand({ TableName: dynamo.tables.Stats, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
      )
    ).Items ?? [];

  it('moves a request whose enqueue failed from acked to its refusal, and counts the retry and the tampered body (the tests above)', async () => {
    const sums: Record<string, number> = {};
    for (const bucket of await partition(statsKeys.bucketPartition('acme'))) {
      for (const name of ['received', 'acked', 'refused_queue_unavailable', 'refused_signature']) sums[name] = (sums[name] ?? 0) + Number(bucket[name] ?? 0);
    }

    expect(sums).toEqual({ received: 3, acked: 1, refused_queue_unavailable: 1, refused_signature: 1 });
  });

  it("counts badly signed requests in the endpoint's own tenant's bucket only, and answers each 401 though the alert cannot be published", async () => {
    // Prepare: signed with acme's secret, sent to globex's endpoint.
    const request = signedTwilioRequest(`${publicBaseUrl}/webhooks/twilio/${globexEndpointId}`, authToken, inboundSmsFields({ MessageSid: twilioSid('SM') }));
    const event = webhookEvent('twilio', globexEndpointId, request.headers, request.body);

    // Act: one past the alert threshold.
    const results = [];
    for (let n = 0; n < 6; n++) results.push(await handler({ ...event, requestContext: { ...event.requestContext, requestId: `req_globex_${n}` } }, lambdaContext('ack')));

    // Assess
    expect(results.map((result) => result.statusCode)).toEqual([401, 401, 401, 401, 401, 401]);
    const [bucket, ...others] = await partition(statsKeys.bucketPartition('globex'));
    expect(others).toEqual([]);
    expect(bucket).toMatchObject({ tenantId: 'globex', endpointId: globexEndpointId, provider: 'twilio', received: 6, refused_signature: 6 });
    expect(bucket).not.toHaveProperty('acked');
    const attempts = await partition(statsKeys.attemptPartition('globex'));
    expect(attempts.map((attempt) => [attempt.requestId, attempt.outcome, attempt.reason, attempt.statusCode]).sort()).toEqual(
      Array.from({ length: 6 }, (_, n) => [`req_globex_${n}`, 'refused', 'signature', 401]),
    );
    expect((await partition(statsKeys.bucketPartition('acme'))).filter((item) => item.endpointId === globexEndpointId)).toEqual([]);
  });
});
