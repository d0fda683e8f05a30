import type { SendEvent } from '../core/send.ts';
import type { Increment } from '../core/stats.ts';

/** What a send adds to its sending endpoint's hour: sent when a provider took it, sendFailed when it ended failed. */
export const sendIncrementOf = (event: SendEvent, at: string): Increment | undefined => {
  if (event.kind !== 'sent' && event.kind !== 'failed') return undefined;
  const { tenantId, provider, source } = event.message;
  return { tenantId, provider, endpointId: source.endpointId, at, counts: event.kind === 'sent' ? { sent: 1 } : { sendFailed: 1 } };
};
