import { describe, expect, it } from 'vitest';
import { Refused } from '../../../functions/core/errors.ts';
import {
  attemptOf,
  bucketRowOf,
  mergeRecent,
  parseRecentQuery,
  parseStatsQuery,
  readRecent,
  readStats,
  statsKeys,
  tenantScopeOf,
  type Attempt,
  type AttemptFilter,
  type BucketRow,
  type StatsReader,
  type StatsWindow,
} from '../../../functions/core/stats.ts';

/** GET /stats and GET /webhooks/recent as the core reads them: parameters, scope and what reaches the reader. */

const providers = ['twilio', 'meta', 'sendgrid'];
const acme = { tenantId: 'acme', admin: false };
const operator = { tenantId: 'ops', admin: true };
const now = new Date('2026-12-03T14:25:00.000Z');

/** A reader that remembers what it was asked and answers one bucket per tenant it is asked for. */
const stubReader = () => {
  const asked: { tenantId: string | null; window?: StatsWindow; filter?: AttemptFilter }[] = [];
  const reader: StatsReader = {
    async buckets(tenantId, window) {
      asked.push({ tenantId, window });
      const row: BucketRow = { tenantId: tenantId ?? 'globex', hour: window.toHour, provider: 'twilio', endpointId: 'ep_1', values: { received: 3, acked: 2, refused_signature: 1 } };
      return [row];
    },
    async attempts(tenantId, filter) {
      asked.push({ tenantId, filter });
      return { attempts: [], truncated: false };
    },
  };
  return { reader, asked };
};

const refusal = (run: () => unknown): Refused => {
  try {
    run();
  } catch (error) {
    if (error instanceof Refused) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('parseStatsQuery', () => {
  it("defaults to the last 24 hours of every provider and the token's own tenant", () => {
    expect(parseStatsQuery(null, providers)).toEqual({ hours: 24, provider: null, tenant: undefined });
  });

  it('takes hours from 1 to 168, a registered provider and a tenant, and ignores other parameters', () => {
    expect(parseStatsQuery({ hours: '1', provider: 'meta', tenant: 'globex', cursor: 'x' }, providers)).toEqual({ hours: 1, provider: 'meta', tenant: 'globex' });
    expect(parseStatsQuery({ hours: '168' }, providers).hours).toBe(168);
  });

  it('reads an empty parameter as one not given, as a form sends "any"', () => {
    expect(parseStatsQuery({ hours: '', provider: '', tenant: '' }, providers)).toEqual({ hours: 24, provider: null, tenant: undefined });
  });

  it.each(['0', '169', '1.5', '-1', '24h', ' 24', '1e2', '99999'])('refuses hours=%s with 400, naming the range', (hours) => {
    const refused = refusal(() => parseStatsQuery({ hours }, providers));

    expect(refused.reason).toBe('bad_request');
    expect(refused.message).toBe('hours must be a whole number from 1 to 168');
  });

  it('refuses a provider that is not registered with 400, naming the registered ones', () => {
    const refused = refusal(() => parseStatsQuery({ provider: 'Twilio' }, providers));

    expect(refused.reason).toBe('bad_request');
    expect(refused.message).toBe('provider must be one of: twilio, meta, sendgrid');
  });

  it('names every wrong parameter at once', () => {
    expect(refusal(() => parseStatsQuery({ hours: '0', provider: 'x' }, providers)).message).toBe(
      'hours must be a whole number from 1 to 168; provider must be one of: twilio, meta, sendgrid',
    );
  });
});

describe('parseRecentQuery', () => {
  it('defaults to the 50 latest attempts of any endpoint and outcome', () => {
    expect(parseRecentQuery(undefined)).toEqual({ limit: 50, tenant: undefined });
  });

  it('takes a limit from 1 to 200, an endpoint, an outcome and a tenant', () => {
    expect(parseRecentQuery({ limit: '200', endpointId: 'ep_1', outcome: 'quarantined', tenant: 'globex' })).toEqual({
      limit: 200,
      endpointId: 'ep_1',
      outcome: 'quarantined',
      tenant: 'globex',
    });
  });

  it.each([
    [{ limit: '0' }, 'limit must be a whole number from 1 to 200'],
    [{ limit: '201' }, 'limit must be a whole number from 1 to 200'],
    [{ limit: 'ten' }, 'limit must be a whole number from 1 to 200'],
    [{ outcome: 'delivered' }, 'outcome must be one of: acked, refused, stored, quarantined, failed'],
    [{ endpointId: 'e'.repeat(257) }, 'endpointId must be at most 256 characters'],
    [{ tenant: 't'.repeat(257) }, 'tenant must be at most 256 characters'],
  ])('refuses %j with 400: %s', (parameters, message) => {
    const refused = refusal(() => parseRecentQuery(parameters));

    expect(refused.reason).toBe('bad_request');
    expect(refused.message).toBe(message);
  });
});

describe('tenantScopeOf', () => {
  it("gives a tenant's token its own tenant, asked for or not", () => {
    expect(tenantScopeOf(acme, undefined)).toBe('acme');
    expect(tenantScopeOf(acme, 'acme')).toBe('acme');
  });

  it("refuses a tenant's token naming another tenant with 403, never answering with its own", () => {
    const refused = refusal(() => tenantScopeOf(acme, 'globex'));

    expect(refused.reason).toBe('forbidden');
    expect(refused.message).toBe("this token reads its own tenant's figures only (acme); another tenant's need an admin token: switchboard token --tenant <t> --admin");
  });

  it("gives an admin's token everyone's (null), or the tenant it names, its own tenant included", () => {
    expect(tenantScopeOf(operator, undefined)).toBeNull();
    expect(tenantScopeOf(operator, 'globex')).toBe('globex');
    expect(tenantScopeOf(operator, 'ops')).toBe('ops');
  });
});

describe('readStats', () => {
  it("reads a tenant's own window of hours and reports it as that tenant's", async () => {
    // Prepare
    const { reader, asked } = stubReader();

    // Act
    const report = await readStats(reader, acme, { hours: '2' }, providers, now);

    // Assess
    expect(asked).toEqual([{ tenantId: 'acme', window: { fromHour: '2026-12-03T13', toHour: '2026-12-03T14', hours: 2 } }]);
    expect(report).toMatchObject({ tenantId: 'acme', provider: null, hours: 2, from: '2026-12-03T13:00:00Z', to: '2026-12-03T15:00:00Z' });
    expect(report.totals).toMatchObject({ received: 3, acked: 2, refused: 1, refusedByReason: { signature: 1 } });
  });

  it("reads everyone's for an admin without tenant, and reports tenantId null", async () => {
    const { reader, asked } = stubReader();

    const report = await readStats(reader, operator, { provider: 'twilio' }, providers, now);

    expect(asked.map(({ tenantId }) => tenantId)).toEqual([null]);
    expect(report).toMatchObject({ tenantId: null, provider: 'twilio', endpoints: [{ tenantId: 'globex', endpointId: 'ep_1' }] });
  });

  it("reads one tenant's for an admin naming it", async () => {
    const { reader, asked } = stubReader();

    const report = await readStats(reader, operator, { tenant: 'globex' }, providers, now);

    expect(asked.map(({ tenantId }) => tenantId)).toEqual(['globex']);
    expect(report.tenantId).toBe('globex');
  });

  it("never reads for a tenant's token that names another tenant", async () => {
    const { reader, asked } = stubReader();

    await expect(readStats(reader, acme, { tenant: 'globex' }, providers, now)).rejects.toMatchObject({ reason: 'forbidden' });
    expect(asked).toEqual([]);
  });
});

describe('readRecent', () => {
  it("hands the reader the caller's scope and the filter asked for", async () => {
    const { reader, asked } = stubReader();

    await readRecent(reader, acme, { outcome: 'refused', endpointId: 'ep_1', limit: '5' });
    await readRecent(reader, operator, {});
    await readRecent(reader, operator, { tenant: 'globex' });

    expect(asked).toEqual([
      { tenantId: 'acme', filter: { limit: 5, endpointId: 'ep_1', outcome: 'refused' } },
      { tenantId: null, filter: { limit: 50 } },
      { tenantId: 'globex', filter: { limit: 50 } },
    ]);
  });

  it("never reads for a tenant's token that names another tenant", async () => {
    const { reader, asked } = stubReader();

    await expect(readRecent(reader, acme, { tenant: 'globex' })).rejects.toMatchObject({ reason: 'forbidden' });
    expect(asked).toEqual([]);
  });
});

describe('mergeRecent', () => {
  const at = (second: number, requestId: string): Attempt => ({
    at: `2026-12-03T14:25:${String(second).padStart(2, '0')}.000Z`,
    requestId,
    tenantId: 'acme',
    endpointId: 'ep_1',
    provider: 'twilio',
    outcome: 'acked',
    statusCode: 200,
    bytes: 1,
    latencyMs: 1,
  });

  it("merges the shards' reads newest first, the same time by request id, cut to the limit", () => {
    const merged = mergeRecent(
      [
        { attempts: [at(9, 'req_a'), at(5, 'req_b')], truncated: false },
        { attempts: [], truncated: false },
        { attempts: [at(7, 'req_c'), at(5, 'req_d'), at(1, 'req_e')], truncated: false },
      ],
      4,
    );

    expect(merged).toEqual({ attempts: [at(9, 'req_a'), at(7, 'req_c'), at(5, 'req_d'), at(5, 'req_b')], truncated: false });
  });

  it('is truncated whenever a shard stopped with more unread, even when the others fill the limit: what it left may be newer', () => {
    const stopped = { attempts: [at(3, 'req_a')], truncated: true };
    const whole = { attempts: [at(2, 'req_b')], truncated: false };

    expect(mergeRecent([stopped, whole], 3)).toEqual({ attempts: [at(3, 'req_a'), at(2, 'req_b')], truncated: true });
    expect(mergeRecent([stopped, whole], 2)).toEqual({ attempts: [at(3, 'req_a'), at(2, 'req_b')], truncated: true });
    expect(mergeRecent([whole, { attempts: [], truncated: false }], 3)).toEqual({ attempts: [at(2, 'req_b')], truncated: false });
  });
});

describe('stored items as read', () => {
  it('gives an attempt its Attempt fields only: no keys, no expiry, nothing a later writer added', () => {
    const attempt = { at: '2026-12-03T14:25:00.000Z', requestId: 'req_1', tenantId: 'acme', endpointId: 'ep_1', provider: 'twilio', outcome: 'stored', statusCode: 200, bytes: 412, latencyMs: 7, storedLagMs: 120 } as const;

    const read = attemptOf({ ...attempt, ...statsKeys.attempt(attempt), ...statsKeys.attemptScope(attempt), expiresAt: 1, body: 'my PIN is 8642' });

    expect(read).toEqual(attempt);
  });

  it("gives a bucket its key attributes and its counters, never its keys' or expiry's", () => {
    const key = { tenantId: 'acme', hour: '2026-12-03T14', provider: 'twilio', endpointId: 'ep_1' };

    const row = bucketRowOf({ ...key, ...statsKeys.bucket(key), ...statsKeys.bucketScope(key), expiresAt: 1_900_000_000, received: 2, refused_signature: 1, lag_receivedToStored_27: 1 });

    expect(row).toEqual({ ...key, values: { received: 2, refused_signature: 1, lag_receivedToStored_27: 1 } });
  });
});
