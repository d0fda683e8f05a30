import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { quarantineKey, type QuarantineRecord } from '../../../functions/core/items.ts';
import { describeQuarantined, describeReplay, formatQuarantined, listQuarantined, replayQuarantined } from '../../../lib/cli/quarantine.ts';
import type { QueueTarget } from '../../../lib/cli/target.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';

const sqsClient = new SQSClient({ region: 'us-east-1' });
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const sqs = mockClient(sqsClient);
const dynamo = mockClient(documentClient);
const ingestQueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/Switchboard-Ingest';

const target: QueueTarget = {
  sqs: sqsClient,
  ingestQueueUrl,
  deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/Switchboard-DeadLetter',
  messages: documentClient,
  messagesTable: 'Messages',
  bodies: { put: async () => {}, list: async () => [], get: async (key) => Promise.reject(new Error(`no archived body ${key} in these tests`)) },
  redrive: 'move-task',
};

const aRecord = (overrides: Partial<QuarantineRecord> = {}): QuarantineRecord => ({
  id: 'c0ffee00-0000-4000-8000-000000000001',
  reason: 'not a Twilio inbound message: ✖ a SM|MM SID\n  → at MessageSid',
  raw: '{"version":1,"body":"Qm9keT1teStwaW4rMTIzNA=="} — café',
  rawBytes: Buffer.byteLength('{"version":1,"body":"Qm9keT1teStwaW4rMTIzNA=="} — café'),
  tenantId: 'acme',
  requestId: 'req_1',
  quarantinedAt: '2026-11-23T10:00:00.000Z',
  ...overrides,
});

const asItem = (record: QuarantineRecord) => ({ ...quarantineKey(record.id), entity: 'quarantine', gsi1pk: 'QUARANTINE', gsi1sk: `${record.quarantinedAt}#${record.id}`, ...record });

beforeEach(() => {
  sqs.reset();
  dynamo.reset();
});

describe('quarantine list', () => {
  it('shows when, which, whose and why, and counts the body without showing it', () => {
    // Prepare
    const record = aRecord();

    // Act
    const entry = describeQuarantined(record);
    const text = formatQuarantined([entry]);

    // Assess
    expect(entry).toEqual({
      id: record.id,
      quarantinedAt: '2026-11-23T10:00:00.000Z',
      tenantId: 'acme',
      requestId: 'req_1',
      reason: record.reason,
      bytes: record.rawBytes,
    });
    expect(text).toEqual([
      `QUARANTINED AT            ${'ID'.padEnd(record.id.length)}  TENANT  REQUEST  REASON`,
      `2026-11-23T10:00:00.000Z  ${record.id}  acme    req_1    not a Twilio inbound message: ✖ a SM|MM SID → at MessageSid`,
    ]);
    expect(JSON.stringify(entry) + text.join('\n')).not.toContain('Qm9keT1t');
  });

  it('marks what a body that was no envelope cannot tell, and says when nothing is quarantined', () => {
    const entry = describeQuarantined(aRecord({ tenantId: undefined, requestId: undefined, reason: 'not a Switchboard envelope: the queued body is not JSON' }));

    expect(formatQuarantined([entry])[1]).toBe(`2026-11-23T10:00:00.000Z  ${entry.id}  -       -        not a Switchboard envelope: the queued body is not JSON`);
    expect(formatQuarantined([])).toEqual(['Nothing is quarantined.']);
  });

  it('queries the quarantine index newest first, page after page, filtered to a tenant when asked', async () => {
    // Prepare
    const newer = aRecord({ id: 'q-2', quarantinedAt: '2026-11-23T11:00:00.000Z' });
    const older = aRecord({ id: 'q-1' });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [asItem(newer)], LastEvaluatedKey: { pk: 'QUAR#q-2', sk: 'QUAR', gsi1pk: 'QUARANTINE', gsi1sk: 'x' } })
      .resolvesOnce({ Items: [asItem(older)] });

    // Act
    const entries = await listQuarantined(target, { tenant: 'acme' });

    // Assess
    expect(entries.map((entry) => entry.id)).toEqual(['q-2', 'q-1']);
    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toMatchObject({
      TableName: 'Messages',
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :partition',
      FilterExpression: 'tenantId = :tenant',
      ExpressionAttributeValues: { ':partition': 'QUARANTINE', ':tenant': 'acme' },
      ScanIndexForward: false,
    });
    expect(inputs[1]?.ExclusiveStartKey).toEqual({ pk: 'QUAR#q-2', sk: 'QUAR', gsi1pk: 'QUARANTINE', gsi1sk: 'x' });
  });
});

describe('quarantine replay', () => {
  it("puts the exact queued body back in its tenant's group, then takes it out of quarantine", async () => {
    // Prepare
    const record = aRecord();
    dynamo.on(GetCommand).resolves({ Item: asItem(record) });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'replay-1' });

    // Act
    const result = await replayQuarantined(target, record.id);

    // Assess
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([{ QueueUrl: ingestQueueUrl, MessageBody: record.raw, MessageGroupId: 'acme' }]);
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([{ TableName: 'Messages', Key: quarantineKey(record.id) }]);
    expect(result).toEqual({ replayed: record.id, tenantId: 'acme', requestId: 'req_1', sqsMessageId: 'replay-1' });
    expect(describeReplay(result)).toEqual([
      `Replayed ${record.id} (tenant acme, request req_1) on the ingest queue as SQS message replay-1, and took it out of quarantine.`,
      'Should it fail again, it is quarantined again under replay-1.',
    ]);
  });

  it('keeps the request in quarantine when the queue refuses it', async () => {
    dynamo.on(GetCommand).resolves({ Item: asItem(aRecord()) });
    sqs.on(SendMessageCommand).rejects(new Error('AWS.SimpleQueueService.NonExistentQueue'));

    await expect(replayQuarantined(target, aRecord().id)).rejects.toThrow('NonExistentQueue');

    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it.each([
    ['no id', undefined, /usage: switchboard quarantine replay <id>/],
    ['an unknown id', 'nope', /no quarantined request nope/],
  ])('refuses %s with a usage error and sends nothing', async (_case, id, message) => {
    dynamo.on(GetCommand).resolves({});

    const replay = replayQuarantined(target, id);

    await expect(replay).rejects.toThrow(message);
    await expect(replay).rejects.toBeInstanceOf(UsageError);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
