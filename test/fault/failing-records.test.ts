import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../lib/cli/dlq.ts';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../lib/local/dynamodb.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { freePort } from '../helpers/ports.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { startThrottlingProxy, type ThrottlingPolicy, type ThrottlingProxy } from '../helpers/throttling-proxy.ts';
import { createdFrameCounts, inParallel, postMessage, queueDepths, standardEndpoint, standardMessages, storedConversation, type SignedMessage } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * Records that fail every time, among a burst of webhooks, under `npm start`, whose processor
 * runs two batches at once as Lambda scales a queue out: DynamoDB refuses every write of the
 * failing messages (the proxy's `refuse`, as DynamoDB refuses an item too large to store).
 * Each failing record is received exactly maxReceiveCount times, then waits in the DLQ with
 * why; `dlq redrive` stores each once after the fault is gone; every other message is stored
 * and pushed exactly once. Once alone, once with the other writes throttled too, which makes
 * batches slower and so overlap more.
 */

const burst = 150;
const failingCount = 20;
let dynamo: RunningDynamoDb;
let proxy: ThrottlingProxy;
let stack: LocalStackProcess;
const sockets: RecordingSocket[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ port: await freePort() });
  proxy = await startThrottlingProxy(dynamo.endpoint);
  // Longer than a throttled write with the SDK's own retries, so a record is not delivered
  // again while it is still being processed; short enough that five receives take seconds. The
  // backoff is capped at it, and a failed record hidden a second or more keeps its receipt until
  // its batch answers (fauxqs drops a receipt hidden for 0 s), so a wrong delete would take it.
  stack = await startLocalStackProcess({ DYNAMODB_ENDPOINT: proxy.endpoint, SWITCHBOARD_VISIBILITY_TIMEOUT: '10' });
}, 90_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close();
  await stack?.stop();
  await proxy?.stop();
  await dynamo?.stop();
});

const deadLetters = async (): Promise<DeadLetter[]> => (JSON.parse(await stack.cli(['dlq', 'list', '--json'])) as { letters: DeadLetter[] }).letters;

/** The burst in posting order, the failing messages spread evenly through it. */
const interleave = (others: readonly SignedMessage[], failing: readonly SignedMessage[]): SignedMessage[] => {
  const every = Math.floor(others.length / failing.length);
  return others.flatMap((message, index) => (index % every === 0 && failing[index / every] ? [failing[index / every]!, message] : [message]));
};

const ids = (messages: readonly SignedMessage[]) => messages.map((message) => message.providerMessageId).sort();

const burstWithFailingRecords = async (tenant: string, throttling?: ThrottlingPolicy) => {
  // Prepare
  const url = await standardEndpoint(stack, tenant);
  const socket = await tenantSocket(stack, tenant);
  sockets.push(socket);
  const marker = `always-failing ${tenant}`;
  const others = standardMessages(url, burst - failingCount, `burst ${tenant}`);
  const failing = standardMessages(url, failingCount, marker);
  const refusedBefore = new Set(proxy.refused.keys());
  proxy.refuse(marker);
  if (throttling) proxy.throttle(throttling);

  // Act: the burst, until every record is stored or dead-lettered.
  const responses = await inParallel(interleave(others, failing), 8, (message) => postMessage(url, message));
  await waitUntil(() => createdFrameCounts(socket).size >= others.length, `${others.length} messages were pushed`, 120_000);
  await waitUntil(async () => (await queueDepths(stack.description)).ingest === 0, 'the ingest queue was drained', 120_000);
  // Any duplicate would come through the stream within this.
  await sleep(1_000);
  const refusals = [...proxy.refused].filter(([item]) => !refusedBefore.has(item)).map(([, times]) => times);
  const letters = (await deadLetters()).filter((letter) => letter.tenantId === tenant);
  const stored = await storedConversation(stack.description, tenant);
  const frames = createdFrameCounts(socket);

  // Assess
  expect(responses.filter((response) => response.status === 204)).toHaveLength(burst);
  // Each failing record's write was tried once per receive, on exactly maxReceiveCount receives.
  expect(refusals).toEqual(Array(failingCount).fill(ingestQueueSettings.maxReceiveCount));
  expect(letters).toHaveLength(failingCount);
  expect(new Set(letters.map((letter) => letter.sqsMessageId)).size).toBe(failingCount);
  for (const letter of letters) {
    expect(letter).toMatchObject({ provider: 'standard', reason: 'ValidationException: Item size has exceeded the maximum allowed size' });
  }
  expect(await queueDepths(stack.description)).toEqual({ ingest: 0, deadLetter: failingCount });
  expect(stored.providerMessageIds.sort()).toEqual(ids(others));
  expect(stored.messageCount).toBe(others.length);
  expect([...frames.keys()].sort()).toEqual(ids(others));
  expect([...frames.values()].filter((times) => times !== 1)).toEqual([]);

  return { socket, everything: ids([...others, ...failing]) };
};

/** The operator's `dlq redrive` once the fault is gone: each dead letter is stored once, and nothing else again. */
const redriveStoresEachOnce = async (tenant: string, { socket, everything }: Awaited<ReturnType<typeof burstWithFailingRecords>>) => {
  // Act
  proxy.refuse(undefined);
  const redriven = await stack.cli(['dlq', 'redrive']);
  await waitUntil(() => createdFrameCounts(socket).size >= burst, `all ${burst} messages were pushed`, 120_000);
  await waitUntil(async () => (await queueDepths(stack.description)).ingest === 0, 'the ingest queue was drained again', 120_000);
  await sleep(1_000);
  const stored = await storedConversation(stack.description, tenant);
  const frames = createdFrameCounts(socket);

  // Assess
  expect(redriven.trim()).toBe(`Moved ${failingCount} messages from the DLQ to the ingest queue.`);
  expect(stored.providerMessageIds.sort()).toEqual(everything);
  expect(stored.messageCount).toBe(burst);
  expect([...frames.keys()].sort()).toEqual(everything);
  expect([...frames.values()].filter((times) => times !== 1)).toEqual([]);
  expect(await queueDepths(stack.description)).toEqual({ ingest: 0, deadLetter: 0 });
};

describe('records that always fail among a burst, two processor batches at once', () => {
  it('dead-letters each after exactly maxReceiveCount receives, with why, and stores each once when redriven', async () => {
    const tenant = 'failing-plain';
    await redriveStoresEachOnce(tenant, await burstWithFailingRecords(tenant));
  }, 300_000);

  it('does the same while the other writes are throttled', async () => {
    const tenant = 'failing-throttled';
    const burstDone = await burstWithFailingRecords(tenant, { operations: ['TransactWriteItems'], rate: 0.5, maxPerItem: 4 });
    expect(proxy.throttled.TransactWriteItems).toBeGreaterThan(0);
    proxy.throttle({ operations: [], rate: 0, maxPerItem: 0 });
    await redriveStoresEachOnce(tenant, burstDone);
  }, 300_000);
});
