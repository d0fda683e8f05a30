import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnectionStore } from '../../functions/adapters/connection-store.ts';
import { createFeedReader } from '../../functions/adapters/feed-store.ts';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { functionDefinitions } from '../../lib/definitions/functions.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { localEnvironmentOf, localTriggers } from '../../lib/local/stack.ts';
import { startStreamPoller } from '../../lib/local/stream-poller.ts';
import { WorkerFunction } from '../../lib/local/worker-function.ts';
import { aConversationKey, aStoredMessage } from '../helpers/factories.ts';
import { openSocket } from '../helpers/sockets.ts';
import { startStandIns } from './stand-ins.ts';
import { round } from './stats.ts';

/**
 * The local stream → broadcaster path draining a backlog: `messages` messages stored as the
 * processor stores them (a message and its conversation, one transaction each), then the local
 * stream poller and the broadcaster in its worker, both as `npm start` runs them, started on
 * that backlog; timed until a socket of the tenant has every message's frame. Its rate is what
 * the path can take, to be set against the rate the processor stores at.
 */

export interface BroadcasterOptions {
  readonly messages?: number;
  /** Conversations the messages spread over, as the processor bench's customers. */
  readonly conversations?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface BroadcasterResult {
  readonly messages: number;
  readonly conversations: number;
  /** Frames published into the feed (a message's and its conversation's each). */
  readonly frames: number;
  readonly messageFramesReceived: number;
  readonly seconds: number;
  readonly framesPerSecond: number;
  /** Stored messages the path carried per second: what to compare with the processor's rate. */
  readonly messagesPerSecond: number;
  readonly invocations: number;
  readonly meanBatchRecords: number;
}

const tenantId = 'bench-broadcast';
/** Messages written at once while the backlog is built, as several processor batches store them. */
const writeConcurrency = 8;

export const measureBroadcasterThroughput = async (options: BroadcasterOptions = {}): Promise<BroadcasterResult> => {
  const messages = options.messages ?? 3000;
  const conversations = options.conversations ?? 300;
  const standIns = await startStandIns({ prefix: 'broadcast-', publicBaseUrl: 'https://hooks.example.com' });
  const stops: (() => Promise<unknown>)[] = [standIns.stop];
  const abandon = () => void standIns.stop();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    const { dynamo, gateway, connectionIds, description } = standIns;
    const socket = await openSocket(gateway.url);
    stops.push(() => socket.close());
    const connectionId = connectionIds.at(-1) ?? '';
    await createConnectionStore(dynamo.documentClient, dynamo.tables.Connections).add({ connectionId, tenantId, connectedAt: new Date().toISOString() });

    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const startedAt = Date.UTC(2026, 10, 22, 12);
    let next = 0;
    const writer = async () => {
      for (let i = next++; i < messages; i = next++) {
        const key = aConversationKey({ tenantId, customerAddress: `+1415${String(5_570_000 + (i % conversations)).padStart(7, '0')}` });
        const at = new Date(startedAt + i * 10).toISOString();
        await store.saveMessage(aStoredMessage({ providerMessageId: `SMbroadcast${i}`, text: `Message ${i}: where is my order?`, receivedAt: at, storedAt: at }, key), key);
      }
    };
    await Promise.all(Array.from({ length: writeConcurrency }, writer));

    const broadcaster = new WorkerFunction('broadcaster', localEnvironmentOf('broadcaster', description));
    stops.push(() => broadcaster.stop());
    await broadcaster.start();
    let invocations = 0;
    let records = 0;
    const [trigger] = localTriggers().streams.filter(({ functionName }) => functionName === 'broadcaster');
    if (!trigger) throw new Error('the broadcaster has no stream trigger');
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tables.Messages }));
    const streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
    stops.push(async () => streams.destroy());

    const messageFrames = () => socket.frames.filter((frame) => frame.type === 'message.created').length;
    const started = performance.now();
    const poller = startStreamPoller({
      client: streams,
      streamArn: Table?.LatestStreamArn ?? '',
      functionName: 'broadcaster',
      handler: async (event, context) => {
        invocations++;
        records += event.Records.length;
        return broadcaster.handler(event, context) as never;
      },
      filter: trigger.filter,
      batchSize: trigger.batchSize,
      retryAttempts: trigger.retryAttempts,
      timeoutSeconds: functionDefinitions.broadcaster.timeoutSeconds,
      onError: (error) => process.stderr.write(`bench: broadcaster: ${String(error)}\n`),
    });
    stops.push(() => poller.stop());
    const deadline = started + (options.timeoutMs ?? 90_000);
    while (messageFrames() < messages && performance.now() < deadline) {
      options.signal?.throwIfAborted();
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    if (messageFrames() < messages) throw new Error(`the socket had ${messageFrames()} of ${messages} message frames after ${round(seconds)} s`);
    const frames = await createFeedReader(dynamo.documentClient, dynamo.tables.Feed).head(tenantId);
    return {
      messages,
      conversations,
      frames,
      messageFramesReceived: messageFrames(),
      seconds: round(seconds),
      framesPerSecond: round(frames / seconds),
      messagesPerSecond: round(messages / seconds),
      invocations,
      meanBatchRecords: round(records / Math.max(1, invocations)),
    };
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
};
