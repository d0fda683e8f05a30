import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { envelopeOf } from '../../functions/core/envelope.ts';
import { failureKey, type RecordFailure } from '../../functions/core/items.ts';
import { formatTable } from './table.ts';
import type { QueueTarget, RedriveStrategy } from './target.ts';

/** A listing looks at this many messages at most; SQS receives ten at a time. */
export const maxListed = 1000;

/**
 * How long a looked-at message stays hidden: long enough to page through the DLQ without
 * being handed the same messages again, short enough that a listing that dies midway gives
 * them back soon. They are made visible again as soon as the listing is done.
 */
const holdSeconds = 30;

/**
 * Puts a queued body back on the ingest queue exactly as it was, in its tenant's message
 * group (the rule of functions/adapters/ingest-queue.ts). Resolves with the new message id.
 */
export const requeue = async (sqs: SQSClient, queueUrl: string, body: string, tenantId: string | undefined): Promise<string> => {
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...(tenantId && { MessageGroupId: tenantId }) }));
  return MessageId ?? '';
};

/** Makes received messages visible again at once, ten per call, as SQS allows. */
const release = async (sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> => {
  for (let start = 0; start < messages.length; start += 10) {
    // Entries SQS fails to release come back by themselves when their hold ends.
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(start, start + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
};

/**
 * The DLQ's messages, without consuming them: each page is held while the next is received,
 * so that every page brings new ones, until a receive brings none (or `cap` is reached);
 * then all are made visible again. Looking counts as a receive in ApproximateReceiveCount.
 */
export const peekMessages = async (sqs: SQSClient, queueUrl: string, cap = maxListed): Promise<{ messages: Message[]; capped: boolean }> => {
  const byId = new Map<string, Message>();
  // Every receipt, duplicates included: SQS may hand a message out twice, and each must be released.
  const received: Message[] = [];
  try {
    while (byId.size < cap) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, cap - byId.size),
          VisibilityTimeout: holdSeconds,
          // A long poll asks every SQS server, where a short poll samples a few and may miss messages.
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SentTimestamp'],
        }),
      );
      received.push(...Messages);
      const fresh = Messages.filter((message) => message.MessageId !== undefined && !byId.has(message.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) byId.set(message.MessageId ?? '', message);
    }
  } finally {
    await release(sqs, queueUrl, received);
  }
  return { messages: [...byId.values()], capped: byId.size >= cap };
};

const maxBatchGetAttempts = 5;

/** The processor's failure records of these SQS messages, by message id; BatchGet takes 100 keys a call. */
export const failuresOf = async (client: DynamoDBDocumentClient, tableName: string, sqsMessageIds: readonly string[]): Promise<Map<string, RecordFailure>> => {
  const byPk = new Map(sqsMessageIds.map((id) => [failureKey(id).pk, id]));
  const found = new Map<string, RecordFailure>();
  for (let start = 0; start < sqsMessageIds.length; start += 100) {
    let keys: Record<string, unknown>[] = sqsMessageIds.slice(start, start + 100).map(failureKey);
    for (let attempt = 1; ; attempt++) {
      const { Responses, UnprocessedKeys } = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } }));
      for (const item of Responses?.[tableName] ?? []) {
        const id = byPk.get(String(item.pk));
        if (id !== undefined) found.set(id, item as RecordFailure);
      }
      keys = UnprocessedKeys?.[tableName]?.Keys ?? [];
      if (keys.length === 0) break;
      if (attempt >= maxBatchGetAttempts) throw new Error(`the messages table kept ${keys.length} failure records unread after ${attempt} tries`);
      await sleep(50 * 2 ** attempt);
    }
  }
  return found;
};

/** One DLQ message as an operator sees it: where it came from and why it failed, never its content. */
export interface DeadLetter {
  readonly sqsMessageId: string;
  readonly receiveCount: number;
  readonly firstReceivedAt?: string;
  readonly sentAt?: string;
  readonly tenantId?: string;
  readonly provider?: string;
  readonly requestId?: string;
  readonly reason: string;
  readonly failedAt?: string;
  readonly bytes: number;
}

const isoFromEpochMs = (value: string | undefined): string | undefined =>
  value === undefined || !/^\d+$/.test(value) ? undefined : new Date(Number(value)).toISOString();

export const describeDeadLetter = (message: Message, failure: RecordFailure | undefined): DeadLetter => {
  const envelope = envelopeOf(message.Body);
  const firstReceivedAt = isoFromEpochMs(message.Attributes?.ApproximateFirstReceiveTimestamp);
  const sentAt = isoFromEpochMs(message.Attributes?.SentTimestamp);
  return {
    sqsMessageId: message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    ...(firstReceivedAt && { firstReceivedAt }),
    ...(sentAt && { sentAt }),
    ...(envelope && { tenantId: envelope.tenantId, provider: envelope.provider, requestId: envelope.requestId }),
    reason: failure?.error ?? 'reason not recorded',
    ...(failure?.failedAt && { failedAt: failure.failedAt }),
    bytes: Buffer.byteLength(message.Body ?? ''),
  };
};

/** An error message may run over several lines; a listing keeps one line per message. */
export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

const deadLetterRow = (letter: DeadLetter): string[] => [
  letter.sqsMessageId,
  String(letter.receiveCount),
  letter.firstReceivedAt ?? '-',
  // A body that is no envelope tells no tenant, provider or request.
  ...(letter.requestId ? [letter.tenantId ?? '-', letter.provider ?? '-', letter.requestId] : ['-', '-', 'not a Switchboard envelope']),
  oneLine(letter.reason),
];

/** What is in the DLQ and why, oldest first receive first. */
export const listDeadLetters = async (target: QueueTarget): Promise<{ letters: DeadLetter[]; capped: boolean }> => {
  const { messages, capped } = await peekMessages(target.sqs, target.deadLetterQueueUrl);
  const failures = await failuresOf(target.messages, target.messagesTable, messages.map((message) => message.MessageId ?? ''));
  const letters = messages
    .map((message) => describeDeadLetter(message, failures.get(message.MessageId ?? '')))
    .sort((a, b) => (a.firstReceivedAt ?? '').localeCompare(b.firstReceivedAt ?? ''));
  return { letters, capped };
};

export const formatDeadLetters = ({ letters, capped }: { letters: readonly DeadLetter[]; capped: boolean }): string[] => {
  if (letters.length === 0) return ['The DLQ is empty.'];
  return [
    ...formatTable(['SQS MESSAGE', 'RECEIVES', 'FIRST RECEIVED', 'TENANT', 'PROVIDER', 'REQUEST', 'REASON'], letters.map(deadLetterRow)),
    ...(capped ? [`(the first ${letters.length}; there may be more)`] : []),
  ];
};

export type RedriveResult =
  | { readonly strategy: 'move-task'; readonly sourceArn: string; readonly taskHandle: string }
  | { readonly strategy: 'message-by-message'; readonly moved: number };

/**
 * SQS's own redrive: an asynchronous task that moves every message back to the queue it
 * came from (no DestinationArn), at a rate SQS picks.
 */
const moveTask = async ({ sqs, deadLetterQueueUrl }: QueueTarget): Promise<RedriveResult> => {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }));
  const sourceArn = Attributes?.QueueArn;
  if (!sourceArn) throw new Error(`the DLQ ${deadLetterQueueUrl} did not tell its ARN`);
  const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
  return { strategy: 'move-task', sourceArn, taskHandle: TaskHandle ?? '' };
};

const waitingCount = async (sqs: SQSClient, queueUrl: string): Promise<number> => {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
};

/**
 * The same move by hand, for fauxqs: each message is sent to the ingest queue with its body
 * and tenant group, and deleted from the DLQ only once the send succeeded, so none is lost
 * (a delete that fails after its send leaves a copy, which the processor's dedupe absorbs).
 * Only as many as were waiting at the start are moved: one that fails again and returns must
 * not go round in circles.
 */
const messageByMessage = async ({ sqs, deadLetterQueueUrl, ingestQueueUrl }: QueueTarget): Promise<RedriveResult> => {
  const waiting = await waitingCount(sqs, deadLetterQueueUrl);
  let moved = 0;
  while (moved < waiting) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, waiting - moved),
        VisibilityTimeout: holdSeconds,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    if (Messages.length === 0) break;
    for (const [index, message] of Messages.entries()) {
      try {
        await requeue(sqs, ingestQueueUrl, message.Body ?? '', message.Attributes?.MessageGroupId ?? envelopeOf(message.Body)?.tenantId);
      } catch (error) {
        // What was not moved goes back on the DLQ at once rather than after its hold.
        await release(sqs, deadLetterQueueUrl, Messages.slice(index)).catch(() => undefined);
        throw new Error(`moved ${moved} of ${waiting} messages, then the ingest queue refused one: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
      moved++;
    }
  }
  return { strategy: 'message-by-message', moved };
};

const strategies: Readonly<Record<RedriveStrategy, (target: QueueTarget) => Promise<RedriveResult>>> = {
  'move-task': moveTask,
  'message-by-message': messageByMessage,
};

/** Moves everything in the DLQ back to the ingest queue, the way the target can. */
export const redrive = (target: QueueTarget): Promise<RedriveResult> => strategies[target.redrive](target);

export const describeRedrive = (result: RedriveResult): string[] =>
  result.strategy === 'move-task'
    ? [
        `Started moving the DLQ's messages back to the ingest queue (task ${result.taskHandle}).`,
        `Follow it with: aws sqs list-message-move-tasks --source-arn ${result.sourceArn}`,
      ]
    : [`Moved ${result.moved} message${result.moved === 1 ? '' : 's'} from the DLQ to the ingest queue.`];
