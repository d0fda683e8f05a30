import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { reportOf, windowOf, type Attempt, type BucketRow } from '../../../functions/core/stats.ts';
import { grantOfToken } from '../../../functions/core/tokens.ts';
import { durationText, formatRecent, formatStats, readRecent, readStats, recentPath, refusedText, statsPath } from '../../../lib/cli/stats.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';

const row = (tenantId: string, endpointId: string, provider: string, values: Record<string, number>): BucketRow => ({ tenantId, hour: '2026-12-03T14', provider, endpointId, values });
const window = windowOf(new Date('2026-12-03T14:25:00.000Z'), 24);

describe('the API paths of switchboard stats and recent', () => {
  it('passes the flags given as they are, and no others', () => {
    expect(statsPath({})).toBe('/stats');
    expect(statsPath({ provider: 'twilio', hours: '6', tenant: 'acme & co' })).toBe('/stats?provider=twilio&hours=6&tenant=acme+%26+co');
    expect(recentPath({ endpoint: 'ep_1', outcome: 'refused', limit: '5' })).toBe('/webhooks/recent?endpointId=ep_1&outcome=refused&limit=5');
    expect(recentPath({ tenant: 'globex' })).toBe('/webhooks/recent?tenant=globex');
  });
});

describe('formatStats', () => {
  it('prints the window, a row per endpoint busiest first with its top refusal reasons, and a total row', () => {
    // Prepare
    const report = reportOf(
      [
        row('acme', 'ep_sms', 'twilio', { received: 12, acked: 7, refused_signature: 4, refused_replayed: 1, processed: 7, lag_receivedToStored_27: 7 }),
        row('globex', 'ep_wa', 'meta', { received: 3, acked: 3, processed: 2, quarantined: 1, sent: 5, sendFailed: 1 }),
      ],
      { tenantId: null, provider: null },
      window,
    );

    // Act
    const lines = formatStats(report);

    // Assess
    expect(lines).toEqual([
      'Every tenant, last 24 hours (2026-12-02T15:00:00Z to 2026-12-03T15:00:00Z):',
      'TENANT  ENDPOINT  PROVIDER  RECEIVED  ACKED  REFUSED                      PROCESSED  QUARANTINED  FAILED  SENT  SEND FAILED  STORED LAG p50/p99',
      'acme    ep_sms    twilio    12        7      5 (signature 4, replayed 1)  7          0            0       0     0            108 ms / 108 ms',
      'globex  ep_wa     meta      3         3      0                            2          1            0       5     1            -',
      'total                       15        10     5 (signature 4, replayed 1)  9          1            0       5     1            108 ms / 108 ms',
    ]);
  });

  it("says so when the window has no webhooks, naming the tenant and provider asked for", () => {
    expect(formatStats(reportOf([], { tenantId: 'acme', provider: 'meta' }, windowOf(new Date('2026-12-03T14:25:00.000Z'), 1)))).toEqual([
      'Tenant acme, provider meta, last 1 hour (2026-12-03T14:00:00Z to 2026-12-03T15:00:00Z): no webhooks.',
    ]);
  });

  it('names at most three refusal reasons, the most frequent first', () => {
    expect(refusedText({ refused: 10, refusedByReason: { bad_request: 1, replayed: 2, signature: 5, too_large: 2 } })).toBe('10 (signature 5, replayed 2, too_large 2)');
    expect(refusedText({ refused: 0, refusedByReason: {} })).toBe('0');
  });

  it.each([
    [7, '7 ms'],
    [999, '999 ms'],
    [1_500, '1.5 s'],
    [90_000, '1.5 min'],
  ])('shows %i ms as %s', (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});

describe('formatRecent', () => {
  const attempt: Attempt = {
    at: '2026-12-03T14:25:00.123Z',
    requestId: 'req_1',
    tenantId: 'acme',
    endpointId: 'ep_sms',
    provider: 'twilio',
    outcome: 'refused',
    reason: 'signature',
    statusCode: 401,
    bytes: 412,
    latencyMs: 7,
  };

  it('prints each attempt, newest first as given, a dash for no reason, and a reason on one line', () => {
    const lines = formatRecent({ attempts: [attempt, { ...attempt, requestId: 'req_2', outcome: 'quarantined', reason: 'not a Twilio\ninbound message', statusCode: 200, bytes: 9, latencyMs: 1200 }, { ...attempt, outcome: 'acked', reason: undefined, statusCode: 200 }], truncated: false });

    expect(lines).toEqual([
      'TIME                      TENANT  ENDPOINT  PROVIDER  OUTCOME      REASON                        STATUS  BYTES  LATENCY',
      '2026-12-03T14:25:00.123Z  acme    ep_sms    twilio    refused      signature                     401     412    7 ms',
      '2026-12-03T14:25:00.123Z  acme    ep_sms    twilio    quarantined  not a Twilio inbound message  200     9      1.2 s',
      '2026-12-03T14:25:00.123Z  acme    ep_sms    twilio    acked        -                             200     412    7 ms',
    ]);
  });

  it('says when nothing matches, and when it stopped reading early', () => {
    expect(formatRecent({ attempts: [], truncated: true })).toEqual([
      'No webhook attempts match (they are kept 24 hours).',
      '(Stopped reading before the oldest attempts: older ones may match too; narrow it with --endpoint or --tenant.)',
    ]);
  });
});

describe('reading the API', () => {
  const secret = 'a-jwt-secret-of-at-least-32-bytes-long!';
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  /** An API that answers every GET with `status` and `body`, and remembers what it was asked. */
  const api = async (status: number, body: unknown) => {
    const seen: { url?: string; authorization?: string }[] = [];
    const server = createServer((request, response) => {
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization ?? '' });
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => server.close();
    const target = { ...inMemoryTarget().target, publicBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, jwtSecret: async () => secret, sendKey: async () => '' };
    return { seen, target };
  };
  const wrong = (message: string) => new UsageError(message, { usage: ['usage: switchboard stats'] });

  it("calls with a five-minute admin token signed with the stack's secret, and hands back the answer", async () => {
    // Prepare
    const { seen, target } = await api(200, { attempts: [], truncated: false });

    // Act
    const answer = await readRecent(target, { outcome: 'refused' }, { wrong });

    // Assess
    expect(answer).toEqual({ attempts: [], truncated: false });
    expect(seen.map(({ url }) => url)).toEqual(['/webhooks/recent?outcome=refused']);
    const token = seen[0]?.authorization?.replace(/^Bearer /, '') ?? '';
    expect(await grantOfToken(token, secret)).toEqual({ tenantId: 'switchboard-cli', admin: true });
    const { iat, exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { iat: number; exp: number };
    expect(exp - iat).toBe(300);
  });

  it('calls with the token given instead, when one is', async () => {
    const { seen, target } = await api(200, { attempts: [], truncated: false });

    await readRecent(target, {}, { token: 'an.oidc.token', wrong });

    expect(seen[0]?.authorization).toBe('Bearer an.oidc.token');
  });

  it('turns a refused minted token into a usage error that asks for --token', async () => {
    const { target } = await api(401, { error: 'a valid token is required: Authorization: Bearer <JWT>', reason: 'unauthenticated' });

    const refused = readStats(target, {}, { wrong });

    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toMatchObject({
      message: "the stack refused a token signed with its secret: a stack whose tokens come from an OIDC issuer needs --token <jwt>, one of the issuer's tokens (it reads its own tenant's figures only)",
      usage: ['usage: switchboard stats'],
    });
  });

  it("passes on the API's reason for a value it refuses, as a usage error", async () => {
    const { target } = await api(400, { error: 'hours must be a whole number from 1 to 168', reason: 'bad_request' });

    await expect(readStats(target, { hours: '500' }, { wrong })).rejects.toEqual(new UsageError('hours must be a whole number from 1 to 168'));
  });

  it("refuses another tenant's figures asked for with a tenant's token as a usage error, with the API's reason", async () => {
    const { target } = await api(403, { error: "this token reads its own tenant's figures only (acme)", reason: 'forbidden' });

    await expect(readStats(target, { tenant: 'globex' }, { token: 'a.tenant.token', wrong })).rejects.toEqual(new UsageError("this token reads its own tenant's figures only (acme)"));
  });

  it('refuses an empty --tenant, which would read every tenant, before asking anything', async () => {
    const { seen, target } = await api(200, { attempts: [], truncated: false });

    await expect(readRecent(target, { tenant: ' ' }, { wrong })).rejects.toMatchObject({ message: "--tenant needs a tenant id (leave it out for every tenant's figures)", usage: ['usage: switchboard stats'] });
    expect(seen).toEqual([]);
  });
});
