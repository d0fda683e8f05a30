import type { SendEvent } from '../core/send.ts';
import { emitMetric, logger, MetricUnit } from '../shared/powertools.ts';

/**
 * What the sender tells of each message: a log line (ids, never content or credentials) and
 * metrics the stack's alarms watch: `SendFailed` by category, `SendCredentialsPaused`.
 */
export const sendObserved = (event: SendEvent): void => {
  if (event.kind === 'paused') {
    emitMetric('SendCredentialsPaused', 1, MetricUnit.Count);
    logger.error('sending paused: the provider refused the endpoint credentials', { endpointId: event.endpointId, code: event.reason });
    return;
  }
  const about = { messageId: event.message.id, tenantId: event.message.tenantId, channel: event.message.channel, correlation_id: event.message.source.requestId };
  switch (event.kind) {
    case 'sent':
      emitMetric('MessageSent', 1, MetricUnit.Count, { channel: event.message.channel });
      emitMetric('AcceptedToSentLag', event.acceptedToSentMs, MetricUnit.Milliseconds);
      logger.info('message sent', about);
      return;
    case 'failed':
      emitMetric('SendFailed', 1, MetricUnit.Count, { category: event.failure.category });
      logger.warn('message failed', { ...about, category: event.failure.category, code: event.failure.code });
      return;
    case 'retry':
    case 'unknown':
      emitMetric(event.kind === 'retry' ? 'SendDeferred' : 'SendOutcomeUnknown', 1, MetricUnit.Count, { category: event.reason.category });
      logger.info(event.kind === 'retry' ? 'send deferred' : 'send outcome unknown; waiting for the callback', { ...about, code: event.reason.code, delaySeconds: event.delaySeconds });
      return;
  }
};
