import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { createdFrameCounts, standardEndpoint, inParallel, postMessage, standardMessages, storedConversation } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * A thousand webhooks, a fifth of them duplicates (a sender's retries), half of those fired
 * at the same moment as their original: through `npm start`, exactly the distinct messages
 * are stored, each with exactly one `message.created` frame. fauxqs never duplicates, so the
 * test does.
 */

const tenant = 'fault-duplicates';
const distinct = 800;
const duplicates = 200;
let stack: LocalStackProcess;
let socket: RecordingSocket;
let url: string;

beforeAll(async () => {
  stack = await startLocalStackProcess({ SWITCHBOARD_VISIBILITY_TIMEOUT: '10' });
  url = await standardEndpoint(stack, tenant);
  socket = await tenantSocket(stack, tenant);
}, 90_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
});

describe('duplicates through the local stack', () => {
  it('stores 1,000 webhooks with 20% duplicates, some concurrent, as exactly the distinct messages, each pushed once', async () => {
    // Prepare: the first 100 originals race a copy of themselves, the next 100 are sent again afterwards.
    const messages = standardMessages(url, distinct, 'duplicates');
    const raced = messages.slice(0, duplicates / 2);
    const retried = messages.slice(duplicates / 2, duplicates);

    // Act
    const first = await inParallel(messages, 16, async (message) =>
      raced.includes(message) ? Promise.all([postMessage(url, message), postMessage(url, message)]) : [await postMessage(url, message)],
    );
    const again = await inParallel(retried, 16, (message) => postMessage(url, message));
    await waitUntil(() => createdFrameCounts(socket).size >= distinct, `${distinct} messages were pushed`, 180_000);
    // Any duplicate would come through the queue and the stream within this.
    await sleep(2_000);
    const stored = await storedConversation(stack.description, tenant);

    // Assess
    const statuses = [...first.flat(), ...again].map((response) => response.status);
    expect(statuses).toHaveLength(distinct + duplicates);
    expect(statuses.filter((status) => status === 204)).toHaveLength(distinct + duplicates);
    const frames = createdFrameCounts(socket);
    expect(frames.size).toBe(distinct);
    expect([...frames.values()].filter((count) => count !== 1)).toEqual([]);
    expect(new Set(frames.keys())).toEqual(new Set(messages.map((message) => message.providerMessageId)));
    expect(stored.providerMessageIds).toHaveLength(distinct);
    expect(new Set(stored.providerMessageIds)).toEqual(new Set(messages.map((message) => message.providerMessageId)));
    expect(stored.messageCount).toBe(distinct);
  }, 240_000);
});
