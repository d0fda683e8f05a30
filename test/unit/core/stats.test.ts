import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  additionsOf,
  byBucket,
  lagBucketBoundMs,
  lagBucketOf,
  refusedAttribute,
  reportOf,
  scopeShardOf,
  scopeShards,
  statsKeys,
  totalsOf,
  windowOf,
  type BucketRow,
} from '../../../functions/core/stats.ts';

const row = (hour: string, endpointId: string, values: Record<string, number>, tenantId = 'acme', provider = 'twilio'): BucketRow => ({ tenantId, hour, provider, endpointId, values });

describe('lag buckets', () => {
  it('never report a lag below its true value, nor more than 19% above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), (ms) => {
        // Act
        const bound = lagBucketBoundMs(lagBucketOf(ms));

        // Assess
        expect(bound).toBeGreaterThanOrEqual(ms - 0.5);
        expect(bound).toBeLessThanOrEqual(Math.ceil(ms * 2 ** 0.25));
      }),
    );
  });

  it('count zero and negative lags (clock skew) in the first bucket', () => {
    expect([lagBucketOf(0), lagBucketOf(-40), lagBucketOf(1)]).toEqual([0, 0, 0]);
  });
});

describe('additionsOf', () => {
  it('sums counters, refusals by reason and lag buckets of increments', () => {
    // Act
    const additions = additionsOf([
      { tenantId: 'acme', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T10:05:00.000Z', counts: { received: 1, acked: 1 }, lags: { receivedToStored: [100, 101] } },
      { tenantId: 'acme', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T10:07:00.000Z', counts: { received: 1 }, refused: { bad_signature: 1 } },
    ]);

    // Assess
    expect(additions).toEqual({ received: 2, acked: 1, refused_bad_signature: 1, [`lag_receivedToStored_${lagBucketOf(100)}`]: 2 });
  });

  it('names a reason outside the fixed codes "other", so a caller cannot choose attribute names', () => {
    expect([refusedAttribute('bad_signature'), refusedAttribute('x#y'), refusedAttribute('A'.repeat(5))]).toEqual(['refused_bad_signature', 'refused_other', 'refused_other']);
  });
});

describe('byBucket', () => {
  it('makes one addition per tenant, hour, provider and endpoint', () => {
    // Act
    const buckets = byBucket([
      { tenantId: 'acme', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T10:05:00.000Z', counts: { processed: 1 } },
      { tenantId: 'acme', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T10:59:59.999Z', counts: { processed: 1 } },
      { tenantId: 'acme', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T11:00:00.000Z', counts: { processed: 1 } },
      { tenantId: 'globex', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T10:05:00.000Z', counts: { processed: 1 } },
      { tenantId: 'acme', provider: 'twilio', endpointId: 'ep1', at: '2026-12-03T10:05:00.000Z', counts: {} },
    ]);

    // Assess
    expect(buckets).toEqual([
      { key: { tenantId: 'acme', hour: '2026-12-03T10', provider: 'twilio', endpointId: 'ep1' }, additions: { processed: 2 } },
      { key: { tenantId: 'acme', hour: '2026-12-03T11', provider: 'twilio', endpointId: 'ep1' }, additions: { processed: 1 } },
      { key: { tenantId: 'globex', hour: '2026-12-03T10', provider: 'twilio', endpointId: 'ep1' }, additions: { processed: 1 } },
    ]);
  });
});

describe('statsKeys', () => {
  it("put the tenant in every key, so one tenant's query reaches no other's items", () => {
    const key = { tenantId: 'acme', hour: '2026-12-03T10', provider: 'twilio', endpointId: 'ep1' };
    expect(statsKeys.bucket(key)).toEqual({ pk: 'COUNT#acme', sk: '2026-12-03T10#twilio#ep1' });
    expect(statsKeys.bucketScope(key)).toEqual({ scope: 'COUNT#3', scopeSk: '2026-12-03T10#acme#twilio#ep1' });
    expect(statsKeys.attempt({ tenantId: 'acme', at: '2026-12-03T10:05:00.000Z', requestId: 'r1' })).toEqual({ pk: 'RECENT#acme', sk: '2026-12-03T10:05:00.000Z#r1' });
    expect(statsKeys.attemptScope({ tenantId: 'acme', endpointId: 'ep1', at: '2026-12-03T10:05:00.000Z', requestId: 'r1' })).toEqual({
      scope: 'RECENT#3',
      scopeSk: '2026-12-03T10:05:00.000Z#acme#r1',
    });
  });

  it("put an endpoint's buckets and attempts in the same shard, one of the shards an admin's read queries", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (tenantId, endpointId) => {
        const shard = scopeShardOf(endpointId);
        const { scope: bucketScope } = statsKeys.bucketScope({ tenantId, hour: '2026-12-03T10', provider: 'meta', endpointId });
        const { scope: attemptScope } = statsKeys.attemptScope({ tenantId, endpointId, at: '2026-12-03T10:05:00.000Z', requestId: 'r1' });
        expect([bucketScope, attemptScope]).toEqual([`COUNT#${shard}`, `RECENT#${shard}`]);
        expect(statsKeys.bucketScopes).toContain(bucketScope);
        expect(statsKeys.attemptScopes).toContain(attemptScope);
      }),
    );
    expect(statsKeys.bucketScopes).toEqual(['COUNT#0', 'COUNT#1', 'COUNT#2', 'COUNT#3', 'COUNT#4', 'COUNT#5', 'COUNT#6', 'COUNT#7']);
    expect(statsKeys.attemptScopes).toEqual(['RECENT#0', 'RECENT#1', 'RECENT#2', 'RECENT#3', 'RECENT#4', 'RECENT#5', 'RECENT#6', 'RECENT#7']);
  });
});

describe('scopeShardOf', () => {
  it('gives every id a whole shard from 0 to scopeShards - 1, the same each time', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (endpointId) => {
        const shard = scopeShardOf(endpointId);
        expect(Number.isInteger(shard) && shard >= 0 && shard < scopeShards).toBe(true);
        expect(scopeShardOf(endpointId)).toBe(shard);
      }),
    );
  });

  it('keeps the shards items were written to: the same ids land where they always did', () => {
    // FNV-1a (32 bits) of the id, modulo 8: changing it would hide stored items from an admin's read.
    expect(['ep1', 'ep_1', 'ep_b', 'ep_route_a', 'ep_route_b', ''].map(scopeShardOf)).toEqual([3, 4, 5, 6, 3, 5]);
  });

  it('spreads endpoint ids evenly over the shards', () => {
    // Prepare: ids that differ in their last characters only, the hardest case for a hash.
    const ids = Array.from({ length: 8_000 }, (_, index) => `ep_${index}`);

    // Act
    const perShard = Array.from({ length: scopeShards }, (_, shard) => ids.filter((id) => scopeShardOf(id) === shard).length);

    // Assess: each shard within 15% of an even 1,000.
    expect(perShard.every((count) => count > 850 && count < 1_150)).toBe(true);
  });
});

describe('totalsOf', () => {
  it('gives p50 and p99 from the summed histograms of several buckets', () => {
    // Arrange: 98 lags of 100 ms and 2 of 5 s, split over two buckets.
    const fast = `lag_receivedToStored_${lagBucketOf(100)}`;
    const slow = `lag_receivedToStored_${lagBucketOf(5_000)}`;

    // Act
    const totals = totalsOf([row('2026-12-03T10', 'ep1', { [fast]: 60, [slow]: 1 }), row('2026-12-03T11', 'ep1', { [fast]: 38, [slow]: 1 })]);

    // Assess
    expect(totals.lags.receivedToStored).toEqual({ count: 100, p50Ms: lagBucketBoundMs(lagBucketOf(100)), p99Ms: lagBucketBoundMs(lagBucketOf(5_000)) });
    expect(totals.lags.storedToDelivered).toEqual({ count: 0, p50Ms: null, p99Ms: null });
  });

  it('adds refusals up by reason and in all', () => {
    const totals = totalsOf([row('2026-12-03T10', 'ep1', { received: 5, acked: 2, refused_bad_signature: 2, refused_too_large: 1 })]);
    expect([totals.received, totals.acked, totals.refused, totals.refusedByReason]).toEqual([5, 2, 3, { bad_signature: 2, too_large: 1 }]);
  });
});

describe('windowOf', () => {
  it('is the given number of whole hours, the current one included', () => {
    expect(windowOf(new Date('2026-12-03T10:30:00.000Z'), 3)).toEqual({ fromHour: '2026-12-03T08', toHour: '2026-12-03T10', hours: 3 });
    expect(windowOf(new Date('2026-12-03T00:10:00.000Z'), 2)).toEqual({ fromHour: '2026-12-02T23', toHour: '2026-12-03T00', hours: 2 });
  });
});

describe('reportOf', () => {
  const window = windowOf(new Date('2026-12-03T10:30:00.000Z'), 3);
  const rows = [
    row('2026-12-03T07', 'ep1', { received: 100 }),
    row('2026-12-03T08', 'ep1', { received: 3, acked: 2, refused_bad_signature: 1 }),
    row('2026-12-03T10', 'ep1', { received: 1, acked: 1, processed: 1 }),
    row('2026-12-03T10', 'ep2', { received: 4, acked: 4 }, 'acme', 'meta'),
  ];

  it('counts only the window, by provider, endpoint and every hour', () => {
    // Act
    const report = reportOf(rows, { tenantId: 'acme', provider: null }, window);

    // Assess
    expect([report.from, report.to, report.hours]).toEqual(['2026-12-03T08:00:00Z', '2026-12-03T11:00:00Z', 3]);
    expect(report.totals.received).toBe(8);
    expect(report.providers.map((p) => [p.provider, p.received])).toEqual([
      ['meta', 4],
      ['twilio', 4],
    ]);
    expect(report.endpoints.map((e) => [e.endpointId, e.received, e.refused])).toEqual([
      ['ep1', 4, 1],
      ['ep2', 4, 0],
    ]);
    expect(report.series.map((hour) => [hour.hour, hour.received, hour.refused])).toEqual([
      ['2026-12-03T08:00:00Z', 3, 1],
      ['2026-12-03T09:00:00Z', 0, 0],
      ['2026-12-03T10:00:00Z', 5, 0],
    ]);
  });

  it('keeps to one provider when asked', () => {
    const report = reportOf(rows, { tenantId: 'acme', provider: 'meta' }, window);
    expect([report.totals.received, report.endpoints.map((e) => e.endpointId)]).toEqual([4, ['ep2']]);
  });
});
