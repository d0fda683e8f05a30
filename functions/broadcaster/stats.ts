import type { PublishOutcome } from '../core/feed.ts';
import type { Increment } from '../core/stats.ts';

/**
 * The stored → delivered lag of each new inbound message whose frame this batch published
 * first (a duplicate was published by an earlier try, and counted then), by the message's own
 * tenant, provider and endpoint, in the hour it was received.
 */
export const deliveredIncrementsOf = (outcomes: readonly PublishOutcome[], pushedAt: Date): Increment[] =>
  outcomes.flatMap((outcome) => {
    if (outcome.status !== 'published' || outcome.frame.type !== 'message.created') return [];
    const { provider, source, storedAt, receivedAt, direction } = outcome.frame.data as {
      provider?: unknown;
      source?: { endpointId?: unknown };
      storedAt?: unknown;
      receivedAt?: unknown;
      direction?: unknown;
    };
    if (direction !== 'inbound' || typeof provider !== 'string' || typeof source?.endpointId !== 'string' || typeof storedAt !== 'string' || typeof receivedAt !== 'string') {
      return [];
    }
    const lag = pushedAt.getTime() - Date.parse(storedAt);
    return [{ tenantId: outcome.frame.tenantId, provider, endpointId: source.endpointId, at: receivedAt, lags: { storedToDelivered: [Math.max(0, lag)] } }];
  });
