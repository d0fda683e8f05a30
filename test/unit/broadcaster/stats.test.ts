import { describe, expect, it } from 'vitest';
import { deliveredIncrementsOf } from '../../../functions/broadcaster/stats.ts';
import type { PublishOutcome } from '../../../functions/core/feed.ts';
import type { Frame } from '../../../functions/core/frames.ts';

const message = { provider: 'twilio', source: { endpointId: 'ep_1', requestId: 'req_1' }, receivedAt: '2026-12-03T14:00:00.000Z', storedAt: '2026-12-03T14:00:00.100Z', direction: 'inbound' };
const frame = (type: Frame['type'], data: Record<string, unknown>, tenantId = 'acme'): Frame => ({ type, tenantId, data, cursor: '1' });
const pushedAt = new Date('2026-12-03T14:00:00.350Z');

describe('the broadcaster\'s stats', () => {
  it('counts the stored → delivered lag of each new inbound message it published first, under the frame\'s tenant', () => {
    const outcomes: PublishOutcome[] = [
      { recordId: 'r1', status: 'published', frame: frame('message.created', message, 'tenant-a') },
      { recordId: 'r2', status: 'published', frame: frame('message.created', message, 'tenant-b') },
    ];

    expect(deliveredIncrementsOf(outcomes, pushedAt)).toEqual([
      { tenantId: 'tenant-a', provider: 'twilio', endpointId: 'ep_1', at: message.receivedAt, lags: { storedToDelivered: [250] } },
      { tenantId: 'tenant-b', provider: 'twilio', endpointId: 'ep_1', at: message.receivedAt, lags: { storedToDelivered: [250] } },
    ]);
  });

  it('counts no update, conversation, outbound message, duplicate or failed frame', () => {
    const outcomes: PublishOutcome[] = [
      { recordId: 'r1', status: 'published', frame: frame('message.updated', message) },
      { recordId: 'r2', status: 'published', frame: frame('conversation.updated', { id: 'c_1' }) },
      { recordId: 'r3', status: 'published', frame: frame('message.created', { ...message, direction: 'outbound' }) },
      { recordId: 'r4', status: 'duplicate' },
      { recordId: 'r5', status: 'failed', error: new Error('x') },
    ];

    expect(deliveredIncrementsOf(outcomes, pushedAt)).toEqual([]);
  });
});
