import type { BroadcastResult } from '../core/broadcast.ts';
import type { PublishOutcome } from '../core/feed.ts';
import type { Frame } from '../core/frames.ts';
import { logger, metrics, MetricUnit } from '../shared/powertools.ts';

/**
 * What the broadcaster tells of each batch: its log lines and metrics. Records of a batch are
 * handled together, so the correlation id goes on each line, not on the logger.
 */

const correlationIdOf = (frame: Frame) => (frame.data.source as { requestId?: string } | undefined)?.requestId;

export const framesBroadcast = (result: BroadcastResult): void => {
  for (const { connectionId, error } of result.failed) logger.warn('frames not delivered', { connectionId, error });
  metrics.addMetric('FramesSent', MetricUnit.Count, result.sent);
  metrics.addMetric('ConnectionsGone', MetricUnit.Count, result.gone);
  metrics.addMetric('FramesFailed', MetricUnit.Count, result.failed.length);
};

export const broadcastFailed = (frames: readonly Frame[], error: unknown): void => {
  logger.warn('frames published but not pushed', { frames: frames.length, error });
};

export const framePushed = (frame: Frame): void => {
  logger.info('frame pushed', { correlation_id: correlationIdOf(frame), type: frame.type, tenantId: frame.tenantId, cursor: frame.cursor });
  if (frame.type === 'message.created' && typeof frame.data.storedAt === 'string') {
    metrics.addMetric('StoredToPushedLag', MetricUnit.Milliseconds, Date.now() - Date.parse(frame.data.storedAt));
  }
};

export const framesPublished = (outcomes: readonly PublishOutcome[]): void => {
  for (const outcome of outcomes) if (outcome.status === 'failed') logger.error('frame not published; the stream retries it', { recordId: outcome.recordId, error: outcome.error });
  metrics.addMetric('FramesPublished', MetricUnit.Count, outcomes.filter((outcome) => outcome.status === 'published').length);
};
