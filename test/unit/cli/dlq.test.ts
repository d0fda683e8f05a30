import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  describeDeadLetter,
  describeRedrive,
  formatDeadLetters,
  peekMessages,
  redrive,
} from '../../../lib/cli/dlq.ts';
import type { QueueTarget } from '../../../lib/cli/target.ts';
import { aTwilioEnvelope } from '../../helpers/factories.ts';
import { inboundSmsFields } from '../../helpers/twilio.ts';

const client = new SQSClient({ region: 'us-east-1' });
const sqs = mockClient(client);
const ingestQueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/Switchboard-Ingest';
const deadLetterQueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/Switchboard-DeadLetter';
const deadLetterArn = 'arn:aws:sqs:us-east-1:123456789012:Switchboard-DeadLetter';

const aTarget = (redriveStrategy: QueueTarget['redrive']): QueueTarget => ({
  bodies: { put: async () => {}, list: async () => [], get: async (key) => Promise.reject(new Error(`no body ${key} in these tests`)) },
  sqs: client,
  ingestQueueUrl,
  deadLetterQueueUrl,
  messages: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  messagesTable: 'Messages',
  redrive: redriveStrategy,
});

const envelopeBody = (tenantId: string, text = 'my card number is 4111') =>
  JSON.stringify(aTwilioEnvelope(inboundSmsFields({ Body: text }), { tenantId, requestId: `req_${tenantId}` }));

beforeEach(() => {
  sqs.reset();
});

describe('dlq redrive on AWS', () => {
  it("starts SQS's move task from the DLQ's ARN back to the queue its messages came from", async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand, { QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }).resolves({ Attributes: { QueueArn: deadLetterArn } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-handle-1' });

    // Act
    const result = await redrive(aTarget('move-task'));

    // Assess
    const starts = sqs.commandCalls(StartMessageMoveTaskCommand);
    expect(starts).toHaveLength(1);
    // No DestinationArn: SQS sends each message back to its own source queue.
    expect(starts[0]?.args[0].input).toEqual({ SourceArn: deadLetterArn });
    expect(result).toEqual({ strategy: 'move-task', sourceArn: deadLetterArn, taskHandle: 'task-handle-1' });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(describeRedrive(result).join('\n')).toContain('task-handle-1');
    expect(describeRedrive(result).join('\n')).toContain(`--source-arn ${deadLetterArn}`);
  });

  it('fails without starting a task when the DLQ does not tell its ARN', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });

    await expect(redrive(aTarget('move-task'))).rejects.toThrow(/did not tell its ARN/);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });
});

describe('dlq redrive message by message (local)', () => {
  it("sends each message with its body and tenant group, then deletes it from the DLQ", async () => {
    // Prepare
    const bodies = [envelopeBody('acme'), envelopeBody('globex')];
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({
      Messages: [
        { MessageId: 'm-1', ReceiptHandle: 'r-1', Body: bodies[0], Attributes: { MessageGroupId: 'acme' } },
        // Without the attribute (fauxqs drops groups on standard queues), the envelope names the tenant.
        { MessageId: 'm-2', ReceiptHandle: 'r-2', Body: bodies[1] },
      ],
    });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqs.on(DeleteMessageCommand).resolves({});

    // Act
    const result = await redrive(aTarget('message-by-message'));

    // Assess
    expect(result).toEqual({ strategy: 'message-by-message', moved: 2 });
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: ingestQueueUrl, MessageBody: bodies[0], MessageGroupId: 'acme' },
      { QueueUrl: ingestQueueUrl, MessageBody: bodies[1], MessageGroupId: 'globex' },
    ]);
    const order = sqs.calls().map((call) => call.args[0].constructor.name).filter((name) => name === 'SendMessageCommand' || name === 'DeleteMessageCommand');
    expect(order).toEqual(['SendMessageCommand', 'DeleteMessageCommand', 'SendMessageCommand', 'DeleteMessageCommand']);
    expect(sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: deadLetterQueueUrl, ReceiptHandle: 'r-1' },
      { QueueUrl: deadLetterQueueUrl, ReceiptHandle: 'r-2' },
    ]);
    expect(describeRedrive(result)).toEqual(['Moved 2 messages from the DLQ to the ingest queue.']);
  });

  it('moves no more than were waiting when it started, so a message that fails again does not go round', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ MessageId: 'm-1', ReceiptHandle: 'r-1', Body: envelopeBody('acme') }] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'new' });

    const result = await redrive(aTarget('message-by-message'));

    expect(result).toEqual({ strategy: 'message-by-message', moved: 1 });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.MaxNumberOfMessages).toBe(1);
  });

  it('keeps a message the ingest queue refused on the DLQ and makes it visible again', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({
      Messages: [
        { MessageId: 'm-1', ReceiptHandle: 'r-1', Body: envelopeBody('acme') },
        { MessageId: 'm-2', ReceiptHandle: 'r-2', Body: envelopeBody('acme') },
      ],
    });
    sqs.on(SendMessageCommand).resolvesOnce({ MessageId: 'new' }).rejects(new Error('KMS.ThrottlingException'));

    await expect(redrive(aTarget('message-by-message'))).rejects.toThrow('moved 1 of 2 messages, then the ingest queue refused one: KMS.ThrottlingException');

    expect(sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual(['r-1']);
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input);
    expect(released).toEqual([{ QueueUrl: deadLetterQueueUrl, Entries: [{ Id: '0', ReceiptHandle: 'r-2', VisibilityTimeout: 0 }] }]);
  });
});

describe('peeking at the DLQ', () => {
  it('holds each page while it receives the next, stops when nothing new comes, then gives every message back', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'a', ReceiptHandle: 'ra' }, { MessageId: 'b', ReceiptHandle: 'rb' }] })
      // SQS may hand out a message twice: a page with nothing new ends the listing.
      .resolvesOnce({ Messages: [{ MessageId: 'a', ReceiptHandle: 'ra2' }] })
      .resolves({});

    // Act
    const { messages, capped } = await peekMessages(client, deadLetterQueueUrl);

    // Assess
    expect(messages.map((message) => message.MessageId)).toEqual(['a', 'b']);
    expect(capped).toBe(false);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({ QueueUrl: deadLetterQueueUrl, VisibilityTimeout: 30, MaxNumberOfMessages: 10 });
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout])).toEqual([['ra', 0], ['rb', 0], ['ra2', 0]]);
  });

  it('stops at the cap and says so', async () => {
    sqs.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages: number }) => ({
      Messages: Array.from({ length: input.MaxNumberOfMessages }, () => {
        const id = crypto.randomUUID();
        return { MessageId: id, ReceiptHandle: `r-${id}` };
      }),
    }));

    const { messages, capped } = await peekMessages(client, deadLetterQueueUrl, 25);

    expect(messages).toHaveLength(25);
    expect(capped).toBe(true);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input.MaxNumberOfMessages)).toEqual([10, 10, 5]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(3);
  });

  it('gives back what it holds when a receive fails midway', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'a', ReceiptHandle: 'ra' }] }).rejects(new Error('throttled'));

    await expect(peekMessages(client, deadLetterQueueUrl)).rejects.toThrow('throttled');

    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? [])).toEqual([
      { Id: '0', ReceiptHandle: 'ra', VisibilityTimeout: 0 },
    ]);
  });
});

describe('describing a dead letter', () => {
  const received = (body: string) => ({
    MessageId: 'b7c1e0a4-0000-4000-8000-000000000001',
    Body: body,
    Attributes: { ApproximateReceiveCount: '7', ApproximateFirstReceiveTimestamp: '1795435200000', SentTimestamp: '1795435199000' },
  });

  it("names the envelope's tenant, provider and request, and the recorded failure, never the content", () => {
    // Prepare
    const failure = {
      sqsMessageId: 'b7c1e0a4-0000-4000-8000-000000000001',
      receiveCount: 5,
      error: 'ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput',
      failedAt: '2026-11-23T12:05:00.000Z',
    };

    // Act
    const letter = describeDeadLetter(received(envelopeBody('acme')), failure);
    const lines = formatDeadLetters({ letters: [letter], capped: false });

    // Assess
    expect(letter).toEqual({
      sqsMessageId: 'b7c1e0a4-0000-4000-8000-000000000001',
      receiveCount: 7,
      firstReceivedAt: '2026-11-23T12:00:00.000Z',
      sentAt: '2026-11-23T11:59:59.000Z',
      tenantId: 'acme',
      provider: 'twilio',
      requestId: 'req_acme',
      reason: failure.error,
      failedAt: '2026-11-23T12:05:00.000Z',
      bytes: Buffer.byteLength(envelopeBody('acme')),
    });
    expect(lines).toEqual([
      'SQS MESSAGE                           RECEIVES  FIRST RECEIVED            TENANT  PROVIDER  REQUEST   REASON',
      'b7c1e0a4-0000-4000-8000-000000000001  7         2026-11-23T12:00:00.000Z  acme    twilio    req_acme  ' +
        'ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput',
    ]);
    expect(JSON.stringify(letter) + lines.join('\n')).not.toContain('4111');
  });

  it('says so when no reason was recorded or the body is not an envelope', () => {
    const letter = describeDeadLetter(received('{"not":"an envelope"}'), undefined);

    expect(letter.reason).toBe('reason not recorded');
    expect(letter).not.toHaveProperty('tenantId');
    expect(formatDeadLetters({ letters: [letter], capped: false })[1]).toBe(
      'b7c1e0a4-0000-4000-8000-000000000001  7         2026-11-23T12:00:00.000Z  -       -         not a Switchboard envelope  reason not recorded',
    );
  });

  it('keeps a multi-line error on one line, and says when the DLQ is empty or the listing was capped', () => {
    const letter = describeDeadLetter(received(envelopeBody('acme')), { sqsMessageId: 'x', receiveCount: 5, error: 'Error: boom\n    at handler', failedAt: '2026-11-23T12:05:00.000Z' });

    const listed = formatDeadLetters({ letters: [letter], capped: true });

    expect(listed[1]?.endsWith('  Error: boom at handler')).toBe(true);
    expect(formatDeadLetters({ letters: [], capped: false })).toEqual(['The DLQ is empty.']);
    expect(listed).toEqual([...formatDeadLetters({ letters: [letter], capped: false }), '(the first 1; there may be more)']);
  });
});
