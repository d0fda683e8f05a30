import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { inParallel, postMessage, standardEndpoint, standardMessages } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * The change feed through `npm start` (two processor batches at once, as the local runtime
 * runs them): clients that follow GET /events from cursor to cursor through bursts of webhooks
 * to several tenants at once, and a socket dropped mid-burst that resumes from its last cursor,
 * receive every change exactly once, in a consistent order per item (DESIGN §10).
 */

interface Frame {
  type: string;
  tenantId: string;
  cursor: string;
  data: { id: string; providerMessageId?: string; messageCount?: number };
}

const tenants = ['feed-acme', 'feed-globex', 'feed-initech'];
let stack: LocalStackProcess;
const urls = new Map<string, string>();
const tokens = new Map<string, string>();

beforeAll(async () => {
  stack = await startLocalStackProcess({ SWITCHBOARD_VISIBILITY_TIMEOUT: '10' });
  for (const tenant of tenants) {
    urls.set(tenant, await standardEndpoint(stack, tenant));
    tokens.set(tenant, (await stack.cli(['token', '--tenant', tenant])).trim());
  }
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const events = async (tenant: string, cursor: string | undefined, wait: number): Promise<{ frames: Frame[]; cursor: string }> => {
  const query = new URLSearchParams({ wait: String(wait), limit: '100', ...(cursor !== undefined && { cursor }) });
  const response = await fetch(`${stack.description.httpUrl}/events?${query}`, { headers: { authorization: `Bearer ${tokens.get(tenant)}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { frames: Frame[]; cursor: string };
};

const createdIds = (frames: readonly Frame[]) => frames.filter((frame) => frame.type === 'message.created').map((frame) => String(frame.data.providerMessageId));

/** A client following the feed from `cursor`, as the inbox's long-poll does, until it holds `expected` created messages. */
const follow = async (tenant: string, cursor: string, expected: number, timeoutMs: number): Promise<Frame[]> => {
  const frames: Frame[] = [];
  const deadline = Date.now() + timeoutMs;
  let at = cursor;
  while (createdIds(frames).length < expected && Date.now() < deadline) {
    const answer = await events(tenant, at, 2);
    frames.push(...answer.frames);
    at = answer.cursor;
  }
  // Anything delivered twice would come within one more look.
  frames.push(...(await events(tenant, at, 1)).frames);
  return frames;
};

/** Every change once, in feed order, each conversation's count only ever growing. */
const expectEveryChangeOnce = (frames: readonly Frame[], sent: readonly string[], tenant: string) => {
  const created = createdIds(frames);
  expect(created.length).toBe(sent.length);
  expect(new Set(created)).toEqual(new Set(sent));
  expect(frames.every((frame) => frame.tenantId === tenant)).toBe(true);
  const places = frames.map((frame) => Number(frame.cursor));
  expect(places).toEqual([...places].sort((a, b) => a - b));
  expect(new Set(places).size).toBe(places.length);
  const counts = frames.filter((frame) => frame.type === 'conversation.updated').map((frame) => Number(frame.data.messageCount));
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  expect(counts.at(-1)).toBeGreaterThanOrEqual(sent.length);
};

/** `perTenant` webhooks to each tenant at once, while a client per tenant follows its feed from where it stood. */
const burst = async (perTenant: number, label: string, timeoutMs: number) => {
  const starts = new Map(await Promise.all(tenants.map(async (tenant) => [tenant, (await events(tenant, undefined, 0)).cursor] as const)));
  const sent = new Map(tenants.map((tenant) => [tenant, standardMessages(urls.get(tenant)!, perTenant, `${label} ${tenant}`)]));
  const following = tenants.map((tenant) => follow(tenant, starts.get(tenant)!, perTenant, timeoutMs));
  const interleaved = Array.from({ length: perTenant }, (_, index) => tenants.map((tenant) => ({ tenant, message: sent.get(tenant)![index]! }))).flat();
  const statuses = await inParallel(interleaved, 24, async ({ tenant, message }) => (await postMessage(urls.get(tenant)!, message)).status);
  expect(statuses.filter((status) => status !== 204)).toEqual([]);
  const seen = await Promise.all(following);
  tenants.forEach((tenant, index) => expectEveryChangeOnce(seen[index]!, sent.get(tenant)!.map((message) => message.providerMessageId), tenant));
};

describe('the change feed through the local stack', () => {
  it('hands clients following /events every change of a burst of 30 webhooks once, in order', async () => {
    await burst(10, 'burst of 30', 60_000);
  }, 90_000);

  it('hands clients following /events every change of a burst of 300 webhooks once, in order', async () => {
    await burst(100, 'burst of 300', 120_000);
  }, 180_000);

  it('hands clients following /events every change of a burst of 3,000 webhooks once, in order', async () => {
    await burst(1_000, 'burst of 3000', 420_000);
  }, 480_000);

  it('lets a socket dropped mid-burst resume from its last cursor through /events and miss nothing', async () => {
    // Prepare
    const tenant = tenants[0]!;
    const messages = standardMessages(urls.get(tenant)!, 200, 'reconnect');
    const socket = await tenantSocket(stack, tenant);

    // Act: the socket goes away after some of the burst's frames, and the client catches up from its last cursor
    const posting = inParallel(messages, 16, (message) => postMessage(urls.get(tenant)!, message));
    await waitUntil(() => createdIds(socket.frames as unknown as Frame[]).length >= 20, 'the first frames of the burst', 30_000);
    await socket.close();
    const before = [...(socket.frames as unknown as Frame[])];
    await posting;
    const missed = await follow(tenant, before.at(-1)!.cursor, messages.length - createdIds(before).length, 60_000);

    // Assess
    expect(createdIds(before).length).toBeLessThan(messages.length);
    const all = [...before, ...missed];
    expectEveryChangeOnce(all, messages.map((message) => message.providerMessageId), tenant);
    // Socket frames and /events frames are one feed: the places follow each other without a gap.
    const places = all.map((frame) => Number(frame.cursor));
    expect(places).toEqual(places.map((_, index) => places[0]! + index));
  }, 120_000);
});
