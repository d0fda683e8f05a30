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
 * Sends a frame to the connections of its tenant that listen to the whole tenant or to the
 * frame's conversation, `broadcastConcurrency` at a time. Connections are found by the
 * frame's tenant first, so a subscription naming another tenant's conversation never
 * matches. A gone connection is forgotten; any other failure of one client is reported, not
 * thrown, so one bad or slow client never stops the others or the stream.
 */
export const broadcast = async (frame: Frame, deps: BroadcastDependencies): Promise<BroadcastResult> => {
  const payload = serializeFrame(frame);
  const conversationId = conversationOf(frame);
  const recipients = (await deps.subscribersOf(frame.tenantId)).filter((subscriber) => wants(subscriber, conversationId));
  const outcomes = await settleBounded(recipients, broadcastConcurrency, async ({ connectionId }) => {
    const outcome = await deps.send(connectionId, payload);
    if (outcome === 'gone') await deps.forget(connectionId);
    return outcome;
  });
  const failed = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [{ connectionId: (recipients[index] as Subscriber).connectionId, error: outcome.reason }] : [],
  );
  const delivered = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  return { sent: delivered.filter((o) => o === 'sent').length, gone: delivered.filter((o) => o === 'gone').length, failed };
};
