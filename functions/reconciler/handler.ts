import type { Context } from 'aws-lambda';
import { reconcile } from '../core/reconcile.ts';
import { senderDependencies } from '../sender/dependencies.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { emitMetric, logger, MetricUnit } from '../shared/powertools.ts';
import { tracer } from '../shared/tracing.ts';

const { outbox, queues, providerStatus } = senderDependencies(configOf('reconciler'));

/** The schedule's run: settles what the send path could not (core/reconcile.ts). */
export const handler = withMiddleware(async (_event: unknown, context: Context): Promise<{ requeued: number; closed: number }> => {
  const result = await reconcile({
    openMarkers: outbox.openMarkers,
    closeMarker: outbox.closeMarker,
    outbound: outbox.outbound,
    requeue: (message, delaySeconds) => queues.enqueue(message, delaySeconds),
    providerStatus,
    advanceStatus: outbox.advanceStatus,
    now: () => new Date(),
    timeLeftMs: () => context.getRemainingTimeInMillis(),
    observe: ({ kind, marker }) => {
      if (kind === 'closed') return;
      emitMetric(kind === 'requeued' ? 'SendRequeued' : 'SendUnconfirmed', 1, MetricUnit.Count);
      logger.info(kind === 'requeued' ? 'message queued again by the reconciler' : 'sent message never confirmed; no longer watched', { messageId: marker.messageId, tenantId: marker.tenantId });
    },
  });
  return result;
}, tracer);
