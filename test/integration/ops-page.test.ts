import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../functions/core/health.ts';
import { additionsOf, reportOf, windowOf, type Attempt, type StatsReport } from '../../functions/core/stats.ts';
import { inboxVendorFiles } from '../../lib/definitions/inbox-vendor.ts';
import { startHttpGateway } from '../../lib/local/http-gateway.ts';
import { launchChromium, recordPolicyViolations, recordRequests } from '../helpers/browser.ts';
import { freePort } from '../helpers/ports.ts';
import { rawExchange } from '../helpers/raw-http.ts';

/**
 * The operations page (inbox/ops.html) in headless Chromium, served by the local HTTP gateway
 * with Chart.js beside it, against an API that answers fixed reports built by the API's own
 * reportOf: what it charts and lists, and how it stops on a refused token. The same page
 * against the whole local stack is test/e2e/ops-browser.test.ts. Also `npm run build:inbox`
 * shipping the page and its library.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const validToken = 'a-valid-token';
const now = new Date();
const hour = now.toISOString().slice(0, 13);

const report: StatsReport = reportOf(
  [
    {
      tenantId: 'acme',
      provider: 'twilio',
      endpointId: 'ep_<b>sms</b>',
      hour,
      values: additionsOf([{ tenantId: 'acme', provider: 'twilio', endpointId: 'ep_<b>sms</b>', at: now.toISOString(), counts: { received: 5, acked: 3, processed: 3, quarantined: 1 }, refused: { bad_signature: 2 }, lags: { receivedToStored: [40, 60, 70] } }]),
    },
  ],
  { tenantId: 'acme', provider: null },
  windowOf(now, 24),
);
const attempts: Attempt[] = [
  { at: now.toISOString(), requestId: 'r2', tenantId: 'acme', endpointId: 'ep_<b>sms</b>', provider: 'twilio', outcome: 'refused', reason: '<img src=x>', statusCode: 403, bytes: 300, latencyMs: 3 },
  { at: now.toISOString(), requestId: 'r1', tenantId: 'acme', endpointId: 'ep_<b>sms</b>', provider: 'twilio', outcome: 'stored', statusCode: 200, bytes: 310, latencyMs: 5, storedLagMs: 60 },
];
const health: HealthReport = {
  status: 'degraded',
  reasons: ['1 request in the DLQ: `switchboard dlq list` shows why each failed, `switchboard dlq redrive` retries them'],
  checkedAt: now.toISOString(),
  ingestQueue: { visible: 2, inFlight: 1, delayed: 0, oldestMessageAgeSeconds: 7 },
  deadLetterQueue: { visible: 1, inFlight: 0, delayed: 0 },
};

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The query API's answers: 401 to any other token, 403 to a tenant= the token is not. */
const withToken = (answer: () => unknown) => async (event: APIGatewayProxyEvent) => {
  if (event.headers.authorization !== `Bearer ${validToken}`) return json(401, { error: 'unauthenticated' });
  if (event.queryStringParameters?.tenant) return json(403, { error: 'not your tenant' });
  return json(200, answer());
};

let gateway: Awaited<ReturnType<typeof startHttpGateway>>;
let browser: Browser;
/** What the gateway failed on: each test expects nothing. */
const errors: unknown[] = [];

beforeAll(async () => {
  gateway = await startHttpGateway({
    port: await freePort(),
    routes: [
      { method: 'GET', resource: '/stats', functionName: 'query', handler: withToken(() => report) },
      { method: 'GET', resource: '/webhooks/recent', functionName: 'query', handler: withToken(() => ({ attempts })) },
      { method: 'GET', resource: '/health', functionName: 'health', handler: async () => json(200, health) },
    ],
    staticDir: join(root, 'inbox'),
    onError: (error) => errors.push(error),
  });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

/** Opens ops.html with `query` on a fake clock (so a test moves time on, not waits), recording what it asks the API. */
const openOps = async (query: Record<string, string>) => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.clock.install();
  const requests = recordRequests(page, query.api ?? gateway.url);
  const violations = recordPolicyViolations(page);
  await page.goto(`${gateway.url}/ops.html?${new URLSearchParams(query)}`);
  return { page, requests, violations };
};

const apiCalls = (requests: readonly string[]) => requests.filter((path) => /^\/(stats|webhooks\/recent|health)\b/.test(path));

/** What Chart.js holds for the canvas: labels and datasets, as it draws them. */
const chartData = (page: Page, canvasId: string) =>
  page.evaluate((id) => {
    const chart = (globalThis as unknown as { Chart: { getChart(canvas: unknown): { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } } } }).Chart.getChart(
      (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document.getElementById(id),
    );
    return { labels: chart.data.labels, datasets: chart.data.datasets.map(({ label, data }) => ({ label, data })) };
  }, canvasId);

const rowsOf = (page: Page, table: string) =>
  page.locator(`${table} tbody tr`).evaluateAll((rows) =>
    (rows as unknown as { className: string; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> }[]).map((row) => ({
      className: row.className,
      cells: Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? ''),
    })),
  );

describe('the operations page, against fixed answers', () => {
  it('charts the series and the lags through Chart.js, and lists endpoints, refusals, recent webhooks and the queues as text', async () => {
    const { page, violations } = await openOps({ token: validToken });
    try {
      await page.locator('#refresh-status[data-state="live"]').waitFor({ timeout: 10_000 });

      const counts = await chartData(page, 'counts-chart');
      const lags = await chartData(page, 'lag-chart');
      const endpoints = await rowsOf(page, '#endpoint-table');
      const refusals = await rowsOf(page, '#refusal-table');
      const recent = await rowsOf(page, '#recent-table');

      expect(counts.labels).toHaveLength(24);
      expect(counts.datasets.map(({ label, data }) => [label, data.reduce<number>((sum, n) => sum + (n ?? 0), 0), data.at(-1)])).toEqual([
        ['received', 5, 5],
        ['acked', 3, 3],
        ['refused', 2, 2],
        ['processed', 3, 3],
        ['quarantined', 1, 1],
      ]);
      expect(lags.datasets).toEqual([
        { label: 'p50 (ms)', data: [null, 64, null] },
        { label: 'p99 (ms)', data: [null, 76, null] },
      ]);
      expect(await page.locator('#totals').textContent()).toBe('Last 24 hours: 5 received, 3 acked, 2 refused, 3 processed, 1 quarantined.');
      // Caller-chosen ids and reasons are text, never markup.
      expect(endpoints).toEqual([{ className: '', cells: ['ep_<b>sms</b>', 'twilio', '5', '3', '2', '3', '1', '0', '0', '0'] }]);
      expect(await page.locator('#endpoint-table b, #recent-table img').count()).toBe(0);
      expect(refusals).toEqual([{ className: '', cells: ['bad_signature', '2'] }]);
      expect(recent.map(({ className, cells }) => [className, cells[1], cells[5]])).toEqual([
        ['problem', '⚠ refused', '<img src=x>'],
        ['', 'stored', ''],
      ]);
      expect(await page.locator('#ingest-depth').textContent()).toBe('3 (2 waiting, 1 in flight, 0 delayed), oldest 7 s');
      expect(await page.locator('#dlq-depth').textContent()).toBe('1');
      expect(await page.locator('#quarantined-count').textContent()).toBe('1');
      expect(await page.locator('#health-reasons li').allTextContents()).toEqual(health.reasons);
      expect(await page.locator('#commands code').allTextContents()).toEqual([
        'npx switchboard quarantine list --tenant acme',
        'npx switchboard quarantine replay <id>',
        'npx switchboard dlq list',
        'npx switchboard dlq redrive',
      ]);
      expect(await page.locator('#inbox-link').getAttribute('href')).toBe(`index.html?token=${validToken}`);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('asks again every 30 s, and again at once when a filter changes', async () => {
    const { page, requests } = await openOps({ token: validToken });
    try {
      await page.locator('#refresh-status[data-state="live"]').waitFor({ timeout: 10_000 });
      const first = apiCalls(requests);

      await page.clock.runFor(30_000);
      await page.waitForLoadState('networkidle');
      const afterRefresh = apiCalls(requests);
      await page.locator('#outcome').selectOption('refused');
      await page.locator('#hours').selectOption('168');
      await page.waitForLoadState('networkidle');

      expect(first).toEqual(['/stats?hours=24', '/webhooks/recent?limit=50', '/health']);
      expect(afterRefresh).toEqual([...first, ...first]);
      expect(apiCalls(requests).slice(6)).toEqual([
        '/stats?hours=24',
        '/webhooks/recent?limit=50&outcome=refused',
        '/health',
        '/stats?hours=168',
        '/webhooks/recent?limit=50&outcome=refused',
        '/health',
      ]);
    } finally {
      await page.close();
    }
  });

  it('says a refused token is not accepted and asks nothing more', async () => {
    const { page, requests } = await openOps({ token: 'not-a-token' });
    try {
      await page.locator('#refresh-status[data-state="stopped"]').waitFor({ timeout: 10_000 });
      const before = apiCalls(requests).length;

      await page.clock.runFor(5 * 60_000);
      await page.waitForLoadState('networkidle');

      expect(await page.locator('#refresh-status').textContent()).toBe('Stopped: token not accepted');
      expect(await page.locator('#notice').textContent()).toBe(
        'Your token is not accepted (one from an earlier npm start is not, unless JWT_SECRET was kept): get a new one with npx switchboard token --tenant <tenant> and open this page with ?token=<it> (or restart npm start for a fresh link).',
      );
      expect(before).toBe(3);
      expect(apiCalls(requests)).toHaveLength(before);
    } finally {
      await page.close();
    }
  });

  it("explains a 403 for another tenant's figures and stops", async () => {
    const { page, requests } = await openOps({ token: validToken, tenant: 'other' });
    try {
      await page.locator('#refresh-status[data-state="stopped"]').waitFor({ timeout: 10_000 });
      const before = apiCalls(requests).length;

      await page.clock.runFor(5 * 60_000);
      await page.waitForLoadState('networkidle');

      expect(await page.locator('#notice').textContent()).toBe(
        "The API refused these figures (403: not your tenant). Open this page without tenant= for the token's own tenant's.",
      );
      expect(apiCalls(requests)).toHaveLength(before);
    } finally {
      await page.close();
    }
  });

  it('says when the API cannot be reached, without a stack trace, and tries again at the next refresh', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { page, requests } = await openOps({ token: validToken, api: closed });
    try {
      await page.locator('#refresh-status[data-state="offline"]').waitFor({ timeout: 10_000 });
      const notice = await page.locator('#notice').textContent();
      const healthStatus = await page.locator('#health-status').textContent();
      const first = apiCalls(requests);

      await page.clock.runFor(30_000);
      await page.waitForLoadState('networkidle');

      expect(notice).toBe(`Could not reach the API at ${closed} (Failed to fetch); trying again in 30 s.`);
      expect(healthStatus).toBe(`Queue depths unavailable: could not reach ${closed}/health (Failed to fetch).`);
      expect(first).toEqual(['/stats?hours=24', '/webhooks/recent?limit=50', '/health']);
      expect(apiCalls(requests)).toEqual([...first, ...first]);
    } finally {
      await page.close();
    }
  });
});

describe('the operations page as the gateway serves it', () => {
  it.each(Object.entries(inboxVendorFiles))('serves /%s from node_modules, as JavaScript', async (path, file) => {
    const response = await fetch(`${gateway.url}/${path}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(file))).toBe(true);
  });

  it.each(['/vendor/chart.umd.js', '/vendor/../../node_modules/chart.js/dist/chart.umd.min.js', '/%2e%2e/node_modules/chart.js/dist/chart.umd.min.js', '/vendor/chart.umd.min.js/..%2f..%2fpackage.json'])(
    'serves nothing else of node_modules or the project: %s',
    async (path) => {
      const answer = await rawExchange(gateway.url, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    },
  );
});

describe('npm run build:inbox', () => {
  it('ships the operations page and Chart.js beside it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ops-build-'));
    try {
      await promisify(execFile)(process.execPath, ['bin/build-inbox.ts', '--out', out], { cwd: root });

      expect((await readdir(out)).filter((file) => file.startsWith('ops'))).toEqual(['ops-model.js', 'ops.css', 'ops.html', 'ops.js']);
      expect(await readdir(join(out, 'vendor'))).toEqual(['chart.umd.min.js']);
      expect((await readFile(join(out, 'vendor', 'chart.umd.min.js'))).equals(await readFile(inboxVendorFiles['vendor/chart.umd.min.js']!))).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
