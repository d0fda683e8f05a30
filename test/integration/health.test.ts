import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNameOf } from '../../functions/adapters/queue-monitor.ts';
import { startCloudWatchStandIn } from '../../lib/local/cloudwatch-standin.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { createQueues, type QueueUrls } from '../../lib/local/resources.ts';
import { lambdaEvent } from '../helpers/events.ts';
import { startSqs } from '../helpers/services.ts';

/** The deployed health handler against fauxqs and the local CloudWatch stand-in. */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let cloudwatch: Awaited<ReturnType<typeof startCloudWatchStandIn>>;
let queues: QueueUrls;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  sqs = await startSqs();
  queues = await createQueues(sqs.client, { prefix: 'health-', endpoint: sqs.endpoint });
  cloudwatch = await startCloudWatchStandIn({ queues: sqs.server });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    INGEST_QUEUE_URL: queues.ingest,
    DEAD_LETTER_QUEUE_URL: queues.deadLetter,
  });
  ({ handler } = await import('../../functions/health/handler.ts'));
});

afterAll(async () => {
  await cloudwatch?.stop();
  await sqs?.stop();
});

const healthEvent = () => ({ ...lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json'), httpMethod: 'GET', path: '/health', body: null, pathParameters: null });

describe('GET /health', () => {
  it('reports the ingest backlog, the age of its oldest message and the DLQ depth', async () => {
    // Prepare
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: 'waiting' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: 'waiting too' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.deadLetter, MessageBody: 'dead' }));
    await sleep(1_100);

    // Act
    const response = await handler(healthEvent(), lambdaContext('health'));

    // Assess
    expect(response.statusCode).toBe(200);
    const report = JSON.parse(response.body) as Record<string, Record<string, number>>;
    expect(report).toMatchObject({ status: 'ok', ingestQueue: { visible: 2, inFlight: 0 }, deadLetterQueue: { visible: 1 } });
    expect(report.ingestQueue?.oldestMessageAgeSeconds).toBeGreaterThanOrEqual(1);
    expect(queueNameOf(queues.ingest)).toBe('health-ingest');
  });

  it('answers 503, without details, when the queues cannot be read', async () => {
    await sqs.stop();

    const response = await handler(healthEvent(), lambdaContext('health'));

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ status: 'unavailable' });
  });
});
