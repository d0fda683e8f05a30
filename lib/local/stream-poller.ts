import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  TrimmedDataAccessException,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FilterPattern } from '../definitions/functions.ts';
import { matchesFilter } from './event-filter.ts';
import { invokeWithTimeout, type LambdaHandler } from './lambda-context.ts';

export interface StreamPollerOptions {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly functionName: string;
  readonly handler: LambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse | void>;
  readonly filter: FilterPattern;
  readonly batchSize: number;
  readonly retryAttempts: number;
  readonly timeoutSeconds: number;
  /** How often an idle shard is polled. Lambda polls 4 times a second; locally we can afford more. */
  readonly idlePollMs?: number;
  onError?(error: unknown): void;
  /** Called with the records given up on after retries: Lambda's on-failure destination. */
  onDiscard?(records: readonly DynamoDBRecord[]): void;
  /** Called after a read of every shard found nothing new: whatever was written before that read has been delivered. */
  onCaughtUp?(): void;
}

const toLambdaRecord = (record: StreamRecord, streamArn: string): DynamoDBRecord =>
  ({
    ...record,
    eventSourceARN: streamArn,
    dynamodb: {
      ...record.dynamodb,
      ApproximateCreationDateTime: Math.floor((record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000),
    },
  }) as DynamoDBRecord;

/**
 * Plays Lambda's DynamoDB stream event source mapping: poll every shard in order, pass the
 * records that match the filter to the function in batches of at most `batchSize`, one batch
 * of a shard at a time, reading on while the function runs; retry from the first failed record a
 * bounded number of times, then divert what still fails and move on. An invocation that
 * outlives its timeout failed as a whole, as one that throws.
 */
export const startStreamPoller = (options: StreamPollerOptions) => {
  const { client, streamArn } = options;
  const idlePollMs = options.idlePollMs ?? 20;
  const iterators = new Map<string, string>();
  /** The last record read from each shard, to resume after it. */
  const positions = new Map<string, string>();
  const finishedShards = new Set<string>();
  let running = true;

  /**
   * An iterator at the shard's first unread record. From the beginning for a new shard: the
   * poller starts before any client can connect.
   */
  const resumeShard = async (shardId: string) => {
    const position = positions.get(shardId);
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(position ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    if (ShardIterator) iterators.set(shardId, ShardIterator);
  };

  const discoverShards = async () => {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId ?? '';
      if (!iterators.has(shardId) && !finishedShards.has(shardId)) await resumeShard(shardId);
    }
  };

  const deliver = async (records: DynamoDBRecord[]) => {
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failedFrom: number;
      try {
        const response = await invokeWithTimeout(options.handler, { Records: pending }, {
          functionName: options.functionName,
          timeoutSeconds: options.timeoutSeconds,
          consequence:
            attempt < options.retryAttempts
              ? `the invocation failed, and its ${pending.length} record(s) are retried (retry ${attempt + 1} of ${options.retryAttempts})`
              : `the invocation failed, and its ${pending.length} record(s) are given up on after ${options.retryAttempts} retries`,
        });
        const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        failedFrom = pending.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
      } catch (error) {
        options.onError?.(error);
        failedFrom = 0;
      }
      if (failedFrom < 0) return;
      pending = pending.slice(failedFrom);
      if (attempt >= options.retryAttempts) {
        options.onDiscard?.(pending);
        return;
      }
      await sleep(100 * 2 ** attempt);
    }
  };

  /** The shard's next page: its records that match the filter, and how many it held in all. */
  const readShard = async (shardId: string, iterator: string): Promise<{ matching: DynamoDBRecord[]; read: number }> => {
    let page;
    try {
      page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    } catch (error) {
      // DynamoDB Local stamps each iterator with the time it was issued and refuses records
      // written just before that time, which a write racing an empty read produces. A fresh
      // iterator after the last record read loses nothing.
      if (!(error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException)) throw error;
      await resumeShard(shardId);
      return { matching: [], read: 0 };
    }
    const { Records = [], NextShardIterator } = page;
    const last = Records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) positions.set(shardId, last);
    if (NextShardIterator) iterators.set(shardId, NextShardIterator);
    else {
      iterators.delete(shardId);
      finishedShards.add(shardId);
    }
    const matching = Records.map((record) => toLambdaRecord(record, streamArn)).filter((record) => matchesFilter(record, options.filter));
    return { matching, read: Records.length };
  };

  let lastDiscovery = Date.now();
  /** One page of every shard, in shard order. */
  const readRound = async () => {
    const pages: { matching: DynamoDBRecord[]; read: number }[] = [];
    for (const [shardId, iterator] of [...iterators]) pages.push(await readShard(shardId, iterator));
    if (Date.now() - lastDiscovery > 5_000 || iterators.size === 0) {
      await discoverShards();
      lastDiscovery = Date.now();
    }
    return pages;
  };
  /** A read that may fail while nobody awaits it yet, held as its outcome. */
  const settled = <T>(reading: Promise<T>) => reading.then((value) => ({ value }), (error: unknown) => ({ error }));

  const loop = async () => {
    let next = settled(readRound());
    while (running) {
      const round = await next;
      if ('error' in round) {
        if (!running) break;
        options.onError?.(round.error);
        next = settled(sleep(500).then(readRound));
        continue;
      }
      // Lambda's poller reads on while the function runs: the next pages are fetched during
      // this round's invocations, and a shard's records still go out strictly in order.
      const received = round.value.reduce((total, page) => total + page.read, 0);
      if (received === 0) options.onCaughtUp?.();
      next = settled(received > 0 ? readRound() : sleep(idlePollMs).then(readRound));
      // A page holds up to 1000 records; the function gets them in batches of at most batchSize, one after another.
      for (const { matching } of round.value) for (let at = 0; at < matching.length; at += options.batchSize) await deliver(matching.slice(at, at + options.batchSize));
    }
    await next;
  };

  const ready = discoverShards();
  const polling = ready.then(loop);
  return {
    /** Resolves once the poller holds iterators for every shard: writes after this are seen. */
    ready,
    async stop(): Promise<void> {
      running = false;
      await polling.catch(() => undefined);
    },
  };
};
