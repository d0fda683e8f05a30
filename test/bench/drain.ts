import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFeedReader } from '../../functions/adapters/feed-store.ts';
import { frameFor } from '../../functions/core/frames.ts';
import { functionDefinitions } from '../../lib/definitions/functions.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { localTriggers, type LocalStackDescription } from '../../lib/local/stack.ts';
import { startStreamPoller } from '../../lib/local/stream-poller.ts';
import { round } from './stats.ts';

/**
 * Whether a running local stack's pipeline is drained: the ingest queue holds nothing (waiting
 * or in flight), and the broadcaster has published every frame the stored changes make. The
 * second is read off the stream itself: a poller of its own, with the broadcaster's filter,
 * counts the records that make a tenant's frames, and the tenant's feed must have reserved as
 * many numbers. A bench phase starts from a drained pipeline and reports how long its own
 * backlog took to drain.
 */
export const startDrainWatch = async (stack: LocalStackDescription) => {
  const clientConfig = { region: stack.region, credentials: localCredentials };
  const sqs = new SQSClient({ ...clientConfig, endpoint: stack.sqsEndpoint });
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: stack.dynamodbEndpoint });
  const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: stack.dynamodbEndpoint });
  const feed = createFeedReader(DynamoDBDocumentClient.from(dynamodb), stack.tables.Feed);
  const [trigger] = localTriggers().streams.filter(({ functionName }) => functionName === 'broadcaster');
  if (!trigger) throw new Error('the broadcaster has no stream trigger');

  const framesByTenant = new Map<string, number>();
  let caughtUpAt = 0;
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: stack.tables[trigger.table] }));
  const tail = startStreamPoller({
    client: streams,
    streamArn: Table?.LatestStreamArn ?? '',
    functionName: 'drain-watch',
    filter: trigger.filter,
    // It only counts: the largest page DynamoDB Streams returns at once.
    batchSize: 1000,
    retryAttempts: 0,
    timeoutSeconds: functionDefinitions.broadcaster.timeoutSeconds,
    handler: async (event) => {
      for (const record of event.Records) {
        const image = record.dynamodb?.NewImage;
        const frame = frameFor({ eventName: record.eventName ?? 'MODIFY', ...(image && { newImage: unmarshall(image as Record<string, AttributeValue>) }) });
        if (frame) framesByTenant.set(frame.tenantId, (framesByTenant.get(frame.tenantId) ?? 0) + 1);
      }
    },
    onCaughtUp: () => (caughtUpAt = performance.now()),
  });
  await tail.ready;

  const queueIsEmpty = async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queues.ingest,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return Object.values(Attributes).every((count) => Number(count) === 0);
  };

  /** Whether every frame counted so far is in its tenant's feed. */
  const published = async () => {
    for (const [tenantId, frames] of framesByTenant) if ((await feed.head(tenantId)) < frames) return false;
    return true;
  };

  return {
    /**
     * Resolves once the pipeline is drained, with how long that took from the call and how
     * many frames the stream has made so far; with undefined if it is not within `timeoutMs`.
     */
    async drained(timeoutMs: number): Promise<{ readonly seconds: number; readonly frames: number } | undefined> {
      const started = performance.now();
      while (performance.now() - started < timeoutMs) {
        // Nothing in the queue and nothing in flight: every change is written. Once the tail has
        // read past the last of them, the count is complete.
        if (await queueIsEmpty()) {
          const emptyAt = performance.now();
          while (caughtUpAt < emptyAt && performance.now() - started < timeoutMs) await sleep(20);
          if (caughtUpAt >= emptyAt && (await published())) {
            return { seconds: round((performance.now() - started) / 1000), frames: [...framesByTenant.values()].reduce((total, n) => total + n, 0) };
          }
        }
        await sleep(100);
      }
      return undefined;
    },
    async stop() {
      await tail.stop();
      for (const client of [sqs, dynamodb, streams]) client.destroy();
    },
  };
};
