import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { dynamoDbLocalPids, killAll } from '../helpers/processes.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { createdFrameCounts, standardEndpoint, inParallel, postMessage, queueDepths, standardMessages, storedConversation } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * The local stack SIGKILLed in the middle of a burst, with batches in the processor's hands
 * and more waiting on the queue, then started again on the same `--data-dir`: every
 * acknowledged webhook is stored, exactly once. Nothing in the killed process gets to clean
 * up, so DynamoDB Local's JVM must die with it rather than keep the port and the data.
 */

const tenant = 'fault-killed';
const env = { SWITCHBOARD_VISIBILITY_TIMEOUT: '2' };
let dataDir: string;
let first: LocalStackProcess | undefined;
let second: LocalStackProcess | undefined;
let socket: RecordingSocket | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'switchboard-fault-'));
});

afterAll(async () => {
  await socket?.close();
  await first?.stop();
  await second?.stop();
  // Should the JVM have outlived its parent after all, it is found by its command line, not by a stale pid.
  if (first) killAll(dynamoDbLocalPids(first.ports.dynamodb));
  await rm(dataDir, { recursive: true, force: true });
});

type Outcome = 'acknowledged' | 'refused' | 'unanswered' | 'unsent';

describe('the local stack killed mid-batch', () => {
  it('stores every acknowledged webhook exactly once after a restart on the same data', async () => {
    // Prepare
    first = await startLocalStackProcess(env, ['--data-dir', dataDir]);
    const url = await standardEndpoint(first, tenant);
    socket = await tenantSocket(first, tenant);
    const messages = standardMessages(url, 800, 'killed');
    let killed = false;

    // Act: a burst, and a SIGKILL once messages are both stored and still queued.
    const sending = inParallel(messages, 4, async (message): Promise<Outcome> => {
      if (killed) return 'unsent';
      try {
        return (await postMessage(url, message)).status === 204 ? 'acknowledged' : 'refused';
      } catch {
        return 'unanswered';
      }
    });
    const stack = first.description;
    // The processor outpaces the ack locally (the ack waits for its stats writes on DynamoDB Local), so
    // the queue holds a few waiting or in-flight records at a time, not a backlog.
    await waitUntil(async () => createdFrameCounts(socket!).size >= 5 && (await queueDepths(stack)).ingest >= 5, 'messages were stored and more were queued');
    killed = true;
    await first.kill();
    const outcomes = await sending;
    await socket.close();
    await waitUntil(() => dynamoDbLocalPids(first!.ports.dynamodb).length === 0, "DynamoDB Local's JVM died with its parent", 10_000);

    second = await startLocalStackProcess(env, ['--data-dir', dataDir]);
    const acknowledged = messages.filter((_, index) => outcomes[index] === 'acknowledged').map((message) => message.providerMessageId);
    await waitUntil(async () => {
      const { providerMessageIds } = await storedConversation(second!.description, tenant);
      return acknowledged.every((id) => providerMessageIds.includes(id)) && (await queueDepths(second!.description)).ingest === 0;
    }, 'every acknowledged message was stored and the queue was drained', 60_000);
    const stored = await storedConversation(second.description, tenant);

    // Assess
    const sent = new Set(messages.map((message) => message.providerMessageId));
    expect(outcomes.filter((outcome) => outcome === 'refused')).toEqual([]);
    expect(dynamoDbLocalPids(first.ports.dynamodb)).toEqual([]);
    expect(acknowledged.filter((id) => !stored.providerMessageIds.includes(id))).toEqual([]);
    // Beyond those, only requests the killed stack had queued without answering yet.
    expect(stored.providerMessageIds.filter((id) => !sent.has(id))).toEqual([]);
    expect(new Set(stored.providerMessageIds).size).toBe(stored.providerMessageIds.length);
    expect(stored.messageCount).toBe(stored.providerMessageIds.length);
    expect(await queueDepths(second.description)).toEqual({ ingest: 0, deadLetter: 0 });
  }, 120_000);
});
