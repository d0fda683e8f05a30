import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { conversationIdFor } from '../../functions/core/ids.ts';
import { conversationKey } from '../../functions/core/items.ts';
import { standard } from '../../functions/providers/standard/index.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import type { LocalStackDescription } from '../../lib/local/stack.ts';
import type { LocalStackProcess } from './local-stack.ts';
import { providerCredentials } from './provider-credentials.ts';
import type { RecordingSocket } from './sockets.ts';

/**
 * Webhook traffic for the fault tests: Standard Webhooks messages signed as a sender would
 * (the provider's own sample), posted to an endpoint, and what became of them: the frames a
 * tenant's socket got, and the messages its conversation holds.
 */

export interface SignedMessage {
  readonly providerMessageId: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The sample's parties: every message lands in one conversation. */
const parties = { from: '+14155550100', to: '+15005550006' };

/** `count` distinct signed messages for a Standard Webhooks endpoint. */
export const standardMessages = (url: string, count: number, label: string): SignedMessage[] =>
  Array.from({ length: count }, (_, index) => {
    const request = standard.sample({ url, secret: providerCredentials.standard!.secret, text: `${label} #${index}`, ...parties });
    const { data } = JSON.parse(request.body) as { data: { id: string } };
    return { providerMessageId: data.id, body: request.body, headers: request.headers };
  });

/** Posts a message as its sender would; the same message posted twice is the sender's retry. */
export const postMessage = (url: string, message: SignedMessage): Promise<Response> =>
  fetch(url, { method: 'POST', headers: message.headers, body: message.body });

/** Runs `task` over every item, at most `limit` at a time, and resolves with the results in order. */
export const inParallel = async <Item, Result>(items: readonly Item[], limit: number, task: (item: Item) => Promise<Result>): Promise<Result[]> => {
  const results: Result[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

/** How many `message.created` frames the socket got for each provider message id. */
export const createdFrameCounts = (socket: RecordingSocket): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const frame of socket.frames) {
    if (frame.type !== 'message.created') continue;
    const id = String((frame.data as { providerMessageId?: string }).providerMessageId);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};

/**
 * The tenant's conversation with the sample's parties, as stored: the provider message ids of
 * its messages (one entry per stored item) and the count the conversation keeps, which the
 * same transaction as each message increments.
 */
export const storedConversation = async (stack: LocalStackDescription, tenantId: string) => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: stack.region, credentials: localCredentials }));
  try {
    const id = conversationIdFor({ tenantId, channel: 'sms', businessAddress: parties.to, customerAddress: parties.from });
    const { Item } = await client.send(new GetCommand({ TableName: stack.tables.Messages, Key: conversationKey(id), ConsistentRead: true }));
    const providerMessageIds: string[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: stack.tables.Messages,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :conversation',
          ExpressionAttributeValues: { ':conversation': `CONV#${id}` },
          ProjectionExpression: 'providerMessageId',
          ...(cursor && { ExclusiveStartKey: cursor }),
        }),
      );
      providerMessageIds.push(...(page.Items ?? []).map((item) => String(item.providerMessageId)));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return { messageCount: Number(Item?.messageCount ?? 0), providerMessageIds };
  } finally {
    client.destroy();
  }
};

/** How many messages each queue holds, waiting or in flight. */
export const queueDepths = async (stack: LocalStackDescription): Promise<{ ingest: number; deadLetter: number }> => {
  const sqs = new SQSClient({ endpoint: stack.sqsEndpoint, region: stack.region, credentials: localCredentials });
  const depth = async (queueUrl: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  };
  try {
    return { ingest: await depth(stack.queues.ingest), deadLetter: await depth(stack.queues.deadLetter) };
  } finally {
    sqs.destroy();
  }
};

/** A Standard Webhooks endpoint for the tenant, added with the CLI: its URL. */
export const standardEndpoint = async (stack: LocalStackProcess, tenant: string): Promise<string> =>
  (JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'standard', '--tenant', tenant, '--secret', providerCredentials.standard!.secret])) as { url: string }).url;
