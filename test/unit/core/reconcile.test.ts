import type { DeliveryStatus } from '../../../functions/core/message.ts';
import { describe, expect, it } from 'vitest';
import { statusRank } from '../../../functions/core/items.ts';
import { decide, reconcile, reconcileTimings, type ReconcileDependencies } from '../../../functions/core/reconcile.ts';
import { sendTimings } from '../../../functions/core/send.ts';
import { openKeyOf, openPartition, openShards, type OpenMarker, type OutboundMessage } from '../../../functions/core/sending-items.ts';
import { anOutboundMessage, outboundIdFor } from '../../helpers/factories.ts';

const now = new Date('2026-11-22T12:00:00.000Z');
const ago = (milliseconds: number) => new Date(now.getTime() - milliseconds).toISOString();

/** An outbound message in `sendState`, with the attributes the sender writes beside it. */
const inState = (overrides: Partial<OutboundMessage> & { claimedAt?: string; unknownSince?: string; sentAt?: string }): OutboundMessage =>
  anOutboundMessage(overrides as Partial<OutboundMessage>);

const sent = (at: string) => inState({ sendState: 'done', status: 'sent', statusRank: statusRank.sent, statusAt: at, sentAt: at, providerMessageId: 'SM1' });

describe('decide', () => {
  it('closes the marker of a message that is not there (or not the tenant\'s)', () => {
    expect(decide(undefined, now)).toBe('close');
  });

  it.each([
    ['keeps', reconcileTimings.lostRecordMs, 'keep'],
    ['queues again', reconcileTimings.lostRecordMs + 1, 'requeue'],
  ] as const)('%s a ready message due for %i ms: its record is on its way, or was lost', (_verb, overdue, decision) => {
    expect(decide(inState({ sendState: 'ready', notBefore: ago(overdue) }), now)).toBe(decision);
  });

  it('keeps a ready message that is not due yet (a backoff)', () => {
    expect(decide(inState({ sendState: 'ready', notBefore: new Date(now.getTime() + 3600_000).toISOString() }), now)).toBe('keep');
  });

  it.each([
    ['keeps', sendTimings.claimLeaseMs + reconcileTimings.lostRecordMs, 'keep'],
    ['queues again', sendTimings.claimLeaseMs + reconcileTimings.lostRecordMs + 1, 'requeue'],
  ] as const)('%s a claimed message claimed %i ms ago: only a vanished sender\'s claim outlives its lease', (_verb, age, decision) => {
    expect(decide(inState({ sendState: 'claimed', claimedAt: ago(age) }), now)).toBe(decision);
  });

  it.each([
    ['keeps', sendTimings.callbackWaitMs + reconcileTimings.lostRecordMs, 'keep'],
    ['queues again', sendTimings.callbackWaitMs + reconcileTimings.lostRecordMs + 1, 'requeue'],
  ] as const)('%s a message of unknown outcome for %i ms: the sender must look again', (_verb, age, decision) => {
    expect(decide(inState({ sendState: 'unknown', unknownSince: ago(age) }), now)).toBe(decision);
  });

  it.each(['delivered', 'read', 'failed'] as const)('closes a done message that is %s: nothing more will happen to it', (status) => {
    expect(decide(inState({ sendState: 'done', status, statusRank: statusRank[status] }), now)).toBe('close');
  });

  it('keeps a sent message its callback may still confirm, asks the provider after an hour, and lets it go unconfirmed after a day', () => {
    // Act
    const decisions = [
      sent(ago(reconcileTimings.askAfterMs)),
      sent(ago(reconcileTimings.askAfterMs + 1)),
      sent(ago(reconcileTimings.unconfirmedAfterMs)),
      sent(ago(reconcileTimings.unconfirmedAfterMs + 1)),
    ].map((message) => decide(message, now));

    // Assess
    expect(decisions).toEqual(['keep', 'ask', 'ask', 'unconfirmed']);
  });

  it('keeps a message a status callback marked sent a minute ago, though the sender never wrote sentAt', () => {
    // Prepare: resolveUnknown settles `done` after a callback moved the status, and writes no sentAt.
    const byCallback = inState({ sendState: 'done', status: 'sent', statusRank: statusRank.sent, statusAt: ago(60_000) });

    // Act and Assess
    expect(decide(byCallback, now)).toBe('keep');
  });
});

/** Markers in memory, filed by shard as the store files them, and the messages they name. */
const fakeOutbox = (entries: readonly { marker: OpenMarker; message?: OutboundMessage }[], providerSays?: { status: DeliveryStatus; providerStatus: string }) => {
  const advanced: { id: string; status: DeliveryStatus }[] = [];
  const asked: string[] = [];
  const markers = entries.map(({ marker }) => marker);
  const requeued: { id: string; tenantId: string; channel: string; delaySeconds: number }[] = [];
  const closed: OpenMarker[] = [];
  const observed: { kind: string; messageId: string }[] = [];
  const reads: number[] = [];
  const deps: ReconcileDependencies = {
    openMarkers: async (shard, before, limit, after) => {
      reads.push(shard);
      const skOf = (marker: OpenMarker) => openKeyOf(marker).sk;
      const inShard = markers
        .filter((marker) => openKeyOf(marker).pk === openPartition(shard) && skOf(marker) < before)
        .filter((marker) => !closed.includes(marker))
        .filter((marker) => after === undefined || skOf(marker) > after)
        .sort((a, b) => skOf(a).localeCompare(skOf(b)));
      const page = inShard.slice(0, limit);
      const last = page.at(-1);
      return { markers: page, ...(inShard.length > limit && last && { next: skOf(last) }) };
    },
    closeMarker: async (marker) => void closed.push(marker),
    outbound: async (tenantId, messageId) => entries.find(({ message }) => message?.id === messageId && message.tenantId === tenantId)?.message,
    requeue: async (message, delaySeconds) => void requeued.push({ id: message.id, tenantId: message.tenantId, channel: message.channel, delaySeconds }),
    providerStatus: async (message) => {
      asked.push(message.id);
      return providerSays;
    },
    advanceStatus: async (message, status) => void advanced.push({ id: message.id, status }),
    now: () => now,
    observe: ({ kind, marker }) => void observed.push({ kind, messageId: marker.messageId }),
  };
  return { deps, requeued, closed, observed, reads, advanced, asked };
};

const markerOf = (message: OutboundMessage): OpenMarker => ({ tenantId: message.tenantId, messageId: message.id, channel: message.channel, acceptedAt: message.storedAt });

/** Idempotency keys whose messages land in `shard`, as many as asked. */
const keysInShard = (shard: number, count: number): string[] => {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n++) {
    if (openKeyOf({ tenantId: 'acme', messageId: outboundIdFor('acme', `key-${n}`), acceptedAt: '' }).pk === openPartition(shard)) keys.push(`key-${n}`);
  }
  return keys;
};

describe('reconcile', () => {
  it('reads every shard once, queues lost records again at once, closes what is settled, and keeps the rest', async () => {
    // Prepare: one message per decision, accepted long enough ago to be looked at.
    const acceptedAt = ago(reconcileTimings.minAgeMs + 3600_000);
    const message = (key: string, overrides: Partial<OutboundMessage> & Record<string, unknown>) =>
      anOutboundMessage({ storedAt: acceptedAt, ...overrides } as Partial<OutboundMessage>, undefined, key);
    const lost = message('lost', { sendState: 'ready', notBefore: acceptedAt });
    const vanished = message('vanished', { sendState: 'claimed', claimedAt: acceptedAt } as Partial<OutboundMessage>);
    const delivered = message('delivered', { sendState: 'done', status: 'delivered', statusRank: statusRank.delivered });
    const unconfirmed = message('unconfirmed', { sendState: 'done', status: 'sent', statusRank: statusRank.sent, sentAt: ago(reconcileTimings.unconfirmedAfterMs + 1) } as Partial<OutboundMessage>);
    const waiting = message('waiting', { sendState: 'done', status: 'sent', statusRank: statusRank.sent, sentAt: ago(60_000) } as Partial<OutboundMessage>);
    const gone = message('gone', {});
    const outbox = fakeOutbox([
      ...[lost, vanished, delivered, unconfirmed, waiting].map((each) => ({ marker: markerOf(each), message: each })),
      { marker: markerOf(gone) },
    ]);

    // Act
    const result = await reconcile(outbox.deps);

    // Assess
    expect(result).toEqual({ requeued: 2, closed: 3 });
    expect(outbox.reads).toEqual(Array.from({ length: openShards }, (_, shard) => shard));
    expect(outbox.requeued).toEqual(expect.arrayContaining([lost, vanished].map(({ id, tenantId, channel }) => ({ id, tenantId, channel, delaySeconds: 0 }))));
    expect(outbox.requeued).toHaveLength(2);
    expect(outbox.closed.map((marker) => marker.messageId).sort()).toEqual([delivered.id, unconfirmed.id, gone.id].sort());
    expect(outbox.observed).toHaveLength(5);
    expect(outbox.observed).toEqual(
      expect.arrayContaining([
        { kind: 'requeued', messageId: lost.id },
        { kind: 'requeued', messageId: vanished.id },
        { kind: 'closed', messageId: delivered.id },
        { kind: 'closed', messageId: gone.id },
        { kind: 'unconfirmed', messageId: unconfirmed.id },
      ]),
    );
  });

  it('leaves markers younger than a minute to the sender', async () => {
    // Prepare: a lost-looking message, but accepted 59 s ago.
    const young = anOutboundMessage({ storedAt: ago(59_000), notBefore: ago(reconcileTimings.lostRecordMs + 1) });
    const outbox = fakeOutbox([{ marker: markerOf(young), message: young }]);

    // Act
    const result = await reconcile(outbox.deps);

    // Assess
    expect(result).toEqual({ requeued: 0, closed: 0 });
    expect(outbox.requeued).toEqual([]);
  });

  it('asks for another tenant\'s message only under its own tenant, so a marker never crosses tenants', async () => {
    // Prepare: the marker names globex; the message of that id is acme's.
    const acmes = anOutboundMessage({ storedAt: ago(3600_000), notBefore: ago(3600_000) });
    const outbox = fakeOutbox([{ marker: { ...markerOf(acmes), tenantId: 'globex' }, message: acmes }]);

    // Act
    const result = await reconcile(outbox.deps);

    // Assess: the marker is closed, and acme's message is not queued for globex.
    expect(result).toEqual({ requeued: 0, closed: 1 });
    expect(outbox.requeued).toEqual([]);
  });

  it('reaches a lost record behind a full batch of sent messages still awaiting their receipts', async () => {
    // Prepare: in one shard, more than a page of sent messages (kept, waiting for a receipt), then a message whose queueing failed.
    const [lostKey, ...sentKeys] = keysInShard(0, reconcileTimings.pageSize + 1);
    const older = ago(2 * 3600_000);
    const waiting = sentKeys.map((key) =>
      anOutboundMessage({ storedAt: older, sendState: 'done', status: 'sent', statusRank: statusRank.sent, sentAt: ago(60_000) } as Partial<OutboundMessage>, undefined, key),
    );
    const lost = anOutboundMessage({ storedAt: ago(3600_000), notBefore: ago(3600_000) }, undefined, lostKey);
    const outbox = fakeOutbox([...waiting, lost].map((message) => ({ marker: markerOf(message), message })));

    // Act: one scheduled run.
    await reconcile(outbox.deps);

    // Assess
    expect(outbox.requeued.map(({ id }) => id)).toEqual([lost.id]);
  });

  describe('a message sent over an hour ago that no callback followed', () => {
    const sentLongAgo = () =>
      anOutboundMessage(
        { storedAt: ago(2 * 3600_000), sendState: 'done', status: 'sent', statusRank: statusRank.sent, providerMessageId: 'SM0123456789abcdef0123456789abcdef', sentAt: ago(2 * 3600_000) } as Partial<OutboundMessage>,
        undefined,
        'asked',
      );

    it('is moved on by what the provider says, and let go once that is final', async () => {
      // Prepare
      const message = sentLongAgo();
      const outbox = fakeOutbox([{ marker: markerOf(message), message }], { status: 'delivered', providerStatus: 'delivered' });

      // Act
      const result = await reconcile(outbox.deps);

      // Assess
      expect(outbox.asked).toEqual([message.id]);
      expect(outbox.advanced).toEqual([{ id: message.id, status: 'delivered' }]);
      expect(result).toEqual({ requeued: 0, closed: 1 });
    });

    it('is kept, unchanged, while the provider says it is still only sent or cannot tell', async () => {
      for (const says of [{ status: 'sent', providerStatus: 'sent' } as const, undefined]) {
        // Prepare
        const message = sentLongAgo();
        const outbox = fakeOutbox([{ marker: markerOf(message), message }], says);

        // Act
        const result = await reconcile(outbox.deps);

        // Assess
        expect(outbox.asked).toEqual([message.id]);
        expect(outbox.advanced).toEqual([]);
        expect(result).toEqual({ requeued: 0, closed: 0 });
      }
    });
  });

  it('stops taking markers when its run is short of time, leaving them to the next run', async () => {
    // Prepare: a lost message, and a run with 4 s left.
    const lost = anOutboundMessage({ storedAt: ago(3600_000), notBefore: ago(3600_000) }, undefined, 'late');
    const outbox = fakeOutbox([{ marker: markerOf(lost), message: lost }]);

    // Act
    const result = await reconcile({ ...outbox.deps, timeLeftMs: () => reconcileTimings.stopWithMs - 1000 });

    // Assess
    expect(result).toEqual({ requeued: 0, closed: 0 });
    expect(outbox.requeued).toEqual([]);
  });
});
