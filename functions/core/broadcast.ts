import { serializeFrame, type Frame } from './frames.ts';

/** An open connection of a tenant, and what it listens to: one conversation, or the whole tenant. */
export interface Subscriber {
  readonly connectionId: string;
  /** Absent: every frame of the tenant. */
  readonly conversationId?: string;
}

export interface BroadcastDependencies {
  subscribersOf(tenantId: string): Promise<readonly Subscriber[]>;
  /** 'gone' when the connection no longer exists at the gateway. */
  send(connectionId: string, payload: string): Promise<'sent' | 'gone'>;
  forget(connectionId: string): Promise<void>;
}

export interface BroadcastResult {
  readonly sent: number;
  readonly gone: number;
  /** Connections that failed for another reason; they do not hold the stream back. */
  readonly failed: readonly { readonly connectionId: string; readonly error: unknown }[];
}

/** Sends in flight at once: enough to hide a slow client, few enough not to trip the @connections rate limit. */
export const broadcastConcurrency = 25;

/** The conversation a frame is about: a conversation frame's own id, a message frame's conversationId. */
export const conversationOf = (frame: Frame): string | undefined => {
  const id = frame.type === 'conversation.updated' ? frame.data.id : frame.data.conversationId;
  return typeof id === 'string' ? id : undefined;
};

const wants = (subscriber: Subscriber, conversationId: string | undefined): boolean =>
  subscriber.conversationId === undefined || subscriber.conversationId === conversationId;

/** Runs `work` on every item with at most `limit` running at once; settles like Promise.allSettled. */
const settleBounded = async <Item, Result>(
  items: readonly Item[],
  limit: number,
  work: (item: Item) => Promise<Result>,
): Promise<PromiseSettledResult<Result>[]> => {
  const outcomes: PromiseSettledResult<Result>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { status: 'fulfilled', value: await work(items[index] as Item) };
      } catch (reason) {
        outcomes[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return outcomes;
};

/**
 * Sends frames, in the order given (the feed's), to the connections of their tenants that
 * listen to the whole tenant or to the frame's conversation. A tenant's connections are looked
 * up once per call, by the frames' tenant first, so a subscription naming another tenant's
 * conversation never matches. Each connection receives its frames one after another, in
 * order, so a client sees no gap that is not one; connections are served
 * `broadcastConcurrency` at a time. A gone connection is forgotten and sent nothing more; any
 * other failure of one client is reported, not thrown, so one bad or slow client never stops
 * the others or the stream.
 */
export const broadcast = async (frames: readonly Frame[], deps: BroadcastDependencies): Promise<BroadcastResult> => {
  const tenants = [...new Set(frames.map((frame) => frame.tenantId))];
  const subscribers = new Map(await Promise.all(tenants.map(async (tenantId) => [tenantId, await deps.subscribersOf(tenantId)] as const)));
  const deliveries = [...subscribers].flatMap(([tenantId, listeners]) =>
    listeners.map((subscriber) => ({
      subscriber,
      payloads: frames.filter((frame) => frame.tenantId === tenantId && wants(subscriber, conversationOf(frame))).map(serializeFrame),
    })),
  ).filter(({ payloads }) => payloads.length > 0);
  const outcomes = await settleBounded(
    deliveries,
    broadcastConcurrency,
    async ({ subscriber, payloads }) => {
      let sent = 0;
      for (const payload of payloads) {
        if ((await deps.send(subscriber.connectionId, payload)) === 'gone') {
          await deps.forget(subscriber.connectionId);
          return { sent, gone: 1 };
        }
        sent++;
      }
      return { sent, gone: 0 };
    },
  );
  const failed = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [{ connectionId: (deliveries[index] as (typeof deliveries)[number]).subscriber.connectionId, error: outcome.reason }] : [],
  );
  const delivered = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  return { sent: delivered.reduce((sum, { sent }) => sum + sent, 0), gone: delivered.reduce((sum, { gone }) => sum + gone, 0), failed };
};
