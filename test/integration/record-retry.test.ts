import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../functions/core/ids.ts';
import { failureKey, messageKey } from '../../functions/core/items.ts';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { createQueues, type QueueUrls } from '../../lib/local/resources.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';
import { inboundSmsFields, twilioSid } from '../helpers/twilio.ts';

/**
 * The deployed processor module on fauxqs (SQS and S3) and DynamoDB Local: a record whose
 * large body is not in the body store fails on every try. The processor hides it for its
 * backoff delay with ChangeMessageVisibility and keeps why it failed in the messages table.
 *
 * The queue keeps a failed record hidden for five minutes on its own, while the processor is
 * told a one-second timeout, which makes its first delays 0 s: receiving the record again at
 * once shows that the processor changed its visibility.
 */

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
let queues: QueueUrls;
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  sqs = await startSqs();
  sqs.server.createBucket('bodies');
  queues = await createQueues(sqs.client, { prefix: 'retry-', endpoint: sqs.endpoint, visibilityTimeoutSeconds: 300 });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_S3: sqs.endpoint,
    MESSAGES_TABLE: dynamo.tables.Messages,
    ENDPOINTS_TABLE: dynamo.tables.Endpoints,
    STATS_TABLE: dynamo.tables.Stats,
    BODY_BUCKET: 'bodies',
    INGEST_QUEUE_URL: queues.ingest,
    INGEST_VISIBILITY_TIMEOUT_SECONDS: '1',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = await import('../../functions/processor/handler.ts'));
});

afterAll(async () => {
  await sqs?.stop();
  await dynamo?.stop();
});

/** A queued request whose large body was never stored: fetching it fails every time. */
const poisonBody = (requestId: string) => {
  const { body: _inline, ...fields } = aTwilioEnvelope(inboundSmsFields(), { requestId });
  return JSON.stringify({ ...fields, bodyKey: `bodies/2026-11-22/${requestId}`, bodyBytes: 800_000 });
};

const send = async (body: string): Promise<string> => (await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: body }))).MessageId ?? '';

/** Receives until these messages came, as Lambda's poller would hand them over. */
const receive = async (ids: readonly string[]): Promise<Message[]> => {
  const received = new Map<string, Message>();
  for (let tries = 0; received.size < ids.length && tries < 10; tries++) {
    const { Messages = [] } = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queues.ingest, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
    );
    for (const message of Messages) if (ids.includes(message.MessageId ?? '')) received.set(message.MessageId ?? '', message);
  }
  return ids.flatMap((id) => received.get(id) ?? []);
};

const toRecord = (message: Message): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '',
    SentTimestamp: message.Attributes?.SentTimestamp ?? '',
    SenderId: '',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '',
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:retry-ingest',
  awsRegion: 'us-east-1',
});

const invoke = (messages: readonly Message[]) => handler({ Records: messages.map(toRecord) }, lambdaContext('processor'));

const itemAt = async (key: { pk: string; sk: string }) => (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: key, ConsistentRead: true }))).Item;

describe('processor retry of a record that fails for now', () => {
  it('hides the record for its backoff delay, keeps why it failed, and stores its batch-mate', async () => {
    // Prepare
    const messageSid = twilioSid('SM');
    const poisonId = await send(poisonBody('req_poison_1'));
    const mateId = await send(JSON.stringify(aTwilioEnvelope(inboundSmsFields({ MessageSid: messageSid }), { requestId: 'req_mate_1' })));
    const firstReceive = await receive([poisonId, mateId]);

    // Act
    const response = await invoke(firstReceive);
    const secondReceive = await receive([poisonId]);
    const failedOnce = await itemAt(failureKey(poisonId));
    await invoke(secondReceive);
    const failedTwice = await itemAt(failureKey(poisonId));

    // Assess
    expect(firstReceive.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1']);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poisonId }] });
    expect(secondReceive.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(['2']);
    expect(failedOnce).toEqual({
      ...failureKey(poisonId),
      entity: 'failure',
      sqsMessageId: poisonId,
      receiveCount: 1,
      error: expect.stringMatching(/^Error: S3 GET bodies\/bodies\/2026-11-22\/req_poison_1 failed: NoSuchKey/),
      failedAt: expect.any(String),
      expiresAt: expect.any(Number),
      requestId: 'req_poison_1',
      tenantId: 'acme',
    });
    expect(failedOnce?.expiresAt).toBe(Math.floor(Date.parse(String(failedOnce?.failedAt)) / 1000) + ingestQueueSettings.dlqRetentionPeriodSeconds);
    expect(failedTwice).toMatchObject({ sqsMessageId: poisonId, receiveCount: 2 });
    expect(await itemAt(messageKey(messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, messageSid)))).toMatchObject({ providerMessageId: messageSid, source: { requestId: 'req_mate_1' } });
  });

  it('still reports the record and keeps why it failed when it can no longer be hidden', async () => {
    // Prepare: its receipt handle is stale, as when the record was already received again elsewhere.
    const poisonId = await send(poisonBody('req_poison_2'));
    const received = await receive([poisonId]);
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: queues.ingest, ReceiptHandle: received[0]?.ReceiptHandle }));

    // Act
    const response = await invoke(received);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poisonId }] });
    expect(await itemAt(failureKey(poisonId))).toMatchObject({ sqsMessageId: poisonId, receiveCount: 1, requestId: 'req_poison_2' });
  });
});
