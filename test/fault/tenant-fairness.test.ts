import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processorSettings } from '../../lib/definitions/pipeline.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { createdFrameCounts, inParallel, postMessage, queueDepths, standardEndpoint, standardMessages, storedConversation } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * Fairness between tenants through `npm start`: one tenant's burst leaves a backlog of more
 * than a thousand in the ingest queue, and another tenant's messages, sent into it, are stored
 * ahead of it, as an SQS fair queue (MessageGroupId = tenant) hands them out on AWS. The bound
 * is counted in the noisy tenant's own messages, never in milliseconds: while a quiet message
 * waited (from its `receivedAt`, stamped by the ack, to its `storedAt`, stamped by the
 * processor, compared as an order only), at most `batches` processor batches' worth of the
 * noisy tenant's messages were stored: the two batches the local pollers have in flight when
 * it arrives, the noisy batch-mates of its own batch, and room to spare. On a queue that hands
 * messages out in arrival order the whole backlog is stored first.
 */

const noisyTenant = 'fairness-noisy';
const quietTenant = 'fairness-quiet';
const burst = 1_500;
/** The least backlog the quiet tenant's messages must meet for the test to say anything: seconds of work locally. */
const deepBacklog = 500;
const batches = 5;
const bound = batches * processorSettings.batchSize;
let stack: LocalStackProcess;
let noisySocket: RecordingSocket;
let quietSocket: RecordingSocket;
let noisyUrl: string;
let quietUrl: string;

beforeAll(async () => {
  stack = await startLocalStackProcess();
  noisyUrl = await standardEndpoint(stack, noisyTenant);
  quietUrl = await standardEndpoint(stack, quietTenant);
  noisySocket = await tenantSocket(stack, noisyTenant);
  quietSocket = await tenantSocket(stack, quietTenant);
}, 90_000);

afterAll(async () => {
  await noisySocket?.close();
  await quietSocket?.close();
  await stack?.stop();
});

/** The `message.created` frames' data: when each message was received by the ack and stored by the processor. */
const createdTimes = (socket: RecordingSocket) =>
  socket.frames
    .filter((frame) => frame.type === 'message.created')
    .map((frame) => frame.data as { receivedAt: string; storedAt: string });

describe('tenant fairness through the local stack', () => {
  it(`stores a quiet tenant's messages before a noisy tenant's backlog drains: while each waits, at most ${batches} processor batches of the noisy tenant's are stored`, async () => {
    // Prepare: the noisy tenant's burst, acknowledged whole, leaves a deep backlog.
    const noisy = standardMessages(noisyUrl, burst, 'noisy');
    const quiet = standardMessages(quietUrl, 3, 'quiet');
    const noisyAnswers = await inParallel(noisy, 32, (message) => postMessage(noisyUrl, message));
    const backlog = (await queueDepths(stack.description)).ingest;

    // Act
    const quietAnswers = await Promise.all(quiet.map((message) => postMessage(quietUrl, message)));
    await waitUntil(() => createdFrameCounts(quietSocket).size === quiet.length, "the quiet tenant's messages were pushed", 60_000);
    await waitUntil(() => createdFrameCounts(noisySocket).size === burst, "the noisy tenant's burst was pushed", 90_000);
    // Any duplicate would come through the queue and the stream within this.
    await sleep(1_500);
    const stored = await storedConversation(stack.description, noisyTenant);

    // Assess: every message acknowledged, the burst stored and pushed exactly once.
    expect([...noisyAnswers, ...quietAnswers].filter((answer) => answer.status === 204)).toHaveLength(burst + quiet.length);
    expect(backlog).toBeGreaterThanOrEqual(deepBacklog);
    const noisyFrames = createdFrameCounts(noisySocket);
    expect(noisyFrames.size).toBe(burst);
    expect([...noisyFrames.values()].filter((count) => count !== 1)).toEqual([]);
    expect(stored.providerMessageIds).toHaveLength(burst);
    expect(new Set(stored.providerMessageIds)).toEqual(new Set(noisy.map((message) => message.providerMessageId)));
    expect(stored.messageCount).toBe(burst);
    expect(createdFrameCounts(quietSocket)).toEqual(new Map(quiet.map((message) => [message.providerMessageId, 1])));
    // Assess: each quiet message met a deep backlog, and was stored ahead of all of it but at most `bound`.
    const noisyStoredAt = createdTimes(noisySocket).map((message) => message.storedAt);
    const waits = createdTimes(quietSocket).map(({ receivedAt, storedAt }) => ({
      backlogWhenReceived: noisyStoredAt.filter((at) => at > receivedAt).length,
      storedWhileWaiting: noisyStoredAt.filter((at) => at > receivedAt && at <= storedAt).length,
      backlogWhenStored: noisyStoredAt.filter((at) => at > storedAt).length,
    }));
    for (const wait of waits) {
      expect(wait.backlogWhenReceived).toBeGreaterThanOrEqual(deepBacklog);
      expect(wait.storedWhileWaiting).toBeLessThanOrEqual(bound);
      expect(wait.backlogWhenStored).toBeGreaterThanOrEqual(deepBacklog - bound);
    }
  }, 180_000);
});
