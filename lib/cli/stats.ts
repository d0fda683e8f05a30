import type { LagSummary, RecentAttempts, StatsReport, Totals } from '../../functions/core/stats.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { oneLine } from './dlq.ts';
import { formatTable } from './table.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

/**
 * `switchboard stats` and `switchboard recent`: what the operations page shows, read from the
 * same HTTP API (GET /stats, GET /webhooks/recent) with a short-lived admin token, so the CLI
 * and the page always agree.
 */

export interface StatsFlags {
  readonly provider?: string | undefined;
  readonly hours?: string | undefined;
  readonly tenant?: string | undefined;
}

export interface RecentFlags {
  readonly endpoint?: string | undefined;
  readonly outcome?: string | undefined;
  readonly limit?: string | undefined;
  readonly tenant?: string | undefined;
}

const pathOf = (path: string, parameters: Readonly<Record<string, string | undefined>>): string => {
  const search = new URLSearchParams(Object.entries(parameters).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, value]]))).toString();
  return search === '' ? path : `${path}?${search}`;
};

/** The API's path and query of each command: flags go as they are given, and the API says what is wrong with one. */
export const statsPath = ({ provider, hours, tenant }: StatsFlags): string => pathOf('/stats', { provider, hours, tenant });
export const recentPath = ({ endpoint, outcome, limit, tenant }: RecentFlags): string => pathOf('/webhooks/recent', { endpointId: endpoint, outcome, limit, tenant });

/** Long enough for one request; a token printed by mistake is soon useless. */
const tokenSeconds = 300;
/**
 * The tenant an admin token the CLI mints names: it must name one, and reads with it only the
 * figures asked for. Whoever runs the CLI holds the stack's secret, and could mint any tenant's.
 */
const cliTenant = 'switchboard-cli';
/** API Gateway answers within 29 s. */
const answerTimeoutMs = 30_000;

export interface Reading {
  /** A token to call with instead of one minted with the stack's secret (an OIDC stack's). */
  readonly token?: string | undefined;
  /** The UsageError, with the command's usage, of a token the stack does not accept. */
  readonly wrong: (message: string) => UsageError;
}

/**
 * The API's answer to a GET of `path`, with the caller's token or a fresh admin token. A value
 * the API refuses (400) is a usage error; a minted token it refuses means it verifies another
 * issuer's tokens (OIDC), and only --token can reach it.
 */
export const readApi = async <Answer>(target: Target, path: string, { token, wrong }: Reading): Promise<Answer> => {
  const bearer = token ?? (await issueToken(cliTenant, await target.jwtSecret(), Math.min(tokenSeconds, target.tokenMaxLifetimeSeconds), target.tokenMaxLifetimeSeconds, { admin: true }));
  const url = `${target.publicBaseUrl.replace(/\/+$/, '')}${path}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(answerTimeoutMs) });
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as Answer;
  // Switchboard's refusals say `error`; API Gateway's own (a throttle's 429) say `message`.
  let said: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    said = [body.error, body.message].find((value): value is string => typeof value === 'string');
  } catch {
    said = undefined;
  }
  if (response.status === 401 && token === undefined) {
    throw wrong("the stack refused a token signed with its secret: a stack whose tokens come from an OIDC issuer needs --token <jwt>, one of the issuer's tokens (it reads its own tenant's figures only)");
  }
  // A value it refuses, or another tenant's figures asked for with a tenant's --token: the caller's to change.
  if (response.status === 400 || response.status === 403) throw new UsageError(said ?? 'the API refused these options');
  throw new Error(`${url} answered HTTP ${response.status}${said === undefined ? '' : `: ${said}`}`);
};

/** An empty --tenant (an unset shell variable) would otherwise read every tenant's figures. */
const withTenantGiven = <Flags extends { readonly tenant?: string | undefined }>(flags: Flags, { wrong }: Reading): Flags => {
  if (flags.tenant?.trim() === '') throw wrong("--tenant needs a tenant id (leave it out for every tenant's figures)");
  return flags;
};

/** GET /stats, as `switchboard stats` asks it. */
export const readStats = async (target: Target, flags: StatsFlags, reading: Reading): Promise<StatsReport> => readApi(target, statsPath(withTenantGiven(flags, reading)), reading);
/** GET /webhooks/recent, as `switchboard recent` asks it. */
export const readRecent = async (target: Target, flags: RecentFlags, reading: Reading): Promise<RecentAttempts> => readApi(target, recentPath(withTenantGiven(flags, reading)), reading);

/** A lag as people read it: ms under a second, else seconds, else minutes. */
export const durationText = (ms: number): string => {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
};

const lagText = ({ count, p50Ms, p99Ms }: LagSummary): string => (count === 0 || p50Ms === null || p99Ms === null ? '-' : `${durationText(p50Ms)} / ${durationText(p99Ms)}`);

/** How many reasons a refusal count names: the rest are in --json. */
const shownReasons = 3;

/** Refusals, and the reasons most of them had: `7 (signature 5, replayed 2)`. */
export const refusedText = ({ refused, refusedByReason }: Pick<Totals, 'refused' | 'refusedByReason'>): string => {
  const reasons = Object.entries(refusedByReason)
    .filter(([, n]) => n > 0)
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1))
    .slice(0, shownReasons);
  return reasons.length === 0 ? String(refused) : `${refused} (${reasons.map(([reason, n]) => `${reason} ${n}`).join(', ')})`;
};

const countsOf = (totals: Totals): string[] => [
  String(totals.received),
  String(totals.acked),
  refusedText(totals),
  String(totals.processed),
  String(totals.quarantined),
  String(totals.failed),
  String(totals.sent),
  String(totals.sendFailed),
  lagText(totals.lags.receivedToStored),
];

const windowText = (report: StatsReport): string =>
  `${report.tenantId === null ? 'Every tenant' : `Tenant ${report.tenantId}`}${report.provider === null ? '' : `, provider ${report.provider}`}, last ${report.hours} ${report.hours === 1 ? 'hour' : 'hours'} (${report.from} to ${report.to})`;

/** A row per endpoint, busiest first, and a total row; STORED LAG is received → stored, p50 / p99. */
export const formatStats = (report: StatsReport): string[] => {
  if (report.endpoints.length === 0) return [`${windowText(report)}: no webhooks.`];
  return [
    `${windowText(report)}:`,
    ...formatTable(
      ['TENANT', 'ENDPOINT', 'PROVIDER', 'RECEIVED', 'ACKED', 'REFUSED', 'PROCESSED', 'QUARANTINED', 'FAILED', 'SENT', 'SEND FAILED', 'STORED LAG p50/p99'],
      [
        ...report.endpoints.map((endpoint) => [endpoint.tenantId, endpoint.endpointId, endpoint.provider, ...countsOf(endpoint)]),
        ['total', '', '', ...countsOf(report.totals)],
      ],
    ),
  ];
};

/** The attempts, newest first; a note when the API stopped reading before it found `limit`. */
export const formatRecent = ({ attempts, truncated }: RecentAttempts): string[] => [
  ...(attempts.length === 0
    ? ['No webhook attempts match (they are kept 24 hours).']
    : formatTable(
        ['TIME', 'TENANT', 'ENDPOINT', 'PROVIDER', 'OUTCOME', 'REASON', 'STATUS', 'BYTES', 'LATENCY'],
        attempts.map((attempt) => [
          attempt.at,
          attempt.tenantId,
          attempt.endpointId,
          attempt.provider,
          attempt.outcome,
          attempt.reason === undefined ? '-' : oneLine(attempt.reason),
          String(attempt.statusCode),
          String(attempt.bytes),
          durationText(attempt.latencyMs),
        ]),
      )),
  ...(truncated ? ['(Stopped reading before the oldest attempts: older ones may match too; narrow it with --endpoint or --tenant.)'] : []),
];
