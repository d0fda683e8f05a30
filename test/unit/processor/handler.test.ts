import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../../lib/local/lambda-context.ts';
import { lambdaEvent } from '../../helpers/events.ts';
import { maxEventsPerRecord } from '../../../functions/core/request-parts.ts';
import { aTwilioEnvelope } from '../../helpers/factories.ts';
import { aBulkWhatsappEnvelope } from '../../helpers/meta-bulk.ts';
import { inboundSmsFields } from '../../helpers/twilio.ts';

/**
 * The processor handler's failure branch, with the AWS SDK mocked: a record whose large body
 * is not in the store (S3's NoSuchKey) fails on every try. It is hidden for its backoff delay, its failure is kept, and it alone is reported,
 * whatever happens to those two calls.
 */

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/switchboard-ingest';
const sqs = mockClient(SQSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_S3: 'http://s3.test',
    MESSAGES_TABLE: 'Messages',
    ENDPOINTS_TABLE: 'Endpoints',
    BODY_BUCKET: 'bodies',
    INGEST_QUEUE_URL: queueUrl,
    INGEST_VISIBILITY_TIMEOUT_SECONDS: '180',
    STATS_TABLE: 'Stats',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = await import('../../../functions/processor/handler.ts'));
});

beforeEach(() => {
  sqs.reset();
  dynamo.reset();
  s3.reset();
  // The archive PUT succeeds; no large body was ever stored, so every GET is S3's NoSuchKey.
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({});
});

const template = lambdaEvent<SQSEvent>('processor-sqs.json').Records[0]!;
const sqsRecord = (messageId: string, body: string, receiveCount: number): SQSRecord => ({
  ...template,
  messageId,
  receiptHandle: `handle-${messageId}`,
  body,
  attributes: { ...template.attributes, ApproximateReceiveCount: String(receiveCount) },
});

const { body: _inline, ...fields } = aTwilioEnvelope(inboundSmsFields(), { requestId: 'req_poison' });
const poison = sqsRecord('poison', JSON.stringify({ ...fields, bodyKey: 'bodies/2026-11-22/req_poison', bodyBytes: 800_000 }), 3);
const mate = sqsRecord('mate', JSON.stringify(aTwilioEnvelope(inboundSmsFields(), { requestId: 'req_mate' })), 1);

const failurePuts = () => dynamo.commandCalls(PutCommand).filter((call) => String(call.args[0].input.Item?.pk).startsWith('FAIL#'));

describe('processor handler, a record that fails for now', () => {
  it('hides it for its backoff delay, keeps why it failed, and reports it alone', async () => {
    // Act
    const response = await handler({ Records: [poison, mate] }, lambdaContext('processor'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    const hides = sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input);
    expect(hides).toEqual([{ QueueUrl: queueUrl, ReceiptHandle: 'handle-poison', VisibilityTimeout: expect.any(Number) }]);
    // Third receive of the deployed queue: full jitter up to 11.25 s × 2².
    expect(hides[0]?.VisibilityTimeout).toBeGreaterThanOrEqual(0);
    expect(hides[0]?.VisibilityTimeout).toBeLessThanOrEqual(45);
    expect(failurePuts().map((call) => call.args[0].input.Item)).toEqual([
      expect.objectContaining({
        pk: 'FAIL#poison',
        entity: 'failure',
        sqsMessageId: 'poison',
        receiveCount: 3,
        error: 'Error: S3 GET bodies/bodies/2026-11-22/req_poison failed: NoSuchKey: The specified key does not exist.',
        requestId: 'req_poison',
        tenantId: 'acme',
      }),
    ]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers a batch whose every record failed with all of them, rather than throwing', async () => {
    const another = { ...poison, messageId: 'poison-2', receiptHandle: 'handle-poison-2' };

    const response = await handler({ Records: [poison, another] }, lambdaContext('processor'));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }, { itemIdentifier: 'poison-2' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.ReceiptHandle).sort()).toEqual(['handle-poison', 'handle-poison-2']);
  });

  it('still reports only that record when it cannot be hidden', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(Object.assign(new Error('Message does not exist or is not available for visibility timeout change.'), { name: 'MessageNotInflight' }));

    const response = await handler({ Records: [poison, mate] }, lambdaContext('processor'));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(failurePuts()).toHaveLength(1);
  });

  it('still reports only that record when its failure cannot be kept', async () => {
    dynamo.on(PutCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    const response = await handler({ Records: [poison, mate] }, lambdaContext('processor'));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
  });
});

describe('processor handler, invocations that overlap in one process', () => {
  // As the local runtime runs two batches at once, and Lambda Managed Instances several invocations per environment.
  beforeEach(() => {
    dynamo.on(TransactWriteCommand).callsFake(async () => {
      await sleep(200);
      return {};
    });
  });

  it('answers an invocation with its own failure when another starts while it runs', async () => {
    // Act: the second starts once the first's poison record has failed, and ends after it.
    const first = handler({ Records: [poison, mate] }, lambdaContext('processor'));
    await vi.waitFor(() => expect(failurePuts()).toHaveLength(1));
    const second = handler({ Records: [{ ...mate, messageId: 'mate-2', receiptHandle: 'handle-mate-2' }] }, lambdaContext('processor'));

    // Assess
    expect(await first).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(await second).toEqual({ batchItemFailures: [] });
  });

  it('does not answer an invocation with the failure of another that ran meanwhile', async () => {
    // Act: the second starts while the first stores its record, and fails before the first ends.
    const first = handler({ Records: [mate] }, lambdaContext('processor'));
    await sleep(20);
    const second = await handler({ Records: [poison] }, lambdaContext('processor'));

    // Assess
    expect(second).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(await first).toEqual({ batchItemFailures: [] });
  });
});

describe('processor handler, a request too large for one record', () => {
  it('stores none of it and queues it again in parts on the ingest queue, in its tenant\'s group', async () => {
    const { messageIds: _ids, ...whole } = aBulkWhatsappEnvelope(maxEventsPerRecord + 1, { requestId: 'req_bulk_handler' });

    const response = await handler({ Records: [sqsRecord('bulk', JSON.stringify(whole), 1)] }, lambdaContext('processor'));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent.map(({ QueueUrl, MessageGroupId }) => ({ QueueUrl, MessageGroupId }))).toEqual([
      { QueueUrl: queueUrl, MessageGroupId: 'acme' },
      { QueueUrl: queueUrl, MessageGroupId: 'acme' },
    ]);
    expect(sent.map(({ MessageBody }) => JSON.parse(MessageBody ?? '{}').part)).toEqual([
      { start: 0, end: maxEventsPerRecord },
      { start: maxEventsPerRecord, end: maxEventsPerRecord + 1 },
    ]);
  });
});

describe('processor handler, when its time runs short', () => {
  const timeRanOut = (sqsMessageId: string) => expect.objectContaining({ pk: `FAIL#${sqsMessageId}`, sqsMessageId, error: 'ProcessorTimeRanOut: processor time ran out', requestId: 'req_mate' });

  it('gives up on a record still being stored, reports it and records why, before the timeout', async () => {
    // Storing takes 3 s of a 1 s timeout: without the guard, Lambda would kill the invocation with nothing recorded.
    dynamo.on(TransactWriteCommand).callsFake(async () => {
      await sleep(3_000);
      return {};
    });
    const started = Date.now();

    const response = await handler({ Records: [mate] }, lambdaContext('processor', 1_000));

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'mate' }] });
    expect(failurePuts().map((call) => call.args[0].input.Item)).toEqual([timeRanOut('mate')]);
  });

  it('does not start a record when no time is left, and records why it failed', async () => {
    const response = await handler({ Records: [mate] }, lambdaContext('processor', 0));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'mate' }] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(failurePuts().map((call) => call.args[0].input.Item)).toEqual([timeRanOut('mate')]);
  });
});

describe('processor handler, its stats', () => {
  const statsUpdates = () => dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.TableName === 'Stats').map((call) => call.args[0].input);

  it('counts a record failing on its last receive as failed, and settles its attempt, under the envelope\'s tenant', async () => {
    // Prepare: the deployed queue moves a record to the DLQ after its 5th receive.
    const last = { ...poison, attributes: { ...poison.attributes, ApproximateReceiveCount: '5' } };

    // Act
    const response = await handler({ Records: [last] }, lambdaContext('processor'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    const updates = statsUpdates();
    expect(updates).toHaveLength(2);
    const [add] = updates.filter((update) => update.UpdateExpression?.startsWith('ADD'));
    expect(add?.Key).toEqual({ pk: 'COUNT#acme', sk: `2026-11-22T12#twilio#${fields.endpointId}` });
    expect(add?.ExpressionAttributeNames).toMatchObject({ '#c0': 'failed' });
    expect(add?.ExpressionAttributeValues).toMatchObject({ ':c0': 1, ':tenantId': 'acme' });
    const [settle] = updates.filter((update) => update.ConditionExpression === 'attribute_exists(pk)');
    expect(settle?.Key).toEqual({ pk: 'RECENT#acme', sk: '2026-11-22T12:00:00.000Z#req_poison' });
    expect(settle?.ExpressionAttributeValues).toEqual({
      ':outcome': 'failed',
      ':reason': 'Error: S3 GET bodies/bodies/2026-11-22/req_poison failed: NoSuchKey: The specified key does not exist.',
    });
  });

  it('counts nothing for a record that will be delivered again', async () => {
    await handler({ Records: [poison] }, lambdaContext('processor'));

    expect(statsUpdates()).toEqual([]);
  });

  it('still answers the batch when the stats cannot be written', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('throttled'));
    const last = { ...poison, attributes: { ...poison.attributes, ApproximateReceiveCount: '5' } };

    const response = await handler({ Records: [last, mate] }, lambdaContext('processor'));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(statsUpdates().length).toBeGreaterThan(0);
  });
});
