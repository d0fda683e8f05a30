import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueUnavailableRetryAfterSeconds } from '../../functions/core/ack.ts';
import { failureKey } from '../../functions/core/items.ts';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { createQueues } from '../../lib/local/resources.ts';
import { aTwilioEnvelope } from '../helpers/factories.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { createdFrameCounts, standardEndpoint, postMessage, queueDepths, standardMessages, storedConversation } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';
import { inboundSmsFields, twilioSid } from '../helpers/twilio.ts';

/**
 * Faults of the queue under `npm start`: a poison record, whose processing fails every time,
 * ends in the DLQ with the reason while its batch-mates are stored on the first try; and an
 * ingest queue that is gone at ack time makes the ack answer 503 with Retry-After, so that
 * nothing is acknowledged that is not queued, and the provider's retry is stored once the
 * queue is back.
 */

const visibilityTimeoutSeconds = 2;
let stack: LocalStackProcess;
let sqs: SQSClient;
let dynamo: DynamoDBDocumentClient;
const sockets: RecordingSocket[] = [];

beforeAll(async () => {
  stack = await startLocalStackProcess({ SWITCHBOARD_VISIBILITY_TIMEOUT: String(visibilityTimeoutSeconds) });
  const clientConfig = { region: stack.description.region, credentials: localCredentials };
  sqs = new SQSClient({ ...clientConfig, endpoint: stack.description.sqsEndpoint });
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...clientConfig, endpoint: stack.description.dynamodbEndpoint }));
}, 90_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close();
  sqs?.destroy();
  dynamo?.destroy();
  await stack?.stop();
});

const connect = async (tenant: string) => {
  const socket = await tenantSocket(stack, tenant);
  sockets.push(socket);
  return socket;
};

const failureOf = async (sqsMessageId: string) =>
  (await dynamo.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: failureKey(sqsMessageId), ConsistentRead: true }))).Item;

describe('a poison record', () => {
  it('ends in the DLQ after maxReceiveCount receives with why, while its batch-mates are stored on the first try', async () => {
    // Prepare: queued as the ack queues them; the poison's large body was never stored, so fetching it fails every time.
    const tenant = 'fault-poison';
    const socket = await connect(tenant);
    const mateSids = [twilioSid('SM'), twilioSid('SM'), twilioSid('SM'), twilioSid('SM')];
    const mates = mateSids.map((sid, index) => aTwilioEnvelope(inboundSmsFields({ MessageSid: sid }), { tenantId: tenant, requestId: `req_mate_${index}` }));
    const { body: _inline, ...fields } = aTwilioEnvelope(inboundSmsFields(), { tenantId: tenant, requestId: 'req_poison' });
    const poison = { ...fields, bodyKey: 'bodies/2026-11-22/req_poison', bodyBytes: 800_000 };

    // Act
    const { Successful = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.description.queues.ingest,
        Entries: [poison, ...mates].map((envelope, index) => ({ Id: String(index), MessageBody: JSON.stringify(envelope), MessageGroupId: tenant })),
      }),
    );
    const idOf = (index: number) => Successful.find((entry) => entry.Id === String(index))?.MessageId ?? '';
    await waitUntil(async () => (await queueDepths(stack.description)).deadLetter === 1, 'the poison record reached the DLQ');
    // The stream may still be carrying the batch-mates' frames on a busy machine.
    await waitUntil(async () => mateSids.every((sid) => createdFrameCounts(socket).has(sid)), "the batch-mates' frames arrived");
    const { Messages: dead = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.description.queues.deadLetter, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    const failure = await failureOf(idOf(0));
    const mateFailures = await Promise.all(mates.map((_, index) => failureOf(idOf(index + 1))));

    // Assess
    expect(Successful).toHaveLength(5);
    expect(dead.map((message) => message.MessageId)).toEqual([idOf(0)]);
    expect(failure).toMatchObject({
      sqsMessageId: idOf(0),
      receiveCount: ingestQueueSettings.maxReceiveCount,
      error: expect.stringMatching(/^Error: S3 GET \S+\/bodies\/2026-11-22\/req_poison failed: NoSuchKey/),
      requestId: 'req_poison',
      tenantId: tenant,
    });
    expect(mateFailures).toEqual([undefined, undefined, undefined, undefined]);
    const frames = createdFrameCounts(socket);
    expect(mateSids.map((sid) => frames.get(sid))).toEqual([1, 1, 1, 1]);
    expect(frames.size).toBe(4);
    expect((await queueDepths(stack.description)).ingest).toBe(0);
  });
});

describe('the ingest queue unavailable at ack time', () => {
  it('answers 503 with Retry-After, then stores the provider’s retry once the queue is back, each message once', async () => {
    // Prepare
    const tenant = 'fault-outage';
    const socket = await connect(tenant);
    const url = await standardEndpoint(stack, tenant);
    const [before, ...during] = standardMessages(url, 6, 'outage');
    const beforeAnswer = await postMessage(url, before!);
    await waitUntil(() => createdFrameCounts(socket).has(before!.providerMessageId), 'the message before the outage was pushed');

    // Act: the queue goes away, the provider is refused, the queue comes back as the stack makes it, the provider retries.
    await sqs.send(new DeleteQueueCommand({ QueueUrl: stack.description.queues.ingest }));
    const refused = await Promise.all(during.map((message) => postMessage(url, message)));
    await createQueues(sqs, { prefix: 'switchboard-', endpoint: stack.description.sqsEndpoint, visibilityTimeoutSeconds });
    const retried = await Promise.all(during.map((message) => postMessage(url, message)));
    await waitUntil(() => createdFrameCounts(socket).size === 6, 'every retried message was pushed');
    // Any duplicate would come through the queue and the stream within this.
    await sleep(1_500);
    const stored = await storedConversation(stack.description, tenant);

    // Assess
    expect(beforeAnswer.status).toBe(204);
    expect(refused.map((response) => response.status)).toEqual([503, 503, 503, 503, 503]);
    expect(refused.map((response) => response.headers.get('retry-after'))).toEqual(Array(5).fill(String(queueUnavailableRetryAfterSeconds)));
    expect(retried.map((response) => response.status)).toEqual([204, 204, 204, 204, 204]);
    const frames = createdFrameCounts(socket);
    expect([before!, ...during].map((message) => frames.get(message.providerMessageId))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(stored.providerMessageIds.sort()).toEqual([before!, ...during].map((message) => message.providerMessageId).sort());
    expect(stored.messageCount).toBe(6);
  });
});
