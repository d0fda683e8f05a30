/**
 * What an operator can ask of the pipeline (GET /stats, GET /webhooks/recent, `switchboard
 * stats`, `switchboard recent`), kept as it runs: per tenant, endpoint and hour, counters that
 * each stage adds to atomically, and one short-lived record per webhook attempt. Never a scan:
 * a window is one query of a tenant's hour buckets. Never content: sizes, times and outcomes.
 */

import * as z from 'zod/mini';
import { Refused } from './errors.ts';
import { parseQueryParameters, type QueryParameters } from './query-parameters.ts';

/** Where a webhook attempt ended, as far as it is known: the ack's answer, then the processor's. */
export type AttemptOutcome = 'acked' | 'refused' | 'stored' | 'quarantined' | 'failed';
export const attemptOutcomes = ['acked', 'refused', 'stored', 'quarantined', 'failed'] as const satisfies readonly AttemptOutcome[];

/** One webhook request as `recent` lists it. */
export interface Attempt {
  /** When the ack received it (the envelope's receivedAt). */
  readonly at: string;
  readonly requestId: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly provider: string;
  readonly outcome: AttemptOutcome;
  /** Why it was refused, quarantined or failed: a refusal's reason code, or the processor's reason. */
  readonly reason?: string;
  /** The status the ack answered with. */
  readonly statusCode: number;
  readonly bytes: number;
  /** The ack's own time on it, from the request to its answer. */
  readonly latencyMs: number;
  /** Received → stored, once stored. */
  readonly storedLagMs?: number;
}

/** The lags an operator watches, one per hop. */
export type LagName = 'providerToReceived' | 'receivedToStored' | 'storedToDelivered';
export const lagNames = ['providerToReceived', 'receivedToStored', 'storedToDelivered'] as const satisfies readonly LagName[];

/** The plain counters; refusals are counted per reason as `refused_<reason>`. */
export type CounterName = 'received' | 'acked' | 'processed' | 'quarantined' | 'failed' | 'sent' | 'sendFailed';
export const counterNames = ['received', 'acked', 'processed', 'quarantined', 'failed', 'sent', 'sendFailed'] as const satisfies readonly CounterName[];

/** What one stage adds to one endpoint's hour bucket. */
export interface Increment {
  readonly tenantId: string;
  readonly provider: string;
  readonly endpointId: string;
  /** Any time within the hour it counts in (ISO 8601). */
  readonly at: string;
  readonly counts?: Partial<Record<CounterName, number>>;
  /** Refusals by reason code. */
  readonly refused?: Readonly<Record<string, number>>;
  /** Each lag observed, in ms. */
  readonly lags?: Partial<Record<LagName, readonly number[]>>;
}

/** A refusal's reason becomes part of an attribute name: only the fixed codes' characters (shared/http.ts failureReason). */
const reasonPattern = /^[a-z][a-z0-9_]{0,40}$/;

export const refusedAttribute = (reason: string): string => `refused_${reasonPattern.test(reason) ? reason : 'other'}`;
export const lagAttribute = (lag: LagName, bucket: number): string => `lag_${lag}_${bucket}`;

/**
 * Lags are counted in buckets a quarter of a power of two wide (each ~19% above the last), so
 * p50 and p99 come from counters alone, to within 19%, whatever the spread: 1 ms to an hour
 * is 90 buckets, of which a window uses a handful.
 */
const bucketsPerDoubling = 4;
export const lagBucketOf = (ms: number): number => Math.max(0, Math.ceil(bucketsPerDoubling * Math.log2(Math.max(1, ms))));
/** The largest lag a bucket counts: a percentile is reported as its bucket's bound, never below the truth. */
export const lagBucketBoundMs = (bucket: number): number => Math.round(2 ** (bucket / bucketsPerDoubling));

/** The attribute additions of increments for one bucket, summed: a batch's records become one update per endpoint and hour. */
export const additionsOf = (increments: readonly Increment[]): Record<string, number> => {
  const additions: Record<string, number> = {};
  const add = (attribute: string, n: number) => {
    if (n !== 0) additions[attribute] = (additions[attribute] ?? 0) + n;
  };
  for (const increment of increments) {
    for (const [name, n] of Object.entries(increment.counts ?? {})) add(name, n ?? 0);
    for (const [reason, n] of Object.entries(increment.refused ?? {})) add(refusedAttribute(reason), n);
    for (const [lag, values] of Object.entries(increment.lags ?? {}) as [LagName, readonly number[]][]) {
      for (const ms of values) if (Number.isFinite(ms)) add(lagAttribute(lag, lagBucketOf(ms)), 1);
    }
  }
  return additions;
};

/** The hour a time counts in, `2026-12-03T14`: hour buckets sort as text. */
export const hourOf = (iso: string): string => iso.slice(0, 13);

export interface BucketKey {
  readonly tenantId: string;
  readonly hour: string;
  readonly provider: string;
  readonly endpointId: string;
}

export const bucketKeyOf = (increment: Increment): BucketKey => ({
  tenantId: increment.tenantId,
  hour: hourOf(increment.at),
  provider: increment.provider,
  endpointId: increment.endpointId,
});

/** Items grouped by a key of plain values (compared as JSON), groups in order of first appearance. */
const groupBy = <Item, Key>(items: readonly Item[], keyOf: (item: Item) => Key): Map<string, { key: Key; items: Item[] }> => {
  const groups = new Map<string, { key: Key; items: Item[] }>();
  for (const item of items) {
    const key = keyOf(item);
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, items: [] };
    group.items.push(item);
    groups.set(id, group);
  }
  return groups;
};

/** Increments grouped by the bucket they add to, in order of first appearance. */
export const byBucket = (increments: readonly Increment[]): { key: BucketKey; additions: Record<string, number> }[] =>
  [...groupBy(increments, bucketKeyOf).values()].map(({ key, items }) => ({ key, additions: additionsOf(items) })).filter(({ additions }) => Object.keys(additions).length > 0);

/** How long hour buckets are kept: a month of history, a few days past the archive's. */
export const bucketRetentionDays = 35;
/** How long `recent` remembers an attempt. */
export const attemptRetentionHours = 24;
/** The widest window GET /stats answers: a week of hours. */
export const maxWindowHours = 168;
export const defaultWindowHours = 24;
export const maxRecentLimit = 200;
export const defaultRecentLimit = 50;

/** One hour bucket as stored: its key and its attributes (counters and lag buckets). */
export interface BucketRow extends BucketKey {
  readonly values: Readonly<Record<string, number>>;
}

export interface LagSummary {
  readonly count: number;
  /** The bound of the bucket holding the median: the true value is at most this and over ~84% of it. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface Totals {
  readonly received: number;
  readonly acked: number;
  readonly refused: number;
  readonly refusedByReason: Readonly<Record<string, number>>;
  readonly processed: number;
  readonly quarantined: number;
  /** Requests that failed their last delivery, into the DLQ. */
  readonly failed: number;
  readonly sent: number;
  readonly sendFailed: number;
  readonly lags: Readonly<Record<LagName, LagSummary>>;
}

const percentile = (histogram: ReadonlyMap<number, number>, count: number, q: number): number | null => {
  if (count === 0) return null;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket) ?? 0;
    if (seen >= rank) return lagBucketBoundMs(bucket);
  }
  return null;
};

const lagPattern = /^lag_([A-Za-z]+)_(\d+)$/;

/** The totals of a set of buckets, with each lag's p50 and p99 from their summed histograms. */
export const totalsOf = (rows: readonly BucketRow[]): Totals => {
  const sums: Record<string, number> = {};
  for (const row of rows) for (const [attribute, n] of Object.entries(row.values)) sums[attribute] = (sums[attribute] ?? 0) + n;
  const refusedByReason: Record<string, number> = Object.fromEntries(
    Object.entries(sums)
      .filter(([attribute]) => attribute.startsWith('refused_'))
      .map(([attribute, n]): [string, number] => [attribute.slice('refused_'.length), n])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const histograms = new Map<LagName, Map<number, number>>(lagNames.map((lag) => [lag, new Map()]));
  for (const [attribute, n] of Object.entries(sums)) {
    const [, lag, bucket] = lagPattern.exec(attribute) ?? [];
    histograms.get(lag as LagName)?.set(Number(bucket), n);
  }
  const lags = Object.fromEntries(
    lagNames.map((lag) => {
      const histogram = histograms.get(lag) ?? new Map<number, number>();
      const count = [...histogram.values()].reduce((a, b) => a + b, 0);
      return [lag, { count, p50Ms: percentile(histogram, count, 0.5), p99Ms: percentile(histogram, count, 0.99) }];
    }),
  ) as Record<LagName, LagSummary>;
  const counter = (name: CounterName) => sums[name] ?? 0;
  return {
    received: counter('received'),
    acked: counter('acked'),
    refused: Object.values(refusedByReason).reduce((a, b) => a + b, 0),
    refusedByReason,
    processed: counter('processed'),
    quarantined: counter('quarantined'),
    failed: counter('failed'),
    sent: counter('sent'),
    sendFailed: counter('sendFailed'),
    lags,
  };
};

/** What GET /stats answers. */
export interface StatsReport {
  /** The tenant the figures are of; null for an admin's stack-wide view. */
  readonly tenantId: string | null;
  readonly provider: string | null;
  /** The window: `hours` whole hours, the current one included. */
  readonly from: string;
  readonly to: string;
  readonly hours: number;
  readonly totals: Totals;
  readonly providers: readonly ({ readonly provider: string } & Totals)[];
  readonly endpoints: readonly ({ readonly tenantId: string; readonly endpointId: string; readonly provider: string } & Totals)[];
  /** Every hour of the window, oldest first, zeros included: what the operations page charts. */
  readonly series: readonly ({ readonly hour: string } & Omit<Totals, 'refusedByReason' | 'lags'>)[];
}

export interface StatsWindow {
  readonly fromHour: string;
  readonly toHour: string;
  readonly hours: number;
}

/** The `hours` whole hours up to and including now's. */
export const windowOf = (now: Date, hours: number): StatsWindow => {
  const hourMs = 3_600_000;
  const current = Math.floor(now.getTime() / hourMs) * hourMs;
  return { fromHour: hourOf(new Date(current - (hours - 1) * hourMs).toISOString()), toHour: hourOf(new Date(current).toISOString()), hours };
};

const hoursOf = ({ fromHour, hours }: StatsWindow): string[] =>
  Array.from({ length: hours }, (_, index) => hourOf(new Date(Date.parse(`${fromHour}:00:00.000Z`) + index * 3_600_000).toISOString()));

/** A totals' counts alone, as each hour of the series carries them. */
const countsOf = ({ refusedByReason, lags, ...counts }: Totals): Omit<Totals, 'refusedByReason' | 'lags'> => counts;

/** The report of a window's buckets (already of one tenant, or all for an admin), by provider, endpoint and hour. */
export const reportOf = (rows: readonly BucketRow[], scope: { tenantId: string | null; provider: string | null }, window: StatsWindow): StatsReport => {
  const inWindow = rows.filter((row) => row.hour >= window.fromHour && row.hour <= window.toHour && (scope.provider === null || row.provider === scope.provider));
  const byProvider = [...groupBy(inWindow, (row) => row.provider).values()].map(({ key, items: grouped }) => ({ provider: key, ...totalsOf(grouped) }));
  const byEndpoint = [...groupBy(inWindow, (row) => ({ tenantId: row.tenantId, endpointId: row.endpointId, provider: row.provider })).values()].map(({ key, items: grouped }) => ({
    ...key,
    ...totalsOf(grouped),
  }));
  const hourly = groupBy(inWindow, (row) => row.hour);
  const series = hoursOf(window).map((hour) => ({ hour: `${hour}:00:00Z`, ...countsOf(totalsOf(hourly.get(JSON.stringify(hour))?.items ?? [])) }));
  return {
    tenantId: scope.tenantId,
    provider: scope.provider,
    from: `${window.fromHour}:00:00Z`,
    to: new Date(Date.parse(`${window.toHour}:00:00.000Z`) + 3_600_000).toISOString().replace('.000Z', 'Z'),
    hours: window.hours,
    totals: totalsOf(inWindow),
    providers: byProvider.sort((a, b) => (a.provider < b.provider ? -1 : 1)),
    endpoints: byEndpoint.sort((a, b) => b.received - a.received || (a.endpointId < b.endpointId ? -1 : 1)),
    series,
  };
};

/**
 * How many partitions of `byScope` the items of each kind are spread over, by endpoint: eight
 * index partitions' write capacity, so that a busy stack never throttles the index (a throttled
 * GSI throttles the table's own writes), and an admin's read is eight queries side by side.
 */
export const scopeShards = 8;

/** The shard of `byScope` an endpoint's items go to: stable (FNV-1a of the id), and spread evenly. */
export const scopeShardOf = (endpointId: string): number => {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(endpointId)) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0) % scopeShards;
};

const shardScopes = (kind: 'COUNT' | 'RECENT') => Array.from({ length: scopeShards }, (_, shard) => `${kind}#${shard}`);

/**
 * Keys in the stats table (lib/definitions/tables.ts statsTable). A tenant's buckets and
 * attempts are each one partition, so a window is one query; `byScope` holds everyone's, by
 * time, in scopeShards partitions of each kind, for an admin's stack-wide view.
 */
export const statsKeys = {
  bucket: ({ tenantId, hour, provider, endpointId }: BucketKey) => ({ pk: `COUNT#${tenantId}`, sk: `${hour}#${provider}#${endpointId}` }),
  bucketScope: ({ tenantId, hour, provider, endpointId }: BucketKey) => ({ scope: `COUNT#${scopeShardOf(endpointId)}`, scopeSk: `${hour}#${tenantId}#${provider}#${endpointId}` }),
  /** Every shard of the buckets' scope: an admin's read queries each. */
  bucketScopes: shardScopes('COUNT'),
  bucketPartition: (tenantId: string) => `COUNT#${tenantId}`,
  attempt: ({ tenantId, at, requestId }: Pick<Attempt, 'tenantId' | 'at' | 'requestId'>) => ({ pk: `RECENT#${tenantId}`, sk: `${at}#${requestId}` }),
  attemptScope: ({ tenantId, endpointId, at, requestId }: Pick<Attempt, 'tenantId' | 'endpointId' | 'at' | 'requestId'>) => ({
    scope: `RECENT#${scopeShardOf(endpointId)}`,
    scopeSk: `${at}#${tenantId}#${requestId}`,
  }),
  attemptScopes: shardScopes('RECENT'),
  attemptPartition: (tenantId: string) => `RECENT#${tenantId}`,
} as const;

/** When a bucket or an attempt is forgotten (epoch seconds, DynamoDB TTL). */
export const bucketExpiresAt = (hour: string): number => Math.floor(Date.parse(`${hour}:00:00.000Z`) / 1000) + bucketRetentionDays * 86_400;
export const attemptExpiresAt = (at: string): number => Math.floor(Date.parse(at) / 1000) + attemptRetentionHours * 3_600;

/**
 * Refusals for a bad signature on one endpoint within an hour that make an alert: a secret
 * rotated at the provider fails every request, a stray probe a few. Published when the bucket's
 * count reaches it exactly, so once per endpoint and hour whatever the concurrency (ADD is atomic).
 */
export const signatureAlertThreshold = 5;
/** The reason code of a bad signature, as the answer's metric names it (core/errors.ts RefusalReason). */
export const signatureRefusal = 'signature';

/**
 * Refusals of one reason on one endpoint within an hour whose attempts are kept. Every refusal
 * is still counted; the attempts kept show what they look like, and a flood of forged requests
 * (anyone who knows an endpoint's URL can send them) cannot push a tenant's real outcomes out
 * of `recent`, which reads at most maxRecentPages pages.
 */
export const maxRefusedAttemptsPerHour = 100;

/*
 * Reading (GET /stats and GET /webhooks/recent, functions/query/routes.ts): a tenant reads its
 * own figures; an admin's token reads everyone's, or one tenant's it names.
 */

/**
 * A filtered `recent` reads attempts a page of this many at a time (about 300 KB), and at most
 * maxRecentPages pages: a rare outcome must not make one answer read a day of attempts.
 */
export const recentPageSize = 1000;
export const maxRecentPages = 5;

export interface AttemptFilter {
  readonly limit: number;
  readonly endpointId?: string;
  readonly outcome?: AttemptOutcome;
}

/** What GET /webhooks/recent answers: `truncated` when it stopped after maxRecentPages pages with fewer than `limit`, and more left unread. */
export interface RecentAttempts {
  readonly attempts: readonly Attempt[];
  readonly truncated: boolean;
}

const newestFirst = (a: Attempt, b: Attempt): number => (a.at === b.at ? (a.requestId < b.requestId ? 1 : -1) : a.at < b.at ? 1 : -1);

/**
 * An admin's `recent`, of the reads of every shard of `byScope` (each newest first): the newest
 * `limit` of them all. Truncated whenever a shard stopped short of `limit` with more unread:
 * what it left may be newer than the other shards' matches, whether or not they fill `limit`.
 */
export const mergeRecent = (reads: readonly RecentAttempts[], limit: number): RecentAttempts => ({
  attempts: reads.flatMap((read) => read.attempts).sort(newestFirst).slice(0, limit),
  truncated: reads.some((read) => read.truncated),
});

/** The stats table's reads: one tenant's partition, or everyone's (tenantId null) through every shard of `byScope`. */
export interface StatsReader {
  /** Every hour bucket from window.fromHour to window.toHour, however many pages that takes. */
  buckets(tenantId: string | null, window: StatsWindow): Promise<BucketRow[]>;
  /** Up to filter.limit attempts that match it, newest first, reading at most maxRecentPages pages. */
  attempts(tenantId: string | null, filter: AttemptFilter): Promise<RecentAttempts>;
}

/** Who reads: the tenant of the caller's token, and whether it is an admin's. */
export interface StatsCaller {
  readonly tenantId: string;
  readonly admin: boolean;
}

const bucketAttribute = new RegExp(`^(${counterNames.join('|')}|refused_[a-z0-9_]+|lag_[A-Za-z]+_\\d+)$`);

/** A stored hour bucket as totalsOf reads it: its key attributes, and its counters alone (not its keys or expiry). */
export const bucketRowOf = (item: Readonly<Record<string, unknown>>): BucketRow => ({
  tenantId: String(item.tenantId),
  hour: String(item.hour),
  provider: String(item.provider),
  endpointId: String(item.endpointId),
  values: Object.fromEntries(Object.entries(item).filter(([attribute, value]) => bucketAttribute.test(attribute) && typeof value === 'number')) as Record<string, number>,
});

const attemptFields = ['at', 'requestId', 'tenantId', 'endpointId', 'provider', 'outcome', 'reason', 'statusCode', 'bytes', 'latencyMs', 'storedLagMs'] as const satisfies readonly (keyof Attempt)[];

/** A stored attempt with its Attempt fields only: never its keys, nor anything a later writer might add. */
export const attemptOf = (item: Readonly<Record<string, unknown>>): Attempt =>
  Object.fromEntries(attemptFields.flatMap((field) => (item[field] === undefined ? [] : [[field, item[field]]]))) as unknown as Attempt;

/**
 * The tenant a read is of: the token's own; an admin's may name one with `tenant`, or none for
 * everyone's (null). A tenant's token naming another is refused, never answered with its own.
 */
export const tenantScopeOf = (caller: StatsCaller, tenant: string | undefined): string | null => {
  if (caller.admin) return tenant ?? null;
  if (tenant === undefined || tenant === caller.tenantId) return caller.tenantId;
  throw new Refused('forbidden', `this token reads its own tenant's figures only (${caller.tenantId}); another tenant's need an admin token: switchboard token --tenant <t> --admin`);
};


const wholeNumber = (name: string, min: number, max: number) =>
  z.optional(
    z.pipe(
      z.string().check(z.refine((value) => /^\d{1,4}$/.test(value) && Number(value) >= min && Number(value) <= max, { error: `${name} must be a whole number from ${min} to ${max}` })),
      z.transform(Number),
    ),
  );
const oneOf = <Value extends string>(name: string, allowed: readonly Value[]) =>
  z.optional(z.pipe(z.string().check(z.refine((value) => (allowed as readonly string[]).includes(value), { error: `${name} must be one of: ${allowed.join(', ')}` })), z.transform((value) => value as Value)));
/** Ids are short; a longer one names nothing. */
const anId = (name: string) => z.optional(z.string().check(z.maxLength(256, { error: `${name} must be at most 256 characters` })));

/**
 * The parameters given: an empty one (`provider=`, as a form sends "any") is one not given.
 * Any parameter not named is ignored; each wrong value is a 400 naming what it takes.
 */
const parse = <Schema extends z.ZodMiniType>(schema: Schema, parameters: QueryParameters): z.infer<Schema> =>
  parseQueryParameters(schema, Object.fromEntries(Object.entries(parameters ?? {}).filter(([, value]) => value !== undefined && value !== '')));

export interface StatsQuery {
  readonly hours: number;
  readonly provider: string | null;
  readonly tenant: string | undefined;
}

/** GET /stats's `hours`, `provider` (one of `providers`, the registered names) and `tenant`. */
export const parseStatsQuery = (parameters: QueryParameters, providers: readonly string[]): StatsQuery => {
  const { hours, provider, tenant } = parse(
    z.object({ hours: wholeNumber('hours', 1, maxWindowHours), provider: oneOf('provider', providers), tenant: anId('tenant') }),
    parameters,
  );
  return { hours: hours ?? defaultWindowHours, provider: provider ?? null, tenant };
};

export interface RecentQuery extends AttemptFilter {
  readonly tenant: string | undefined;
}

/** GET /webhooks/recent's `limit`, `endpointId`, `outcome` and `tenant`. */
export const parseRecentQuery = (parameters: QueryParameters): RecentQuery => {
  const { limit, endpointId, outcome, tenant } = parse(
    z.object({ limit: wholeNumber('limit', 1, maxRecentLimit), endpointId: anId('endpointId'), outcome: oneOf('outcome', attemptOutcomes), tenant: anId('tenant') }),
    parameters,
  );
  return { limit: limit ?? defaultRecentLimit, tenant, ...(endpointId !== undefined && { endpointId }), ...(outcome !== undefined && { outcome }) };
};

/** GET /stats: the caller's window of hour buckets, as a report. */
export const readStats = async (reader: StatsReader, caller: StatsCaller, parameters: QueryParameters, providers: readonly string[], now: Date): Promise<StatsReport> => {
  const { hours, provider, tenant } = parseStatsQuery(parameters, providers);
  const tenantId = tenantScopeOf(caller, tenant);
  const window = windowOf(now, hours);
  return reportOf(await reader.buckets(tenantId, window), { tenantId, provider }, window);
};

/** GET /webhooks/recent: the caller's latest attempts, newest first. */
export const readRecent = async (reader: StatsReader, caller: StatsCaller, parameters: QueryParameters): Promise<RecentAttempts> => {
  const { tenant, ...filter } = parseRecentQuery(parameters);
  return reader.attempts(tenantScopeOf(caller, tenant), filter);
};
