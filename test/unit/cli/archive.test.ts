import { describe, expect, it } from 'vitest';
import type { BodyStore } from '../../../functions/adapters/body-store.ts';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import type { Envelope } from '../../../functions/core/envelope.ts';
import { loadProvider } from '../../../functions/providers/registry.ts';
import type { Provider } from '../../../functions/providers/types.ts';
import { describeReplay, formatSearch, replayArchive, replayVerdict, searchArchive, type ArchiveTarget, type Examined } from '../../../lib/cli/archive.ts';
import { daysOf, parseArchiveRange } from '../../../lib/cli/archive-range.ts';
import type { QueueTarget } from '../../../lib/cli/target.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';
import { anEndpoint, authToken, endpointId, endpointUrl, type InlineEnvelope } from '../../helpers/factories.ts';

describe('the range of archive search and replay', () => {
  it.each([
    [['2026-12-03', '2026-12-04'], ['2026-12-03T00:00:00.000Z', '2026-12-04T00:00:00.000Z']],
    [['2026-12-03T09:30:00Z', '2026-12-03T10:00:00.5Z'], ['2026-12-03T09:30:00.000Z', '2026-12-03T10:00:00.500Z']],
    [['2026-12-03T09:30:00+02:00', '2026-12-04'], ['2026-12-03T07:30:00.000Z', '2026-12-04T00:00:00.000Z']],
  ])('reads %j as times with their zone, or dates as their midnight UTC', ([from = '', to = ''], expected) => {
    const range = parseArchiveRange(from, to);

    expect([range.from.toISOString(), range.to.toISOString()]).toEqual(expected);
  });

  it.each([
    ['yesterday', '2026-12-04', '--from "yesterday" is not a time'],
    ['2026-12-03T09:30:00', '2026-12-04', '--from "2026-12-03T09:30:00" is not a time'],
    ['2026-12-03', '2026-13-01', '--to "2026-13-01" is not a time'],
    ['', '2026-12-04', '--from "" is not a time'],
    ['2026-12-04', '2026-12-04', '--from must be before --to'],
    ['2026-12-05', '2026-12-04', '--from must be before --to'],
    ['2026-11-01', '2026-12-02T00:00:00.001Z', 'the range is longer than 31 days'],
  ])('refuses --from %j --to %j: %s', (from, to, problem) => {
    let thrown: unknown;
    try {
      parseArchiveRange(from, to);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message.startsWith(problem)).toBe(true);
  });

  it('takes 31 days exactly', () => {
    expect(daysOf(parseArchiveRange('2026-11-01', '2026-12-02'))).toHaveLength(31);
  });

  it.each([
    [['2026-12-03', '2026-12-04'], ['2026-12-03']],
    [['2026-12-03T23:59:00Z', '2026-12-04T00:00:00.001Z'], ['2026-12-03', '2026-12-04']],
    [['2026-12-31T12:00:00Z', '2027-01-02T01:00:00Z'], ['2026-12-31', '2027-01-01', '2027-01-02']],
  ])('lists the archive days of %j: %j', ([from = '', to = ''], days) => {
    expect(daysOf(parseArchiveRange(from, to))).toEqual(days);
  });
});

const twilio = (await loadProvider('twilio')) as Provider;
const standard = (await loadProvider('standard')) as Provider;

/** An envelope as the ack queues it: the provider's own signed sample, its kept headers, received at `receivedAt`. */
const anEnvelope = (provider: Provider, overrides: { receivedAt: string; requestId: string; text?: string; to?: string; secret?: string; endpointId?: string; tenantId?: string }): InlineEnvelope => {
  const url = `https://hooks.example.com/webhooks/${provider.name}/${overrides.endpointId ?? endpointId}`;
  const sample = provider.sample({
    url,
    secret: overrides.secret ?? provider.contract.credentials.secret,
    text: overrides.text ?? 'hello',
    ...(overrides.to !== undefined && { to: overrides.to }),
    now: new Date(overrides.receivedAt),
  });
  const headers = Object.fromEntries(provider.keptHeaders.flatMap((name) => (sample.headers[name] === undefined ? [] : [[name, sample.headers[name]]])));
  return {
    version: 1,
    requestId: overrides.requestId,
    provider: provider.name,
    endpointId: overrides.endpointId ?? endpointId,
    tenantId: overrides.tenantId ?? 'acme',
    receivedAt: overrides.receivedAt,
    url,
    headers,
    body: Buffer.from(sample.body).toString('base64'),
  };
};

const examined = (provider: Provider, envelope: Envelope, endpoint: Endpoint | undefined): Examined => {
  const body = 'body' in envelope ? Buffer.from(envelope.body, 'base64') : undefined;
  return { text: JSON.stringify(envelope), envelope, endpoint, provider, body, events: { parsed: body ? provider.normalize({ url: envelope.url, headers: envelope.headers, body }) : [] } };
};

describe('whether an archived request is replayed', () => {
  const receivedAt = '2026-11-22T12:00:00.000Z';
  const envelope = anEnvelope(twilio, { receivedAt, requestId: 'req_1', secret: authToken });
  const endpoint = anEndpoint();

  it('replays one that verifies with its endpoint as it is now', () => {
    expect(replayVerdict(examined(twilio, envelope, endpoint), undefined)).toEqual({ replay: true });
    expect(replayVerdict(examined(twilio, envelope, anEndpoint({ secrets: ['a-newer-token', authToken] })), 'acme')).toEqual({ replay: true });
  });

  it('verifies a signed timestamp at the time the request was received, not now', () => {
    const signedLongAgo = anEnvelope(standard, { receivedAt: '2026-01-05T08:00:00.000Z', requestId: 'req_2' });
    const standardEndpoint = anEndpoint({ provider: 'standard', secrets: [standard.contract.credentials.secret] });

    expect(replayVerdict(examined(standard, signedLongAgo, standardEndpoint), undefined)).toEqual({ replay: true });
    // The same request received a day later would have been out of its tolerance.
    expect(replayVerdict(examined(standard, { ...signedLongAgo, receivedAt: '2026-01-06T08:00:00.000Z' }, standardEndpoint), undefined)).toMatchObject({ replay: false, reason: 'not_verified' });
  });

  it.each([
    ['its endpoint is gone', undefined, envelope, { reason: 'endpoint_gone', detail: `no twilio endpoint ${endpointId}` }],
    ['its endpoint id is now another provider', anEndpoint({ provider: 'meta' }), envelope, { reason: 'endpoint_gone', detail: `no twilio endpoint ${endpointId}` }],
    ["its endpoint is now another tenant's", anEndpoint({ tenantId: 'globex' }), envelope, { reason: 'tenant_changed', detail: 'received for acme' }],
    ['the secret it was signed with was rotated away', anEndpoint({ secrets: ['a-newer-token'] }), envelope, { reason: 'not_verified' }],
    [
      'its archived body was changed',
      endpoint,
      { ...envelope, body: Buffer.from(Buffer.from(envelope.body, 'base64').toString('utf8').replace('hello', 'HELLO')).toString('base64') },
      { reason: 'not_verified' },
    ],
    ['its url was changed', endpoint, { ...envelope, url: `${endpointUrl}?x=1` }, { reason: 'not_verified' }],
    ['its tenant was changed', endpoint, { ...envelope, tenantId: 'globex' }, { reason: 'tenant_changed', detail: 'received for globex' }],
  ] as const)('refuses one when %s', (_, current, archived, refusal) => {
    expect(replayVerdict(examined(twilio, archived, current), undefined)).toMatchObject({ replay: false, ...refusal });
  });

  it("refuses, for one tenant, a request that also carries another tenant's events (a shared app's routes)", () => {
    const shared = anEndpoint({ routes: { '+15005550006': 'globex' } });
    const forGlobex = examined(twilio, anEnvelope(twilio, { receivedAt, requestId: 'req_3', secret: authToken, to: '+15005550006' }), shared);

    expect(replayVerdict(forGlobex, 'acme')).toEqual({ replay: false, reason: 'other_tenants', detail: 'globex' });
    expect(replayVerdict(forGlobex, 'globex')).toEqual({ replay: false, reason: 'other_tenants', detail: 'acme' });
    expect(replayVerdict(forGlobex, undefined)).toEqual({ replay: true });
  });
});

/** A body bucket in memory, as S3 lists it: keys in order. */
const inMemoryBodies = (objects: Record<string, string>): BodyStore => ({
  put: async (key, body) => void (objects[key] = body.toString('utf8')),
  get: async (key) => {
    const text = objects[key];
    if (text === undefined) throw new Error(`S3 GET bodies/${key} failed: NoSuchKey`, { cause: Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }) });
    return Buffer.from(text);
  },
  list: async (prefix) => Object.keys(objects).filter((key) => key.startsWith(prefix)).sort(),
});

const archiveOf = async (envelopes: readonly Envelope[], extra: Record<string, string> = {}, endpoints: readonly Endpoint[] = [anEndpoint()]): Promise<ArchiveTarget> => {
  const { target, stored } = inMemoryTarget();
  for (const endpoint of endpoints) stored.set(endpoint.endpointId, endpoint);
  const objects = { ...extra, ...Object.fromEntries(envelopes.map((envelope) => [`archive/${envelope.receivedAt.slice(0, 10)}/${envelope.requestId}.json`, JSON.stringify(envelope)])) };
  // Replays on a dry run only: a queue that is used fails the test.
  const queue = { bodies: inMemoryBodies(objects), sqs: { send: () => Promise.reject(new Error('a dry run sent something')) } } as unknown as QueueTarget;
  return { queue, endpoints: target.endpoints };
};

const sidOf = (envelope: Envelope): string => new URLSearchParams(Buffer.from('body' in envelope ? envelope.body : '', 'base64').toString('utf8')).get('MessageSid') ?? '';

describe('searching the archive', () => {
  const early = anEnvelope(twilio, { receivedAt: '2026-11-22T23:59:59.999Z', requestId: 'req_early', secret: authToken, text: 'my PIN is 8642' });
  const late = anEnvelope(twilio, { receivedAt: '2026-11-23T00:00:01.000Z', requestId: 'req_late', secret: authToken });
  const outside = anEnvelope(twilio, { receivedAt: '2026-11-23T12:00:00.000Z', requestId: 'req_outside', secret: authToken });
  const globex = anEnvelope(twilio, { receivedAt: '2026-11-22T10:00:00.000Z', requestId: 'req_globex', secret: authToken, endpointId: 'ep_globex', tenantId: 'globex' });
  const endpoints = [anEndpoint(), anEndpoint({ endpointId: 'ep_globex', tenantId: 'globex' })];
  const range = parseArchiveRange('2026-11-22T00:00:00Z', '2026-11-23T12:00:00Z');

  it('lists, oldest first, the requests received in the range, with the ids the parser finds and never their content', async () => {
    const target = await archiveOf([late, outside, early, globex], { 'archive/2026-11-22/junk.json': 'not an envelope' }, endpoints);

    const result = await searchArchive(target, { range });

    expect(result).toEqual({
      requests: [
        { receivedAt: globex.receivedAt, requestId: 'req_globex', tenantId: 'globex', endpointId: 'ep_globex', provider: 'twilio', bytes: Buffer.from(globex.body, 'base64').length, providerIds: [sidOf(globex)] },
        { receivedAt: early.receivedAt, requestId: 'req_early', tenantId: 'acme', endpointId, provider: 'twilio', bytes: Buffer.from(early.body, 'base64').length, providerIds: [sidOf(early)] },
        { receivedAt: late.receivedAt, requestId: 'req_late', tenantId: 'acme', endpointId, provider: 'twilio', bytes: Buffer.from(late.body, 'base64').length, providerIds: [sidOf(late)] },
      ],
      notEnvelopes: ['archive/2026-11-22/junk.json'],
    });
    const [header, ...rows] = formatSearch(result);
    expect(header?.split(/ {2,}/)).toEqual(['RECEIVED AT', 'REQUEST', 'TENANT', 'ENDPOINT', 'PROVIDER', 'BYTES', 'PROVIDER IDS']);
    expect(rows.map((row) => row.split(/ {2,}/)[1])).toEqual(['req_globex', 'req_early', 'req_late', undefined]);
    expect(rows.at(-1)).toBe('1 archived object is not a Switchboard envelope, and left out: archive/2026-11-22/junk.json');
    expect(JSON.stringify(result) + formatSearch(result).join('\n')).not.toContain('8642');
  });

  it('finds a request by endpoint, tenant and provider id, and never another tenant\'s', async () => {
    const target = await archiveOf([late, early, globex], {}, endpoints);
    const requestIds = async (filter: Parameters<typeof searchArchive>[1]) => (await searchArchive(target, filter)).requests.map((request) => request.requestId);

    expect(await requestIds({ range, endpointId: 'ep_globex' })).toEqual(['req_globex']);
    expect(await requestIds({ range, tenantId: 'acme' })).toEqual(['req_early', 'req_late']);
    expect(await requestIds({ range, tenantId: 'globex' })).toEqual(['req_globex']);
    expect(await requestIds({ range, providerId: sidOf(late) })).toEqual(['req_late']);
    expect(await requestIds({ range, tenantId: 'acme', providerId: sidOf(globex) })).toEqual([]);
    expect(await requestIds({ range, tenantId: 'initech' })).toEqual([]);
  });

  it("shows, for one tenant, only its own ids of a request a shared app routes partly to another", async () => {
    const routed = anEnvelope(twilio, { receivedAt: '2026-11-22T11:00:00.000Z', requestId: 'req_routed', secret: authToken, to: '+15005550006' });
    const target = await archiveOf([routed], {}, [anEndpoint({ routes: { '+15005550006': 'globex' } })]);

    const [forAcme] = (await searchArchive(target, { range, tenantId: 'acme' })).requests;
    const [forGlobex] = (await searchArchive(target, { range, tenantId: 'globex' })).requests;

    expect(forAcme?.providerIds).toEqual([]);
    expect(forGlobex?.providerIds).toEqual([sidOf(routed)]);
    expect(await searchArchive(target, { range, tenantId: 'acme', providerId: sidOf(routed) })).toEqual({ requests: [], notEnvelopes: [] });
  });

  it('says so when nothing is in the range', async () => {
    expect(formatSearch(await searchArchive(await archiveOf([outside]), { range }))).toEqual(['No archived requests in that range.']);
  });

  it('finds no ids in a large body no longer kept, and says why', async () => {
    const { body: _inline, ...fields } = early;
    const large: Envelope = { ...fields, bodyKey: 'bodies/2026-11-22/req_early', bodyBytes: 40_000 };

    const { requests } = await searchArchive(await archiveOf([large]), { range });

    expect(requests).toEqual([expect.objectContaining({ requestId: 'req_early', bytes: 40_000, providerIds: [], unparsed: 'its large body is no longer kept' })]);
  });
});

describe('a dry run of archive replay', () => {
  const range = parseArchiveRange('2026-11-22', '2026-11-23');
  const good = anEnvelope(twilio, { receivedAt: '2026-11-22T08:00:00.000Z', requestId: 'req_good', secret: authToken });
  const rotated = anEnvelope(twilio, { receivedAt: '2026-11-22T09:00:00.000Z', requestId: 'req_rotated', secret: 'an-old-token' });
  const orphan = anEnvelope(twilio, { receivedAt: '2026-11-22T10:00:00.000Z', requestId: 'req_orphan', secret: authToken, endpointId: 'ep_gone' });

  it('counts and lists what would be replayed and what would not, sending nothing', async () => {
    const result = await replayArchive(await archiveOf([orphan, rotated, good]), { range }, { dryRun: true });

    expect(result).toEqual({
      dryRun: true,
      replayed: [{ receivedAt: good.receivedAt, requestId: 'req_good', tenantId: 'acme', endpointId, provider: 'twilio' }],
      refused: [
        { receivedAt: rotated.receivedAt, requestId: 'req_rotated', tenantId: 'acme', endpointId, provider: 'twilio', reason: 'not_verified', detail: expect.any(String) },
        { receivedAt: orphan.receivedAt, requestId: 'req_orphan', tenantId: 'acme', endpointId: 'ep_gone', provider: 'twilio', reason: 'endpoint_gone', detail: 'no twilio endpoint ep_gone' },
      ],
      notEnvelopes: [],
    });
    const [summary, blank, header, ...rows] = describeReplay(result);
    expect(summary).toBe('Dry run, nothing sent: would replay 1 archived request; would refuse 2: 1 endpoint gone, 1 no longer verifies.');
    expect(blank).toBe('');
    expect(header?.split(/ {2,}/)).toEqual(['RECEIVED AT', 'REQUEST', 'TENANT', 'ENDPOINT', 'PROVIDER', 'OUTCOME']);
    expect(rows.map((row) => row.split(/ {2,}/).slice(1, 2).concat(row.split(/ {2,}/)[5]?.split(':')[0] ?? ''))).toEqual([
      ['req_good', 'would replay'],
      ['req_rotated', 'no longer verifies'],
      ['req_orphan', 'endpoint gone'],
    ]);
  });

  it('says so when nothing is in the range', async () => {
    expect(describeReplay(await replayArchive(await archiveOf([]), { range }, { dryRun: true }))).toEqual(['No archived requests in that range.']);
  });
});
