import { describe, expect, it } from 'vitest';
import { statusRank } from '../../../functions/core/items.ts';
import { describeOutbound, describeRetry, formatOutbox, outboxFilters } from '../../../lib/cli/outbox.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { anOutboundMessage } from '../../helpers/factories.ts';

describe('outbox list filters', () => {
  it.each([
    [undefined, undefined, { limit: 50 }],
    ['failed', '10', { status: 'failed', limit: 10 }],
    ['delivered', '1000', { status: 'delivered', limit: 1000 }],
  ])('takes --status %j --limit %j', (status, limit, filters) => {
    expect(outboxFilters(status, limit)).toEqual(filters);
  });

  it.each([
    ['lost', undefined, '--status must be one of: queued, sending, sent, delivered, read, failed'],
    [undefined, '0', '--limit is a whole number from 1 to 1000; got "0"'],
    [undefined, '1001', '--limit is a whole number from 1 to 1000; got "1001"'],
    [undefined, '2.5', '--limit is a whole number from 1 to 1000; got "2.5"'],
    [undefined, '1e2', '--limit is a whole number from 1 to 1000; got "1e2"'],
    [undefined, '', '--limit is a whole number from 1 to 1000; got ""'],
  ])('refuses --status %j --limit %j', (status, limit, message) => {
    expect(() => outboxFilters(status, limit)).toThrow(new UsageError(message));
  });
});

describe('outbox list output', () => {
  it('shows where each message went and how far it got, with why it failed, never what it says', () => {
    // Prepare
    const sent = anOutboundMessage({ storedAt: '2026-11-23T10:00:00.000Z', status: 'delivered', statusRank: statusRank.delivered, attempts: 1 });
    const failed = anOutboundMessage(
      {
        storedAt: '2026-11-23T09:00:00.000Z',
        channel: 'whatsapp',
        to: '+15557654321',
        status: 'failed',
        statusRank: statusRank.failed,
        attempts: 2,
        failure: { category: 'window', code: '131047', message: 'Re-engagement message\nmore than 24 hours', hint: 'Send a template.' },
      },
      undefined,
      'key-2',
    );

    // Act
    const entries = [sent, failed].map(describeOutbound);
    const lines = formatOutbox(entries);

    // Assess
    expect(lines).toEqual([
      `ACCEPTED                  ID${' '.repeat(sent.id.length - 2)}  CHANNEL   TO            STATUS     ATTEMPTS  FAILURE`,
      `2026-11-23T10:00:00.000Z  ${sent.id}  sms       ${sent.to}  delivered  1         -`,
      `2026-11-23T09:00:00.000Z  ${failed.id}  whatsapp  +15557654321  failed     2         window: 131047`,
    ]);
    expect(JSON.stringify(entries)).not.toContain(sent.text);
    expect(entries[1]).toEqual({
      acceptedAt: '2026-11-23T09:00:00.000Z',
      id: failed.id,
      conversationId: failed.conversationId,
      channel: 'whatsapp',
      to: '+15557654321',
      status: 'failed',
      attempts: 2,
      failure: failed.failure,
    });
  });

  it('says so when there is nothing to list', () => {
    expect(formatOutbox([])).toEqual(['No outbound messages.']);
  });

  it('tells what a retry did and until when', () => {
    expect(describeRetry({ retried: 'msg_1', tenantId: 'acme', channel: 'sms', status: 'queued', validUntil: '2026-11-23T20:00:00.000Z' })).toEqual([
      'Queued msg_1 (tenant acme, sms) to be sent again; it may be sent until 2026-11-23T20:00:00.000Z.',
    ]);
  });
});
