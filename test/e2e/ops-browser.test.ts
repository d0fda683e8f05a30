import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attempt, StatsReport } from '../../functions/core/stats.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { launchChromium, recordPolicyViolations, recordRequests } from '../helpers/browser.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { inboundSmsFields, signedTwilioRequest } from '../helpers/twilio.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * The operations page (ops.html) in headless Chromium against `npm start`: after a good, a badly
 * signed and a quarantinable webhook, Chart.js holds exactly the counts the API reports, the
 * refused request is listed and marked, and an expired token stops the page. The first test's
 * screenshot is the README's (docs/operations.png), refreshed with OPS_SCREENSHOT=docs/operations.png.
 */

const screenshot = resolve(process.env.OPS_SCREENSHOT ?? join(tmpdir(), 'switchboard-operations.png'));
const tenant = 'ops-browser';
const authToken = 'ops-browser-auth-token';

let stack: LocalStackProcess;
let browser: Browser;
let token: string;

/** Posts a Twilio SMS webhook to `url`, signed with `secret`; answers the status. */
const postSms = async (url: string, secret: string, fields: Record<string, string>): Promise<number> => {
  const request = signedTwilioRequest(url, secret, fields);
  const response = await fetch(url, { method: 'POST', body: request.body, headers: request.headers });
  return response.status;
};

/** What the API answers the tenant's token, as the page asks for it. */
const apiGet = async <Answer>(path: string): Promise<Answer> => {
  const response = await fetch(`${stack.description.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
};

beforeAll(async () => {
  stack = await startLocalStackProcess();
  const { url } = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenant, '--secret', authToken])) as { url: string };
  token = (await stack.cli(['token', '--tenant', tenant])).trim();
  browser = await launchChromium();

  // Prepare: one good webhook, one signed with the wrong secret, and one the processor cannot understand (no MessageSid).
  const { MessageSid: _dropped, ...withoutSid } = inboundSmsFields({ Body: 'no sid' });
  expect(await postSms(url, authToken, inboundSmsFields({ Body: 'hello' }))).toBe(200);
  expect(await postSms(url, 'not-the-secret', inboundSmsFields({ Body: 'forged' }))).toBe(401);
  expect(await postSms(url, authToken, withoutSid)).toBe(200);
  // The processor settles the two accepted ones in the background.
  await eventually('the processor to count and settle both accepted webhooks', async () => {
    const { totals } = await apiGet<StatsReport>('/stats?hours=1');
    const { attempts } = await apiGet<{ attempts: Attempt[] }>('/webhooks/recent?limit=50');
    const settled = attempts.filter(({ outcome }) => outcome === 'stored' || outcome === 'quarantined').length === 2;
    return totals.processed === 1 && totals.quarantined === 1 && settled ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const openOps = async (query: Record<string, string>) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
  await page.clock.install();
  const requests = recordRequests(page, stack.description.httpUrl);
  const violations = recordPolicyViolations(page);
  await page.goto(`${stack.description.httpUrl}/ops.html?${new URLSearchParams(query)}`);
  return { page, requests, violations };
};

const apiCalls = (requests: readonly string[]) => requests.filter((path) => /^\/(stats|webhooks\/recent|health)\b/.test(path));

/** Each series' total, as Chart.js holds it for the canvas. */
const chartTotals = (page: Page, canvasId: string) =>
  page.evaluate((id) => {
    const { Chart, document } = globalThis as unknown as {
      Chart: { getChart(canvas: unknown): { data: { datasets: { label: string; data: number[] }[] } } | undefined };
      document: { getElementById(id: string): unknown };
    };
    const chart = Chart.getChart(document.getElementById(id));
    return Object.fromEntries((chart?.data.datasets ?? []).map(({ label, data }) => [label, data.reduce((sum, n) => sum + n, 0)]));
  }, canvasId);

describe('the operations page against the local stack', () => {
  it('charts exactly the webhooks posted, and lists the refused one, marked, with its reason', async () => {
    const { page, violations } = await openOps({ token });
    try {
      await page.locator('#refresh-status[data-state="live"]').waitFor({ timeout: 15_000 });
      const { attempts } = await apiGet<{ attempts: Attempt[] }>('/webhooks/recent?limit=50');
      const refused = attempts.find(({ outcome }) => outcome === 'refused');

      const counts = await chartTotals(page, 'counts-chart');
      const recent = await page.locator('#recent-table tbody tr').evaluateAll((rows) =>
        (rows as unknown as { className: string; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> }[]).map((row) => ({
          className: row.className,
          outcome: row.querySelectorAll('td')[1]?.textContent,
          reason: row.querySelectorAll('td')[5]?.textContent,
        })),
      );

      expect(counts).toEqual({ received: 3, acked: 2, refused: 1, processed: 1, quarantined: 1 });
      expect(await page.locator('canvas#lag-chart').count()).toBe(1);
      expect(refused?.reason).toBeTruthy();
      expect(recent).toHaveLength(3);
      expect(recent.filter(({ className }) => className === 'problem')).toEqual(
        attempts.filter(({ outcome }) => outcome !== 'acked' && outcome !== 'stored').map(({ outcome, reason }) => ({ className: 'problem', outcome: `⚠ ${outcome}`, reason: reason ?? '' })),
      );
      expect(recent.map(({ outcome }) => outcome).sort()).toEqual(['stored', '⚠ quarantined', '⚠ refused']);
      expect(await page.locator('#quarantined-count').textContent()).toBe('1');
      expect(await page.locator('#dlq-depth').textContent()).toBe('0');
      expect(violations).toEqual([]);
      await mkdir(dirname(screenshot), { recursive: true });
      // Not fullPage: resizing the viewport for it would make Chart.js redraw mid-capture.
      await page.screenshot({ path: screenshot });
    } finally {
      await page.close();
    }
  });

  it("says why another tenant's figures are refused to a tenant's token, and stops", async () => {
    const { page, requests } = await openOps({ token, tenant: 'someone-else' });
    try {
      await page.locator('#refresh-status[data-state="stopped"]').waitFor({ timeout: 15_000 });
      const asked = apiCalls(requests);

      await page.clock.runFor(5 * 60_000);
      await page.waitForLoadState('networkidle');

      expect(await page.locator('#notice').textContent()).toMatch(/^The API refused these figures \(403: .+\)\. Open this page without tenant= for the token's own tenant's\.$/);
      expect(apiCalls(requests)).toEqual(asked);
    } finally {
      await page.close();
    }
  });

  it('says an expired token expired, and asks the API nothing more', async () => {
    const expired = await issueToken(tenant, stack.description.jwtSecret, -60);
    const { page, requests } = await openOps({ token: expired });
    try {
      await page.locator('#refresh-status[data-state="stopped"]').waitFor({ timeout: 15_000 });
      const asked = apiCalls(requests);

      await page.clock.runFor(5 * 60_000);
      await page.waitForLoadState('networkidle');

      expect(await page.locator('#notice').textContent()).toBe(
        `Your token expired: get a new one with npx switchboard token --tenant ${tenant} and open this page with ?token=<it> (or restart npm start for a fresh link).`,
      );
      expect(asked).toEqual(['/stats?hours=24', '/webhooks/recent?limit=50', '/health']);
      expect(apiCalls(requests)).toEqual(asked);
    } finally {
      await page.close();
    }
  });
});
