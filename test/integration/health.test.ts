import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { queueNameOf } from '../../functions/adapters/queue-monitor.ts';
import { healthAnswerMaxAgeMs } from '../../functions/core/health.ts';
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

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The handler's clock, moved past the period its last answer is kept for at each call. */
let clock = Date.now();
const afterTheAnswerExpires = () => {
  clock = Math.max(clock, Date.now()) + healthAnswerMaxAgeMs;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
};

const healthEvent = () => ({ ...lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json'), httpMethod: 'GET', path: '/health', body: null, pathParameters: null });

describe('GET /health', () => {
  it('reports the ingest backlog, the age of its oldest message and the DLQ depth, degraded while the DLQ holds a request', async () => {
    // Prepare
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: 'waiting' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: 'waiting too' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.deadLetter, MessageBody: 'dead' }));
    await sleep(1_100);

    // Act
    const response = await handler(healthEvent(), lambdaContext('health'));

    // Assess
    expect(response.statusCode).toBe(200);
    // The operations page reads it from wherever it is hosted.
    expect(response.headers).toMatchObject({ 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
    const report = JSON.parse(response.body) as Record<string, Record<string, number>>;
    expect(report).toMatchObject({
      status: 'degraded',
      reasons: ['1 request in the DLQ: `switchboard dlq list` shows why each failed, `switchboard dlq redrive` retries them'],
      ingestQueue: { visible: 2, inFlight: 0 },
      deadLetterQueue: { visible: 1 },
    });
    expect(report.ingestQueue?.oldestMessageAgeSeconds).toBeGreaterThanOrEqual(1);
    expect(queueNameOf(queues.ingest)).toBe('health-ingest');
  });

  it('calls AWS once per period for any number of requests, anonymous as they are', async () => {
    // Prepare: the real calls, counted on their way to fauxqs and the CloudWatch stand-in.
    const sqsCalls = vi.spyOn(SQSClient.prototype, 'send');
    const cloudWatchCalls = vi.spyOn(CloudWatchClient.prototype, 'send');
    const callsSoFar = () => sqsCalls.mock.calls.length + cloudWatchCalls.mock.calls.length;
    afterTheAnswerExpires();

    // Act
    const flood = await Promise.all(Array.from({ length: 25 }, () => handler(healthEvent(), lambdaContext('health'))));
    for (let request = 0; request < 25; request += 1) flood.push(await handler(healthEvent(), lambdaContext('health')));
    const callsInOnePeriod = callsSoFar();
    afterTheAnswerExpires();
    const next = await handler(healthEvent(), lambdaContext('health'));

    // Assess: two queues' attributes and one metric, once for the 50 requests, once more after the period.
    expect(flood.map((response) => response.statusCode)).toEqual(Array(50).fill(200));
    expect(new Set(flood.map((response) => response.body)).size).toBe(1);
    expect(callsInOnePeriod).toBe(3);
    expect(next.statusCode).toBe(200);
    expect(callsSoFar()).toBe(6);
  });

  it('answers 503, without details, when the queues cannot be read', async () => {
    await sqs.stop();
    afterTheAnswerExpires();

    const response = await handler(healthEvent(), lambdaContext('health'));

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ status: 'unavailable' });
  });
});
