// What the operations page shows, from what the API answers: GET /stats (a StatsReport,
// functions/core/stats.ts), GET /webhooks/recent and GET /health (functions/core/health.ts).
// Plain functions with no DOM, imported by the unit tests exactly as the browser loads them.

/** @typedef {import('../functions/core/stats.ts').StatsReport} StatsReport */
/** @typedef {import('../functions/core/stats.ts').Attempt} Attempt */
/** @typedef {import('../functions/core/stats.ts').LagSummary} LagSummary */
/** @typedef {import('../functions/core/health.ts').HealthReport} HealthReport */

/** The windows the page offers, in hours; GET /stats answers 1 to 168. */
export const hourChoices = [1, 6, 24, 168];
export const defaultHours = 24;
/** What `recent` lists at most: the API's default. */
export const recentLimit = 50;
export const refreshIntervalMs = 30_000;
/** Outcomes GET /webhooks/recent filters on (core/stats.ts attemptOutcomes). */
export const outcomeChoices = ['acked', 'refused', 'stored', 'quarantined', 'failed'];
/** The counters charted per hour, in the order a request meets them. */
export const chartedCounters = /** @type {const} */ (['received', 'acked', 'refused', 'processed', 'quarantined']);
/** Outcomes an operator has to look at: the row is marked in text as well as by its class. */
const problemOutcomes = new Set(['refused', 'quarantined', 'failed']);

/** @type {Record<string, string>} */
const lagLabels = {
  providerToReceived: 'provider → received',
  receivedToStored: 'received → stored',
  storedToDelivered: 'stored → delivered',
};

/**
 * What the page's URL asks beyond the inbox's settings: `tenant`, for an admin token reading
 * one tenant (a tenant's token asking for another is refused with 403).
 * @param {string} search @returns {{ tenant: string | undefined }}
 */
export const opsQueryOf = (search) => ({ tenant: new URLSearchParams(search).get('tenant') || undefined });

/** @param {URLSearchParams} params @param {string | undefined} tenant */
const withTenant = (params, tenant) => {
  if (tenant) params.set('tenant', tenant);
  return params;
};

/** @param {string} api @param {{ hours: number, provider?: string, tenant?: string }} filters */
export const statsPath = (api, { hours, provider, tenant }) => {
  const params = new URLSearchParams({ hours: String(hours) });
  if (provider) params.set('provider', provider);
  return `${api}/stats?${withTenant(params, tenant)}`;
};

/** @param {string} api @param {{ outcome?: string, tenant?: string }} filters */
export const recentPath = (api, { outcome, tenant }) => {
  const params = new URLSearchParams({ limit: String(recentLimit) });
  if (outcome) params.set('outcome', outcome);
  return `${api}/webhooks/recent?${withTenant(params, tenant)}`;
};

/** @param {string} api */
export const healthPath = (api) => `${api}/health`;

/**
 * An hour of the series as its axis label, in the viewer's time zone: the time alone within a
 * day, the day too over a week.
 * @param {string} hour `2026-12-03T14:00:00Z` @param {number} windowHours
 */
export const hourLabel = (hour, windowHours) =>
  new Date(hour).toLocaleString(undefined, windowHours > 24 ? { weekday: 'short', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' });

/**
 * The per-hour chart: one series per counter, oldest hour first, zeros included.
 * @param {StatsReport} report @param {(hour: string, windowHours: number) => string} [label]
 */
export const countsChart = (report, label = hourLabel) => ({
  labels: report.series.map((hour) => label(hour.hour, report.hours)),
  datasets: chartedCounters.map((counter) => ({ label: counter, data: report.series.map((hour) => hour[counter]) })),
});

/** A lag as a person reads it; p50 and p99 are their bucket's bound, so "at most". @param {number | null} ms */
export const lagText = (ms) => {
  if (ms === null) return '–';
  if (ms < 1000) return `≤ ${ms} ms`;
  if (ms < 60_000) return `≤ ${(ms / 1000).toFixed(1)} s`;
  return `≤ ${(ms / 60_000).toFixed(1)} min`;
};

/** @param {StatsReport['totals']['lags']} lags */
export const lagRows = (lags) =>
  Object.entries(lagLabels).map(([name, label]) => {
    const lag = /** @type {LagSummary | undefined} */ (/** @type {Record<string, LagSummary>} */ (lags)[name]);
    return { name, label, count: lag?.count ?? 0, p50: lagText(lag?.p50Ms ?? null), p99: lagText(lag?.p99Ms ?? null) };
  });

/** The lag chart: p50 and p99 of each hop in ms, no bar where nothing was measured. @param {StatsReport['totals']['lags']} lags */
export const lagChart = (lags) => {
  const summaries = Object.keys(lagLabels).map((name) => /** @type {Record<string, LagSummary | undefined>} */ (lags)[name]);
  return {
    labels: Object.values(lagLabels),
    datasets: [
      { label: 'p50 (ms)', data: summaries.map((lag) => lag?.p50Ms ?? null) },
      { label: 'p99 (ms)', data: summaries.map((lag) => lag?.p99Ms ?? null) },
    ],
  };
};

/** The per-endpoint table's columns; the tenant's only in an admin's stack-wide view. @param {StatsReport} report */
export const endpointColumns = (report) => [
  ...(report.tenantId === null ? ['tenant'] : []),
  'endpoint',
  'provider',
  'received',
  'acked',
  'refused',
  'processed',
  'quarantined',
  'failed',
  'sent',
  'send failed',
];

/** @param {StatsReport} report @returns {string[][]} */
export const endpointRows = (report) =>
  report.endpoints.map((endpoint) => [
    ...(report.tenantId === null ? [endpoint.tenantId] : []),
    endpoint.endpointId,
    endpoint.provider,
    ...[endpoint.received, endpoint.acked, endpoint.refused, endpoint.processed, endpoint.quarantined, endpoint.failed, endpoint.sent, endpoint.sendFailed].map(String),
  ]);

/** Refusals by reason code, most first. @param {StatsReport} report @returns {[string, string][]} */
export const refusalRows = (report) =>
  Object.entries(report.totals.refusedByReason)
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1))
    .map(([reason, count]) => [reason, String(count)]);

/** The providers the filter offers: those seen so far, and the one chosen. @param {readonly string[]} known @param {StatsReport} report */
export const knownProviders = (known, report) =>
  [...new Set([...known, ...report.providers.map(({ provider }) => provider), ...(report.provider ? [report.provider] : [])])].sort();

/**
 * The recent attempts' columns: with each one's tenant in an admin's stack-wide view, as the endpoints table has.
 * @param {boolean} stackWide
 */
export const attemptColumns = (stackWide) => [...(stackWide ? ['tenant'] : []), 'received at', 'outcome', 'endpoint', 'provider', 'status', 'reason', 'bytes', 'ack time', 'stored after'];

/**
 * One row of the recent attempts: `problem` when an operator has to look at it, which the
 * outcome cell also says in text (⚠), not by colour alone.
 * @param {Attempt} attempt @param {(iso: string) => string} [formatTime] @param {boolean} [stackWide] with its tenant first
 */
export const attemptRow = (attempt, formatTime = (iso) => new Date(iso).toLocaleString(), stackWide = false) => {
  const problem = problemOutcomes.has(attempt.outcome);
  return {
    problem,
    cells: [
      ...(stackWide ? [attempt.tenantId] : []),
      formatTime(attempt.at),
      problem ? `⚠ ${attempt.outcome}` : attempt.outcome,
      attempt.endpointId,
      attempt.provider,
      String(attempt.statusCode),
      attempt.reason ?? '',
      String(attempt.bytes),
      `${attempt.latencyMs} ms`,
      attempt.storedLagMs === undefined ? '' : `${attempt.storedLagMs} ms`,
    ],
  };
};

/** @param {{ visible: number, inFlight: number, delayed: number }} depth */
const messagesIn = (depth) => depth.visible + depth.inFlight + depth.delayed;

/** The queues as GET /health reports them. @param {HealthReport} health */
export const healthView = (health) => ({
  status: health.status,
  ingest: `${messagesIn(health.ingestQueue)} (${health.ingestQueue.visible} waiting, ${health.ingestQueue.inFlight} in flight, ${health.ingestQueue.delayed} delayed)${
    health.ingestQueue.oldestMessageAgeSeconds === null ? '' : `, oldest ${health.ingestQueue.oldestMessageAgeSeconds} s`
  }`,
  deadLetters: String(messagesIn(health.deadLetterQueue)),
  reasons: [...health.reasons],
  checkedAt: health.checkedAt,
});

/**
 * A value as one word of a POSIX shell command: the tenant comes from the page's URL, and an
 * operator pastes the command into a terminal. Plain ids stay as they are; anything else is
 * single-quoted, its own quotes closed and escaped.
 * @param {string} value
 */
const shellWord = (value) => (/^[A-Za-z0-9._-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

/**
 * The CLI commands that act on what the page counts: the page cannot run them, so it shows
 * them. A tenant's view lists that tenant's quarantine only.
 * @param {string | null | undefined} tenant
 */
export const operatorCommands = (tenant) => ({
  quarantine: [`npx switchboard quarantine list${tenant ? ` --tenant ${shellWord(tenant)}` : ''}`, 'npx switchboard quarantine replay <id>'],
  deadLetters: ['npx switchboard dlq list', 'npx switchboard dlq redrive'],
});

/**
 * What the page says when the API refused it with 403, and stops: asking again cannot change it.
 * The API's message says why (another tenant's figures need an admin token).
 * @param {string} message the API's own, `403: …` @param {string | undefined} tenant the `tenant=` the page asked for
 */
export const forbiddenNotice = (message, tenant) =>
  `The API refused these figures (${message}).${tenant ? ` Open this page without tenant= for the token's own tenant's.` : ''}`;

/** What the page says when the API could not be reached: it tries again at the next refresh. @param {string} api @param {string} detail */
export const unreachableNotice = (api, detail) => `Could not reach the API at ${api} (${detail}); trying again in ${refreshIntervalMs / 1000} s.`;
