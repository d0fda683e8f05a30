import { GetItemCommand, PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TransactWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../lib/definitions/functions.ts';
import { functionAccessKeyId, startAccessGuard } from '../../lib/local/access-guard.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { createQueues } from '../../lib/local/resources.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';

/**
 * The access guards of the local runtime, with the real SDK against DynamoDB Local and fauxqs:
 * a call a function's definition grants goes through and lands where the operator sees it; a
 * call it does not grant is refused as IAM refuses it, and nothing is written.
 */

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
let queues: Awaited<ReturnType<typeof createQueues>>;
const guards: { dynamodb: string; sqs: string } = { dynamodb: '', sqs: '' };
const stops: (() => Promise<void>)[] = [];
const denials: string[] = [];
const bucket = 'guarded-bodies';

const as = (name: FunctionName) => ({ region: localRegion, credentials: { accessKeyId: functionAccessKeyId(name), secretAccessKey: localCredentials.secretAccessKey } });
const dynamoAs = (name: FunctionName) => new DynamoDBClient({ ...as(name), endpoint: guards.dynamodb });
const item = (pk: string) => ({ pk: { S: pk }, sk: { S: 'x' } });

beforeAll(async () => {
  dynamo = await startDynamoDb();
  sqs = await startSqs();
  sqs.server.createBucket(bucket);
  queues = await createQueues(sqs.client, { prefix: 'guarded-', endpoint: sqs.endpoint });
  const names = { tables: dynamo.tables, queues, bucket, secrets: { jwt: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:jwt-AbCdEf', sendKey: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:send-key-AbCdEf' } };
  for (const [service, target, key] of [
    ['dynamodb', dynamo.endpoint, 'dynamodb'],
    ['sqs-and-s3', sqs.endpoint, 'sqs'],
  ] as const) {
    const guard = await startAccessGuard({ service, target, names, tokenMode: 'sharedSecret', onDenied: (message) => denials.push(message) });
    stops.push(guard.stop);
    guards[key] = guard.endpoint;
  }
}, 60_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await sqs?.stop();
  await dynamo?.stop();
});

describe('the local access guard', () => {
  it("lets a function do what its definition grants, on the operator's data", async () => {
    // Act
    await dynamoAs('processor').send(new PutItemCommand({ TableName: dynamo.tables.Messages, Item: item('granted') }));

    // Assess
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tables.Messages, Key: item('granted') }));
    expect(Item?.pk?.S).toBe('granted');
  });

  it('refuses a write the definition does not grant, as IAM does, and writes nothing', async () => {
    // Act
    const refused = dynamoAs('query').send(new PutItemCommand({ TableName: dynamo.tables.Messages, Item: item('refused') }));

    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('query is not authorized to perform: dynamodb:PutItem') });
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tables.Messages, Key: item('refused') }));
    expect(Item).toBeUndefined();
    expect(denials.at(-1)).toContain('dynamodb:PutItem on resource: ' + dynamo.tables.Messages);
  });

  it("authorizes each item of a transaction by its own action, as IAM does", async () => {
    // Prepare
    const documents = DynamoDBDocumentClient.from(dynamoAs('processor'));
    const put = { Put: { TableName: dynamo.tables.Messages, Item: { pk: 'transacted', sk: 'x' } } };

    // Act
    const granted = await documents.send(new TransactWriteCommand({ TransactItems: [put] }));
    const withCheck = documents.send(
      new TransactWriteCommand({ TransactItems: [{ ConditionCheck: { TableName: dynamo.tables.Endpoints, Key: { endpointId: 'e' }, ConditionExpression: 'attribute_not_exists(endpointId)' } }] }),
    );

    // Assess
    expect(granted.$metadata.httpStatusCode).toBe(200);
    await expect(withCheck).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('dynamodb:ConditionCheckItem') });
  });

  it('holds queue sends to the queues granted', async () => {
    // Prepare
    const sqsAs = (name: FunctionName) => new SQSClient({ ...as(name), endpoint: guards.sqs });

    // Act
    const sent = await sqsAs('ack').send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: '{}' }));
    const refused = sqsAs('health').send(new SendMessageCommand({ QueueUrl: queues.ingest, MessageBody: '{}' }));

    // Assess
    expect(sent.MessageId).toEqual(expect.any(String));
    await expect(refused).rejects.toThrow(/health is not authorized to perform: sqs:SendMessage/);
  });

  it('holds S3 calls to the prefixes granted', async () => {
    // Prepare
    const processor = new S3Client({ ...as('processor'), endpoint: guards.sqs, forcePathStyle: true });
    await new S3Client({ region: localRegion, credentials: localCredentials, endpoint: sqs.endpoint, forcePathStyle: true }).send(
      new PutObjectCommand({ Bucket: bucket, Key: 'archive/day/request.json', Body: '{}' }),
    );

    // Act
    const archived = await processor.send(new PutObjectCommand({ Bucket: bucket, Key: 'archive/day/other.json', Body: '{}' }));
    const readBack = processor.send(new GetObjectCommand({ Bucket: bucket, Key: 'archive/day/request.json' }));

    // Assess
    expect(archived.$metadata.httpStatusCode).toBe(200);
    await expect(readBack).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:GetObject') });
  });
});
