import { describe, expect, it } from 'vitest';
import { sendIncrementOf } from '../../../functions/sender/stats.ts';
import { anOutboundMessage } from '../../helpers/factories.ts';

const at = '2026-12-03T14:10:00.000Z';

describe('the sender\'s stats', () => {
  it('counts a send the provider took, and a message that ended failed, by its own tenant and sending endpoint', () => {
    const message = anOutboundMessage();
    const failure = { category: 'permanent', code: '21610', message: 'opted out', hint: 'ask them to text START' } as const;
    const about = { tenantId: message.tenantId, provider: message.provider, endpointId: message.source.endpointId, at };

    expect(sendIncrementOf({ kind: 'sent', message, acceptedToSentMs: 40 }, at)).toEqual({ ...about, counts: { sent: 1 } });
    expect(sendIncrementOf({ kind: 'failed', message, failure }, at)).toEqual({ ...about, counts: { sendFailed: 1 } });
  });

  it('counts nothing for a deferred send or a paused endpoint', () => {
    const message = anOutboundMessage();
    const reason = { category: 'temporary', code: '503', message: 'unavailable', hint: 'none' } as const;

    expect(sendIncrementOf({ kind: 'retry', message, reason, delaySeconds: 5 }, at)).toBeUndefined();
    expect(sendIncrementOf({ kind: 'paused', endpointId: 'ep_1', reason: 'auth' }, at)).toBeUndefined();
  });
});
