import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaFetcher, downloaderFor } from '../../functions/adapters/media-fetch.ts';
import { defaultMediaLimits, MediaUnavailable } from '../../functions/core/media.ts';
import { startGraphApiStandIn, type GraphApiStandIn } from '../../lib/local/provider-standins/graph-api.ts';
import { startTwilioApiStandIn, type TwilioApiStandIn } from '../../lib/local/provider-standins/twilio-api.ts';
import { freePort } from '../helpers/ports.ts';

/** The media function's downloads against the Graph and Twilio stand-ins' media endpoints, as it runs locally. */

const accessToken = 'EAAG-media-token';
const accountSid = 'AC0123456789abcdef0123456789abcdef';
const authToken = 'twilio-auth-token-of-the-account';
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const messageSid = `MM${'1'.repeat(32)}`;
const mediaSid = () => `ME${randomBytes(16).toString('hex')}`;

let graph: GraphApiStandIn;
let twilio: TwilioApiStandIn;

beforeAll(async () => {
  graph = await startGraphApiStandIn({ port: await freePort(), webhookOf: async () => undefined, knowsToken: async (token) => token === accessToken });
  twilio = await startTwilioApiStandIn({ port: await freePort(), authTokenOf: async (sid) => (sid === accountSid ? authToken : undefined) });
});

afterAll(async () => {
  await Promise.all([graph?.stop(), twilio?.stop()]);
});

const fetchFile = (limits = {}) => createMediaFetcher({ limits: { ...defaultMediaLimits, ...limits }, loopbackOrigins: [graph.url, twilio.url], backoffBaseMs: 5 }).fetchFile;
const download = (credentials?: Parameters<typeof downloaderFor>[1]['credentials'], limits = {}) =>
  downloaderFor(fetchFile(limits), { graphApiBaseUrl: graph.url, twilioApiBaseUrl: twilio.url, ...(credentials && { credentials }) });
const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(MediaUnavailable);
  return (error as MediaUnavailable).failure;
};

describe('WhatsApp media through the Graph API stand-in', () => {
  it('resolves a media id with the business token to a URL that takes the same token, with the file’s type and SHA-256', async () => {
    graph.media.put('1013859600285441', { contentType: 'image/png', bytes: png });

    const file = await download({ provider: 'meta', accessToken })({ kind: 'graph', mediaId: '1013859600285441' });

    expect(file).toEqual({ bytes: png, declaredType: 'image/png', sha256: createHash('sha256').update(png).digest('hex') });
  });

  it('answers the lookup as Graph does: 401 for an unknown token, and a download needs the token too', async () => {
    graph.media.put('1013859600285442', { contentType: 'image/png', bytes: png });
    expect(await failureOf(download({ provider: 'meta', accessToken: 'not-a-token' })({ kind: 'graph', mediaId: '1013859600285442' }))).toBe('unauthorized');
    const lookup = (await (await fetch(`${graph.url}/v23.0/1013859600285442`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as { url: string; file_size: string; messaging_product: string };
    expect(lookup).toMatchObject({ messaging_product: 'whatsapp', file_size: String(png.length) });
    expect((await fetch(lookup.url)).status).toBe(401);
  });

  it('needs the endpoint’s Meta token: without send credentials a media id is not fetched at all', async () => {
    expect(await failureOf(download()({ kind: 'graph', mediaId: '1013859600285441' }))).toBe('not_configured');
  });

  it('fails an unknown media id, an expired download and a stalled one, each with its reason', async () => {
    graph.media.put('3', { contentType: 'image/png', bytes: png, fault: 'expired' });
    graph.media.put('4', { contentType: 'image/png', bytes: png, fault: 'stall' });
    expect(await failureOf(download({ provider: 'meta', accessToken })({ kind: 'graph', mediaId: '999' }))).toBe('http_400');
    expect(await failureOf(download({ provider: 'meta', accessToken })({ kind: 'graph', mediaId: '3' }))).toBe('http_404');
    expect(await failureOf(download({ provider: 'meta', accessToken }, { timeoutMs: 100, attempts: 1 })({ kind: 'graph', mediaId: '4' }))).toBe('timeout');
  });
});

describe('MMS media through the Twilio stand-in', () => {
  it('takes the account’s credentials and follows Twilio’s redirect to its CDN', async () => {
    const sid = mediaSid();
    twilio.media.put(sid, { contentType: 'image/png', bytes: png });
    const url = twilio.mediaUrlOf(accountSid, messageSid, sid);

    const redirect = await fetch(url, { redirect: 'manual', headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` } });
    const file = await download({ provider: 'twilio', accountSid, authToken })({ kind: 'url', url });

    expect(redirect.status).toBe(307);
    expect(file).toEqual({ bytes: png, declaredType: 'image/png' });
    expect(await failureOf(download()({ kind: 'url', url }))).toBe('unauthorized');
  });

  it('serves a 50 MB file as a stream the cap stops, with or without its Content-Length, and a failing one 500 on every attempt', async () => {
    const declared = mediaSid();
    const chunked = mediaSid();
    const failing = mediaSid();
    twilio.media.put(declared, { contentType: 'video/mp4', sizeBytes: 50 * 1024 * 1024 });
    twilio.media.put(chunked, { contentType: 'video/mp4', sizeBytes: 50 * 1024 * 1024, chunked: true });
    twilio.media.put(failing, { contentType: 'image/png', bytes: png, fault: 'fail' });
    const credentials = { provider: 'twilio' as const, accountSid, authToken };

    expect(await failureOf(download(credentials)({ kind: 'url', url: twilio.mediaUrlOf(accountSid, messageSid, declared) }))).toBe('too_large');
    expect(await failureOf(download(credentials)({ kind: 'url', url: twilio.mediaUrlOf(accountSid, messageSid, chunked) }))).toBe('too_large');
    expect(await failureOf(download(credentials)({ kind: 'url', url: twilio.mediaUrlOf(accountSid, messageSid, failing) }))).toBe('http_500');
  });

  it('registers a file through the control route, and refuses one it cannot read', async () => {
    const sid = mediaSid();
    const put = (body: unknown) => fetch(`${twilio.url}/_switchboard/media/${sid}`, { method: 'PUT', body: JSON.stringify(body) });

    expect((await put({ contentType: 'image/png', base64: png.toString('base64') })).status).toBe(201);
    expect((await put({ contentType: 'image/png', fault: 'melt' })).status).toBe(400);
    expect(twilio.media.get(sid)).toEqual({ contentType: 'image/png', bytes: png });
  });
});
